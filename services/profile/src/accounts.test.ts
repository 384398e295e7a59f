/**
 * Accounts (guide §5.1) and open/close (guide §5.2) through a real broker and LevelDB.
 */
import assert from 'node:assert/strict';
import { mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { call } from '@talkbus/contracts';
import { rejectsWithCode, startProfile, type ProfileHarness } from './test-support.ts';

let harness: ProfileHarness;
beforeEach(async () => {
  harness = await startProfile();
});
afterEach(async () => {
  await harness.dispose();
});

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

describe('§5.1 account management', () => {
  test('create, count, list in creation order, exists, info, current', async () => {
    const { broker, dataDir } = harness;
    assert.deepEqual(await call(broker, 'profile.count', {}), { count: 0 });
    assert.deepEqual(await call(broker, 'profile.current', {}), { account: null }); // §5.1.3: none yet
    assert.deepEqual(await call(broker, 'profile.list', {}), { accounts: [], total: 0 });

    // §5.1: account name, SIP user and display name are three different things.
    const alice = await call(broker, 'profile.create', {
      account: 'Alice_CMCC',
      sipUser: '8000',
      displayName: 'Alice Huang',
    });
    assert.equal(alice.account, 'Alice_CMCC');
    assert.equal(alice.open, false);
    assert.equal(alice.homeNode, null);
    assert.equal(alice.path, path.join(dataDir, 'accounts', 'Alice_CMCC'));
    assert.ok(await exists(alice.path), '§5.1.4: creating an account creates its folder');
    for (const name of ['zed', 'Bob']) await call(broker, 'profile.create', { account: name });

    assert.deepEqual(await call(broker, 'profile.count', {}), { count: 3 });
    assert.deepEqual(await call(broker, 'profile.current', {}), { account: 'Bob' }); // the last created
    const list = await call(broker, 'profile.list', {});
    assert.deepEqual(
      list.accounts.map((a) => a.account),
      ['Alice_CMCC', 'zed', 'Bob'],
    );
    assert.equal(list.total, 3);
    const page = await call(broker, 'profile.list', { offset: 1, limit: 1 });
    assert.deepEqual(
      page.accounts.map((a) => a.account),
      ['zed'],
    );
    assert.equal(page.total, 3);

    assert.deepEqual(await call(broker, 'profile.exists', { account: 'Alice_CMCC' }), { exists: true });
    assert.deepEqual(await call(broker, 'profile.exists', { account: 'Carol' }), { exists: false });
    assert.deepEqual(await call(broker, 'profile.info', { account: 'Alice_CMCC' }), alice);
    assert.deepEqual(
      harness.events.filter((e) => e.name === 'profile.created').map((e) => e.payload),
      [{ account: 'Alice_CMCC' }, { account: 'zed' }, { account: 'Bob' }],
    );
  });

  test('duplicate and unknown accounts', async () => {
    const { broker } = harness;
    await call(broker, 'profile.create', { account: 'Alice_CMCC' });
    await rejectsWithCode(call(broker, 'profile.create', { account: 'Alice_CMCC' }), 'ACCOUNT_EXISTS');
    // Concurrent creates of one name: exactly one wins.
    const results = await Promise.allSettled([1, 2, 3].map(() => call(broker, 'profile.create', { account: 'Race' })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const name of [
      'profile.info',
      'profile.delete',
      'profile.open',
      'profile.close',
      'profile.save',
      'profile.path',
    ] as const) {
      await rejectsWithCode(call(broker, name, { account: 'Nobody' }), 'ACCOUNT_NOT_FOUND');
    }
    await rejectsWithCode(call(broker, 'profile.get', { account: 'Nobody' }), 'ACCOUNT_NOT_FOUND');
    await rejectsWithCode(
      call(broker, 'profile.set', { account: 'Nobody', values: { maxCalls: 2 } }),
      'ACCOUNT_NOT_FOUND',
    );
    await rejectsWithCode(call(broker, 'profile.contacts.list', { account: 'Nobody' }), 'ACCOUNT_NOT_FOUND');
    await rejectsWithCode(call(broker, 'profile.callLogs.list', { account: 'Nobody' }), 'ACCOUNT_NOT_FOUND');
    await rejectsWithCode(call(broker, 'profile.imLogs.clear', { account: 'Nobody' }), 'ACCOUNT_NOT_FOUND');
  });

  test('§5.1.5 delete removes every piece of data and the folder', async () => {
    const { broker } = harness;
    const info = await call(broker, 'profile.create', { account: 'Alice_CMCC', sipUser: '8000' });
    await call(broker, 'profile.create', { account: 'Keep' });
    await writeFile(path.join(info.path, 'recording.wav'), 'RIFF');
    await call(broker, 'profile.open', { account: 'Alice_CMCC' });
    await call(broker, 'profile.set', { account: 'Alice_CMCC', values: { maxCalls: 2 } });
    await call(broker, 'profile.contacts.add', { account: 'Alice_CMCC', name: 'Bob', numbers: ['8001'] });
    await call(broker, 'profile.contacts.add', { account: 'Keep', name: 'Kept', numbers: [] });

    assert.deepEqual(await call(broker, 'profile.delete', { account: 'Alice_CMCC' }), { deleted: true });
    assert.equal(await exists(info.path), false, 'the folder is gone');
    assert.deepEqual(await call(broker, 'profile.exists', { account: 'Alice_CMCC' }), { exists: false });
    assert.deepEqual(await call(broker, 'profile.current', {}), { account: null }); // it was current
    assert.deepEqual(
      harness.events.slice(-2).map((e) => e.name),
      ['profile.closed', 'profile.deleted'],
    );

    // A new account of the same name starts empty: no old contacts, parameters or files.
    await call(broker, 'profile.create', { account: 'Alice_CMCC' });
    await call(broker, 'profile.open', { account: 'Alice_CMCC' });
    assert.equal(
      (await call(broker, 'profile.get', { account: 'Alice_CMCC', keys: ['maxCalls', 'sipUser'] })).values.maxCalls,
      4,
    );
    assert.equal((await call(broker, 'profile.get', { account: 'Alice_CMCC', keys: ['sipUser'] })).values.sipUser, '');
    assert.equal((await call(broker, 'profile.contacts.list', { account: 'Alice_CMCC' })).total, 0);
    assert.equal(await exists(path.join(info.path, 'recording.wav')), false);
    // The other account is untouched.
    assert.equal((await call(broker, 'profile.contacts.list', { account: 'Keep' })).total, 1);
    assert.deepEqual(
      (await call(broker, 'profile.list', {})).accounts.map((a) => a.account),
      ['Keep', 'Alice_CMCC'],
    );
  });

  test('a folder left over from an interrupted delete is emptied when the name is reused', async () => {
    const folder = path.join(harness.dataDir, 'accounts', 'Ghost');
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'old.wav'), 'RIFF');
    await call(harness.broker, 'profile.create', { account: 'Ghost' });
    assert.equal(await exists(path.join(folder, 'old.wav')), false);
    assert.ok(await exists(folder));
  });
});

