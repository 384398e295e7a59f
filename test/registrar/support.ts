/**
 * Test support for the registrar-client against real peers: a node (profile + registrar-client)
 * on loopback with ephemeral SIP ports and short timers, accounts created/opened/provisioned
 * through the broker, every `client.*` event recorded, bounded waits for them.
 */
import type { ServiceBroker } from 'moleculer';
import type { EventMap, Provisioning } from '@talkbus/contracts';
import type { TalkbusConfig } from '@talkbus/runtime';
import { createProfileService } from '@talkbus/service-profile';
import { createRegistrarClientService } from '@talkbus/service-registrar-client';
import { startTestNode } from '../support/node.ts';

/** A `client.*` event the node emitted. */
export interface SeenClientEvent {
  name: keyof EventMap;
  payload: Record<string, unknown>;
}

/** A running node for a test. */
export interface RegistrarNode {
  broker: ServiceBroker;
  config: TalkbusConfig;
  events: SeenClientEvent[];
  /** Resolves with the first event (from index `from` on) matching; rejects after `timeoutMs`. */
  waitFor(name: keyof EventMap, account: string, timeoutMs: number, from?: number): Promise<SeenClientEvent>;
  /** Creates and opens an account and sets its provisioning. */
  account(name: string, values: Partial<Provisioning>): Promise<void>;
  call<T = Record<string, unknown>>(action: string, params: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

/** Options of {@link startRegistrarNode}. */
export interface NodeOptions {
  nodeID?: string;
  env?: Record<string, string>;
}

/** Starts a node with the profile and registrar-client services on 127.0.0.1, ephemeral ports. */
export async function startRegistrarNode(options: NodeOptions = {}): Promise<RegistrarNode> {
  const node = await startTestNode({
    prefix: 'registrar',
    ...(options.nodeID === undefined ? {} : { nodeID: options.nodeID }),
    defaults: {
      TALKBUS_REGISTRATION_RETRY_BASE_MS: '200',
      TALKBUS_REGISTRATION_RETRY_MAX_MS: '3000',
      TALKBUS_REGISTRATION_LOGOUT_TIMEOUT_MS: '2000',
    },
    ...(options.env === undefined ? {} : { env: options.env }),
    services: (config) => [createProfileService({ config }), createRegistrarClientService({ config })],
    recorder: { name: 'client-event-recorder', events: 'client.**' },
  });
  const { broker, events } = node;
  return {
    broker,
    config: node.config,
    events: events as SeenClientEvent[],
    waitFor: (name, account, timeoutMs, from = 0) =>
      node.waitFor(
        (e) => e.name === name && e.payload.account === account,
        timeoutMs,
        from,
        () => `no ${name} for ${account} within ${timeoutMs} ms; saw ${JSON.stringify(events.slice(from))}`,
      ) as Promise<SeenClientEvent>,
    async account(name, values) {
      await broker.call('profile.create', { account: name });
      await broker.call('profile.open', { account: name });
      await broker.call('profile.set', { account: name, values });
    },
    call: (action, params) => broker.call(action, params),
    stop: () => node.stop(),
  };
}

/** Resolves after `ms` of real time (only to let a peer's own timers run; never to wait for our state). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
