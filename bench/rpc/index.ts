/**
 * bench/rpc: action round trip p50/p99 and calls/s, embedded (one process, no transporter)
 * versus over NATS between two processes (a real nats-server on loopback).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ServiceBroker } from 'moleculer';
import { loadConfig, startNode } from '@talkbus/runtime';
import { createProfileService } from '@talkbus/service-profile';
import { startNats } from '../../test/support/nats.ts';
import { startChild } from '../../test/support/process.ts';
import { echoService } from './echo-service.ts';

const SEQUENTIAL = 3000;
const CONCURRENCY = 32;
const THROUGHPUT_MS = 3000;

interface Row {
  mode: string;
  action: string;
  p50: number;
  p99: number;
  perSecond: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(broker: ServiceBroker, mode: string, action: string, params: () => unknown): Promise<Row> {
  for (let i = 0; i < 300; i++) await broker.call(action, params()); // warm-up
  const latencies: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t0 = performance.now();
    await broker.call(action, params());
    latencies.push((performance.now() - t0) * 1000);
  }
  latencies.sort((a, b) => a - b);
  let done = 0;
  const end = performance.now() + THROUGHPUT_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await broker.call(action, params());
        done += 1;
      }
    }),
  );
  return {
    mode,
    action,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    perSecond: done / (THROUGHPUT_MS / 1000),
  };
}

const dir = await mkdtemp(path.join(tmpdir(), 'talkbus-bench-rpc-'));
const rows: Row[] = [];
const echo = () => ({ n: 1, text: 'hello talkbus' });
const exists = () => ({ account: 'Alice_CMCC' });
try {
  // Embedded: caller and services in one broker.
  const embedded = await startNode(
    loadConfig({
      env: {},
      overrides: {
        dataDir: path.join(dir, 'embedded'),
        log: { level: 'warn', format: 'json' },
        services: ['profile', 'bench'],
      },
    }),
    { profile: createProfileService, bench: () => echoService },
  );
  await embedded.broker.call('profile.create', { account: 'Alice_CMCC' });
  rows.push(await measure(embedded.broker, 'embedded', 'bench.echo', echo));
  rows.push(await measure(embedded.broker, 'embedded', 'profile.exists', exists));
  await embedded.stop();

  // Over NATS: services in another process.
  const nats = await startNats();
  const server = startChild(process.execPath, [
    path.join(import.meta.dirname, 'server.ts'),
    nats.url,
    path.join(dir, 'nats'),
  ]);
  try {
    await server.waitFor(/^ready$/, 20_000);
    const client = await startNode(
      loadConfig({
        env: {},
        overrides: {
          nodeID: 'bench-client',
          transporter: nats.url,
          dataDir: path.join(dir, 'client'),
          log: { level: 'warn', format: 'json' },
          services: [],
        },
      }),
      {},
    );
    await client.broker.waitForServices(['profile', 'bench'], 10_000);
    await client.broker.call('profile.create', { account: 'Alice_CMCC' });
    rows.push(await measure(client.broker, 'NATS, 2 processes', 'bench.echo', echo));
    rows.push(await measure(client.broker, 'NATS, 2 processes', 'profile.exists', exists));
    await client.stop();
  } finally {
    await server.stop();
    await nats.stop();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const base = new Map(rows.filter((r) => r.mode === 'embedded').map((r) => [r.action, r]));
console.log(
  `Node ${process.version}; ${SEQUENTIAL} sequential calls for latency, ${CONCURRENCY} concurrent callers for ${THROUGHPUT_MS / 1000} s for calls/s\n`,
);
console.log('| mode | action | p50 µs | p99 µs | calls/s | p50 vs embedded | calls/s vs embedded |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) {
  const b = base.get(row.action)!;
  console.log(
    `| ${row.mode} | ${row.action} | ${row.p50.toFixed(0)} | ${row.p99.toFixed(0)} | ${row.perSecond.toFixed(0)} | ${(row.p50 / b.p50).toFixed(1)}x | ${(row.perSecond / b.perSecond).toFixed(2)} |`,
  );
}
