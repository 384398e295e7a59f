/**
 * The sofia-sip column: compiles `sofia/sofia-bench.c` (gcc, `pkg-config sofia-sip-ua`) into a
 * temp dir on first use, keyed by the source's hash, and runs it on the same messages.
 * Everything here degrades to "not available" with a reason when the library or gcc is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const SOURCE = new URL('./sofia/sofia-bench.c', import.meta.url);
/** Longest wait for `libsofia-sip-ua-dev` (another job may still be installing it). */
const INSTALL_WAIT_MS = 120_000;

/** µs per message of both operations, and how many messages sofia rejected. */
export interface SofiaResult {
  parseRead: number;
  parseReadSerialize: number;
  rejected: number;
}

function installed(): boolean {
  return spawnSync('dpkg', ['-s', 'libsofia-sip-ua-dev'], { stdio: 'ignore' }).status === 0;
}

/** Waits (bounded) for the Debian package, then builds the program; returns its path or why not. */
export function buildSofia(): { binary: string } | { unavailable: string } {
  const deadline = Date.now() + INSTALL_WAIT_MS;
  while (!installed()) {
    if (Date.now() > deadline) return { unavailable: 'libsofia-sip-ua-dev is not installed' };
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
  }
  const source = readFileSync(SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const dir = path.join(tmpdir(), `talkbus-sofia-bench-${hash}`);
  const binary = path.join(dir, 'sofia-bench');
  if (existsSync(binary)) return { binary };
  mkdirSync(dir, { recursive: true });
  try {
    const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'sofia-sip-ua'], { encoding: 'utf8' })
      .trim()
      .split(/\s+/);
    execFileSync('gcc', ['-O2', '-o', binary, SOURCE.pathname, ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    return { unavailable: `build failed: ${(error as Error).message.split('\n')[0]}` };
  }
  return { binary };
}

/** Writes in-memory messages to files the C program can read. */
export function messageFiles(name: string, messages: Buffer[]): string[] {
  const dir = path.join(tmpdir(), 'talkbus-sofia-bench-messages');
  mkdirSync(dir, { recursive: true });
  return messages.map((message, i) => {
    const file = path.join(dir, `${name}-${i}.sip`);
    writeFileSync(file, message);
    return file;
  });
}

/** The rebuilt message as sofia writes it (for the sanity check). */
export function sofiaCheck(binary: string, file: string): string {
  return execFileSync(binary, ['check', file], { encoding: 'latin1' });
}

/** Times both operations over `files` as one row: best of `rounds` rounds of about `roundMs`. */
export function runSofia(binary: string, files: string[], roundMs: number, rounds: number): SofiaResult {
  const out = execFileSync(binary, ['run', String(roundMs), String(rounds), ...files], { encoding: 'utf8' });
  const result: SofiaResult = { parseRead: Number.NaN, parseReadSerialize: Number.NaN, rejected: 0 };
  for (const line of out.trim().split('\n')) {
    const [operation, us, failures] = line.split(' ');
    if (operation === 'parse+read') result.parseRead = Number(us);
    if (operation === 'parse+read+serialize') result.parseReadSerialize = Number(us);
    result.rejected = Math.max(result.rejected, Number(failures));
  }
  return result;
}
