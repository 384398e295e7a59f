/** The LevelDB implementation of `Batch`. Internal: reached through `Store.batch()`. */
import type { Batch, Sublevel } from './key-value-store.ts';
import type { LevelEngine, LevelOperation } from './level-engine.ts';
import { LevelSublevel } from './level-sublevel.ts';
import { StoreError } from './store-error.ts';

/** A batch of LevelDB operations, checked as they are added and written as one LevelDB WriteBatch. */
export class LevelBatch implements Batch {
  readonly #engine: LevelEngine;
  readonly #operations: LevelOperation[] = [];
  #written = false;

  constructor(engine: LevelEngine) {
    this.#engine = engine;
  }

  get length(): number {
    return this.#operations.length;
  }

  put<V>(sub: Sublevel<V>, key: string, value: V): this {
    const sublevel = this.#own(sub);
    this.#operations.push({ type: 'put', key: sublevel.storageKey(key), value: sublevel.encode(key, value) });
    return this;
  }

  del(sub: Sublevel<unknown>, key: string): this {
    const sublevel = this.#own(sub);
    this.#operations.push({ type: 'del', key: sublevel.storageKey(key) });
    return this;
  }

  async write(): Promise<void> {
    this.#assertNotWritten();
    this.#written = true;
    this.#engine.assertOpen();
    if (this.#operations.length === 0) return;
    // One LevelDB WriteBatch: applied whole or not at all, even across a crash.
    await this.#engine.write(this.#operations);
  }

  #own<V>(sub: Sublevel<V>): LevelSublevel<V> {
    this.#assertNotWritten();
    if (!(sub instanceof LevelSublevel) || sub.engine !== this.#engine) {
      throw new StoreError('STORE_FOREIGN_SUBLEVEL', 'a batch only takes sublevels of the store that made it');
    }
    return sub as LevelSublevel<V>;
  }

  #assertNotWritten(): void {
    if (this.#written)
      throw new StoreError('STORE_BATCH_WRITTEN', 'this batch was already written; make a new one with store.batch()');
  }
}
