/**
 * Test support for the session service against real peers: one embedded node (profile,
 * registrar-client, media, session, im) on loopback with ephemeral SIP ports, short SIP timers,
 * accounts logged in locally (guide §5.3.2) or on a registrar, and every `call.*` / `im.*` event
 * recorded with bounded waits.
 */
import type { ServiceBroker } from 'moleculer';
import type { AccountLoginInfo, Provisioning } from '@talkbus/contracts';
import type { TalkbusConfig } from '@talkbus/runtime';
import { createMediaService } from '@talkbus/service-media';
import { createProfileService } from '@talkbus/service-profile';
import { createRegistrarClientService } from '@talkbus/service-registrar-client';
import { createImService, createSessionService, type CallConfig } from '@talkbus/service-session';
import { startTestNode, type RecordedEvent } from '../support/node.ts';

/** An event the node emitted. */
export type SeenEvent = RecordedEvent;

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
  const base = await startTestNode({
    prefix: 'session',
    ...(options.nodeID === undefined ? {} : { nodeID: options.nodeID }),
    ...(options.env === undefined ? {} : { env: options.env }),
    services: (config) => [
      ...(options.sessionOnly
        ? []
        : [
            createProfileService({ config }),
            createRegistrarClientService({ config }),
            createMediaService({ config, settings: { workers: 1 } }),
          ]),
      createSessionService({ config, ...(options.calls ? { calls: options.calls } : {}) }),
      ...(options.sessionOnly ? [] : [createImService({ config })]),
    ],
    recorder: { name: 'session-event-recorder', events: '**', keep: /^(call|im|client)\./ },
  });
  const { broker, config, events } = base;
  const matches = (event: SeenEvent, name: string, where: Record<string, unknown>) =>
    event.name === name && Object.entries(where).every(([key, value]) => event.payload[key] === value);
  const node: SessionNode = {
    broker,
    config,
    events,
    waitFor: (name, where, timeoutMs = 5000, from = 0) =>
      base.waitFor(
        (e) => matches(e, name, where),
        timeoutMs,
        from,
        () => `no ${name} ${JSON.stringify(where)} in ${timeoutMs} ms; saw ${events.map((e) => e.name).join(', ')}`,
      ),
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
    stop: () => base.stop(),
  };
  return node;
}

/** The account's UDP SIP port on 127.0.0.1. */
export function udpPort(state: AccountLoginInfo): number {
  const udp = state.local.find((address) => address.protocol === 'udp');
  if (!udp) throw new Error('no UDP listener');
  return udp.port;
}
