/**
 * The registrar-client's LevelDB (`<dataDir>/registrar-client`):
 *
 * | sublevel   | key          | value              |
 * | ---------- | ------------ | ------------------ |
 * | `accounts` | account name | {@link AccountRecord} |
 *
 * It records each account's home node (so the cluster work can move it) and the account's
 * RFC 5626 instance id, which must stay the same across restarts (§4.1: "the same instance-id
 * … every time it registers").
 */
import { randomUUID } from 'node:crypto';
import { Store, type Sublevel } from '@talkbus/store';
import { ErrorCode, TalkbusError } from '@talkbus/contracts';

/** The schema version of this store. */
export const REGISTRAR_SCHEMA_VERSION = 1;

/** What the store keeps per account. */
export interface AccountRecord {
  /** The node whose SIP endpoint the account uses (where `registrar-client.start` ran last). */
  homeNode: string;
  /** `urn:uuid:…`, created once. */
  instanceId: string;
  /** Epoch ms of the last start; null after stop. */
  startedAt: number | null;
}

/** The registrar-client store. */
export class RegistrarStore {
  readonly #store: Store;
  readonly #accounts: Sublevel<AccountRecord>;

  private constructor(store: Store) {
    this.#store = store;
    this.#accounts = store.sublevel('accounts');
  }

  /**
   * Opens the store.
   * @throws TalkbusError `STORAGE_FAILED` naming the path
   */
  static async open(location: string): Promise<RegistrarStore> {
    try {
      return new RegistrarStore(await Store.open({ location, schemaVersion: REGISTRAR_SCHEMA_VERSION }));
    } catch (error) {
      throw new TalkbusError(
        ErrorCode.STORAGE_FAILED,
        `cannot open the registrar-client store at ${location}: ${(error as Error).message}`,
        { location },
        { cause: error },
      );
    }
  }

  /** The account's record, if it was ever started. */
  get(account: string): Promise<AccountRecord | undefined> {
    return this.#accounts.get(account);
  }

  /** Records a start on `homeNode`; answers the record (with the instance id, created on first start). */
  async started(account: string, homeNode: string, now: number): Promise<AccountRecord> {
    const prior = await this.#accounts.get(account);
    const record: AccountRecord = {
      homeNode,
      instanceId: prior?.instanceId ?? `urn:uuid:${randomUUID()}`,
      startedAt: now,
    };
    await this.#accounts.put(account, record);
    return record;
  }

  /** Records a stop (the home node stays recorded). */
  async stopped(account: string): Promise<void> {
    const prior = await this.#accounts.get(account);
    if (prior) await this.#accounts.put(account, { ...prior, startedAt: null });
  }

  close(): Promise<void> {
    return this.#store.close();
  }
}
