/** Starts a fixture script in a child Node (the pinned Node 24, via `process.execPath`). */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A running fixture. */
export interface Fixture {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the first stdout line that `accept` returns a value for; rejects after `timeoutMs` or on exit. */
  waitForLine<T>(accept: (line: string) => T | undefined, timeoutMs: number): Promise<T>;
  /** SIGKILLs the child by PID (if it is still running) and waits until it has exited. */
  kill(): Promise<void>;
  /** Everything the child wrote to stderr, for failure messages. */
  stderr(): string;
}

/** Spawns `test-fixtures/<name>` with `args`. */
export function spawnFixture(name: string, args: string[]): Fixture {
  const script = fileURLToPath(new URL(name, import.meta.url));
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const pid = child.pid;
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! });
  const listeners = new Set<(line: string) => void>();
  lines.on('line', (line) => {
    for (const listener of listeners) listener(line);
  });
  return {
    child,
    pid,
    stderr: () => stderr,
    waitForLine<T>(accept: (line: string) => T | undefined, timeoutMs: number): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(listener);
          child.off('exit', onExit);
        };
        const listener = (line: string): void => {
          const value = accept(line);
          if (value !== undefined) {
            done();
            resolve(value);
          }
        };
        const onExit = (code: number | null): void => {
          done();
          reject(new Error(`${name} exited (code ${String(code)}) before the awaited line; stderr: ${stderr}`));
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${name} printed no awaited line within ${timeoutMs} ms; stderr: ${stderr}`));
        }, timeoutMs);
        listeners.add(listener);
        child.on('exit', onExit);
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
        await exited;
      }
    },
  };
}
