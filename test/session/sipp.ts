/**
 * SIPp (Debian sip-tester 3.6.1) as the real peer of the session tests. Quirks from
 * ../shared/reference/peers.md: always `-p PORT`, `-timeout` with `-timeout_error`, wrapped in
 * `timeout`, stopped by PID; `-trace_msg` keeps what went over the wire for the assertions.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../support/ports.ts';
import { startChild, type Child } from '../support/process.ts';

function hasSipp(): boolean {
  try {
    execFileSync('sipp', ['-v'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** Whether SIPp is installed. */
export const sippAvailable = hasSipp();

const scenarios = path.join(import.meta.dirname, 'scenarios');

/** A SIPp run. */
export interface SippPeer {
  port: number;
  /** The RTP port SIPp announces (`-mp`). */
  mediaPort: number;
  child: Child;
  /** Exit code once it ended, bounded by `timeoutMs` (then killed by PID: 'hung'). */
  done(timeoutMs: number): Promise<number | string>;
  /** The messages SIPp saw and sent (its -trace_msg log). */
  messages(): Promise<string>;
}

/** Options of {@link startSipp}. */
export interface SippOptions {
  /** UAC: the talkbus address to call, `127.0.0.1:PORT`. */
  remote?: string;
  /** UAC: the user part of the Request-URI (`-s`). */
  service?: string;
  keys?: Record<string, string>;
  seconds?: number;
  /** `-rtp_echo`: echo RTP back (RTP both ways). */
  rtpEcho?: boolean;
}

/** Starts SIPp with one scenario for one call. */
export async function startSipp(scenario: string, options: SippOptions = {}): Promise<SippPeer> {
  const port = await freePort();
  const mediaPort = await freePort();
  const seconds = options.seconds ?? 20;
  const dir = await mkdtemp(path.join(tmpdir(), 'talkbus-sipp-'));
  const args = [String(seconds + 5), 'sipp'];
  if (options.remote) args.push(options.remote, '-s', options.service ?? 'alice');
  args.push('-sf', path.join(scenarios, scenario), '-p', String(port), '-i', '127.0.0.1', '-mp', String(mediaPort));
  args.push('-m', '1', '-t', 'u1', '-timeout', `${seconds}s`, '-timeout_error', '-nostdin', '-trace_msg');
  args.push('-message_file', path.join(dir, 'messages.log'));
  if (options.rtpEcho) args.push('-rtp_echo');
  for (const [key, value] of Object.entries(options.keys ?? {})) args.push('-key', key, value);
  const child = startChild('timeout', args, { cwd: dir });
  return {
    port,
    mediaPort,
    child,
    async done(timeoutMs) {
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
      const files = await readdir(dir);
      const texts = await Promise.all(
        files.filter((f) => f.endsWith('.log')).map((f) => readFile(path.join(dir, f), 'utf8')),
      );
      return texts.join('\n');
    },
  };
}
