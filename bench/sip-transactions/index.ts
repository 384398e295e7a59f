/**
 * bench/sip-transactions: non-INVITE transactions (OPTIONS → 200) per second over loopback UDP,
 * with SIPp as the peer. Not a test. Run: `node bench/sip-transactions/index.ts [seconds-per-step]`
 * (default 3 s per step; the whole run stays under ~90 s).
 *
 * For each offered rate:
 * - SIPp UAC → talkbus UAS: SIPp sends OPTIONS at the rate (`-r`), talkbus's UA core answers 200.
 * - talkbus UAC → SIPp UAS: `SipUserAgent.request()` paced at the rate (at most WINDOW outstanding).
 * - SIPp UAC → SIPp UAS: the peer baseline, same rate, same run.
 * A row reports completed transactions per second (200s received by the client / elapsed) and
 * failures. talkbus runs with the RFC timers (T1 500 ms: Timer J keeps each finished server
 * transaction 32 s) and a fresh UA per step with a 200 000 transaction cap, so the state of
 * one step (rate × step) always fits; the default cap of 16 384 would bound a sustained rate to
 * about 500/s over UDP.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { SipTransportLayer, SipUserAgent } from '../../packages/sip/src/index.ts';
import { freePort } from '../../test/support/ports.ts';
import { startChild, type Child } from '../../test/support/process.ts';

const STEP_SECONDS = Number(process.argv[2] ?? 3);
const RATES = [1000, 2000, 4000, 8000, 12000];
const WINDOW = 4000;
const HERE = import.meta.dirname;

interface Row {
  direction: string;
  offered: number;
  achieved: number;
  failed: number;
}

/** Starts SIPp (always -p, -m, -timeout with -timeout_error, wrapped in `timeout`). */
function sipp(args: string[], seconds: number): Child {
  return startChild('timeout', [
    String(seconds + 10),
    'sipp',
    ...args,
    '-timeout',
    `${seconds + 5}s`,
    '-timeout_error',
    '-nostdin',
  ]);
}

/** The cumulative "Successful call" / "Failed call" counts of SIPp's last screen. */
function sippCounts(output: string): { ok: number; failed: number } {
  const last = (label: string) => {
    const matches = [...output.matchAll(new RegExp(`${label}\\s*\\|\\s*\\d+\\s*\\|\\s*(\\d+)`, 'g'))];
    return Number(matches.at(-1)?.[1] ?? 0);
  };
  return { ok: last('Successful call'), failed: last('Failed call') };
}

async function waitExit(child: Child, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([
    child.exited.then(() => true),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms))),
  ]);
  clearTimeout(timer);
  if (!done) await child.stop(1000);
}

/** SIPp sends OPTIONS at `rate` to 127.0.0.1:`port` for STEP_SECONDS. */
async function sippClient(port: number, rate: number): Promise<{ ok: number; failed: number; seconds: number }> {
  const calls = rate * STEP_SECONDS;
  const own = await freePort();
  const start = performance.now();
  const child = sipp(
    [
      `127.0.0.1:${port}`,
      '-sf',
      path.join(HERE, 'options-uac.xml'),
      '-p',
      String(own),
      '-i',
      '127.0.0.1',
      '-t',
      'u1',
      '-m',
      String(calls),
      '-r',
      String(rate),
      '-l',
      String(WINDOW),
      '-s',
      'bench',
    ],
    STEP_SECONDS * 3,
  );
  await waitExit(child, (STEP_SECONDS * 3 + 12) * 1000);
  const seconds = (performance.now() - start) / 1000;
  return { ...sippCounts(child.output()), seconds };
}

/**
 * A SIPp UAS answering up to `calls` OPTIONS. Room for twice as many: SIPp counts a late
 * retransmission (after it answered and forgot the first copy) as a new call.
 */
async function sippServer(calls: number): Promise<{ child: Child; port: number }> {
  const port = await freePort();
  const child = sipp(
    [
      '-sf',
      path.join(HERE, 'options-uas.xml'),
      '-p',
      String(port),
      '-i',
      '127.0.0.1',
      '-t',
      'u1',
      '-m',
      String(2 * calls),
    ],
    STEP_SECONDS * 3,
  );
  await new Promise((resolve) => setTimeout(resolve, 300)); // SIPp binds at once; its first screen takes a moment
  return { child, port };
}

