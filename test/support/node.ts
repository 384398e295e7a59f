/**
 * An embedded talkbus node for cross-process tests: a fresh data directory, a config on loopback
 * with ephemeral SIP ports (UDP and TCP) and short SIP timers, the services a test asks for, the
 * events it cares about recorded, bounded waits for them, and a stop that removes the directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context, ServiceBroker, ServiceSchema } from 'moleculer';
import { createBroker, loadConfig, type TalkbusConfig } from '@talkbus/runtime';

/** An event the node emitted. */
export interface RecordedEvent {
  name: string;
  payload: Record<string, unknown>;
}

/** Options of {@link startTestNode}. */
export interface TestNodeOptions {
  /** Prefix of the data directory and the default node ID (`<prefix>-test-<pid>`). */
  prefix: string;
  nodeID?: string;
  /** Config variables over the defaults (after `defaults`). */
  env?: Record<string, string>;
  /** The caller's own config defaults over the common ones. */
  defaults?: Record<string, string>;
  /** The services, in start order. */
  services(config: TalkbusConfig): ServiceSchema[];
  /** The recorder's service name and event pattern, and which event names it keeps. */
  recorder: { name: string; events: string; keep?: RegExp };
}

/** A running node. */
export interface TestNode {
  broker: ServiceBroker;
  config: TalkbusConfig;
  events: RecordedEvent[];
  /** The first event (from index `from` on) that `match` accepts; rejects with `describe()` after `timeoutMs`. */
  waitFor(
    match: (event: RecordedEvent) => boolean,
    timeoutMs: number,
    from: number,
    describe: () => string,
  ): Promise<RecordedEvent>;
  stop(): Promise<void>;
}

/** Starts the node and its services. */
export async function startTestNode(options: TestNodeOptions): Promise<TestNode> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `talkbus-${options.prefix}-`));
  const config = loadConfig({
    env: {
      TALKBUS_DATA_DIR: dataDir,
      TALKBUS_LOG_LEVEL: process.env.TALKBUS_TEST_VERBOSE ? 'debug' : 'warn',
      TALKBUS_LOG_FORMAT: 'text',
      TALKBUS_NODE_ID: options.nodeID ?? `${options.prefix}-test-${process.pid}`,
      TALKBUS_SIP_LISTEN_ADDRESS: '127.0.0.1',
      TALKBUS_SIP_TRANSPORTS: 'udp,tcp',
      TALKBUS_SIP_UDP_PORT: '0',
      TALKBUS_SIP_TCP_PORT: '0',
      TALKBUS_SIP_T1: '100',
      TALKBUS_SIP_T2: '400',
      TALKBUS_SIP_T4: '500',
      ...options.defaults,
      ...options.env,
    },
  });
  const broker = createBroker(config, { registry: { stopDelay: 0 } });
  for (const service of options.services(config)) broker.createService(service);
  const events: RecordedEvent[] = [];
  const waiters = new Set<() => void>();
  const { keep } = options.recorder;
  broker.createService({
    name: options.recorder.name,
    events: {
      [options.recorder.events](ctx: Context) {
        const name = ctx.eventName ?? '';
        if (keep && !keep.test(name)) return;
        events.push({ name, payload: structuredClone(ctx.params) as Record<string, unknown> });
        for (const wake of waiters) wake();
      },
    },
  });
  await broker.start();
  return {
    broker,
    config,
    events,
    waitFor(match, timeoutMs, from, describe) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.slice(from).find(match);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(describe()));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      await broker.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
