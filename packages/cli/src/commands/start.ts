/**
 * `talkbus start`: runs a node (all services embedded by default) until SIGINT/SIGTERM, with
 * Moleculer's REPL when attached to a terminal.
 */
import { startNode, stopOnSignals } from '@talkbus/runtime';
import { configFromFlags, loadServiceFactories } from '../connect.ts';
import { connectionHelp, connectionOptions, parse } from '../usage.ts';

export const startHelp = `Usage: talkbus start [options]

Runs a talkbus node. Embedded by default: every service in this process, data under ./data.
With --transporter it joins a cluster over NATS. On a terminal it opens the REPL (try
'actions', 'events', 'call profile.list', 'emit ...'); Ctrl-C or SIGTERM stops it gracefully.

Options:
  --services a,b,...              services to run (default all: profile, license, registrar-client, session, im,
                                  media, recorder; license-server in license server mode;
                                  env TALKBUS_SERVICES)
  --no-repl                       no REPL even on a terminal
${connectionHelp}`;

export async function start(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...connectionOptions,
    services: { type: 'string' },
    'no-repl': { type: 'boolean' },
  });
  if (values.help) {
    console.log(startHelp);
    return 0;
  }
  const extra: Record<string, unknown> = {};
  if (values.services)
    extra.services = values.services
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const config = configFromFlags(values, extra);
  const node = await startNode(config, await loadServiceFactories());
  stopOnSignals(node);
  const services = node.broker.services
    .map((s) => s.name)
    .filter((name) => !name.startsWith('$'))
    .join(', ');
  node.broker.logger.info(
    `talkbus node ${config.nodeID} running (${config.transporter ? `cluster over ${config.transporter}` : 'embedded'}; services: ${services || 'none'}; data: ${config.dataDir})`,
  );
  if (process.stdin.isTTY && !values['no-repl']) {
    await node.broker.repl();
  }
  // Runs until a signal stops it (stopOnSignals exits the process). An embedded broker holds no
  // referenced handle of its own, so without this the process would end right after start.
  setInterval(() => undefined, 2 ** 30);
  return new Promise<number>(() => undefined);
}
