/**
 * Running the real `talkbus` command in a child process.
 */
import path from 'node:path';
import { spawn } from 'node:child_process';
import { startChild, type Child } from './process.ts';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const main = path.join(repoRoot, 'packages', 'cli', 'src', 'main.ts');

/** Starts `talkbus start` with the given environment; resolves once the node says it is running. */
export async function startTalkbusNode(env: Record<string, string>, timeoutMs = 20_000): Promise<Child> {
  const child = startChild(process.execPath, [main, 'start', '--no-repl'], {
    env: { ...process.env, TALKBUS_LOG_FORMAT: 'json', ...env },
  });
  await child.waitFor(/talkbus node .* running/, timeoutMs);
  return child;
}

/** Runs a one-shot talkbus command to completion (bounded), returning its exit code and output. */
export function runTalkbus(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], {
      env: { ...process.env, TALKBUS_LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`talkbus ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