describe('§5.2 open and close', () => {
  test('open binds the home node (param, else the caller node) and makes it current; close unbinds', async () => {
    const { broker } = harness;
    await call(broker, 'profile.create', { account: 'Alice_CMCC' });
    await call(broker, 'profile.create', { account: 'Bob' });
    const opened = await call(broker, 'profile.open', { account: 'Alice_CMCC' });
    assert.equal(opened.open, true);
    assert.equal(opened.homeNode, 'profile-test'); // the caller's node: this one
    assert.equal(opened.provisioning.maxCalls, 4);
    assert.deepEqual(await call(broker, 'profile.current', {}), { account: 'Alice_CMCC' }); // last opened
    // Opening again from the same node is fine; from another node it is refused.
    await call(broker, 'profile.open', { account: 'Alice_CMCC', homeNode: 'profile-test' });
    const err = await rejectsWithCode(
      call(broker, 'profile.open', { account: 'Alice_CMCC', homeNode: 'node-b' }),
      'ACCOUNT_OPEN_ELSEWHERE',
    );
    assert.deepEqual(err.data, { account: 'Alice_CMCC', homeNode: 'profile-test' });

    assert.deepEqual(await call(broker, 'profile.close', { account: 'Alice_CMCC' }), { closed: true });
    assert.deepEqual(await call(broker, 'profile.close', { account: 'Alice_CMCC' }), { closed: false });
    const info = await call(broker, 'profile.info', { account: 'Alice_CMCC' });
    assert.equal(info.open, false);
    assert.equal(info.homeNode, null);
    const elsewhere = await call(broker, 'profile.open', { account: 'Alice_CMCC', homeNode: 'node-b' });
    assert.equal(elsewhere.homeNode, 'node-b');
    assert.deepEqual(
      harness.events
        .filter((e) => e.name.startsWith('profile.opened') || e.name === 'profile.closed')
        .map((e) => e.payload),
      [
        { account: 'Alice_CMCC', homeNode: 'profile-test' },
        { account: 'Alice_CMCC', homeNode: 'profile-test' },
        { account: 'Alice_CMCC' },
        { account: 'Alice_CMCC', homeNode: 'node-b' },
      ],
    );
    assert.deepEqual(await call(broker, 'profile.save', { account: 'Alice_CMCC' }), { saved: true });
  });
});

