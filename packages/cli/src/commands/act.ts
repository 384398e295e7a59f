/**
 * `talkbus act <action> '<json params>'`: calls one action and prints its result as JSON.
 */
import { actions } from '@talkbus/contracts';
import { connect, configFromFlags, waitForAction } from '../connect.ts';
import { printJson } from '../output.ts';
import { connectionHelp, connectionOptions, parse, positiveInt, UsageError } from '../usage.ts';

export const actHelp = `Usage: talkbus act <action> ['<json params>'] [options]

Calls an action and prints its result as JSON on stdout (exit 0). On failure prints
{"error": {name, code, message, data}} on stderr and exits 1; a bad command line exits 2.

Actions:
${Object.values(actions)
  .map((spec) => `  ${spec.name.padEnd(30)} ${spec.description}`)
  .join('\n')}

Example: talkbus act profile.create '{"account":"Alice_CMCC","sipUser":"8000"}'
${connectionHelp}`;

/** Parses the params argument: a JSON object. */
export function parseParams(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`params must be a JSON object: ${(err as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new UsageError('params must be a JSON object, e.g. \'{"account":"Alice"}\'');
  return value as Record<string, unknown>;
}

/** Runs an action on a node made for this command, then stops the node. */
export async function runAction(
  values: Parameters<typeof configFromFlags>[0] & { timeout?: string | undefined },
  name: string,
  params: unknown,
): Promise<unknown> {
  const timeout = positiveInt(values.timeout, '--timeout') ?? 10_000;
  const config = configFromFlags(values, { requestTimeout: timeout, connectTimeout: timeout });
  const node = await connect(config, [name]);
  try {
    if (config.transporter) await waitForAction(node, name, timeout);
    return await node.broker.call(name, params, { timeout });
  } finally {
    await node.stop();
  }
}

export async function act(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, connectionOptions);
  if (values.help) {
    console.log(actHelp);
    return 0;
  }
  const [name, json, ...rest] = positionals;
  if (!name) throw new UsageError('which action? e.g. talkbus act profile.list');
  if (rest.length > 0)
    throw new UsageError(`unexpected arguments: ${rest.join(' ')} (quote the JSON params as one argument)`);
  printJson(await runAction(values, name, parseParams(json)));
  return 0;
}
