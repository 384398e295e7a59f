/**
 * Contacts of an account (guide §2.3: "联系人管理", kept with the account's data; guide §5.1.1
 * `Mtc_ProfSaveContact`): add, update, remove, get, list by name, search by name or number.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, TalkbusError, type Contact } from '@talkbus/contracts';
import type { Accounts } from './accounts.ts';
import type { ProfileDeps } from './profile-deps.ts';
import { guarded } from './profile-store.ts';

/** Default page size of `profile.contacts.list` and `.search`. */
export const DEFAULT_CONTACTS_LIMIT = 100;

/** The shape of the ids this service gives contacts: 16 hex digits. */
const CONTACT_ID = /^[0-9a-f]{16}$/;

/** Visual separators people put in phone numbers; ignored when numbers are compared. */
const NUMBER_SEPARATORS = /[\s\-.()]/g;

/** A phone number without visual separators, for comparison: `+86 (10) 555-01` → `+861055501`. */
export function compactNumber(number: string): string {
  return number.replace(NUMBER_SEPARATORS, '');
}

/** Orders contacts by name (case-insensitive, then as written), then by id for a stable order. */
export function byName(a: Contact, b: Contact): number {
  const folded = a.name.localeCompare(b.name, undefined, { sensitivity: 'base' });
  if (folded !== 0) return folded;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Whether `contact` matches `query`: its name contains the query (case-insensitive), or one of
 * its numbers contains it once separators are removed from both (case-insensitive too, for
 * SIP URIs).
 */
export function contactMatches(contact: Contact, query: string): boolean {
  const folded = query.toLowerCase();
  if (contact.name.toLowerCase().includes(folded)) return true;
  const compactQuery = compactNumber(folded);
  if (compactQuery === '') return false;
  return contact.numbers.some((number) => compactNumber(number.toLowerCase()).includes(compactQuery));
}

/** The fields `profile.contacts.add` takes. */
export interface ContactFields {
  name: string;
  numbers: string[];
  email?: string;
  note?: string;
}

/** The contacts actions. */
export class Contacts {
  readonly #deps: ProfileDeps;
  readonly #accounts: Accounts;

  constructor(deps: ProfileDeps, accounts: Accounts) {
    this.#deps = deps;
    this.#accounts = accounts;
  }

  /** Adds a contact. @throws TalkbusError `LIMIT_REACHED` beyond `maxContacts` */
  add(account: string, fields: ContactFields): Promise<Contact> {
    const { db, queue, now, limits, publish } = this.#deps;
    return queue.run(account, async () => {
      await this.#accounts.require(account);
      const { contacts } = db.dataOf(account);
      const count = await guarded('counting contacts', () => contacts.count());
      if (count >= limits.maxContacts) {
        throw new TalkbusError(
          ErrorCode.LIMIT_REACHED,
          `Account '${account}' has the most contacts allowed (${limits.maxContacts})`,
          {
            account,
            limit: limits.maxContacts,
          },
        );
      }
      const at = now();
      const contact: Contact = {
        id: randomBytes(8).toString('hex'),
        name: fields.name,
        numbers: [...fields.numbers],
        ...optionalText('email', fields.email),
        ...optionalText('note', fields.note),
        createdAt: at,
        updatedAt: at,
      };
      await guarded('saving the contact', () => contacts.put(contact.id, contact));
      await publish('profile.contactsChanged', { account, op: 'add', id: contact.id });
      return contact;
    });
  }

  /** Changes the given fields; an empty `email` or `note` removes it. */
  update(account: string, id: string, fields: Partial<ContactFields>): Promise<Contact> {
    const { db, queue, now, publish } = this.#deps;
    return queue.run(account, async () => {
      const existing = await this.#require(account, id);
      const { email, note, ...rest } = existing;
      const contact: Contact = {
        ...rest,
        ...(fields.name !== undefined ? { name: fields.name } : {}),
        ...(fields.numbers !== undefined ? { numbers: [...fields.numbers] } : {}),
        ...optionalText('email', fields.email !== undefined ? fields.email : email),
        ...optionalText('note', fields.note !== undefined ? fields.note : note),
        updatedAt: now(),
      };
      await guarded('saving the contact', () => db.dataOf(account).contacts.put(id, contact));
      await publish('profile.contactsChanged', { account, op: 'update', id });
      return contact;
    });
  }

  /** Removes a contact; `removed: false` when there was none with that id. */
  remove(account: string, id: string): Promise<{ removed: boolean }> {
    const { db, queue, publish } = this.#deps;
    return queue.run(account, async () => {
      await this.#accounts.require(account);
      const { contacts } = db.dataOf(account);
      if (!CONTACT_ID.test(id) || !(await guarded('reading the contact', () => contacts.has(id))))
        return { removed: false };
      await guarded('removing the contact', () => contacts.del(id));
      await publish('profile.contactsChanged', { account, op: 'remove', id });
      return { removed: true };
    });
  }

  /** One contact. @throws TalkbusError `CONTACT_NOT_FOUND` */
  get(account: string, id: string): Promise<Contact> {
    return this.#require(account, id);
  }

  /** Contacts by name, a page of them, with the total. */
  async list(
    account: string,
    offset = 0,
    limit = DEFAULT_CONTACTS_LIMIT,
  ): Promise<{ contacts: Contact[]; total: number }> {
    const all = await this.#all(account);
    return { contacts: all.slice(offset, offset + limit), total: all.length };
  }

  /** Contacts whose name or a number contains `query`, by name. */
  async search(account: string, query: string, limit = DEFAULT_CONTACTS_LIMIT): Promise<{ contacts: Contact[] }> {
    const all = await this.#all(account);
    return { contacts: all.filter((contact) => contactMatches(contact, query)).slice(0, limit) };
  }

  async #all(account: string): Promise<Contact[]> {
    await this.#accounts.require(account);
    const { contacts } = this.#deps.db.dataOf(account);
    const all = await guarded('reading contacts', async () => {
      const out: Contact[] = [];
      for await (const contact of contacts.values()) out.push(contact);
      return out;
    });
    return all.sort(byName);
  }

  async #require(account: string, id: string): Promise<Contact> {
    await this.#accounts.require(account);
    // An id of another shape was never given out; it is not looked up (it may not even be a valid key).
    const contact = CONTACT_ID.test(id)
      ? await guarded('reading the contact', () => this.#deps.db.dataOf(account).contacts.get(id))
      : undefined;
    if (!contact)
      throw new TalkbusError(ErrorCode.CONTACT_NOT_FOUND, `Account '${account}' has no contact '${id}'`, {
        account,
        id,
      });
    return contact;
  }
}

/** `{ [name]: value }` when `value` is a non-empty string, else nothing. */
function optionalText<K extends string>(name: K, value: string | undefined): { [P in K]?: string } {
  return value ? ({ [name]: value } as { [P in K]?: string }) : {};
}
