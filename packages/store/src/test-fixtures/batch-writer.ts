/**
 * Child process for the kill -9 test: writes atomic batches to the store at argv[2] until
 * killed, resuming after what earlier (killed) runs left. Batch `i` writes, in one batch:
 * - `accounts/<sortableKey(i)>`: an account record listing its numbers, plus 1–70 KB of padding:
 *   a batch above 32 KiB spans several LevelDB log blocks, which LevelDB appends with separate
 *   write(2) calls, so a kill can land inside one batch's log record; and the volume makes
 *   LevelDB flush and compact while we run;
 * - `byNumber/<number>` → `i` for each of its {@link NUMBERS_PER_ACCOUNT} numbers;
 * - `tokens/token-<i>`, deleting `tokens/token-<i-1>` (a delete in every batch);
 * - `counters/batches` → `i`.
 * After each completed `write()` it prints `progress <i>`: that batch must survive the kill.
 * The parent checks the invariants with `checkInvariants` in `batch-invariants.ts`.
 */
import { Store, sortableKey } from '../index.ts';
import { NUMBERS_PER_ACCOUNT, numberOf, type Account, openLayout } from './batch-invariants.ts';

const location = process.argv[2];
if (location === undefined) throw new Error('usage: batch-writer.ts <location>');
const store = await Store.open({ location, schemaVersion: 1 });
const { accounts, byNumber, tokens, counters } = openLayout(store);
let batches = (await counters.get('batches')) ?? 0;
for (;;) {
  const id = batches + 1;
  const numbers = Array.from({ length: NUMBERS_PER_ACCOUNT }, (_, index) => numberOf(id, index));
  const batch = store.batch().put<Account>(accounts, sortableKey(id), {
    id,
    numbers,
    padding: 'p'.repeat(1000 + Math.floor(Math.random() * 69_000)),
  });
  for (const number of numbers) batch.put(byNumber, number, id);
  batch
    .put(tokens, `token-${id}`, id)
    .del(tokens, `token-${id - 1}`)
    .put(counters, 'batches', id);
  await batch.write();
  batches = id;
  process.stdout.write(`progress ${id}\n`);
}