describe('profile.path (Mtc_ProfGetAbsoPath)', () => {
  test('answers the folder or a path inside it, and refuses anything that escapes', async () => {
    const { broker } = harness;
    const { path: folder } = await call(broker, 'profile.create', { account: 'Alice_CMCC' });
    await call(broker, 'profile.create', { account: 'Bob' });
    assert.deepEqual(await call(broker, 'profile.path', { account: 'Alice_CMCC' }), { path: folder });
    assert.deepEqual(await call(broker, 'profile.path', { account: 'Alice_CMCC', relative: '' }), { path: folder });
    assert.deepEqual(await call(broker, 'profile.path', { account: 'Alice_CMCC', relative: 'rec/2024/a.wav' }), {
      path: path.join(folder, 'rec', '2024', 'a.wav'),
    });
    assert.deepEqual(await call(broker, 'profile.path', { account: 'Alice_CMCC', relative: 'rec/../b.wav' }), {
      path: path.join(folder, 'b.wav'),
    });
    assert.deepEqual(await call(broker, 'profile.path', { account: 'Alice_CMCC', relative: '..hidden' }), {
      path: path.join(folder, '..hidden'),
    });
    for (const relative of ['..', '../Bob', '../../profile', 'a/../../x', '/etc/passwd', folder + '/../Bob', 'x\0y']) {
      await rejectsWithCode(call(broker, 'profile.path', { account: 'Alice_CMCC', relative }), 'PATH_OUTSIDE_ACCOUNT');
    }
    // A symbolic link inside the folder that points outside does not open a way out.
    await symlink(harness.dataDir, path.join(folder, 'escape'));
    await rejectsWithCode(
      call(broker, 'profile.path', { account: 'Alice_CMCC', relative: 'escape/profile' }),
      'PATH_OUTSIDE_ACCOUNT',
    );
    await symlink('/nonexistent-target', path.join(folder, 'dangling'));
    await rejectsWithCode(
      call(broker, 'profile.path', { account: 'Alice_CMCC', relative: 'dangling' }),
      'PATH_OUTSIDE_ACCOUNT',
    );
  });
});

describe('restart', () => {
  test('a new broker on the same data directory keeps everything', async () => {
    const { broker } = harness;
    await call(broker, 'profile.create', { account: 'Alice_CMCC', sipUser: '8000', displayName: 'Alice Huang' });
    await call(broker, 'profile.create', { account: 'Bob' });
    await call(broker, 'profile.open', { account: 'Alice_CMCC' });
    await call(broker, 'profile.set', { account: 'Alice_CMCC', values: { authPassword: 's3cret', maxCalls: 8 } });
    const contact = await call(broker, 'profile.contacts.add', {
      account: 'Alice_CMCC',
      name: 'Bob',
      numbers: ['8001'],
    });
    await broker.emit('call.termed', {
      sessionId: 's1',
      account: 'Alice_CMCC',
      cookie: null,
      direction: 'incoming',
      peerUri: 'sip:8001@example.com',
      peerName: null,
      video: false,
      startedAt: 1000,
      answeredAt: null,
      endedAt: 2000,
      reason: 'NO_ANSWER',
      sipStatus: 480,
    });
    await broker.emit('im.received', {
      account: 'Alice_CMCC',
      messageId: 'm1',
      peerUri: 'sip:8001@example.com',
      contentType: 'text/plain',
      body: 'hi',
      at: 3000,
      status: 'received',
    });
    const before = await call(broker, 'profile.list', {});

    harness = await harness.restart();
    const again = harness.broker;
    assert.deepEqual(await call(again, 'profile.list', {}), before);
    assert.deepEqual(await call(again, 'profile.current', {}), { account: 'Alice_CMCC' });
    const got = await call(again, 'profile.get', { account: 'Alice_CMCC', includeSecrets: true });
    assert.equal(got.opened, true, 'the account stays open on its home node');
    assert.equal(got.values.authPassword, 's3cret');
    assert.equal(got.values.maxCalls, 8);
    assert.equal(got.values.sipUser, '8000');
    assert.equal(got.values.displayName, 'Alice Huang');
    assert.deepEqual(await call(again, 'profile.contacts.get', { account: 'Alice_CMCC', id: contact.id }), contact);
    assert.equal((await call(again, 'profile.callLogs.list', { account: 'Alice_CMCC' })).entries.length, 1);
    assert.equal((await call(again, 'profile.imLogs.list', { account: 'Alice_CMCC' })).entries.length, 1);
    // New accounts still go to the end of the creation order.
    await call(again, 'profile.create', { account: 'Carol' });
    assert.deepEqual(
      (await call(again, 'profile.list', {})).accounts.map((a) => a.account),
      ['Alice_CMCC', 'Bob', 'Carol'],
    );
  });
});
