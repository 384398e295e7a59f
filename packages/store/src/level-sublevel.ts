/** The LevelDB implementation of `Sublevel`. Internal: reached through `Store.sublevel()`. */
import type { KeyRange, Sublevel } from './key-value-store.ts';
import type { LevelEngine } from './level-engine.ts';
import { layoutOf, validateBound, validateKey, validateSublevelName, type SublevelLayout } from './key-layout.ts';
import { StoreError } from './store-error.ts';
import { decodeValue, encodeValue } from './value-codec.ts';

/** Entries fetched per round trip to the native iterator. */
const ITERATOR_CHUNK = 1000;

/** Bounds on the keys and values of one sublevel, in UTF-8 bytes. */
export interface SublevelLimits {
  readonly maxKeyBytes: number;
  readonly maxValueBytes: number;
}

interface LevelRange {
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
  limit: number;
  reverse: boolean;
}

/** A sublevel of a LevelDB store: a key range of the one database (see `key-layout.ts`). */
export class LevelSublevel<V> implements Sublevel<V> {
  readonly path: readonly string[];
  readonly engine: LevelEngine;
  readonly layout: SublevelLayout;
  readonly #limits: SublevelLimits;

  /**
   * `path` must be validated by the caller (the meta sublevel uses a reserved name). `limits`
   * default to the store's; the meta sublevel passes its own so that user bounds never apply
   * to internal keys.
   */
  constructor(engine: LevelEngine, path: readonly string[], limits: SublevelLimits = engine.settings) {
    this.engine = engine;
    this.path = Object.freeze([...path]);
    this.layout = layoutOf(path);
    this.#limits = limits;
  }

  /** Validates `key` and returns its LevelDB key. */
  storageKey(key: string): string {
    validateKey(key, this.#limits.maxKeyBytes);
    return this.layout.prefix + key;
  }

  /** Validates and encodes `value` for `key`. */
  encode(key: string, value: V): string {
    return encodeValue(value, this.#limits.maxValueBytes, key);
  }

  async get(key: string): Promise<V | undefined> {
    const storageKey = this.storageKey(key);
    const text = await this.engine.run(() => this.engine.db.get(storageKey));
    return text === undefined ? undefined : decodeValue<V>(text, key, this.engine.settings.location);
  }

  async getMany(keys: string[]): Promise<(V | undefined)[]> {
    const storageKeys = keys.map((key) => this.storageKey(key));
    const texts = await this.engine.run(() => this.engine.db.getMany(storageKeys));
    return texts.map((text, index) =>
      text === undefined ? undefined : decodeValue<V>(text, keys[index] ?? '', this.engine.settings.location),
    );
  }

  async put(key: string, value: V): Promise<void> {
    await this.engine.write([{ type: 'put', key: this.storageKey(key), value: this.encode(key, value) }]);
  }

  async del(key: string): Promise<void> {
    await this.engine.write([{ type: 'del', key: this.storageKey(key) }]);
  }

  async has(key: string): Promise<boolean> {
    const storageKey = this.storageKey(key);
    return this.engine.run(() => this.engine.db.has(storageKey));
  }

  async *entries(range: KeyRange = {}): AsyncGenerator<[string, V]> {
    const prefixLength = this.layout.prefix.length;
    const location = this.engine.settings.location;
    for await (const chunk of this.#chunks(this.#levelRange(range), 'entries')) {
      for (const [storageKey, text] of chunk as [string, string][]) {
        const key = storageKey.slice(prefixLength);
        yield [key, decodeValue<V>(text, key, location)];
      }
    }
  }

  async *keys(range: KeyRange = {}): AsyncGenerator<string> {
    const prefixLength = this.layout.prefix.length;
    for await (const chunk of this.#chunks(this.#levelRange(range), 'keys')) {
      for (const storageKey of chunk as string[]) yield storageKey.slice(prefixLength);
    }
  }

  async *values(range: KeyRange = {}): AsyncGenerator<V> {
    const location = this.engine.settings.location;
    for await (const chunk of this.#chunks(this.#levelRange(range), 'values')) {
      for (const text of chunk as string[]) yield decodeValue<V>(text, '(value scan)', location);
    }
  }

  async count(range: KeyRange = {}): Promise<number> {
    let total = 0;
    for await (const chunk of this.#chunks(this.#levelRange(range), 'keys')) total += chunk.length;
    return total;
  }

  async clear(range: KeyRange = {}): Promise<void> {
    const levelRange = this.#levelRange(range);
    await this.engine.run(() => this.engine.db.clear(levelRange));
  }

  async clearTree(): Promise<void> {
    const { prefix, treeEnd } = this.layout;
    await this.engine.run(() => this.engine.db.clear({ gte: prefix, lt: treeEnd }));
  }

  sublevel<W>(name: string): Sublevel<W> {
    validateSublevelName(name);
    return new LevelSublevel<W>(this.engine, [...this.path, name], this.#limits);
  }

  /** Reads the range in chunks; closes the native iterator however the loop ends. */
  async *#chunks(range: LevelRange, kind: 'entries' | 'keys' | 'values'): AsyncGenerator<unknown[]> {
    this.engine.assertOpen();
    const db = this.engine.db;
    const iterator = kind === 'entries' ? db.iterator(range) : kind === 'keys' ? db.keys(range) : db.values(range);
    try {
      for (;;) {
        let chunk: unknown[];
        try {
          chunk = await iterator.nextv(ITERATOR_CHUNK);
        } catch (error) {
          throw this.engine.mapError(error);
        }
        if (chunk.length === 0) return;
        yield chunk;
      }
    } finally {
      // Closing after the database closed is harmless; the database closes its iterators.
      await iterator.close().catch(() => undefined);
    }
  }

  /** Turns a user range into LevelDB bounds that never leave this sublevel's own entries. */
  #levelRange(range: KeyRange): LevelRange {
    const { prefix, entriesEnd } = this.layout;
    const { limit } = range;
    if (limit !== undefined && limit !== Infinity && !(Number.isSafeInteger(limit) && limit >= 0)) {
      throw new StoreError(
        'STORE_INVALID_KEY',
        `range limit must be a non-negative integer or Infinity, got ${String(limit)}`,
      );
    }
    const result: LevelRange = {
      limit: limit === undefined || limit === Infinity ? -1 : limit,
      reverse: range.reverse === true,
    };
    if (range.gt !== undefined) {
      validateBound(range.gt, 'gt');
      result.gt = prefix + range.gt;
    }
    if (range.gte !== undefined) {
      validateBound(range.gte, 'gte');
      result.gte = prefix + range.gte;
    }
    if (result.gt === undefined && result.gte === undefined) result.gte = prefix;
    if (range.lt !== undefined) {
      validateBound(range.lt, 'lt');
      result.lt = prefix + range.lt;
    }
    if (range.lte !== undefined) {
      validateBound(range.lte, 'lte');
      result.lte = prefix + range.lte;
    }
    if (result.lt === undefined && result.lte === undefined) result.lt = entriesEnd;
    return result;
  }
}
