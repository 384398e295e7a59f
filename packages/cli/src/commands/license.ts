/**
 * `talkbus license …`: this device's license (guide §3) and the issuing server's keys.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { connect, configFromFlags, waitForAction } from '../connect.ts';
import { printJson } from '../output.ts';
import { connectionHelp, connectionOptions, parse, positiveInt, UsageError } from '../usage.ts';
import { runAction } from './act.ts';

export const licenseHelp = `Usage: talkbus license <command> [options]

Device (client role):
  verify                                   checks this device's license (mode, signature, expiry, device)
  activate --server S --key K [--path P]   asks server S ('broker' or http(s) URL) for a license and waits
                                           for the license.activated event (exit 0 only when activated)
  deactivate --server S [--path P]         returns the seat and deletes the local license
Server role (a node with license.mode=server):
  add-key KEY --product P --seats N [--valid-days D]
  list-keys | public-key
  keygen --out FILE                        writes a new Ed25519 private key (PEM) for license.privateKeyPath

${connectionHelp}`;

/** Calls an action that answers at once and waits for the event that carries its result. */
async function actAndAwait(
  values: Parameters<typeof configFromFlags>[0] & { timeout?: string | undefined },
  action: string,
  params: Record<string, unknown>,
  event: string,
): Promise<Record<string, unknown>> {
  const timeout = positiveInt(values.timeout, '--timeout') ?? 15_000;
  const config = configFromFlags(values, { requestTimeout: timeout, connectTimeout: timeout });
  const node = await connect(config, [action]);
  try {
    let resolveEvent: (payload: Record<string, unknown>) => void = () => undefined;
    const result = new Promise<Record<string, unknown>>((resolve) => (resolveEvent = resolve));
    await node.broker.createService({
      name: `talkbus-cli-${process.pid}`,
      events: { [event]: { handler: (ctx: { params: Record<string, unknown> }) => resolveEvent(ctx.params) } },
    });
    if (config.transporter) await waitForAction(node, action, timeout);
    await node.broker.call(action, params, { timeout });
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`No ${event} event within ${timeout} ms`)), timeout);
    });
    try {
      return await Promise.race([result, expired]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await node.stop();
  }
}

export async function license(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...connectionOptions,
    server: { type: 'string' },
    key: { type: 'string' },
    path: { type: 'string' },
    product: { type: 'string' },
    seats: { type: 'string' },
    'valid-days': { type: 'string' },
    out: { type: 'string' },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(licenseHelp);
    return command || values.help ? 0 : 2;
  }
  const optional = (key: string, value: unknown) => (value === undefined ? {} : { [key]: value });
  switch (command) {
    case 'verify':
      printJson(await runAction(values, 'license.verify', {}));
      return 0;
    case 'activate': {
      if (!values.server || !values.key) throw new UsageError('license activate needs --server and --key');
      const outcome = await actAndAwait(
        values,
        'license.activate',
        { server: values.server, key: values.key, ...optional('path', values.path) },
        'license.activated',
      );
      printJson(outcome);
      return outcome.activated === true ? 0 : 1;
    }
    case 'deactivate': {
      if (!values.server) throw new UsageError('license deactivate needs --server');
      const outcome = await actAndAwait(
        values,
        'license.deactivateDevice',
        { server: values.server, ...optional('path', values.path) },
        'license.deviceDeactivated',
      );
      printJson(outcome);
      return outcome.deactivated === true ? 0 : 1;
    }
    case 'add-key': {
      const [key] = rest;
      if (!key || !values.product || !values.seats) throw new UsageError('license add-key KEY --product P --seats N');
      printJson(
        await runAction(values, 'license-server.addKey', {
          key,
          product: values.product,
          seats: positiveInt(values.seats, '--seats'),
          ...optional('validDays', positiveInt(values['valid-days'], '--valid-days')),
        }),
      );
      return 0;
    }
    case 'list-keys':
      printJson(await runAction(values, 'license-server.listKeys', {}));
      return 0;
    case 'public-key':
      printJson(await runAction(values, 'license-server.publicKey', {}));
      return 0;
    case 'keygen': {
      if (!values.out) throw new UsageError('license keygen --out FILE');
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      writeFileSync(values.out, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
      printJson({ privateKeyPath: values.out, publicKey: publicKey.export({ format: 'pem', type: 'spki' }) });
      return 0;
    }
    default:
      throw new UsageError(`unknown license command '${command}'`);
  }
}
