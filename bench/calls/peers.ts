/**
 * The peers of bench/calls: SIPp runs (UAC load with set-up times, UAS answering), baresip as a
 * UAS, and the RSS of the node's mediasoup workers. Processes are stopped by PID and bounded by
 * `timeout` (../shared/reference/peers.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A free TCP/UDP-ish port on 127.0.0.1 (TCP probe; SIPp and baresip bind UDP on it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
}

/** What a SIPp load run measured. */
export interface SippLoad {
  successful: number;
  failed: number;
  /** INVITE → 200 per call, ms (SIPp rtd). */
  setupMs: number[];
}

/** Runs SIPp as a UAC at `rate` calls/s for `calls` calls of `holdMs`. */
export async function runSipp(options: {
  scenario: string;
  remote: string;
  rate: number;
  calls: number;
  holdMs: number;
}): Promise<SippLoad> {
  const dir = await mkdtemp(path.join(tmpdir(), 'talkbus-bench-sipp-'));
  const port = await freePort();
  const limit = Math.ceil(options.calls / options.rate) + 30;
  const child = spawn(
    'timeout',
    [
      String(limit + 5),
      'sipp',
      options.remote,
      '-sf',
      options.scenario,
      '-s',
      'bench',
      '-p',
      String(port),
      '-i',
      '127.0.0.1',
      '-r',
      String(options.rate),
      '-m',
      String(options.calls),
      '-l',
      '5000',
      '-d',
      String(options.holdMs),
      '-trace_rtt',
      '-rtt_freq',
      '1',
      '-trace_stat',
      '-fd',
      '1',
      '-nostdin',
      '-timeout',
      `${limit}s`,
      '-timeout_error',
      '-max_socket',
      '10000',
    ],
    { cwd: dir, stdio: 'ignore' },
  );
  await exited(child);
  const files = await readdir(dir);
  const rtt = files.find((f) => f.endsWith('_rtt.csv'));
  const stat = files.find((f) => f.endsWith('_.csv'));
  const setupMs = rtt
    ? (await readFile(path.join(dir, rtt), 'utf8'))
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((line) => Number(line.split(';')[1]))
    : [];
  let successful = 0;
  let failed = options.calls;
  if (stat) {
    const lines = (await readFile(path.join(dir, stat), 'utf8')).trim().split('\n');
    const head = lines[0]!.split(';');
    const last = lines.at(-1)!.split(';');
    successful = Number(last[head.indexOf('SuccessfulCall(C)')]);
    failed =
      Number(last[head.indexOf('FailedCall(C)')]) +
      Math.max(0, options.calls - successful - Number(last[head.indexOf('FailedCall(C)')]));
  }
  await rm(dir, { recursive: true, force: true });
  return { successful, failed, setupMs };
}

/** SIPp as a UAS for `calls` calls. */
export async function startSippUas(
  scenario: string,
  calls: number,
): Promise<{ port: number; done(ms: number): Promise<number | string> }> {
  const port = await freePort();
  const child = spawn(
    'timeout',
    [
      '120',
      'sipp',
      '-sf',
      scenario,
      '-p',
      String(port),
      '-i',
      '127.0.0.1',
      '-m',
      String(calls),
      '-nostdin',
      '-timeout',
      '110s',
      '-timeout_error',
      '-max_socket',
      '10000',
    ],
    { stdio: 'ignore' },
  );
  const gone = exited(child);
  await new Promise((resolve) => setTimeout(resolve, 300));
  return {
    port,
    async done(ms) {
      const result = await Promise.race([
        gone,
        new Promise<string>((resolve) => setTimeout(() => resolve('hung'), ms)),
      ]);
      if (result === 'hung') child.kill('SIGKILL');
      return result;
    },
  };
}

/** baresip as an auto-answering UAS on `port` (ausine source, no sound card; peers.md). */
export async function startBaresip(port: number): Promise<{ stop(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'talkbus-bench-baresip-'));
  await writeFile(
    path.join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${port}`,
      'net_interface 127.0.0.1',
      'call_max_calls 4000',
      'audio_player aubridge,nil',
      'audio_source ausine,440',
      'audio_alert aubridge,nil',
      // ausine makes 48 kHz stereo only; baresip resamples for PCMU.
      'ausrc_srate 48000',
      'ausrc_channels 2',
      'auplay_srate 48000',
      'auplay_channels 2',
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module ausine.so',
      'module aubridge.so',
      'module_app account.so',
      'module_app menu.so',
      '',
    ].join('\n'),
  );
  await writeFile(path.join(dir, 'accounts'), `<sip:bench@127.0.0.1>;regint=0;answermode=auto\n`);
  const child = spawn('baresip', ['-f', dir], { stdio: 'ignore' });
  const gone = exited(child);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return {
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Sum of the VmRSS of this process's mediasoup workers, bytes. */
export async function workerRss(): Promise<number> {
  const pids: number[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      if (/^Name:\s+mediasoup-worke/m.test(status) && new RegExp(`^PPid:\\s+${process.pid}$`, 'm').test(status))
        pids.push(Number(pid));
    } catch {
      // gone
    }
  }
  let total = 0;
  for (const pid of pids) {
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      total += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}
