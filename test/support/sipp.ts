/**
 * SIPp (Debian sip-tester 3.6.1) as a real peer in cross-process tests, always bounded in three
 * ways: its own `-timeout` with `-timeout_error`, the `timeout` command around it, and a kill by
 * PID when the wait on it runs out. Always `-p PORT` (a free loopback port unless given) and
 * `-m CALLS`. Quirks from ../shared/reference/peers.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './ports.ts';
import { startChild, type Child } from './process.ts';

/** True when `sipp` runs here (`sipp -v` exits non-zero but prints its version; only a missing binary counts). */
export function hasSipp(): boolean {
  try {
    execFileSync('sipp', ['-v'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** Options of {@link startSipp}. */
export interface SippOptions {
  /** Path of the scenario XML. */
  scenario: string;
  /** UAC: the remote `host:port`; none for a UAS. */
  remote?: string;
  /** UAC: the user part of the Request-URI (`-s`). */
  service?: string;
  /** SIPp's own port (`-p`); default a free one. */
  port?: number;
  /** Local address (`-i`). Default 127.0.0.1. */
  address?: string;
  /** `-t u1` or `-t t1`. Default udp. */
  protocol?: 'udp' | 'tcp';
  /** `-m`. Default 1. */
  calls?: number;
  /** `-key NAME VALUE` pairs. */
  keys?: Record<string, string>;
  /** SIPp's `-timeout`, seconds; `timeout` gets 5 s more. Default 20. */
  timeoutSeconds?: number;
  /** `-mp` on a free port (the RTP port SIPp announces). */
  media?: boolean;
  /** `-trace_msg` into a fresh directory, read back by {@link Sipp.messages}. */
  trace?: boolean;
  /** Extra arguments. */
  args?: string[];
}

/** A started SIPp. */
export interface Sipp {
  port: number;
  /** The `-mp` port, when `media` was asked. */
  mediaPort?: number;
  child: Child;
  /** Exit code once it ended, bounded by `timeoutMs` (then killed by PID: 'hung'). Default `timeoutSeconds` + 10 s. */
  done(timeoutMs?: number): Promise<number | string>;
  /** The messages SIPp saw and sent (its -trace_msg log; empty without `trace`). */
  messages(): Promise<string>;
}

/** Starts SIPp with one scenario. */
export async function startSipp(options: SippOptions): Promise<Sipp> {
  const port = options.port ?? (await freePort());
  const mediaPort = options.media ? await freePort() : undefined;
  const seconds = options.timeoutSeconds ?? 20;
  const dir = options.trace ? await mkdtemp(path.join(tmpdir(), 'talkbus-sipp-')) : undefined;
  const args = [String(seconds + 5), 'sipp'];
  if (options.remote !== undefined) args.push(options.remote);
  if (options.service !== undefined) args.push('-s', options.service);
  args.push('-sf', options.scenario, '-p', String(port), '-i', options.address ?? '127.0.0.1');
  args.push('-t', options.protocol === 'tcp' ? 't1' : 'u1', '-m', String(options.calls ?? 1));
  args.push('-timeout', `${seconds}s`, '-timeout_error', '-nostdin');
  if (mediaPort !== undefined) args.push('-mp', String(mediaPort));
  if (dir !== undefined) args.push('-trace_msg', '-message_file', path.join(dir, 'messages.log'));
  for (const [key, value] of Object.entries(options.keys ?? {})) args.push('-key', key, value);
  args.push(...(options.args ?? []));
  const child = startChild('timeout', args, dir === undefined ? {} : { cwd: dir });
  return {
    port,
    ...(mediaPort === undefined ? {} : { mediaPort }),
    child,
    async done(timeoutMs = (seconds + 10) * 1000) {
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        child.exited,
        new Promise<string>((resolve) => (timer = setTimeout(() => resolve('hung'), timeoutMs))),
      ]);
      clearTimeout(timer);
      if (code === 'hung') await child.kill();
      return code;
    },
    async messages() {
      if (dir === undefined) return '';
      const files = await readdir(dir);
      const texts = await Promise.all(
        files.filter((f) => f.endsWith('.log')).map((f) => readFile(path.join(dir, f), 'utf8')),
      );
      return texts.join('\n');
    },
  };
}

/** What a SIPp exit status means (SIPp's documented codes, plus `timeout`'s 124 and our 'hung'). */
export function sippExit(code: number | string): string {
  switch (code) {
    case 0:
      return 'every call succeeded';
    case 1:
      return 'at least one call failed';
    case 97:
      return 'stopped by an internal command';
    case 99:
      return 'ended without processing a call';
    case 124:
      return 'killed by `timeout`';
    case 254:
      return 'fatal error binding a socket';
    case 255:
      return 'fatal error';
    case 'hung':
      return 'outlived the wait, killed by PID';
    default:
      return typeof code === 'string' ? `killed by ${code}` : `unknown exit status ${code}`;
  }
}

/** Assertion message for a SIPp run that failed: its status, what it means, and its last output. */
export function sippFailure(sipp: Pick<Sipp, 'child'>, code: number | string, tail = 3000): string {
  return `sipp exited ${code} (${sippExit(code)}):\n${sipp.child.output().slice(-tail)}`;
}
