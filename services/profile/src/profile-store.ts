/**
 * The profile service's LevelDB (`<dataDir>/profile`) and how its data is laid out:
 *
 * | sublevel                         | key                   | value                        |
 * | -------------------------------- | --------------------- | ---------------------------- |
 * | `accounts`                       | account name          | {@link AccountRecord}        |
 * | `accountOrder`                   | `sortableKey(seq)`    | account name (creation order)|
 * | `homes`                          | account name          | {@link HomeRecord} while open|
 * | `state`                          | `current`             | the current account's name   |
 * | `account/<name>/provisioning`    | provisioning key      | its value                    |
 * | `account/<name>/contacts`        | contact id            | `Contact`                    |
 * | `account/<name>/callLogs`        | `<time>-<random>`     | `CallLogEntry`               |
 * | `account/<name>/imLogs`          | `<time>-<random>`     | `ImLogEntry`                 |
 *
 * Account names cannot contain control characters (the contract's pattern), so they are valid
 * sublevel names and one account's data can never reach into another's.
 */
import { Store, type Batch, type Sublevel } from '@talkbus/store';
import { ErrorCode, TalkbusError, type CallLogEntry, type Contact, type ImLogEntry } from '@talkbus/contracts';
import Moleculer from 'moleculer';

/** The schema version of the profile store's data. */
export const PROFILE_SCHEMA_VERSION = 1;

/** What the store keeps about an account itself. */
export interface AccountRecord {
  account: string;
  /** Epoch ms. */
  createdAt: number;
  /** Creation sequence number: the account's position in `profile.list`. */
  seq: number;
}

/** Written by `profile.open`, deleted by `profile.close`: the account is open on `homeNode`. */
export interface HomeRecord {
  homeNode: string;
  /** Epoch ms. */
  openedAt: number;
}

/** The sublevels holding one account's data. */
export interface AccountData {
  provisioning: Sublevel<unknown>;
  contacts: Sublevel<Contact>;
  callLogs: Sublevel<CallLogEntry>;
  imLogs: Sublevel<ImLogEntry>;
}

/** The profile store: the LevelDB with its sublevels. */
export class ProfileStore {
  readonly store: Store;
  readonly accounts: Sublevel<AccountRecord>;
  readonly accountOrder: Sublevel<string>;
  readonly homes: Sublevel<HomeRecord>;
  readonly state: Sublevel<string>;
  readonly #accountRoot: Sublevel<never>;

  private constructor(store: Store) {
    this.store = store;
    this.accounts = store.sublevel('accounts');
    this.accountOrder = store.sublevel('accountOrder');
    this.homes = store.sublevel('homes');
    this.state = store.sublevel('state');
    this.#accountRoot = store.sublevel('account');
  }

  /**
   * Opens the store at `location`.
   * @throws TalkbusError `STORAGE_FAILED` whose message names the path and what to do
   *   (e.g. another process holds the lock).
   */
  static async open(location: string): Promise<ProfileStore> {
    try {
      return new ProfileStore(await Store.open({ location, schemaVersion: PROFILE_SCHEMA_VERSION }));
    } catch (err) {
      throw storageFailure(`cannot open the profile store at ${location}`, err);
    }
  }

  /** The sublevels of one account's data. */
  dataOf(account: string): AccountData {
    const root = this.#accountRoot.sublevel<never>(account);
    return {
      provisioning: root.sublevel('provisioning'),
      contacts: root.sublevel('contacts'),
      callLogs: root.sublevel('callLogs'),
      imLogs: root.sublevel('imLogs'),
    };
  }

  /** A new atomic batch across every sublevel. */
  batch(): Batch {
    return this.store.batch();
  }

  /** Flushes and closes; idempotent. */
  close(): Promise<void> {
    return this.store.close();
  }
}

/** Whether `err` already is an error meant for the caller (ours or Moleculer's). */
function isCallerError(err: unknown): boolean {
  return err instanceof Moleculer.Errors.MoleculerError || TalkbusError.is(err);
}

/** Whether `err` comes from the store or the file system (rather than a bug in this code). */
function isStorageError(err: unknown): boolean {
  const e = err as { name?: unknown; syscall?: unknown } | null;
  return !!e && typeof e === 'object' && (e.name === 'StoreError' || typeof e.syscall === 'string');
}

/**
 * Wraps a storage failure (a `StoreError`, or a file system error on an account folder) as a
 * `STORAGE_FAILED` TalkbusError with the cause; caller errors pass through unchanged, anything
 * else (a bug) becomes `INTERNAL`.
 */
export function storageFailure(what: string, err: unknown): Error {
  if (isCallerError(err)) return err as Error;
  const cause = err as { code?: unknown; message?: unknown };
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const message = typeof cause?.message === 'string' ? cause.message : String(err);
  const errorCode = isStorageError(err) ? ErrorCode.STORAGE_FAILED : ErrorCode.INTERNAL;
  return new TalkbusError(errorCode, `${what}: ${message}`, code ? { cause: code } : {}, { cause: err });
}

/** Runs `work`, turning storage failures into `STORAGE_FAILED` (see {@link storageFailure}). */
export async function guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw storageFailure(what, err);
  }
}

/** Every key of a sublevel, for deleting it inside a batch. */
export async function allKeys(sub: Sublevel<unknown>): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of sub.keys()) keys.push(key);
  return keys;
}
