/**
 * `talkbus watch <pattern>`: prints one JSON line per event until interrupted, `--count`
 * events, or `--timeout`.
 */
import type { Context } from 'moleculer';
import { eventNames } from '@talkbus/contracts';
import { connect, configFromFlags } from '../connect.ts';
import { connectionHelp, connectionOptions, parse, positiveInt, UsageError } from '../usage.ts';

export const watchHelp = `Usage: talkbus watch <event pattern> [--count N] [--timeout MS] [options]

Prints one JSON line per event ({"event", "sender", "at", "payload"}) until interrupted, until
N events arrived (exit 0), or until MS milliseconds passed (exit 0 without --count; with
--count, exit 3 if fewer than N arrived). Patterns: 'profile.*', 'call.**', '**'.
A line "{"ready":true}" on stderr says the subscription is in place.

Events: ${eventNames.join(', ')}

Options:
  --count N                       stop after N events
${connectionHelp}`;

export async function watch(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...connectionOptions, count: { type: 'string' } });
  if (values.help) {
    console.log(watchHelp);
    return 0;
  }
  const [pattern, ...rest] = positionals;
  if (!pattern) throw new UsageError("which events? e.g. talkbus watch 'profile.*'");
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  const count = positiveInt(values.count, '--count');
  const timeout = positiveInt(values.timeout, '--timeout');

  const config = configFromFlags(values, timeout ? { connectTimeout: Math.max(timeout, 100) } : {});
  if (!config.transporter) {
    throw new UsageError(
      'watch listens to a running cluster: give --transporter nats://HOST:PORT (or TALKBUS_TRANSPORTER)',
    );
  }
  const node = await connect(config);
  let seen = 0;
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));
  await node.broker.createService({
    name: `talkbus-watch-${config.nodeID}`.replace(/[^A-Za-z0-9-]/g, '-'),
    events: {
      [pattern]: {
        handler(ctx: Context) {
          // --count N prints exactly N: events that arrive while the node stops are dropped.
          if (count !== undefined && seen >= count) return;
          process.stdout.write(
            `${JSON.stringify({ event: ctx.eventName, sender: ctx.nodeID, at: new Date().toISOString(), payload: ctx.params })}\n`,
          );
          seen += 1;
          if (count !== undefined && seen >= count) finish(0);
        },
      },
    },
  });
  // Let remote nodes learn about the new subscription before we say we are ready.
  if (config.transporter) await new Promise((resolve) => setTimeout(resolve, 300));
  process.stderr.write(`${JSON.stringify({ ready: true })}\n`);
  const timer = timeout ? setTimeout(() => finish(count === undefined ? 0 : 3), timeout) : undefined;
  const onSignal = () => finish(0);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const code = await done;
  clearTimeout(timer);
  await node.stop();
  return code;
}
