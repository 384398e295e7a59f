import assert from 'node:assert/strict';
import { test } from 'node:test';
import Moleculer from 'moleculer';
import {
  actions,
  defaultProvisioning,
  provisioningSpec,
  secretProvisioningKeys,
  strictParams,
  TalkbusError,
  ErrorCode,
  type ActionParams,
} from './index.ts';

const validator = new Moleculer.Validators.Fastest();
const check = (name: keyof typeof actions, params: unknown) =>
  (validator.compile(strictParams(actions[name].params)) as (v: unknown) => true | { field: string; type: string }[])(
    params,
  );

test('every action is named <service>.<action> and has a description', () => {
  for (const [name, spec] of Object.entries(actions)) {
    assert.equal(name, spec.name);
    assert.match(name, /^[a-z-]+\.[A-Za-z.]+$/);
    assert.ok(spec.description.length > 5, name);
  }
});

test('every string parameter is bounded', () => {
  const unbounded: string[] = [];
  const visit = (where: string, rule: Record<string, unknown>) => {
    if (rule.type === 'string' && typeof rule.max !== 'number') unbounded.push(where);
    if (rule.type === 'array' && typeof rule.max !== 'number') unbounded.push(where);
    if (rule.items) visit(`${where}[]`, rule.items as Record<string, unknown>);
    if (rule.props) for (const [k, r] of Object.entries(rule.props as object)) visit(`${where}.${k}`, r);
  };
  for (const spec of Object.values(actions))
    for (const [field, rule] of Object.entries(spec.params)) visit(`${spec.name}:${field}`, rule);
  assert.deepEqual(unbounded, []);
});

test('account names: path separators, dot names, empty and long names are refused', () => {
  for (const bad of ['', '.', '..', 'a/b', 'a\\b', 'with space', 'x'.repeat(65), 'nul\0']) {
    const result = check('profile.create', { account: bad });
    assert.notEqual(result, true, `'${bad}' must be refused`);
    assert.equal((result as { field: string }[])[0]?.field, 'account');
  }
  for (const good of ['Alice_CMCC', 'bob.2', '张三', 'a@b.c', 'x'.repeat(64)])
    assert.equal(check('profile.create', { account: good }), true, good);
});

test('unknown and missing parameters name the field', () => {
  const unknown = check('profile.create', { account: 'A', colour: 'red' }) as { field: string; type: string }[];
  assert.equal(unknown[0]?.type, 'objectStrict');
  const missing = check('profile.info', {}) as { field: string }[];
  assert.equal(missing[0]?.field, 'account');
});

test('provisioning values are checked per key by profile.set', () => {
  assert.equal(
    check('profile.set', { account: 'A', values: { maxCalls: 2, transport: 'tcp', audioCodecs: ['PCMA'] } }),
    true,
  );
  const wrong = check('profile.set', { account: 'A', values: { maxCalls: 0 } }) as { field: string }[];
  assert.equal(wrong[0]?.field, 'values.maxCalls');
  const unknown = check('profile.set', { account: 'A', values: { nope: 1 } }) as { type: string }[];
  assert.equal(unknown[0]?.type, 'objectStrict');
  const codec = check('profile.set', { account: 'A', values: { audioCodecs: ['MP3'] } }) as { field: string }[];
  assert.match(codec[0]?.field ?? '', /^values\.audioCodecs/);
});

test('every provisioning default passes its own rule', () => {
  const defaults = defaultProvisioning();
  assert.equal(check('profile.set', { account: 'A', values: defaults }), true);
  assert.deepEqual(Object.keys(defaults).sort(), Object.keys(provisioningSpec).sort());
  assert.deepEqual(secretProvisioningKeys, ['authPassword']);
});

test('param types are inferred from the schemas', () => {
  const params: ActionParams<'profile.create'> = { account: 'A' };
  // @ts-expect-error account is required
  const missing: ActionParams<'profile.create'> = { sipUser: '8000' };
  assert.ok(params && missing);
});

test('TalkbusError carries the readable code as type and an HTTP-like status', () => {
  const err = new TalkbusError(ErrorCode.NEED_ACTIVATION, 'activate first', { path: '/x' });
  assert.equal(err.type, 'NEED_ACTIVATION');
  assert.equal(err.code, 403);
  assert.equal(err.name, 'TalkbusError');
  assert.ok(TalkbusError.is(err, 'NEED_ACTIVATION'));
  assert.ok(!TalkbusError.is(new Error('x')));
});
