/**
 * Test support for the session service against real peers: one embedded node (profile,
 * registrar-client, media, session, im) on loopback with ephemeral SIP ports, short SIP timers,
 * accounts logged in locally (guide §5.3.2) or on a registrar, and every `call.*` / `im.*` event
 * recorded with bounded waits.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context, ServiceBroker } from 'moleculer';
import type { AccountLoginInfo, Provisioning } from '@talkbus/contracts';
import { createBroker, loadConfig, type TalkbusConfig } from '@talkbus/runtime';
import { createMediaService } from '@talkbus/service-media';
import { createProfileService } from '@talkbus/service-profile';
import { createRegistrarClientService } from '@talkbus/service-registrar-client';
import { createImService, createSessionService, type CallConfig } from '@talkbus/service-session';

/** An event the node emitted. */
export interface SeenEvent {
  name: string;
  payload: Record<string, unknown>;
}

/** A running node for a test. */
export interface SessionNode {
  broker: ServiceBroker;
  config: TalkbusConfig;
  events: SeenEvent[];
  /** The first event `name` (from index `from`) matching `where`; rejects after `timeoutMs`. */
  waitFor(name: string, where: Record<string, unknown>, timeoutMs?: number, from?: number): Promise<SeenEvent>;
  /** Event names (without `call.`) of one session, in order. */
  names(sessionId: string): string[];
  /** Creates, opens, starts and logs in an account; answers its login state. */
  account(name: string, values: Partial<Provisioning>): Promise<AccountLoginInfo>;
  call<T = Record<string, unknown>>(action: string, params: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

/** Starts a node. `calls` shortens call timers. */
export async function startSessionNode(
  options: {
    nodeID?: string;
    calls?: Partial<CallConfig>;
    env?: Record<string, string>;
    /** Only the session service (a node that routes actions to the calls' home node). */
    sessionOnly?: boolean;
  } = {},
): Promise<SessionNode> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'talkbus-session-'));
  const config = loadConfig({
    env: {
      TALKBUS_DATA_DIR: dataDir,
      TALKBUS_LOG_LEVEL: process.env.TALKBUS_TEST_VERBOSE ? 'debug' : 'warn',
      TALKBUS_LOG_FORMAT: 'text',
      TALKBUS_NODE_ID: options.nodeID ?? `session-test-${process.pid}`,
      TALKBUS_SIP_LISTEN_ADDRESS: '127.0.0.1',
      TALKBUS_SIP_TRANSPORTS: 'udp,tcp',
      TALKBUS_SIP_UDP_PORT: '0',
      TALKBUS_SIP_TCP_PORT: '0',
      TALKBUS_SIP_T1: '100',
      TALKBUS_SIP_T2: '400',
      TALKBUS_SIP_T4: '500',
      ...options.env,
    },
  });
  const broker = createBroker(config, { registry: { stopDelay: 0 } });
  if (!options.sessionOnly) {
    broker.createService(createProfileService({ config }));
    broker.createService(createRegistrarClientService({ config }));
    broker.createService(createMediaService({ config, settings: { workers: 1 } }));
  }
  broker.createService(createSessionService({ config, ...(options.calls ? { calls: options.calls } : {}) }));
  if (!options.sessionOnly) broker.createService(createImService({ config }));
  const events: SeenEvent[] = [];
  const waiters = new Set<() => void>();
  broker.createService({
    name: 'session-event-recorder',
    events: {
      '**'(ctx: Context) {
        const name = ctx.eventName ?? '';
        if (!/^(call|im|client)\./.test(name)) return;
        events.push({ name, payload: structuredClone(ctx.params) as Record<string, unknown> });
        for (const wake of waiters) wake();
      },
    },
  });
  await broker.start();
  const matches = (event: SeenEvent, name: string, where: Record<string, unknown>) =>
    event.name === name && Object.entries(where).every(([key, value]) => event.payload[key] === value);
  const node: SessionNode = {
    broker,
    config,
    events,
    waitFor(name, where, timeoutMs = 5000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.slice(from).find((e) => matches(e, name, where));
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `no ${name} ${JSON.stringify(where)} in ${timeoutMs} ms; saw ${events.map((e) => e.name).join(', ')}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    names(sessionId) {
      return events
        .filter((e) => e.payload.sessionId === sessionId && e.name.startsWith('call.'))
        .map((e) => e.name.slice(5));
    },
    async account(name, values) {
      await broker.call('profile.create', { account: name });
      await node.call('profile.open', { account: name });
      // Test files run in parallel processes: each takes its own RTP port window.
      const window = 20000 + (process.pid % 90) * 100;
      await broker.call('profile.set', {
        account: name,
        values: { mediaPortMin: window, mediaPortMax: window + 99, ...values },
      });
      await broker.call('registrar-client.start', { account: name });
      const from = events.length;
      await broker.call('registrar-client.login', { account: name });
      const ok = values.loginMode === 'local' ? 'client.localLoginOk' : 'client.serverLoginOk';
      await node.waitFor(ok, { account: name }, 10_000, from);
      return broker.call('registrar-client.state', { account: name });
    },
    call: (action, params) => broker.call(action, params),
    async stop() {
      await broker.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return node;
}

/** The account's UDP SIP port on 127.0.0.1. */
export function udpPort(state: AccountLoginInfo): number {
  const udp = state.local.find((address) => address.protocol === 'udp');
  if (!udp) throw new Error('no UDP listener');
  return udp.port;
}
