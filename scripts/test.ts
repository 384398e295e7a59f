/**
 * `npm test`: refuses to run on anything but the pinned Node 24, runs the quality gates (format,
 * types, lint with module boundaries), then every test file of the workspace with node:test, and
 * fails when no test ran at all.
 *
 * Usage: npm test [-- --only-tests] [-- <test file globs>]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

function fail(message: string): never {
  console.error(`\n✖ npm test: ${message}`);
  process.exit(1);
}

const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  fail(
    `talkbus runs on the pinned Node 24 (devDependency "node"), but this is Node ${process.version} at ${process.execPath}. Run it through npm (npm test), after npm run setup.`,
  );
}

const args = process.argv.slice(2);
const onlyTests = args.includes('--only-tests');
const globs = args.filter((arg) => !arg.startsWith('--'));
// Offline and daemon-less, so the gates behave the same here and in CI.
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_SKIP_NX_CACHE: 'true' };

function step(title: string, command: string, commandArgs: string[]): void {
  const started = performance.now();
  console.log(`\n▶ ${title}`);
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', env });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.error) fail(`${title} could not run: ${result.error.message}`);
  if (result.status !== 0) fail(`${title} failed (exit ${result.status ?? result.signal}) after ${seconds} s`);
  console.log(`✔ ${title} (${seconds} s)`);
}

if (!onlyTests) {
  step('format check (prettier)', bin('prettier'), ['--check', '--log-level', 'warn', '.']);
  step('type check (tsc, every project)', bin('tsc'), ['-p', 'tsconfig.json']);
  step('lint (eslint + Nx module boundaries)', bin('eslint'), ['--max-warnings=0', '.']);
}

const patterns =
  globs.length > 0 ? globs : ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'test/**/*.test.ts'];
const summaryDir = mkdtempSync(path.join(tmpdir(), 'talkbus-test-'));
const summaryFile = path.join(summaryDir, 'summary.json');
try {
  step('tests (node:test)', process.execPath, [
    '--test',
    '--test-concurrency=4',
    '--test-timeout=180000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${path.join(root, 'scripts', 'count-reporter.ts')}`,
    `--test-reporter-destination=${summaryFile}`,
    ...patterns,
  ]);
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { tests: number; failed: number };
  if (summary.tests === 0) fail('no test ran: the globs matched nothing, or every test was filtered out');
  console.log(`\n✔ npm test: ${summary.tests} tests passed on Node ${process.version}`);
} finally {
  rmSync(summaryDir, { recursive: true, force: true });
}
