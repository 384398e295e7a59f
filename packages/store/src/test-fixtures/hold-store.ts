/**
 * Child process for the lock test: opens the store at argv[2] and holds it until killed.
 * Prints one JSON line: `{"ready":true}` once open, or `{"error":"<code>"}` (then exits 1).
 */
import { Store, StoreError } from '../index.ts';

const location = process.argv[2];
if (location === undefined) throw new Error('usage: hold-store.ts <location>');
try {
  await Store.open({ location, schemaVersion: 1 });
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  // Keep the event loop (and so the LevelDB lock) alive until the parent kills us.
  setInterval(() => {}, 60_000);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: error instanceof StoreError ? error.code : String(error) })}\n`);
  process.exit(1);
}