/** A talkbus UA on loopback UDP. */
async function talkbus(): Promise<{ ua: SipUserAgent; port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const layer = new SipTransportLayer({
    listeners: [{ protocol: 'udp', address: '127.0.0.1', port }],
    user: { onMessage: () => undefined },
  });
  await layer.start();
  const ua = new SipUserAgent({
    transport: layer,
    from: 'sip:bench@127.0.0.1',
    limits: { maxTransactions: 200_000 },
  });
  return {
    ua,
    port,
    async stop() {
      ua.close();
      await layer.stop();
    },
  };
}

/** talkbus sends OPTIONS paced at `rate` for STEP_SECONDS (at most WINDOW outstanding). */
async function talkbusClient(
  ua: SipUserAgent,
  port: number,
  rate: number,
): Promise<{ ok: number; failed: number; seconds: number }> {
  const total = rate * STEP_SECONDS;
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let outstanding = 0;
  let last = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      while (sent < due && outstanding < WINDOW) {
        sent++;
        outstanding++;
        ua.request(`sip:bench@127.0.0.1:${port}`, { method: 'OPTIONS' }).then(
          (response) => {
            outstanding--;
            last = performance.now();
            if (response.status === 200) ok++;
            else failed++;
          },
          () => {
            outstanding--;
            failed++;
          },
        );
      }
      if (sent >= total && outstanding === 0) {
        clearInterval(tick);
        resolve();
      }
      // Bounded: what is not answered 2 s after the step counts as failed.
      if (performance.now() - start > (STEP_SECONDS + 2) * 1000) {
        clearInterval(tick);
        failed += total - ok - failed;
        resolve();
      }
    }, 5);
  });
  return { ok, failed, seconds: ((last || performance.now()) - start) / 1000 };
}

function row(direction: string, offered: number, result: { ok: number; failed: number; seconds: number }): Row {
  return { direction, offered, achieved: Math.round(result.ok / result.seconds), failed: result.failed };
}

async function main(): Promise<void> {
  try {
    execFileSync('sipp', ['-v'], { stdio: 'ignore', timeout: 5000 });
  } catch (error) {
    // `sipp -v` exits 99 after printing its version; only a missing binary stops the bench.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('sipp is not installed (apt-get install sip-tester)');
  }
  const rows: Row[] = [];
  const began = performance.now();
  for (const rate of RATES) {
    {
      const server = await talkbus();
      rows.push(row('SIPp UAC → talkbus UAS', rate, await sippClient(server.port, rate)));
      await server.stop();
    }
    {
      const client = await talkbus();
      const peer = await sippServer(rate * STEP_SECONDS);
      rows.push(row('talkbus UAC → SIPp UAS', rate, await talkbusClient(client.ua, peer.port, rate)));
      await peer.child.stop(1000);
      await client.stop();
    }
    {
      const peer = await sippServer(rate * STEP_SECONDS);
      rows.push(row('SIPp UAC → SIPp UAS (baseline)', rate, await sippClient(peer.port, rate)));
      await peer.child.stop(1000);
    }
  }
  const width = Math.max(...rows.map((r) => r.direction.length));
  console.log(
    `\nnon-INVITE transactions (OPTIONS → 200) over loopback UDP, ${STEP_SECONDS} s per step, Node ${process.version}\n`,
  );
  console.log(`| ${'direction'.padEnd(width)} | offered/s | completed/s | failed |`);
  console.log(`| ${'-'.repeat(width)} | --------: | ----------: | -----: |`);
  for (const r of rows)
    console.log(
      `| ${r.direction.padEnd(width)} | ${String(r.offered).padStart(9)} | ${String(r.achieved).padStart(11)} | ${String(r.failed).padStart(6)} |`,
    );
  console.log(`\n(${((performance.now() - began) / 1000).toFixed(0)} s)`);
}

await main();
