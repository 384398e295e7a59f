/**
 * A capped, time-ordered log per account: what the call log and the IM log share (guide §2.3:
 * "呼叫记录管理", "短消息记录管理"). Entries are keyed `<sortableKey(time)>-<random>`, so key
 * order is time order and two entries of the same millisecond stay apart; the key is the
 * entry's id.
 */
import { randomBytes } from 'node:crypto';
import { sortableKey, type Sublevel } from '@talkbus/store';
import type { Accounts } from './accounts.ts';
import type { ProfileDeps } from './profile-deps.ts';
import { guarded } from './profile-store.ts';
import { samePeer } from './peer-uri.ts';

/** Default page size of a log listing. */
export const DEFAULT_LOG_LIMIT = 100;

/** The shape of a log entry id: 16 digits of time, a dash, 12 hex digits. */
const ENTRY_ID = /^\d{16}-[0-9a-f]{12}$/;

/** A new entry id for an entry at `time` (epoch ms). */
export function newEntryId(time: number): string {
  return `${sortableKey(time)}-${randomBytes(6).toString('hex')}`;
}

/** A log query: time range on the entry's time (inclusive, epoch ms), peer, page size. */
export interface LogQuery {
  since?: number;
  until?: number;
  /** Only entries with this peer (compared loosely, see `samePeer`). */
  peer?: string;
  limit?: number;
}

/** Options of a {@link TimeLog}. */
export interface TimeLogOptions {
  /** Which sublevel of the account's data holds it. */
  sublevel: 'callLogs' | 'imLogs';
  /** What it is called in error messages. */
  label: string;
  /** Most entries kept per account; the oldest are dropped beyond it. */
  maxEntries(): number;
}

/** A capped, time-ordered log per account. */
export class TimeLog<E extends { id: string; peerUri: string }> {
  readonly #deps: ProfileDeps;
  readonly #accounts: Accounts;
  readonly #options: TimeLogOptions;

  constructor(deps: ProfileDeps, accounts: Accounts, options: TimeLogOptions) {
    this.#deps = deps;
    this.#accounts = accounts;
    this.#options = options;
  }

  #sub(account: string): Sublevel<E> {
    // The options pick the sublevel whose entries are E (callLogs: CallLogEntry, imLogs: ImLogEntry).
    return this.#deps.db.dataOf(account)[this.#options.sublevel] as unknown as Sublevel<E>;
  }

  /**
   * Appends `entry` (its id from {@link newEntryId}) and drops the oldest entries beyond the cap,
   * in one batch. Answers false when the entry is older than every kept one and the log is
   * full, so it is not kept.
   */
  append(account: string, entry: E): Promise<boolean> {
    const { db, queue } = this.#deps;
    return queue.run(account, () =>
      guarded(`writing the ${this.#options.label}`, async () => {
        const sub = this.#sub(account);
        const excess = (await sub.count()) + 1 - this.#options.maxEntries();
        const oldest: string[] = [];
        if (excess > 0) for await (const key of sub.keys({ limit: excess })) oldest.push(key);
        // Drop the `excess` smallest keys among the old ones and the new one.
        const dropped = [...oldest, entry.id].sort().slice(0, Math.max(0, excess));
        if (dropped.includes(entry.id)) return false;
        const batch = db.batch().put(sub, entry.id, entry);
        for (const key of dropped) batch.del(sub, key);
        await batch.write();
        return true;
      }),
    );
  }

  /** Entries newest first, within the query. */
  async list(account: string, query: LogQuery): Promise<E[]> {
    await this.#accounts.require(account);
    const { since, until, peer, limit = DEFAULT_LOG_LIMIT } = query;
    if (since !== undefined && until !== undefined && since > until) return [];
    return guarded(`reading the ${this.#options.label}`, async () => {
      const entries: E[] = [];
      const range = {
        reverse: true,
        ...(since !== undefined ? { gte: sortableKey(since) } : {}),
        // `until` is inclusive: every key of that millisecond sorts below the next one.
        ...(until !== undefined ? { lt: sortableKey(until + 1) } : {}),
      };
      for await (const entry of this.#sub(account).values(range)) {
        if (peer !== undefined && !samePeer(entry.peerUri, peer)) continue;
        entries.push(entry);
        if (entries.length >= limit) break;
      }
      return entries;
    });
  }

  /** Removes one entry; false when there is none with that id. */
  remove(account: string, id: string): Promise<boolean> {
    return this.#deps.queue.run(account, async () => {
      await this.#accounts.require(account);
      if (!ENTRY_ID.test(id)) return false;
      return guarded(`removing from the ${this.#options.label}`, async () => {
        const sub = this.#sub(account);
        if (!(await sub.has(id))) return false;
        await sub.del(id);
        return true;
      });
    });
  }

  /** Removes every entry in one batch; answers how many. */
  clear(account: string): Promise<number> {
    const { db, queue } = this.#deps;
    return queue.run(account, async () => {
      await this.#accounts.require(account);
      return guarded(`clearing the ${this.#options.label}`, async () => {
        const sub = this.#sub(account);
        const batch = db.batch();
        for await (const key of sub.keys()) batch.del(sub, key);
        await batch.write();
        return batch.length;
      });
    });
  }
}
