/**
 * The `talkbus` command line.
 */
import { ConfigError, NodeStartError } from '@talkbus/runtime';
import { act, actHelp } from './commands/act.ts';
import { license, licenseHelp } from './commands/license.ts';
import { profile, profileHelp } from './commands/profile.ts';
import { start, startHelp } from './commands/start.ts';
import { watch, watchHelp } from './commands/watch.ts';
import { printError } from './output.ts';
import { UsageError } from './usage.ts';

const help = `Usage: talkbus <command> [options]

Commands:
  start                 run a talkbus node (embedded: all services, data under ./data)
  act ACTION [JSON]     call an action, print the result as JSON
  watch PATTERN         print events as JSON lines
  profile ...           accounts, provisioning, contacts, call logs
  license ...           this device's license, and the license server's keys

'talkbus <command> --help' tells more. Every command works against a running cluster with
--transporter nats://HOST:PORT (or env TALKBUS_TRANSPORTER).`;

const commands: Record<string, { run: (args: string[]) => Promise<number>; help: string }> = {
  start: { run: start, help: startHelp },
  act: { run: act, help: actHelp },
  watch: { run: watch, help: watchHelp },
  profile: { run: profile, help: profileHelp },
  license: { run: license, help: licenseHelp },
};

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`talkbus: unknown command '${name}'\n\n${help}`);
    return 2;
  }
  try {
    return await command.run(args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`talkbus ${name}: ${err.message}\n\n${command.help}`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof NodeStartError) {
      printError(err);
      return 1;
    }
    printError(err);
    return 1;
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      printError(err);
      process.exit(1);
    },
  );
}
