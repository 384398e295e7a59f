/**
 * Usage errors and the shared connection flags of every command.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake on the command line: printed with the command's help, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Flags every command that talks to a node accepts. */
export const connectionOptions = {
  transporter: { type: 'string' },
  'data-dir': { type: 'string' },
  'node-id': { type: 'string' },
  config: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const connectionHelp = `Connection options:
  --transporter nats://HOST:PORT  talk to a running cluster over NATS (default: env TALKBUS_TRANSPORTER;
                                  without one, the command runs an embedded node on --data-dir)
  --data-dir DIR                  data directory of an embedded node (default ./data, env TALKBUS_DATA_DIR)
  --node-id ID                    this process's node ID
  --config FILE                   JSON config file (env TALKBUS_CONFIG)
  --timeout MS                    give up after MS milliseconds
  -h, --help                      this help`;

/** parseArgs that turns its errors into UsageErrors. */
export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Parses a positive integer flag. */
export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) <= 0)
    throw new UsageError(`${flag} must be a positive integer, got '${value}'`);
  return Number(value);
}
