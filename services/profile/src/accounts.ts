/**
 * Accounts (guide §5.1) and opening/closing them (guide §5.2).
 *
 * §5.1: the account name (the profile, e.g. `Alice_CMCC`, also its folder's name), the SIP user
 * (`8000`, from the provider) and the display name (`Alice Huang`) are three different things;
 * the name is fixed at creation. Creating or selecting an account does not load its parameters:
 * only opening it does (§5.1, §5.2.2), and closing writes them back and unbinds it (§5.2.3).
 */
import { ErrorCode, TalkbusError, type AccountInfo, type Provisioning } from '@talkbus/contracts';
import { sortableKey } from '@talkbus/store';
import { allKeys, guarded, type AccountRecord, type HomeRecord } from './profile-store.ts';
import type { ProfileDeps } from './profile-deps.ts';
import { loadProvisioning, maskSecrets } from './provisioning.ts';

/** The `state` sublevel key of the current account. */
const CURRENT = 'current';

/** Default page size of `profile.list`. */
export const DEFAULT_LIST_LIMIT = 100;

/** The account registry: create, delete, list, open, close; and the open accounts' parameters. */
export class Accounts {
  readonly #deps: ProfileDeps;
  /** Next creation sequence number (the creation order of `profile.list`). */
  #nextSeq = 0;
  /** Provisioning of open accounts, loaded at open (or at first use after a restart). */
  readonly #loaded = new Map<string, Provisioning>();

  constructor(deps: ProfileDeps) {
    this.#deps = deps;
  }

