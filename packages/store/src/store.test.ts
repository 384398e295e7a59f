/** The LevelDB `Store`: the shared suite, plus what only a directory on disk can show. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Level } from 'level';
import { Store, StoreError, type KeyValueStore } from './index.ts';
import { assertStoreError, storeSuite, type SuiteOpenOptions } from './store-suite.ts';

let root = '';
let counter = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'talkbus-store-test-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh location inside the test's temp directory. */
function freshLocation(): string {
  counter += 1;
  return join(root, `db-${counter}`);
}

storeSuite({
  name: 'LevelDB Store',
  async createBacking() {
    const location = freshLocation();
    const opened: KeyValueStore[] = [];
    return {
      async open(options: SuiteOpenOptions) {
        const store = await Store.open({ location, ...options });
        opened.push(store);
        return store;
      },
      async destroy() {
        await Promise.all(opened.map((store) => store.close()));
        await rm(location, { recursive: true, force: true });
      },
    };
  },
});

describe('Store on LevelDB', () => {
  it('creates missing parent directories', async () => {
    const location = join(freshLocation(), 'deeper', 'still');
    const store = await Store.open({ location, schemaVersion: 1 });
    assert.equal(store.location, location);
    await store.close();
  });

  it('refuses a second open of the same location with STORE_LOCKED, naming the location', async () => {
    const location = freshLocation();
    const store = await Store.open({ location, schemaVersion: 1 });
    try {
      const error = await assertStoreError(() => Store.open({ location, schemaVersion: 1 }), 'STORE_LOCKED');
      assert.ok(error.message.includes(location));
      assert.match(error.message, /another process/);
      assert.equal(error.location, location);
      assert.ok(error.cause instanceof Error);
    } finally {
      await store.close();
    }
    await (await Store.open({ location, schemaVersion: 1 })).close();
  });

  it('reports a path that is a file, or lies under one, as STORE_UNREADABLE', async () => {
    const file = freshLocation();
    await writeFile(file, 'not a database');
    for (const location of [file, join(file, 'sub')]) {
      const error = await assertStoreError(() => Store.open({ location, schemaVersion: 1 }), 'STORE_UNREADABLE');
      assert.ok(error.message.includes(location));
      assert.match(error.message, /directory/);
    }
  });

  it('reports a damaged MANIFEST as STORE_CORRUPT, which Store.repair() can fix', async () => {
    const location = freshLocation();
    const store = await Store.open({ location, schemaVersion: 1 });
    await store.sublevel<string>('a').put('k', 'v');
    await store.close();
    for (const file of await readdir(location)) {
      if (file.startsWith('MANIFEST-')) await writeFile(join(location, file), 'x'.repeat(64));
    }
    const error = await assertStoreError(() => Store.open({ location, schemaVersion: 1 }), 'STORE_CORRUPT');
    assert.match(error.message, /corrupt/);
    assert.match(error.message, /backup|repair/);
    await Store.repair(location);
    const repaired = await Store.open({ location, schemaVersion: 1 });
    assert.equal(await repaired.sublevel<string>('a').get('k'), 'v');
    await repaired.close();
  });

  it('reports a CURRENT file that names a missing MANIFEST as STORE_CORRUPT', async () => {
    const location = freshLocation();
    await (await Store.open({ location, schemaVersion: 1 })).close();
    await writeFile(join(location, 'CURRENT'), 'MANIFEST-999999\n');
    await assertStoreError(() => Store.open({ location, schemaVersion: 1 }), 'STORE_CORRUPT');
  });

  it('refuses a LevelDB database that holds data but no schema version (STORE_CORRUPT)', async () => {
    const location = freshLocation();
    const raw = new Level<string, string>(location);
    await raw.put('foreign', 'data');
    await raw.close();
    const error = await assertStoreError(() => Store.open({ location, schemaVersion: 1 }), 'STORE_CORRUPT');
    assert.match(error.message, /no schema version/);
  });

  it('reports a stored value that is not JSON as STORE_CORRUPT when read', async () => {
    const location = freshLocation();
    await (await Store.open({ location, schemaVersion: 1 })).close();
    const raw = new Level<string, string>(location);
    await raw.put('a\x00k', '{not json'); // the layout of key 'k' in sublevel 'a' (see key-layout.ts)
    await raw.close();
    const store = await Store.open({ location, schemaVersion: 1 });
    try {
      await assertStoreError(() => store.sublevel('a').get('k'), 'STORE_CORRUPT');
    } finally {
      await store.close();
    }
  });

  it('refuses bad options with STORE_INVALID_OPTIONS', async () => {
    const location = freshLocation();
    const bad = [
      { location: '', schemaVersion: 1 },
      { location, schemaVersion: Number.NaN },
      { location, schemaVersion: 1, maxKeyBytes: 0 },
      { location, schemaVersion: 1, maxValueBytes: 1.5 },
    ];
    for (const options of bad) await assertStoreError(() => Store.open(options), 'STORE_INVALID_OPTIONS');
  });

  it('applies custom key and value bounds', async () => {
    const store = await Store.open({ location: freshLocation(), schemaVersion: 1, maxKeyBytes: 4, maxValueBytes: 10 });
    try {
      const items = store.sublevel<string>('items');
      await items.put('abcd', '12345678');
      await assertStoreError(() => items.put('abcde', 'x'), 'STORE_INVALID_KEY');
      await assertStoreError(() => items.put('k', '123456789'), 'STORE_VALUE_TOO_LARGE');
    } finally {
      await store.close();
    }
  });

  it('logs creation and each migration step to the given logger', async () => {
    const location = freshLocation();
    const lines: unknown[][] = [];
    const logger = { info: (...args: unknown[]) => lines.push(args), warn: (...args: unknown[]) => lines.push(args) };
    await (await Store.open({ location, schemaVersion: 1, logger })).close();
    const step = { from: 1, to: 2, description: 'noop', migrate: async () => {} };
    await (await Store.open({ location, schemaVersion: 2, migrations: [step], logger })).close();
    assert.equal(lines.length, 2);
    assert.match(String(lines[1]?.[1]), /1→2 \(noop\)/);
  });

  it('errors carry a fixed name and code', () => {
    const error = new StoreError('STORE_CLOSED', 'closed', { cause: 'why', location: '/x' });
    assert.equal(error.name, 'StoreError');
    assert.equal(error.code, 'STORE_CLOSED');
    assert.equal(error.cause, 'why');
    assert.equal(error.location, '/x');
    assert.ok(error instanceof Error);
  });
});
