/**
 * Test support for the registrar-client against real peers: a node (profile + registrar-client)
 * on loopback with ephemeral SIP ports and short timers, accounts created/opened/provisioned
 * through the broker, every `client.*` event recorded, bounded waits for them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context, ServiceBroker } from 'moleculer';
import type { EventMap, Provisioning } from '@talkbus/contracts';
import { createBroker, loadConfig, type TalkbusConfig } from '@talkbus/runtime';
import { createProfileService } from '@talkbus/service-profile';
import { createRegistrarClientService } from '@talkbus/service-registrar-client';

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
  const dataDir = await mkdtemp(path.join(tmpdir(), 'talkbus-registrar-'));
  const config = loadConfig({
    env: {
      TALKBUS_DATA_DIR: dataDir,
      TALKBUS_LOG_LEVEL: process.env.TALKBUS_TEST_VERBOSE ? 'debug' : 'warn',
      TALKBUS_LOG_FORMAT: 'text',
      TALKBUS_NODE_ID: options.nodeID ?? `registrar-test-${process.pid}`,
      TALKBUS_SIP_LISTEN_ADDRESS: '127.0.0.1',
      TALKBUS_SIP_TRANSPORTS: 'udp,tcp',
      TALKBUS_SIP_UDP_PORT: '0',
      TALKBUS_SIP_TCP_PORT: '0',
      TALKBUS_SIP_T1: '100',
      TALKBUS_SIP_T2: '400',
      TALKBUS_SIP_T4: '500',
      TALKBUS_REGISTRATION_RETRY_BASE_MS: '200',
      TALKBUS_REGISTRATION_RETRY_MAX_MS: '3000',
      TALKBUS_REGISTRATION_LOGOUT_TIMEOUT_MS: '2000',
      ...options.env,
    },
  });
  const broker = createBroker(config, { registry: { stopDelay: 0 } });
  broker.createService(createProfileService({ config }));
  broker.createService(createRegistrarClientService({ config }));
  const events: SeenClientEvent[] = [];
  const waiters = new Set<() => void>();
  broker.createService({
    name: 'client-event-recorder',
    events: {
      'client.**'(ctx: Context) {
        events.push({
          name: ctx.eventName as keyof EventMap,
          payload: structuredClone(ctx.params) as Record<string, unknown>,
        });
        for (const wake of waiters) wake();
      },
    },
  });
  await broker.start();
  const node: RegistrarNode = {
    broker,
    config,
    events,
    waitFor(name, account, timeoutMs, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.slice(from).find((e) => e.name === name && e.payload.account === account);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`no ${name} for ${account} within ${timeoutMs} ms; saw ${JSON.stringify(events.slice(from))}`),
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
    async account(name, values) {
      await broker.call('profile.create', { account: name });
      await broker.call('profile.open', { account: name });
      await broker.call('profile.set', { account: name, values });
    },
    call: (action, params) => broker.call(action, params),
    async stop() {
      await broker.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return node;
}

/** Resolves after `ms` of real time (only to let a peer's own timers run; never to wait for our state). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
