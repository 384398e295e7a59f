/**
 * Contacts (guide §2.3): CRUD, list by name, search by name or number, bounded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, type Contact } from '@talkbus/contracts';
import { byName, compactNumber, contactMatches } from './contacts.ts';
import { rejectsWithCode, startProfile, type ProfileHarness } from './test-support.ts';

let harness: ProfileHarness;
before(async () => {
  harness = await startProfile({ limits: { maxContacts: 5 } });
  await call(harness.broker, 'profile.create', { account: 'Alice_CMCC' });
});
after(async () => {
  await harness.dispose();
});

const account = 'Alice_CMCC';

describe('contacts', () => {
  test('add, get, update, remove, with events', async () => {
    const { broker } = harness;
    const bob = await call(broker, 'profile.contacts.add', {
      account,
      name: 'Bob',
      numbers: ['+86 (10) 555-0100'],
      email: 'bob@example.com',
    });
    assert.match(bob.id, /^[0-9a-f]{16}$/);
    assert.equal(bob.createdAt, bob.updatedAt);
    assert.deepEqual(await call(broker, 'profile.contacts.get', { account, id: bob.id }), bob);

    const updated = await call(broker, 'profile.contacts.update', {
      account,
      id: bob.id,
      numbers: ['8001', 'sip:bob@example.com'],
      note: 'work',
    });
    assert.equal(updated.name, 'Bob');
    assert.equal(updated.email, 'bob@example.com');
    assert.deepEqual(updated.numbers, ['8001', 'sip:bob@example.com']);
    assert.equal(updated.note, 'work');
    const cleared = await call(broker, 'profile.contacts.update', { account, id: bob.id, email: '' });
    assert.equal('email' in cleared, false, 'an empty email removes it');
    assert.deepEqual(await call(broker, 'profile.contacts.get', { account, id: bob.id }), cleared);

    assert.deepEqual(await call(broker, 'profile.contacts.remove', { account, id: bob.id }), { removed: true });
    assert.deepEqual(await call(broker, 'profile.contacts.remove', { account, id: bob.id }), { removed: false });
    await rejectsWithCode(call(broker, 'profile.contacts.get', { account, id: bob.id }), 'CONTACT_NOT_FOUND');
    await rejectsWithCode(
      call(broker, 'profile.contacts.update', { account, id: bob.id, name: 'B' }),
      'CONTACT_NOT_FOUND',
    );
    // An id that is not ours at all (even with odd characters) is simply not found.
    await rejectsWithCode(call(broker, 'profile.contacts.get', { account, id: 'x\0y' }), 'CONTACT_NOT_FOUND');
    assert.deepEqual(await call(broker, 'profile.contacts.remove', { account, id: '../x' }), { removed: false });
    assert.deepEqual(
      harness.events.filter((e) => e.name === 'profile.contactsChanged').map((e) => e.payload),
      [
        { account, op: 'add', id: bob.id },
        { account, op: 'update', id: bob.id },
        { account, op: 'update', id: bob.id },
        { account, op: 'remove', id: bob.id },
      ],
    );
  });

  test('list by name, search by name or number, limit', async () => {
    const { broker } = harness;
    const add = (name: string, numbers: string[]) => call(broker, 'profile.contacts.add', { account, name, numbers });
    await add('carol', ['+1 (555) 010-2000']);
    await add('Alice', ['8000']);
    await add('bob', ['sip:Bob@Example.com']);
    await add('Dave', []);
    await add('Bobby', ['555.777.8888']);
    const list = await call(broker, 'profile.contacts.list', { account });
    assert.deepEqual(
      list.contacts.map((c) => c.name),
      ['Alice', 'bob', 'Bobby', 'carol', 'Dave'],
    );
    assert.equal(list.total, 5);
    const page = await call(broker, 'profile.contacts.list', { account, offset: 1, limit: 2 });
    assert.deepEqual(
      page.contacts.map((c) => c.name),
      ['bob', 'Bobby'],
    );
    assert.equal(page.total, 5);

    const search = async (query: string, limit?: number) =>
      (await call(broker, 'profile.contacts.search', { account, query, ...(limit ? { limit } : {}) })).contacts.map(
        (c) => c.name,
      );
    assert.deepEqual(await search('BOB'), ['bob', 'Bobby']);
    assert.deepEqual(await search('5550102'), ['carol']); // separators ignored in the number
    assert.deepEqual(await search('555-0102'), ['carol']); // and in the query
    assert.deepEqual(await search('(555) 777'), ['Bobby']);
    assert.deepEqual(await search('bob@example'), ['bob']); // a SIP URI, case-insensitive
    assert.deepEqual(await search('8000'), ['Alice']);
    assert.deepEqual(await search('zzz'), []);
    assert.deepEqual(await search('b', 1), ['bob']);

    // The account is full (limit 5 in this test).
    await rejectsWithCode(add('Eve', []), 'LIMIT_REACHED');
    const { contacts } = await call(broker, 'profile.contacts.list', { account });
    await call(broker, 'profile.contacts.remove', { account, id: contacts[0]!.id });
    await add('Eve', []);
  });
});

describe('contact helpers', () => {
  const contact = (name: string, numbers: string[] = [], id = 'a'): Contact => ({
    id,
    name,
    numbers,
    createdAt: 0,
    updatedAt: 0,
  });

  test('compactNumber drops the visual separators " -.()"', () => {
    assert.equal(compactNumber('+86 (10) 555-01.00'), '+8610555010' + '0');
  });

  test('contactMatches ignores case in names and separators in numbers; a separator-only query matches names only', () => {
    assert.ok(contactMatches(contact('Alice Huang'), 'HUANG'));
    assert.ok(contactMatches(contact('x', ['010-555']), '0105'));
    assert.ok(!contactMatches(contact('x', ['010-555']), '--'));
    assert.ok(contactMatches(contact('a-b', []), '-'));
  });

  test('byName orders case-insensitively and stably', () => {
    const sorted = [contact('b', [], '2'), contact('B', [], '1'), contact('a'), contact('b', [], '1')].sort(byName);
    assert.deepEqual(
      sorted.map((c) => `${c.name}${c.id}`),
      ['aa', 'B1', 'b1', 'b2'],
    );
  });
});
