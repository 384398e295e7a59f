/**
 * `npm run bench -- <name>`: runs bench/<name>/index.ts (or every benchmark) on the pinned Node.
 * Benchmarks print tables; they are not tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const benchDir = path.join(root, 'bench');
const all = readdirSync(benchDir).filter((name) => existsSync(path.join(benchDir, name, 'index.ts')));
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${all.join(', ')}`);
  process.exit(2);
}
let failed = false;
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n## bench/${name}\n`);
  const result = spawnSync(process.execPath, [path.join(benchDir, name, 'index.ts')], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
