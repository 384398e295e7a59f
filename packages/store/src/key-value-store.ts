/**
 * The storage contract of talkbus. `Store` (LevelDB) implements it; a replicated backend on
 * NATS JetStream key-value can implement it later, and must pass the same suite
 * (`store-suite.ts`).
 */

/**
 * A key range inside one sublevel. Keys compare by their UTF-8 bytes (for ASCII keys: plain
 * string order). Bounds are user keys, never prefixed; omitted bounds mean "from the first" /
 * "to the last" entry of the sublevel.
 */
export interface KeyRange {
  /** Only keys strictly greater than this. */
  gt?: string;
  /** Only keys greater than or equal to this. */
  gte?: string;
  /** Only keys strictly less than this. */
  lt?: string;
  /** Only keys less than or equal to this. */
  lte?: string;
  /** At most this many entries (a non-negative integer). Default: no limit. */
  limit?: number;
  /** Iterate from the last key to the first. Default `false`. */
  reverse?: boolean;
}

/**
 * A typed view of one namespace of the store. Keys are strings; values are stored as JSON, so
 * `V` should be JSON-compatible (a `Date` comes back as a string, `undefined` fields vanish).
 * A sublevel's entries never include those of its nested sublevels.
 */
export interface Sublevel<V> {
  /** The sublevel's path from the store's root, e.g. `['accounts', 'Alice_CMCC']`. */
  readonly path: readonly string[];
  /** The value under `key`, or `undefined` when there is none. */
  get(key: string): Promise<V | undefined>;
  /** The values under `keys`, in the same order, `undefined` where missing. */
  getMany(keys: string[]): Promise<(V | undefined)[]>;
  /** Stores `value` under `key`, replacing any value there. Atomic for one key. */
  put(key: string, value: V): Promise<void>;
  /** Deletes `key`; deleting a missing key is not an error. */
  del(key: string): Promise<void>;
  /** True when an entry exists under `key`. */
  has(key: string): Promise<boolean>;
  /** Entries in key order (or reverse), within `range`. Break out of the loop to stop early. */
  entries(range?: KeyRange): AsyncIterable<[string, V]>;
  /** Keys in key order (or reverse), within `range`. Does not read values. */
  keys(range?: KeyRange): AsyncIterable<string>;
  /** Values in key order (or reverse), within `range`. */
  values(range?: KeyRange): AsyncIterable<V>;
  /** How many entries lie within `range` (scans the keys: O(n)). */
  count(range?: KeyRange): Promise<number>;
  /** Deletes the entries within `range` (all, when omitted); nested sublevels are kept. */
  clear(range?: KeyRange): Promise<void>;
  /** Deletes every entry of this sublevel and of all sublevels nested in it, at any depth. */
  clearTree(): Promise<void>;
  /** A sublevel nested in this one; its entries are kept apart from this sublevel's. */
  sublevel<W>(name: string): Sublevel<W>;
}

/**
 * Writes gathered across any sublevels of one store, applied all together or not at all by
 * {@link Batch.write}. Keys and values are checked when added, so `put` throws at once on a
 * bad key or an oversized value.
 */
export interface Batch {
  /** Adds a put of `value` under `key` in `sub`. */
  put<V>(sub: Sublevel<V>, key: string, value: V): this;
  /** Adds a delete of `key` in `sub`. */
  del(sub: Sublevel<unknown>, key: string): this;
  /** Number of operations added so far. */
  readonly length: number;
  /** Applies every operation atomically. A batch can be written once; an empty batch is a no-op. */
  write(): Promise<void>;
}

/**
 * One step of the schema, from version `from` to version `to` (`to > from`). At open, steps run
 * in order starting from the stored version. A step puts its writes in `tx`; the store adds the
 * version bump to the same batch, so a step is either fully applied or not at all. Read through
 * `store` (its sublevels work during migration); do not write through it outside `tx`, or those
 * writes would not be atomic with the step.
 */
export interface Migration {
  /** The schema version this step starts from. */
  from: number;
  /** The schema version after this step. */
  to: number;
  /** What the step does, for the log. */
  description: string;
  /** Adds the step's writes to `tx`. Throwing aborts the step and the open. */
  migrate(tx: Batch, store: KeyValueStore): Promise<void>;
}

/** A logger; `console` fits. */
export interface StoreLogger {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
}

/** What every store backend offers once open. */
export interface KeyValueStore {
  /** Where the data lives (a directory for LevelDB, a bucket for a KV backend). */
  readonly location: string;
  /** The schema version of the data, equal to the code's after a successful open. */
  readonly schemaVersion: number;
  /** True until {@link KeyValueStore.close} is called. */
  readonly isOpen: boolean;
  /** A top-level typed sublevel. Cheap; the same name always addresses the same data. */
  sublevel<V>(name: string): Sublevel<V>;
  /** A new empty atomic batch over this store's sublevels. */
  batch(): Batch;
  /** Flushes and closes. Idempotent; every later operation throws `STORE_CLOSED`. */
  close(): Promise<void>;
}
