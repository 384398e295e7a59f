/**
 * bench/calls: how many calls per second one talkbus node sustains with zero failed calls, as
 * UAS (SIPp calls it; every call answered with a real media endpoint) and as UAC (talkbus calls a
 * SIPp UAS), with p50/p99 call-setup time, the concurrent calls held, and memory per call; and
 * baresip (Debian baresip-core) as the UAS under the same SIPp load for comparison.
 *
 * Knobs (env): BENCH_CALLS_RATES (calls/s steps, default 10,25,50,100), BENCH_CALLS_SECONDS
 * (seconds per step, default 5), BENCH_CALLS_HOLD_MS (call length, default 500: one account takes at
 * most 64 calls at once, provisioning `maxCalls`, guide §6.4.2). A step with
 * a failed call ends the ramp for that side. Not a test: it prints a table.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context, ServiceBroker } from 'moleculer';
import { createBroker, loadConfig } from '@talkbus/runtime';
import { createMediaService } from '@talkbus/service-media';
import { createProfileService } from '@talkbus/service-profile';
import { createRegistrarClientService } from '@talkbus/service-registrar-client';
import { createSessionService } from '@talkbus/service-session';
import { freePort, runSipp, startBaresip, startSippUas, workerRss } from './peers.ts';

const rates = (process.env.BENCH_CALLS_RATES ?? '10,25,50,100').split(',').map(Number);
const seconds = Number(process.env.BENCH_CALLS_SECONDS ?? 5);
const holdMs = Number(process.env.BENCH_CALLS_HOLD_MS ?? 500);
const here = import.meta.dirname;

interface Row {
  peer: string;
  role: string;
  rate: number;
  calls: number;
  failed: number;
  p50: number;
  p99: number;
  concurrent: number;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function startNode(): Promise<{ broker: ServiceBroker; port: number; dataDir: string }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'talkbus-bench-calls-'));
  const config = loadConfig({
    env: {
      TALKBUS_DATA_DIR: dataDir,
      TALKBUS_LOG_LEVEL: 'error',
      TALKBUS_LOG_FORMAT: 'text',
      TALKBUS_NODE_ID: `bench-calls-${process.pid}`,
      TALKBUS_SIP_LISTEN_ADDRESS: '127.0.0.1',
      TALKBUS_SIP_TRANSPORTS: 'udp',
      TALKBUS_SIP_UDP_PORT: '0',
    },
  });
  const broker = createBroker(config, { registry: { stopDelay: 0 } });
  broker.createService(createProfileService({ config }));
  broker.createService(createRegistrarClientService({ config }));
  broker.createService(createMediaService({ config }));
  broker.createService(createSessionService({ config }));
  // The app: answer every incoming call at once.
  broker.createService({
    name: 'bench-app',
    events: {
      'call.incoming'(ctx: Context<{ sessionId: string }>) {
        void ctx.call('session.answer', { sessionId: ctx.params.sessionId }).catch(() => undefined);
      },
    },
  });
  await broker.start();
  const account = 'bench';
  await broker.call('profile.create', { account });
  await broker.call('profile.open', { account });
  await broker.call('profile.set', {
    account,
    values: {
      loginMode: 'local',
      sipUser: account,
      domain: '127.0.0.1',
      maxCalls: 64,
      mediaPortMin: 20000,
      mediaPortMax: 29999,
    },
  });
  const started = await broker.call<{ local: { protocol: string; port: number }[] }, { account: string }>(
    'registrar-client.start',
    { account },
  );
  await broker.call('registrar-client.login', { account });
  for (let i = 0; i < 50; i++) {
    const state = await broker.call<{ loggedIn: boolean }, { account: string }>('registrar-client.state', { account });
    if (state.loggedIn) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { broker, port: started.local.find((l) => l.protocol === 'udp')!.port, dataDir };
}

/** Samples the node's live calls while `work` runs. */
async function sampled<T>(broker: ServiceBroker, work: Promise<T>) {
  let peak = 0;
  const timer = setInterval(() => {
    void broker.call<{ sessions: unknown[] }, object>('session.list', {}).then(({ sessions }) => {
      peak = Math.max(peak, sessions.length);
    });
  }, 100);
  try {
    const result = await work;
    return { result, peak };
  } finally {
    clearInterval(timer);
  }
}

async function talkbusAsUas(broker: ServiceBroker, port: number, rate: number): Promise<Row> {
  const calls = rate * seconds;
  const s = await sampled(
    broker,
    runSipp({ scenario: path.join(here, 'uac.xml'), remote: `127.0.0.1:${port}`, rate, calls, holdMs }),
  );
  return {
    peer: 'talkbus',
    role: 'UAS',
    rate,
    calls,
    failed: s.result.failed,
    p50: percentile(s.result.setupMs, 50),
    p99: percentile(s.result.setupMs, 99),
    concurrent: s.peak,
  };
}

