/**
 * `talkbus profile …`: account management (guide §5.1, §5.2, §4.3) as friendly subcommands over
 * the profile actions.
 */
import { runAction } from './act.ts';
import { printJson } from '../output.ts';
import { connectionHelp, connectionOptions, parse, UsageError } from '../usage.ts';

export const profileHelp = `Usage: talkbus profile <command> [arguments] [options]

Commands:
  list                               accounts in creation order
  create NAME [--sip-user U] [--display-name D]
  delete NAME                        deletes the account, all its data and its folder
  info NAME                          one account
  open NAME | close NAME             load / flush and unload an account
  get NAME [KEY ...]                 provisioning values (defaults until opened, guide §4.3)
  set NAME KEY=VALUE ...             sets values of an open account (VALUE is JSON or a string)
  path NAME                          the account's data folder
  contacts NAME                      the account's contacts
  calls NAME                         the account's call log, newest first

${connectionHelp}`;

/** KEY=VALUE → [key, value]; the value is JSON when it parses, else the text. */
export function parseAssignment(text: string): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`expected KEY=VALUE, got '${text}'`);
  const raw = text.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // not JSON: a plain string
  }
  return [text.slice(0, eq), value];
}

export async function profile(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...connectionOptions,
    'sip-user': { type: 'string' },
    'display-name': { type: 'string' },
  });
  const [command, account, ...rest] = positionals;
  if (values.help || !command) {
    console.log(profileHelp);
    return command || values.help ? 0 : 2;
  }
  const needAccount = () => {
    if (!account) throw new UsageError(`talkbus profile ${command} needs an account name`);
    return account;
  };
  const run = async (action: string, params: Record<string, unknown>) =>
    printJson(await runAction(values, action, params));
  switch (command) {
    case 'list':
      await run('profile.list', {});
      break;
    case 'create':
      await run('profile.create', {
        account: needAccount(),
        ...(values['sip-user'] !== undefined ? { sipUser: values['sip-user'] } : {}),
        ...(values['display-name'] !== undefined ? { displayName: values['display-name'] } : {}),
      });
      break;
    case 'delete':
    case 'info':
    case 'open':
    case 'close':
    case 'path':
      await run(`profile.${command}`, { account: needAccount() });
      break;
    case 'get':
      await run('profile.get', { account: needAccount(), ...(rest.length > 0 ? { keys: rest } : {}) });
      break;
    case 'set': {
      if (rest.length === 0) throw new UsageError('talkbus profile set NAME KEY=VALUE ...');
      // An embedded node: open, set, close in one process (set needs an open account, §4.3).
      await run('profile.set', { account: needAccount(), values: Object.fromEntries(rest.map(parseAssignment)) });
      break;
    }
    case 'contacts':
      await run('profile.contacts.list', { account: needAccount() });
      break;
    case 'calls':
      await run('profile.callLogs.list', { account: needAccount() });
      break;
    default:
      throw new UsageError(`unknown profile command '${command}'`);
  }
  return 0;
}
