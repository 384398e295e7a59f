/**
 * Provisioning parameters (guide §4.3): defaults before open, refusal to set before open, typed
 * values after open, checks across keys, secrets masked and never logged or emitted.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { SECRET_MASK, call, defaultProvisioning } from '@talkbus/contracts';
import { checkCrossField } from './provisioning.ts';
import { rejectsValidation, rejectsWithCode, startProfile, type ProfileHarness } from './test-support.ts';

let harness: ProfileHarness;
beforeEach(async () => {
  harness = await startProfile();
  await call(harness.broker, 'profile.create', { account: 'Alice_CMCC', sipUser: '8000', displayName: 'Alice Huang' });
});
afterEach(async () => {
  await harness.dispose();
});

describe('§4.3 before the account is opened', () => {
  test('get answers the defaults with opened: false', async () => {
    const got = await call(harness.broker, 'profile.get', { account: 'Alice_CMCC' });
    assert.equal(got.opened, false);
    // §4.3: "否则获取的参数都是默认数值" — even the SIP user given at create is not loaded yet.
    assert.deepEqual(got.values, defaultProvisioning());
    const some = await call(harness.broker, 'profile.get', {
      account: 'Alice_CMCC',
      keys: ['dtmfMode', 'mediaPortMin'],
    });
    assert.deepEqual(some, { opened: false, values: { dtmfMode: 'auto', mediaPortMin: 20000 } });
  });

  test('set is refused with ACCOUNT_NOT_OPEN quoting §4.3, and nothing is written', async () => {
    const err = await rejectsWithCode(
      call(harness.broker, 'profile.set', { account: 'Alice_CMCC', values: { maxCalls: 2 } }),
      'ACCOUNT_NOT_OPEN',
    );
    assert.match(String(err.message), /§4\.3/);
    assert.match(String(err.message), /profile\.open/);
    await call(harness.broker, 'profile.open', { account: 'Alice_CMCC' });
    assert.equal(
      (await call(harness.broker, 'profile.get', { account: 'Alice_CMCC', keys: ['maxCalls'] })).values.maxCalls,
      4,
    );
    assert.equal(harness.events.filter((e) => e.name === 'profile.changed').length, 0);
  });
});

describe('§4.3 after the account is opened', () => {
  test('get answers the stored values; set writes atomically and emits the keys only', async () => {
    const { broker } = harness;
    const opened = await call(broker, 'profile.open', { account: 'Alice_CMCC' });
    assert.equal(opened.provisioning.sipUser, '8000'); // §5.1: the SIP user, not the account name
    assert.equal(opened.provisioning.displayName, 'Alice Huang');
    const set = await call(broker, 'profile.set', {
      account: 'Alice_CMCC',
      values: {
        registrar: 'sip.example.com:5060',
        transport: 'tcp',
        audioCodecs: ['opus', 'PCMU'],
        loginMode: 'local',
      },
    });
    assert.deepEqual(set.values, {
      registrar: 'sip.example.com:5060',
      transport: 'tcp',
      audioCodecs: ['opus', 'PCMU'],
      loginMode: 'local',
    });
    const got = await call(broker, 'profile.get', { account: 'Alice_CMCC' });
    assert.equal(got.opened, true);
    assert.deepEqual(got.values, {
      ...defaultProvisioning(),
      sipUser: '8000',
      displayName: 'Alice Huang',
      registrar: 'sip.example.com:5060',
      transport: 'tcp',
      audioCodecs: ['opus', 'PCMU'],
      loginMode: 'local',
    });
    const changed = harness.events.filter((e) => e.name === 'profile.changed');
    assert.deepEqual(
      changed.map((e) => e.payload),
      [{ account: 'Alice_CMCC', keys: ['registrar', 'transport', 'audioCodecs', 'loginMode'] }],
    );
    // An answer is a copy: changing it does not change the account.
    got.values.audioCodecs!.push('PCMA');
    assert.deepEqual(
      (await call(broker, 'profile.get', { account: 'Alice_CMCC', keys: ['audioCodecs'] })).values.audioCodecs,
      ['opus', 'PCMU'],
    );
  });

  test('checks across keys give INVALID_PARAMETER naming the keys, and write nothing', async () => {
    const { broker } = harness;
    await call(broker, 'profile.open', { account: 'Alice_CMCC' });
    const err = await rejectsWithCode(
      call(broker, 'profile.set', { account: 'Alice_CMCC', values: { mediaPortMin: 30000, maxCalls: 9 } }),
      'INVALID_PARAMETER',
    );
    assert.deepEqual(err.data, { keys: ['mediaPortMin', 'mediaPortMax'] });
    assert.match(String(err.message), /mediaPortMin.*mediaPortMax/);
    const got = await call(broker, 'profile.get', { account: 'Alice_CMCC', keys: ['mediaPortMin', 'maxCalls'] });
    assert.deepEqual(got.values, { mediaPortMin: 20000, maxCalls: 4 }, 'the batch was not written');
    // Both ends at once are checked against each other.
    await call(broker, 'profile.set', { account: 'Alice_CMCC', values: { mediaPortMin: 40000, mediaPortMax: 40100 } });
    await rejectsWithCode(
      call(broker, 'profile.set', { account: 'Alice_CMCC', values: { mediaPortMax: 39000 } }),
      'INVALID_PARAMETER',
    );
    await rejectsWithCode(
      call(broker, 'profile.set', { account: 'Alice_CMCC', values: { audioCodecs: ['telephone-event'] } }),
      'INVALID_PARAMETER',
    );
    const dtmf = await rejectsWithCode(
      call(broker, 'profile.set', { account: 'Alice_CMCC', values: { dtmfMode: 'rfc4733', audioCodecs: ['PCMU'] } }),
      'INVALID_PARAMETER',
    );
    assert.deepEqual(dtmf.data, { keys: ['dtmfMode', 'audioCodecs'] });
    await call(broker, 'profile.set', { account: 'Alice_CMCC', values: { dtmfMode: 'rfc4733' } }); // default codecs have it
    await rejectsWithCode(call(broker, 'profile.set', { account: 'Alice_CMCC', values: {} }), 'INVALID_PARAMETER');
  });

  test('checkCrossField only judges rules touched by the change', () => {
    const values = { ...defaultProvisioning(), mediaPortMin: 30000 };
    assert.doesNotThrow(() => checkCrossField(values, ['maxCalls']));
    assert.throws(() => checkCrossField(values, ['mediaPortMax']), { type: 'INVALID_PARAMETER' });
  });
});

describe('secrets', () => {
  const password = 'Pa55-w0rd!unique';

  test('the password is masked in every answer unless includeSecrets, and never in a log line or event', async () => {
    const { broker, logs, events } = harness;
    await call(broker, 'profile.open', { account: 'Alice_CMCC' });
    const set = await call(broker, 'profile.set', {
      account: 'Alice_CMCC',
      values: { authPassword: password, authUser: 'alice' },
    });
    assert.equal(set.values.authPassword, SECRET_MASK);
    assert.equal((await call(broker, 'profile.get', { account: 'Alice_CMCC' })).values.authPassword, SECRET_MASK);
    assert.equal(
      (await call(broker, 'profile.get', { account: 'Alice_CMCC', keys: ['authPassword'] })).values.authPassword,
      SECRET_MASK,
    );
    assert.equal(
      (await call(broker, 'profile.open', { account: 'Alice_CMCC' })).provisioning.authPassword,
      SECRET_MASK,
    );
    assert.equal(
      (await call(broker, 'profile.get', { account: 'Alice_CMCC', keys: ['authPassword'], includeSecrets: true }))
        .values.authPassword,
      password,
    );
    // A masked value sent back (read, edit another key, write all) leaves the password as it was.
    const all = (await call(broker, 'profile.get', { account: 'Alice_CMCC' })).values;
    await call(broker, 'profile.set', { account: 'Alice_CMCC', values: { ...all, maxCalls: 3 } });
    assert.equal(
      (await call(broker, 'profile.get', { account: 'Alice_CMCC', keys: ['authPassword'], includeSecrets: true }))
        .values.authPassword,
      password,
    );

    // Failures that involve the password do not carry it either.
    await rejectsWithCode(
      call(broker, 'profile.set', { account: 'Alice_CMCC', values: { authPassword: password, mediaPortMin: 65000 } }),
      'INVALID_PARAMETER',
    );
    await call(broker, 'profile.close', { account: 'Alice_CMCC' });
    await rejectsWithCode(
      call(broker, 'profile.set', { account: 'Alice_CMCC', values: { authPassword: password } }),
      'ACCOUNT_NOT_OPEN',
    );
    await call(broker, 'profile.open', { account: 'Alice_CMCC' });
    await rejectsValidation(
      call(broker, 'profile.set', { account: 'Alice_CMCC', values: { authPassword: password + 'x'.repeat(256) } }),
      'values.authPassword',
      'stringMax',
    );
    // A numeric password (a CLI sends JSON numbers) is taken as its string, not refused with its value.
    await call(broker, 'profile.set', {
      account: 'Alice_CMCC',
      values: { authPassword: 918273645 as unknown as string },
    });
    assert.equal(
      (await call(broker, 'profile.get', { account: 'Alice_CMCC', keys: ['authPassword'], includeSecrets: true }))
        .values.authPassword,
      '918273645',
    );
    await call(broker, 'profile.delete', { account: 'Alice_CMCC' });

    assert.ok(logs.length > 10, 'the logger captured the broker at trace level');
    for (const secret of [password, '918273645']) {
      assert.deepEqual(
        logs.filter((line) => line.includes(secret)),
        [],
        'no log line holds the password',
      );
      assert.deepEqual(
        events.filter((e) => JSON.stringify(e.payload).includes(secret)),
        [],
        'no event holds the password',
      );
    }
    assert.ok(events.some((e) => e.name === 'profile.changed' && JSON.stringify(e.payload).includes('authPassword')));
  });

  test('an empty password stays empty, so "no password" is visible', async () => {
    await call(harness.broker, 'profile.open', { account: 'Alice_CMCC' });
    assert.equal(
      (await call(harness.broker, 'profile.get', { account: 'Alice_CMCC', keys: ['authPassword'] })).values
        .authPassword,
      '',
    );
  });
});
