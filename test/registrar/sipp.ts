/**
 * SIPp (Debian sip-tester 3.6.1) as a scripted registrar/notifier for the registrar-client tests.
 * Quirks from ../shared/reference/peers.md: always `-p PORT`, `-timeout` with `-timeout_error`,
 * wrapped in `timeout`, stopped by PID.
 */
import path from 'node:path';
import { freePort } from '../support/ports.ts';
import { startChild, type Child } from '../support/process.ts';
import { hasCommand } from './support.ts';

/** Whether SIPp is installed. */
export const sippAvailable = hasCommand('sipp');

const scenarios = path.join(import.meta.dirname, 'scenarios');

/** A SIPp UAS running one scenario for one call (`-m 1`). */
export interface SippPeer {
  port: number;
  child: Child;
  /** Exit code once it ended, bounded by `timeoutMs` (then killed by PID: 'hung'). */
  done(timeoutMs: number): Promise<number | string>;
}

/** Starts SIPp as a UAS on a free loopback UDP port with `-key` values. */
export async function startSipp(scenario: string, keys: Record<string, string> = {}, seconds = 20): Promise<SippPeer> {
  const port = await freePort();
  const args = [
    String(seconds + 5),
    'sipp',
    '-sf',
    path.join(scenarios, scenario),
    '-p',
    String(port),
    '-i',
    '127.0.0.1',
  ];
  args.push('-m', '1', '-t', 'u1', '-timeout', `${seconds}s`, '-timeout_error', '-nostdin');
  for (const [key, value] of Object.entries(keys)) args.push('-key', key, value);
  const child = startChild('timeout', args);
  return {
    port,
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
  };
}
