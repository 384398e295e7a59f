/**
 * bench/store: throughput of @talkbus/store against raw classic-level (the same LevelDB with
 * JSON values, no sublevels, key checks, size bounds or error mapping), so the ratio is our
 * layer's overhead. Not a test. Run: `node bench/store/index.ts [ops]` (default 50,000 ops per
 * figure). Each figure is the best of {@link ROUNDS} rounds, on fresh databases in a temp
 * directory that is removed at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { Store, sortableKey, type Sublevel } from '@talkbus/store';

/** Operations per figure. */
const OPS = Number(process.argv[2] ?? 50_000);
/** Writes per batch in the batched-puts figure. */
const BATCH_SIZE = 100;
/** Rounds per figure; the best is kept, to damp noise from the machine. */
const ROUNDS = 2;

interface Account {
  id: number;
  name: string;
  sipUser: string;
  numbers: string[];
  createdAt: number;
}

const valueOf = (id: number): Account => ({
  id,
  name: `account-${id}`,
  sipUser: String(8000 + id),
  numbers: [`+86-${id}-0`, `+86-${id}-1`],
  createdAt: 1_700_000_000_000 + id,
});
const keys = Array.from({ length: OPS }, (_, index) => sortableKey(index));
const randomKeys = Array.from({ length: OPS }, () => keys[Math.floor(Math.random() * OPS)]!);

/** The four operations, for one implementation. */
interface Subject {
  put(key: string, value: Account): Promise<void>;
  putBatch(entries: [string, Account][]): Promise<void>;
  get(key: string): Promise<Account | undefined>;
  scan(): AsyncIterable<unknown>;
  close(): Promise<void>;
}

async function openRaw(location: string): Promise<Subject> {
  const db = new ClassicLevel<string, Account>(location, { keyEncoding: 'utf8', valueEncoding: 'json' });
  await db.open();
  return {
    put: (key, value) => db.put(key, value),
    putBatch: (entries) => db.batch(entries.map(([key, value]) => ({ type: 'put', key, value }))),
    get: (key) => db.get(key),
    scan: () => db.iterator(),
    close: () => db.close(),
  };
}

async function openStore(location: string): Promise<Subject> {
  const store = await Store.open({ location, schemaVersion: 1 });
  const accounts: Sublevel<Account> = store.sublevel<Account>('accounts');
  return {
    put: (key, value) => accounts.put(key, value),
    putBatch: async (entries) => {
      const batch = store.batch();
      for (const [key, value] of entries) batch.put(accounts, key, value);
      await batch.write();
    },
    get: (key) => accounts.get(key),
    scan: () => accounts.entries(),
    close: () => store.close(),
  };
}

/** Ops per second of `body`, which does `OPS` operations. */
async function rate(body: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await body();
  return OPS / ((performance.now() - started) / 1000);
}

type Figures = Record<'sequential puts' | `batched puts (${typeof BATCH_SIZE})` | 'random gets' | 'range scan', number>;

async function measure(open: (location: string) => Promise<Subject>, directory: string): Promise<Figures> {
  const sequential = await open(join(directory, 'sequential'));
  const sequentialRate = await rate(async () => {
    for (let index = 0; index < OPS; index += 1) await sequential.put(keys[index]!, valueOf(index));
  });
  await sequential.close();

  const subject = await open(join(directory, 'batched'));
  const batchedRate = await rate(async () => {
    for (let start = 0; start < OPS; start += BATCH_SIZE) {
      const entries: [string, Account][] = [];
      for (let index = start; index < Math.min(start + BATCH_SIZE, OPS); index += 1)
        entries.push([keys[index]!, valueOf(index)]);
      await subject.putBatch(entries);
    }
  });
  const getRate = await rate(async () => {
    for (const key of randomKeys) if ((await subject.get(key)) === undefined) throw new Error(`missing ${key}`);
  });
  const scanRate = await rate(async () => {
    let seen = 0;
    for await (const _ of subject.scan()) seen += 1;
    if (seen !== OPS) throw new Error(`scan saw ${seen} of ${OPS}`);
  });
  await subject.close();
  return {
    'sequential puts': sequentialRate,
    'batched puts (100)': batchedRate,
    'random gets': getRate,
    'range scan': scanRate,
  };
}

const root = await mkdtemp(join(tmpdir(), 'talkbus-bench-store-'));
try {
  const best: { raw?: Figures; store?: Figures } = {};
  for (let round = 0; round < ROUNDS; round += 1) {
    // Alternate which goes first, so neither always gets the warmer cache.
    const order = round % 2 === 0 ? (['raw', 'store'] as const) : (['store', 'raw'] as const);
    for (const name of order) {
      const figures = await measure(name === 'raw' ? openRaw : openStore, join(root, `${name}-${round}`));
      const previous = best[name];
      best[name] =
        previous === undefined
          ? figures
          : (Object.fromEntries(
              Object.entries(figures).map(([op, value]) => [op, Math.max(value, previous[op as keyof Figures])]),
            ) as Figures);
    }
  }
  const rows = Object.keys(best.raw!).map((op) => {
    const raw = best.raw![op as keyof Figures];
    const ours = best.store![op as keyof Figures];
    return {
      operation: op,
      ops: OPS,
      'classic-level ops/s': Math.round(raw),
      '@talkbus/store ops/s': Math.round(ours),
      'store / raw': (ours / raw).toFixed(2),
    };
  });
  console.log(
    `bench/store — Node ${process.version}, ${OPS} ops per figure, best of ${ROUNDS} rounds, values ~${JSON.stringify(valueOf(1)).length} bytes of JSON`,
  );
  console.log('| operation | ops | classic-level ops/s | @talkbus/store ops/s | store / raw |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const row of rows)
    console.log(
      `| ${row.operation} | ${row.ops} | ${row['classic-level ops/s']} | ${row['@talkbus/store ops/s']} | ${row['store / raw']} |`,
    );
} finally {
  await rm(root, { recursive: true, force: true });
}
