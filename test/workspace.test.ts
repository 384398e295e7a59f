/**
 * The workspace's own rules, so a new package or service is covered by being there: each has a
 * package.json with the Nx tag that the module-boundary lint rule reads, one index.ts as its
 * public API, a README, and pinned dependency versions.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './support/talkbus.ts';

interface PackageJson {
  name: string;
  type?: string;
  exports?: Record<string, string>;
  nx?: { tags?: string[] };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
const projects = ['packages', 'services'].flatMap((kind) =>
  readdirSync(path.join(repoRoot, kind)).map((name) => ({ kind, dir: path.join(repoRoot, kind, name), name })),
);

test('every project has its tag, one public index.ts and a README', () => {
  assert.ok(projects.length >= 6);
  for (const { kind, dir, name } of projects) {
    const pkg = read(path.join(dir, 'package.json'));
    const expected = kind === 'services' ? 'type:service' : name === 'cli' ? 'type:app' : 'type:package';
    assert.deepEqual(pkg.nx?.tags, [expected], `${name}: nx.tags`);
    assert.equal(pkg.type, 'module', `${name}: ESM`);
    assert.deepEqual(pkg.exports, { '.': './src/index.ts' }, `${name}: one public entry`);
    assert.ok(existsSync(path.join(dir, 'src', 'index.ts')), `${name}: src/index.ts`);
    assert.ok(existsSync(path.join(dir, 'README.md')), `${name}: README.md`);
    assert.equal(pkg.name, kind === 'services' ? `@talkbus/service-${name}` : `@talkbus/${name}`);
  }
});

test('dependency versions are pinned exactly', () => {
  for (const file of [
    path.join(repoRoot, 'package.json'),
    path.join(repoRoot, 'bench', 'package.json'),
    ...projects.map((p) => path.join(p.dir, 'package.json')),
  ]) {
    const pkg = read(file);
    for (const [dep, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      assert.match(version, /^\d+\.\d+\.\d+$/, `${pkg.name}: ${dep}@${version} is not pinned`);
    }
  }
});

test('the pinned Node is 24 and runs this test', () => {
  const root = read(path.join(repoRoot, 'package.json'));
  assert.match(root.devDependencies?.node ?? '', /^24\./);
  assert.equal(process.versions.node.split('.')[0], '24');
});
