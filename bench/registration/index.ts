/**
 * bench/registration: one node (profile + registrar-client, embedded) logs in 1,000 / 5,000 /
 * 10,000 accounts against a SIPp registrar that answers every REGISTER with 200 and a short
 * binding, and reports registrations/s, the time until all are logged in, heap per logged-in
 * account and CPU while the bindings are being refreshed. Not a test. Run:
 * `node bench/registration/index.ts [sizes…]` (default 1000 5000 10000). Loopback only; SIPp
 * is bounded by `timeout` and stopped by PID; the whole run stays within ~120 s.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Context } from 'moleculer';
import { createBroker, loadConfig } from '@talkbus/runtime';
import { createProfileService } from '@talkbus/service-profile';
import { createRegistrarClientService } from '@talkbus/service-registrar-client';

const SIZES = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const sizes = SIZES.length > 0 ? SIZES : [1000, 5000, 10_000];
/** Seconds the SIPp registrar grants: refreshes come every ~3 s (services/registrar-client/src/backoff.ts). */
const GRANTED = 4;
/** How long CPU is sampled while refreshing, ms (two refresh rounds). */
const REFRESH_WINDOW_MS = 6000;
/** Bound on one size's login phase, ms. */
const LOGIN_BOUND_MS = 40_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function heap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const largest = Math.max(...sizes);
  const sippPort = await freePort();
  const scenario = path.join(import.meta.dirname, 'registrar-uas.xml');
  const sipp = spawn(
    'timeout',
    ['150', 'sipp', '-sf', scenario, '-p', String(sippPort), '-i', '127.0.0.1', '-t', 'u1'].concat([
      '-key',
      'expires',
      String(GRANTED),
      '-nostdin',
      '-max_recv_loops',
      '10000',
    ]),
    { stdio: 'ignore' },
  );
  const dataDir = await mkdtemp(path.join(tmpdir(), 'talkbus-bench-registration-'));
  const config = loadConfig({
    env: {
      TALKBUS_DATA_DIR: dataDir,
      TALKBUS_NODE_ID: 'bench-registration',
      TALKBUS_LOG_LEVEL: 'error',
      TALKBUS_LOG_FORMAT: 'json',
      TALKBUS_SIP_LISTEN_ADDRESS: '127.0.0.1',
      TALKBUS_SIP_TRANSPORTS: 'udp',
      TALKBUS_SIP_UDP_PORT: '0',
      TALKBUS_REGISTRATION_LOGOUT_TIMEOUT_MS: '3000',
    },
  });
  const broker = createBroker(config, { registry: { stopDelay: 0 } });
  broker.createService(createProfileService({ config }));
  broker.createService(createRegistrarClientService({ config }));
  let loggedIn = 0;
  let refreshed = 0;
  let failed = 0;
  broker.createService({
    name: 'bench-counter',
    events: {
      'client.serverLoginOk'() {
        loggedIn++;
      },
      'client.regOk'(ctx: Context) {
        if ((ctx.params as { refresh: boolean }).refresh) refreshed++;
      },
      'client.loginFailed'() {
        failed++;
      },
    },
  });
  const rows: string[][] = [];
  try {
    await broker.start();
    const setupStarted = performance.now();
    const names = Array.from({ length: largest }, (_, i) => `bench_${i}`);
    for (let i = 0; i < names.length; i += 500) {
      await Promise.all(
        names.slice(i, i + 500).map(async (account, k) => {
          await broker.call('profile.create', { account });
          await broker.call('profile.open', { account });
          await broker.call('profile.set', {
            account,
            values: {
              sipUser: String(100_000 + i + k),
              domain: '127.0.0.1',
              registrar: `127.0.0.1:${sippPort}`,
              keepAliveInterval: 0,
            },
          });
        }),
      );
    }
    const setupMs = performance.now() - setupStarted;

    for (const size of sizes) {
      const accounts = names.slice(0, size);
      // Heap from before start: the actor, its SIP pieces and the binding all count.
      const heapBefore = heap();
      for (let i = 0; i < size; i += 1000)
        await Promise.all(
          accounts.slice(i, i + 1000).map((account) => broker.call('registrar-client.start', { account })),
        );
      loggedIn = 0;
      failed = 0;
      const started = performance.now();
      await Promise.all(accounts.map((account) => broker.call('registrar-client.login', { account })));
      while (loggedIn + failed < size && performance.now() - started < LOGIN_BOUND_MS)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const allMs = performance.now() - started;
      const heapAfter = heap();

      refreshed = 0;
      const cpuBefore = process.cpuUsage();
      const windowStarted = performance.now();
      await new Promise((resolve) => setTimeout(resolve, REFRESH_WINDOW_MS));
      const cpu = process.cpuUsage(cpuBefore);
      const windowMs = performance.now() - windowStarted;

      rows.push([
        String(size),
        `${loggedIn}${failed ? ` (${failed} failed)` : ''}`,
        (loggedIn / (allMs / 1000)).toFixed(0),
        (allMs / 1000).toFixed(2),
        ((heapAfter - heapBefore) / Math.max(1, loggedIn) / 1024).toFixed(1),
        (refreshed / (windowMs / 1000)).toFixed(0),
        (((cpu.user + cpu.system) / 1000 / windowMs) * 100).toFixed(1),
      ]);
      for (let i = 0; i < size; i += 1000)
        await Promise.all(
          accounts.slice(i, i + 1000).map((account) => broker.call('registrar-client.stop', { account })),
        );
    }
    console.log(
      `bench/registration: SIPp registrar on udp 127.0.0.1:${sippPort}, bindings of ${GRANTED} s; ${largest} accounts provisioned in ${(setupMs / 1000).toFixed(1)} s\n`,
    );
    const header = [
      'accounts',
      'logged in',
      'registrations/s',
      'all logged in (s)',
      'heap/account (KiB)',
      'refreshes/s',
      'CPU refreshing (% of a core)',
    ];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
    console.log(line(header));
    console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const row of rows) console.log(line(row));
  } finally {
    await broker.stop().catch(() => undefined);
    if (sipp.pid !== undefined && sipp.exitCode === null) process.kill(sipp.pid, 'SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