  /** Reads what the registry needs in memory; call once after the store is open. */
  async start(): Promise<void> {
    for await (const seq of this.#deps.db.accountOrder.keys({ reverse: true, limit: 1 }))
      this.#nextSeq = Number(seq) + 1;
  }

  /** The account's record. @throws TalkbusError `ACCOUNT_NOT_FOUND` */
  async require(account: string): Promise<AccountRecord> {
    const record = await guarded('reading the account', () => this.#deps.db.accounts.get(account));
    if (!record) throw new TalkbusError(ErrorCode.ACCOUNT_NOT_FOUND, `No account named '${account}'`, { account });
    return record;
  }

  /** The home record when the account is open, else null. */
  async homeOf(account: string): Promise<HomeRecord | null> {
    return (await guarded('reading the account', () => this.#deps.db.homes.get(account))) ?? null;
  }

  async count(): Promise<{ count: number }> {
    return { count: await guarded('counting accounts', () => this.#deps.db.accounts.count()) };
  }

  /** Accounts in creation order (guide `Mtc_ProfGetUser` by index). */
  async list(offset = 0, limit = DEFAULT_LIST_LIMIT): Promise<{ accounts: AccountInfo[]; total: number }> {
    return guarded('listing accounts', async () => {
      const { db } = this.#deps;
      const names: string[] = [];
      let skipped = 0;
      for await (const name of db.accountOrder.values()) {
        if (skipped++ < offset) continue;
        names.push(name);
        if (names.length >= limit) break;
      }
      const records = await db.accounts.getMany(names);
      const homes = await db.homes.getMany(names);
      const accounts = records.flatMap((record, index) => (record ? [this.#info(record, homes[index] ?? null)] : []));
      return { accounts, total: await db.accounts.count() };
    });
  }

  /** The last account created or opened, null when none (guide §5.1.3). */
  async current(): Promise<{ account: string | null }> {
    return { account: (await guarded('reading the current account', () => this.#deps.db.state.get(CURRENT))) ?? null };
  }

  async exists(account: string): Promise<{ exists: boolean }> {
    return { exists: await guarded('reading the account', () => this.#deps.db.accounts.has(account)) };
  }

  async info(account: string): Promise<AccountInfo> {
    const record = await this.require(account);
    return this.#info(record, await this.homeOf(account));
  }

  /**
   * Creates an account, its folder (§5.1.4), and makes it current. The SIP user and display
   * name, when given, become its `sipUser` / `displayName` provisioning values (read after open).
   * @throws TalkbusError `ACCOUNT_EXISTS`
   */
  create(account: string, identity: { sipUser?: string; displayName?: string }): Promise<AccountInfo> {
    const { db, folders, queue, now, logger, publish } = this.#deps;
    return queue.run(account, async () => {
      if (await guarded('reading the account', () => db.accounts.has(account))) {
        throw new TalkbusError(ErrorCode.ACCOUNT_EXISTS, `An account named '${account}' already exists`, { account });
      }
      const leftover = await guarded(`creating the folder of account '${account}'`, () => folders.create(account));
      if (leftover)
        logger.warn(`Account '${account}': removed a folder left over from an earlier account of that name`);
      const record: AccountRecord = { account, createdAt: now(), seq: this.#nextSeq++ };
      const data = db.dataOf(account);
      const batch = db.batch().put(db.accounts, account, record).put(db.accountOrder, sortableKey(record.seq), account);
      batch.put(db.state, CURRENT, account);
      if (identity.sipUser !== undefined) batch.put(data.provisioning, 'sipUser', identity.sipUser);
      if (identity.displayName !== undefined) batch.put(data.provisioning, 'displayName', identity.displayName);
      try {
        await guarded(`creating account '${account}'`, () => batch.write());
      } catch (err) {
        await folders.remove(account).catch(() => undefined);
        throw err;
      }
      await publish('profile.created', { account });
      return this.#info(record, null);
    });
  }

  /**
   * Deletes an account: all its data in one atomic batch, then its folder (§5.1.5). An open
   * account is closed first.
   * @throws TalkbusError `ACCOUNT_NOT_FOUND`
   */
  delete(account: string): Promise<{ deleted: boolean }> {
    const { db, folders, queue, publish } = this.#deps;
    return queue.run(account, async () => {
      const record = await this.require(account);
      const wasOpen = (await this.homeOf(account)) !== null;
      await guarded(`deleting account '${account}'`, async () => {
        const batch = db
          .batch()
          .del(db.accounts, account)
          .del(db.accountOrder, sortableKey(record.seq))
          .del(db.homes, account);
        if ((await db.state.get(CURRENT)) === account) batch.del(db.state, CURRENT);
        for (const sub of Object.values(db.dataOf(account))) {
          for (const key of await allKeys(sub)) batch.del(sub, key);
        }
        await batch.write();
      });
      this.#loaded.delete(account);
      await guarded(
        `account '${account}' was deleted, but removing its folder ${folders.folderOf(account)} failed`,
        () => folders.remove(account),
      );
      if (wasOpen) await publish('profile.closed', { account });
      await publish('profile.deleted', { account });
      return { deleted: true };
    });
  }

  /**
   * Opens an account (guide §5.2.2, `Mtc_CliOpen`): loads its parameters into memory, binds it
   * to `homeNode` and makes it current. Opening again from the same node is fine.
   * @throws TalkbusError `ACCOUNT_NOT_FOUND`, `ACCOUNT_OPEN_ELSEWHERE` (open on another node)
   */
  open(account: string, homeNode: string): Promise<AccountInfo & { provisioning: Provisioning }> {
    const { db, queue, now, publish } = this.#deps;
    return queue.run(account, async () => {
      const record = await this.require(account);
      const home = await this.homeOf(account);
      if (home && home.homeNode !== homeNode) {
        throw new TalkbusError(
          ErrorCode.ACCOUNT_OPEN_ELSEWHERE,
          `Account '${account}' is open on node '${home.homeNode}'; close it there first (profile.close)`,
          { account, homeNode: home.homeNode },
        );
      }
      const provisioning = await guarded(`loading account '${account}'`, () => loadProvisioning(db.dataOf(account)));
      const newHome: HomeRecord = home ?? { homeNode, openedAt: now() };
      await guarded(`opening account '${account}'`, () =>
        db.batch().put(db.homes, account, newHome).put(db.state, CURRENT, account).write(),
      );
      this.#loaded.set(account, provisioning);
      await publish('profile.opened', { account, homeNode });
      return { ...this.#info(record, newHome), provisioning: maskSecrets(provisioning, false) };
    });
  }

  /**
   * Closes an account (guide §5.2.3, `Mtc_CliClose`): its data is on disk already (every change
   * is written when made), so closing drops it from memory and unbinds its home node.
   * Answers `closed: false` when it was not open.
   */
  close(account: string): Promise<{ closed: boolean }> {
    const { db, queue, publish } = this.#deps;
    return queue.run(account, async () => {
      await this.require(account);
      this.#loaded.delete(account);
      if (!(await this.homeOf(account))) return { closed: false };
      await guarded(`closing account '${account}'`, () => db.homes.del(account));
      await publish('profile.closed', { account });
      return { closed: true };
    });
  }

  /**
   * The parameters of an open account (loaded at open; after a restart, at first use), or null
   * when the account is not open (§4.3: until then, parameters are the defaults).
   */
  async provisioningOf(account: string): Promise<Provisioning | null> {
    if (!(await this.homeOf(account))) {
      this.#loaded.delete(account);
      return null;
    }
    let values = this.#loaded.get(account);
    if (!values) {
      values = await guarded(`loading account '${account}'`, () => loadProvisioning(this.#deps.db.dataOf(account)));
      this.#loaded.set(account, values);
    }
    return values;
  }

  /** Replaces the in-memory parameters of an open account after they were written. */
  remember(account: string, values: Provisioning): void {
    this.#loaded.set(account, values);
  }

  /** Forgets every loaded account (the service is stopping). */
  unloadAll(): void {
    this.#loaded.clear();
  }

  #info(record: AccountRecord, home: HomeRecord | null): AccountInfo {
    return {
      account: record.account,
      createdAt: record.createdAt,
      open: home !== null,
      homeNode: home?.homeNode ?? null,
      path: this.#deps.folders.folderOf(record.account),
    };
  }
}
