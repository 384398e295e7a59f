/**
 * Child processes for cross-process tests: started with a bounded wait for readiness, stopped
 * by PID (TERM, then KILL after a grace period), never left behind.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** A child process a test owns. */
export interface Child {
  process: ChildProcess;
  pid: number;
  /** Everything it wrote so far. */
  output(): string;
  /** Resolves when a line of its output matches, rejects after `timeoutMs` or if it exits. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Resolves with the exit code (or signal) once it has exited. */
  exited: Promise<number | NodeJS.Signals>;
  /** TERM, then KILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<number | NodeJS.Signals>;
  /** kill -9. */
  kill(): Promise<number | NodeJS.Signals>;
  /** True when it leads a process group (started `detached`), which stop and kill signal whole. */
  group: boolean;
}

const running = new Set<Child>();

/**
 * Sends `signal` to the child, or to its whole process group when it leads one (started with
 * `detached: true`): a daemon's forked workers then go with it instead of outliving it, holding
 * its output pipes open and this process alive (Kamailio under load, SIGKILLed after the grace).
 */
function signalChild(pid: number, group: boolean, signal: NodeJS.Signals): void {
  try {
    process.kill(group ? -pid : pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Starts a child; its output is collected (and echoed when TALKBUS_TEST_VERBOSE is set). With
 * `detached: true` it leads a process group, and stopping it stops the group.
 */
export function startChild(command: string, args: string[], options: SpawnOptions = {}): Child {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const group = options.detached === true;
  let buffer = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    buffer += text;
    if (buffer.length > 4_000_000) buffer = buffer.slice(-2_000_000);
    if (process.env.TALKBUS_TEST_VERBOSE) process.stderr.write(text);
    for (const wake of waiters) wake();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(handle);
      for (const wake of waiters) wake();
      resolve(code ?? signal ?? -1);
    });
  });
  let gone = false;
  void exited.then(() => {
    gone = true;
    // Whatever the leader left behind in its group goes too.
    if (group) signalChild(handle.pid, true, 'SIGKILL');
  });

  const handle: Child = {
    process: child,
    pid: child.pid,
    group,
    output: () => buffer,
    exited,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        let from = 0;
        const check = () => {
          const lines = buffer.slice(from).split('\n');
          for (const line of lines) {
            if (pattern.test(line)) {
              cleanup();
              resolve(line);
              return;
            }
          }
          from = Math.max(0, buffer.lastIndexOf('\n') + 1);
          if (gone) {
            cleanup();
            reject(new Error(`${command} exited before printing ${pattern}:\n${buffer.slice(-4000)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${command} did not print ${pattern} within ${timeoutMs} ms:\n${buffer.slice(-4000)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        from = 0;
        check();
      });
    },
    async stop(graceMs = 5000) {
      if (gone) return exited;
      signalChild(handle.pid, group, 'SIGTERM');
      const timer = setTimeout(() => {
        if (!gone) signalChild(handle.pid, group, 'SIGKILL');
      }, graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (!gone) signalChild(handle.pid, group, 'SIGKILL');
      return exited;
    },
  };
  running.add(handle);
  return handle;
}

/** Kills every child still running (for `after` hooks and crashes). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop(2000)));
}

process.once('exit', () => {
  for (const child of running) signalChild(child.pid, child.group, 'SIGKILL');
});
