/**
 * Test support for the profile service's tests: a real embedded broker with the service, a real
 * LevelDB in a temporary directory, every log line and every event captured.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import assert from 'node:assert/strict';
import Moleculer from 'moleculer';
import type { Context, ServiceBroker } from 'moleculer';
import { createBroker, loadConfig, type TalkbusConfig } from '@talkbus/runtime';
import { createProfileService, type ProfileLimits } from './index.ts';

/** A Moleculer logger that keeps every line of every level, as text. */
class CaptureLogger extends Moleculer.Loggers.Base<{ level: 'trace' }> {
  readonly lines: string[];
  constructor(lines: string[]) {
    super({ level: 'trace' });
    this.lines = lines;
  }
  override getLogHandler(bindings: { mod?: string }) {
    return (type: string, args: unknown[]) => {
      this.lines.push(
        `${type} [${String(bindings.mod)}] ${args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 20 }))).join(' ')}`,
      );
    };
  }
}

/** An event the test broker saw: name and payload. */
export interface SeenEvent {
  name: string;
  payload: unknown;
}

/** A running profile service for a test. */
export interface ProfileHarness {
  broker: ServiceBroker;
  config: TalkbusConfig;
  dataDir: string;
  /** Every log line so far (all levels). */
  logs: string[];
  /** Every `profile.*`, `call.*` and `im.*` event so far. */
  events: SeenEvent[];
  /** Stops the broker (the data directory stays). */
  stop(): Promise<void>;
  /** Starts a new broker on the same data directory (after `stop`). */
  restart(): Promise<ProfileHarness>;
  /** Stops the broker and removes the data directory. */
  dispose(): Promise<void>;
}

/** Options of {@link startProfile}. */
export interface HarnessOptions {
  /** Reuse this data directory (default: a new temporary one). */
  dataDir?: string;
  limits?: Partial<ProfileLimits>;
  nodeID?: string;
}

/** Starts a broker with the profile service and an event recorder. */
export async function startProfile(options: HarnessOptions = {}): Promise<ProfileHarness> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'talkbus-profile-')));
  const config = loadConfig({
    env: { TALKBUS_DATA_DIR: dataDir, TALKBUS_LOG_LEVEL: 'warn', TALKBUS_NODE_ID: options.nodeID ?? 'profile-test' },
  });
  const logs: string[] = [];
  const events: SeenEvent[] = [];
  const broker = createBroker(config, { logger: new CaptureLogger(logs), registry: { stopDelay: 0 } });
  broker.createService(createProfileService({ config, ...(options.limits ? { limits: options.limits } : {}) }));
  const record = (ctx: Context) => {
    events.push({ name: ctx.eventName ?? '', payload: structuredClone(ctx.params) });
  };
  broker.createService({ name: 'recorder', events: { 'profile.**': record, 'call.**': record, 'im.**': record } });
  try {
    await broker.start();
  } catch (err) {
    await broker.stop().catch(() => undefined);
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  let stopped = false;
  const harness: ProfileHarness = {
    broker,
    config,
    dataDir,
    logs,
    events,
    async stop() {
      if (stopped) return;
      stopped = true;
      await broker.stop();
    },
    async restart() {
      await harness.stop();
      return startProfile({ ...options, dataDir });
    },
    async dispose() {
      await harness.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Asserts that `promise` rejects with a TalkbusError of `code`; answers the error. */
export async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<Record<string, unknown>> {
  let caught: unknown;
  await promise.then(
    () => assert.fail(`expected an error ${code}, got a result`),
    (err: unknown) => {
      caught = err;
    },
  );
  const err = caught as { type?: string; name?: string; message?: string };
  assert.equal(err.type, code, `expected ${code}, got ${err.name} ${err.type}: ${err.message}`);
  return caught as Record<string, unknown>;
}

/** Asserts that `promise` rejects with a Moleculer ValidationError naming `field`; answers it. */
export async function rejectsValidation(promise: Promise<unknown>, field: string, type?: string): Promise<void> {
  let caught: unknown;
  await promise.then(
    () => assert.fail(`expected a ValidationError on '${field}', got a result`),
    (err: unknown) => {
      caught = err;
    },
  );
  const err = caught as { name?: string; message?: string; data?: { field?: string; type?: string }[] };
  assert.equal(err.name, 'ValidationError', `expected a ValidationError, got ${err.name}: ${err.message}`);
  assert.ok(Array.isArray(err.data) && err.data.length > 0, 'the error data lists the problems');
  assert.equal(err.data[0]!.field, field, `first problem names ${field}: ${JSON.stringify(err.data)}`);
  if (type) assert.equal(err.data[0]!.type, type, `problem type: ${JSON.stringify(err.data)}`);
}

/** A `call.termed` payload with defaults. */
export function callTermed(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sessionId: 'sess-1',
    account: 'Alice_CMCC',
    cookie: null,
    direction: 'outgoing',
    peerUri: 'sip:bob@example.com',
    peerName: 'Bob',
    video: false,
    startedAt: 1_700_000_000_000,
    answeredAt: 1_700_000_002_000,
    endedAt: 1_700_000_062_000,
    reason: 'BYE',
    sipStatus: null,
    ...overrides,
  };
}

/** Lets the broker deliver events emitted so far (local events are delivered asynchronously). */
export async function settle(broker: ServiceBroker, action = 'profile.count'): Promise<void> {
  // An action through the broker after the emit runs after its handlers were started; the
  // handlers queue their writes per account, and `profile.save` waits for that queue.
  await new Promise((resolve) => setImmediate(resolve));
  await broker.call(action, {});
}
