/**
 * Shared fixtures of the license tests (not part of the service's API): temporary directories,
 * a signing key on disk, nodes made from real config, an event recorder and a free port.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ServiceBroker } from 'moleculer';
import type { EventMap, EventName } from '@talkbus/contracts';
import { createBroker, loadConfig, type TalkbusConfig } from '@talkbus/runtime';
import { generateSigningKeyPair, type SigningKeyPair } from './signing.ts';

/** A temporary directory and how to remove it. */
export async function tempDir(prefix = 'talkbus-license-'): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A key pair whose private half is in `<dir>/server-key.pem`. */
export async function keyOnDisk(
  dir: string,
): Promise<SigningKeyPair & { privateKeyPath: string; publicKeyPath: string }> {
  const pair = generateSigningKeyPair();
  const privateKeyPath = path.join(dir, 'server-key.pem');
  const publicKeyPath = path.join(dir, 'server-key.pub.pem');
  await writeFile(privateKeyPath, pair.privateKeyPem, { mode: 0o600 });
  await writeFile(publicKeyPath, pair.publicKeyPem);
  return { ...pair, privateKeyPath, publicKeyPath };
}

/** A node's config the way a deployment gets it: environment plus overrides, validated. */
export function testConfig(dataDir: string, nodeID: string, license: Partial<TalkbusConfig['license']>): TalkbusConfig {
  return loadConfig({
    env: { TALKBUS_DATA_DIR: dataDir, TALKBUS_NODE_ID: nodeID, TALKBUS_LOG_LEVEL: 'fatal', TALKBUS_LOG_FORMAT: 'json' },
    overrides: { requestTimeout: 2000, license },
  });
}

/** A broker for a config (embedded: no transporter). */
export function testBroker(config: TalkbusConfig): ServiceBroker {
  return createBroker(config);
}

/** Records the `license.*` events a broker sees, in order, and waits for the next ones. */
export class EventRecorder {
  readonly seen: { name: EventName; payload: unknown }[] = [];
  #waiters: { name: EventName; index: number; resolve: (payload: unknown) => void }[] = [];

  /** Adds a listening service to `broker` (before it starts). */
  attach(broker: ServiceBroker): this {
    const record = (name: EventName, payload: unknown) => {
      this.seen.push({ name, payload });
      this.#wake();
    };
    broker.createService({
      name: 'license-test-listener',
      events: {
        'license.activated'(ctx: { params: unknown }) {
          record('license.activated', ctx.params);
        },
        'license.deviceDeactivated'(ctx: { params: unknown }) {
          record('license.deviceDeactivated', ctx.params);
        },
      },
    });
    return this;
  }

  /**
   * The `count`-th (1-based) event called `name`, waiting for it up to `timeoutMs`.
   * @throws Error when it does not come in time
   */
  next<N extends EventName>(name: N, count: number, timeoutMs = 5000): Promise<EventMap[N]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${name} event #${count} within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push({
        name,
        index: count,
        resolve: (payload) => {
          clearTimeout(timer);
          resolve(payload as EventMap[N]);
        },
      });
      this.#wake();
    });
  }

  #wake(): void {
    this.#waiters = this.#waiters.filter((waiter) => {
      const matching = this.seen.filter((event) => event.name === waiter.name);
      const event = matching[waiter.index - 1];
      if (!event) return true;
      waiter.resolve(event.payload);
      return false;
    });
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Asserts that `promise` rejects with a talkbus error of `code`, and returns it. */
export async function rejectsWithCode(
  promise: Promise<unknown>,
  code: string,
): Promise<{ type: string; message: string; data: unknown }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { name?: string; type?: string; message: string; data: unknown };
    if (e.type !== code) throw new Error(`expected ${code}, got ${e.name}/${e.type}: ${e.message}`, { cause: err });
    return e as { type: string; message: string; data: unknown };
  }
  throw new Error(`expected ${code}, but it resolved`);
}

/** Milliseconds in a day. */
export const DAY_MS = 24 * 60 * 60 * 1000;
