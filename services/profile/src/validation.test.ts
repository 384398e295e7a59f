/**
 * Bad input on every profile action: the broker refuses it with a ValidationError naming the
 * field (ARCHITECTURE "Rules that hold everywhere"), before the service sees it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, profileActions } from '@talkbus/contracts';
import { rejectsValidation, rejectsWithCode, startProfile, type ProfileHarness } from './test-support.ts';

type ActionKey = keyof typeof profileActions;

/** Valid params of each action (the account need not exist: validation comes first). */
const validParams: Record<ActionKey, Record<string, unknown>> = {
  count: {},
  list: { offset: 0, limit: 10 },
  current: {},
  create: { account: 'Alice_CMCC', sipUser: '8000', displayName: 'Alice Huang' },
  delete: { account: 'Alice_CMCC' },
  exists: { account: 'Alice_CMCC' },
  info: { account: 'Alice_CMCC' },
  open: { account: 'Alice_CMCC', homeNode: 'node-a' },
  close: { account: 'Alice_CMCC' },
  get: { account: 'Alice_CMCC', keys: ['sipUser'], includeSecrets: false },
  set: { account: 'Alice_CMCC', values: { maxCalls: 2 } },
  save: { account: 'Alice_CMCC' },
  path: { account: 'Alice_CMCC', relative: 'recordings' },
  contactsAdd: { account: 'Alice_CMCC', name: 'Bob', numbers: ['8001'], email: 'bob@example.com', note: 'n' },
  contactsUpdate: { account: 'Alice_CMCC', id: 'c1', name: 'Bob', numbers: ['8001'], email: 'b@x', note: 'n' },
  contactsRemove: { account: 'Alice_CMCC', id: 'c1' },
  contactsGet: { account: 'Alice_CMCC', id: 'c1' },
  contactsList: { account: 'Alice_CMCC', offset: 0, limit: 10 },
  contactsSearch: { account: 'Alice_CMCC', query: 'bo', limit: 10 },
  callLogsList: { account: 'Alice_CMCC', since: 0, until: 1, peer: 'sip:bob@example.com', limit: 10 },
  callLogsRemove: { account: 'Alice_CMCC', id: 'x' },
  callLogsClear: { account: 'Alice_CMCC' },
  imLogsList: { account: 'Alice_CMCC', since: 0, until: 1, peer: 'sip:bob@example.com', limit: 10 },
  imLogsClear: { account: 'Alice_CMCC' },
};

interface RuleShape {
  type?: string;
  optional?: boolean;
  max?: number;
  items?: RuleShape;
  values?: string[];
}

/** A value of the wrong type for `rule`. */
function wrongTypeFor(rule: RuleShape): unknown {
  return rule.type === 'object' ? 'not an object' : { not: 'a scalar' };
}

/** A valid item of an array rule. */
function itemFor(rule: RuleShape): unknown {
  return rule.type === 'enum' ? rule.values![0] : '1';
}

let harness: ProfileHarness;
before(async () => {
  harness = await startProfile();
});
after(async () => {
  await harness.dispose();
});

describe('every action refuses bad params with a ValidationError naming the field', () => {
  for (const [key, spec] of Object.entries(profileActions) as [ActionKey, (typeof profileActions)[ActionKey]][]) {
    test(spec.name, async () => {
      const base = validParams[key];
      const rules = spec.params as Record<string, RuleShape>;
      for (const [field, rule] of Object.entries(rules)) {
        if (!rule.optional) {
          const { [field]: _omitted, ...missing } = base;
          await rejectsValidation(harness.broker.call(spec.name, missing), field, 'required');
        }
        await rejectsValidation(harness.broker.call(spec.name, { ...base, [field]: wrongTypeFor(rule) }), field);
        if (rule.type === 'string' && rule.max !== undefined) {
          await rejectsValidation(
            harness.broker.call(spec.name, { ...base, [field]: 'x'.repeat(rule.max + 1) }),
            field,
          );
        }
        if (rule.type === 'array' && rule.max !== undefined) {
          const items = Array.from({ length: rule.max + 1 }, () => itemFor(rule.items!));
          await rejectsValidation(harness.broker.call(spec.name, { ...base, [field]: items }), field, 'arrayMax');
        }
      }
      // Unknown params are refused, not ignored: the error names the stray key.
      const err = await harness.broker.call(spec.name, { ...base, bogus: 1 }).then(
        () => assert.fail('an unknown param was accepted'),
        (e: { name: string; data: { type: string; actual: string }[] }) => e,
      );
      assert.equal(err.name, 'ValidationError');
      assert.equal(err.data[0]!.type, 'objectStrict');
      assert.equal(err.data[0]!.actual, 'bogus');
    });
  }
});

describe('account names', () => {
  const refused: [string, string][] = [
    ['empty', ''],
    ['65 characters', 'a'.repeat(65)],
    ['..', '..'],
    ['.', '.'],
    ['a forward slash', 'alice/cmcc'],
    ['a backslash', 'alice\\cmcc'],
    ['a parent path', '../etc'],
    ['a space', 'Alice CMCC'],
    ['a NUL byte', 'alice\0'],
    ['a control character', 'alice\x01'],
  ];
  for (const [what, name] of refused) {
    test(`refuses a name with ${what}`, async () => {
      await rejectsValidation(call(harness.broker, 'profile.create', { account: name }), 'account');
    });
  }

  test('accepts 64 characters and the allowed punctuation; refuses a duplicate', async () => {
    for (const name of ['b'.repeat(64), 'alice.huang@cmcc+1_x-y', 'Élodie_Orange', '..a']) {
      const info = await call(harness.broker, 'profile.create', { account: name });
      assert.equal(info.account, name);
    }
    await rejectsWithCode(call(harness.broker, 'profile.create', { account: 'b'.repeat(64) }), 'ACCOUNT_EXISTS');
  });
});

describe('nested provisioning values', () => {
  test('an unknown key, a wrong type, an out-of-range or oversized value names values.<key>', async () => {
    const set = (values: Record<string, unknown>) => harness.broker.call('profile.set', { account: 'x', values });
    const err = await set({ bogusKey: 1 }).then(
      () => assert.fail('accepted'),
      (e: { name: string; data: { field: string; actual: string }[] }) => e,
    );
    assert.equal(err.name, 'ValidationError');
    assert.equal(err.data[0]!.field, 'values');
    assert.equal(err.data[0]!.actual, 'bogusKey');
    await rejectsValidation(set({ maxCalls: 'many' }), 'values.maxCalls');
    await rejectsValidation(set({ maxCalls: 0 }), 'values.maxCalls', 'numberMin');
    await rejectsValidation(set({ registrationExpires: 86401 }), 'values.registrationExpires', 'numberMax');
    await rejectsValidation(set({ transport: 'sctp' }), 'values.transport', 'enumValue');
    await rejectsValidation(set({ displayName: 'x'.repeat(129) }), 'values.displayName', 'stringMax');
    await rejectsValidation(set({ audioCodecs: [] }), 'values.audioCodecs', 'arrayMin');
    await rejectsValidation(set({ audioCodecs: ['PCMU', 'PCMU'] }), 'values.audioCodecs', 'arrayUnique');
    await rejectsValidation(set({ localIp: 'not an ip' }), 'values.localIp', 'stringPattern');
    await rejectsValidation(set({ registrar: 'bad host!' }), 'values.registrar', 'stringPattern');
    await rejectsValidation(set({ subscribeRegistration: 'yes' }), 'values.subscribeRegistration', 'boolean');
  });
});