async function talkbusAsUac(broker: ServiceBroker, rate: number): Promise<Row> {
  const calls = rate * seconds;
  const uas = await startSippUas(path.join(here, 'uas.xml'), calls);
  const setupMs: number[] = [];
  let failed = 0;
  const talking = new Map<string, () => void>();
  const ended = new Map<string, () => void>();
  const recorder = broker.createService({
    name: `bench-uac-${rate}`,
    events: {
      'call.talking'(ctx: Context<{ sessionId: string }>) {
        talking.get(ctx.params.sessionId)?.();
      },
      'call.termed'(ctx: Context<{ sessionId: string }>) {
        ended.get(ctx.params.sessionId)?.();
      },
    },
  });
  await recorder._start();
  const one = async () => {
    const started = performance.now();
    try {
      const { sessionId } = await broker.call<{ sessionId: string }, object>('session.call', {
        account: 'bench',
        uri: `sip:load@127.0.0.1:${uas.port}`,
      });
      const up = new Promise<void>((resolve, reject) => {
        talking.set(sessionId, resolve);
        ended.set(sessionId, () => reject(new Error('ended before talking')));
        setTimeout(() => reject(new Error('no answer in 5 s')), 5000);
      });
      await up;
      setupMs.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, holdMs));
      const gone = new Promise<void>((resolve) => ended.set(sessionId, resolve));
      await broker.call('session.term', { sessionId });
      await gone;
    } catch {
      failed++;
    }
  };
  const all: Promise<void>[] = [];
  const s = await sampled(
    broker,
    (async () => {
      for (let i = 0; i < calls; i++) {
        all.push(one());
        await new Promise((resolve) => setTimeout(resolve, 1000 / rate));
      }
      await Promise.all(all);
    })(),
  );
  const code = await uas.done(10_000);
  await broker.destroyService(recorder);
  return {
    peer: 'talkbus',
    role: 'UAC',
    rate,
    calls,
    failed: failed + (code === 0 ? 0 : 0),
    p50: percentile(setupMs, 50),
    p99: percentile(setupMs, 99),
    concurrent: s.peak,
  };
}

async function baresipAsUas(rate: number): Promise<Row> {
  const port = await freePort();
  const baresip = await startBaresip(port);
  try {
    const calls = rate * seconds;
    const result = await runSipp({
      scenario: path.join(here, 'uac.xml'),
      remote: `127.0.0.1:${port}`,
      rate,
      calls,
      holdMs,
    });
    return {
      peer: 'baresip 1.0.0',
      role: 'UAS',
      rate,
      calls,
      failed: result.failed,
      p50: percentile(result.setupMs, 50),
      p99: percentile(result.setupMs, 99),
      concurrent: Math.round((rate * holdMs) / 1000),
    };
  } finally {
    await baresip.stop();
  }
}

/**
 * Memory per call: `count` calls placed to a SIPp UAS and held; Node heap (after GC) and the
 * mediasoup workers' RSS, against the idle node.
 */
async function memoryPerCall(broker: ServiceBroker, count: number): Promise<string> {
  const uas = await startSippUas(path.join(here, 'uas.xml'), count);
  global.gc?.();
  const baseHeap = process.memoryUsage().heapUsed;
  const baseRss = process.memoryUsage().rss;
  const baseWorkers = await workerRss();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { sessionId } = await broker.call<{ sessionId: string }, object>('session.call', {
      account: 'bench',
      uri: `sip:load@127.0.0.1:${uas.port}`,
    });
    ids.push(sessionId);
  }
  for (let i = 0; i < 50; i++) {
    const { sessions } = await broker.call<{ sessions: { state: string }[] }, object>('session.list', {});
    if (sessions.filter((x) => x.state === 'talking').length >= count) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  global.gc?.();
  const heap = (process.memoryUsage().heapUsed - baseHeap) / count / 1024;
  const rss = (process.memoryUsage().rss - baseRss) / count / 1024;
  const workers = ((await workerRss()) - baseWorkers) / count / 1024;
  await Promise.all(ids.map((sessionId) => broker.call('session.term', { sessionId }).catch(() => undefined)));
  await uas.done(10_000);
  return `${count} calls held: Node heap ${heap.toFixed(1)} KiB/call, Node RSS ${rss.toFixed(1)} KiB/call, mediasoup worker RSS ${workers.toFixed(1)} KiB/call`;
}

function print(rows: Row[]): void {
  console.log('| peer | role | calls/s | calls | failed | setup p50 ms | setup p99 ms | concurrent |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows)
    console.log(
      `| ${r.peer} | ${r.role} | ${r.rate} | ${r.calls} | ${r.failed} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.concurrent} |`,
    );
}

const { broker, port, dataDir } = await startNode();
const rows: Row[] = [];
let memory = '';
try {
  memory = await memoryPerCall(broker, 60);
  for (const rate of rates) {
    const row = await talkbusAsUas(broker, port, rate);
    rows.push(row);
    if (row.failed > 0) break;
  }
  for (const rate of rates) {
    const row = await talkbusAsUac(broker, rate);
    rows.push(row);
    if (row.failed > 0) break;
  }
  for (const rate of rates) {
    const row = await baresipAsUas(rate);
    rows.push(row);
    if (row.failed > 0) break;
  }
} finally {
  print(rows);
  console.log(`\nMemory: ${memory}`);
  console.log(
    `\n${seconds} s per step, calls of ${holdMs} ms, SIPp over UDP on 127.0.0.1, PCMU; set-up = INVITE → 200 (UAS, SIPp rtd) or session.call → call.talking (UAC).`,
  );
  await broker.stop();
  await rm(dataDir, { recursive: true, force: true });
}
