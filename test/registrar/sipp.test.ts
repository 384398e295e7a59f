/**
 * The registrar-client against SIPp scenarios for what Kamailio will not do on demand (guide
 * §5.3.2, §5.3.5): 423 with Min-Expires, 503 with Retry-After, a registrar that stops answering,
 * a 200 without Contact, and reg-event NOTIFYs for the three passive-logout reasons, plus
 * broken/foreign NOTIFYs. UDP on loopback; every SIPp bounded and stopped by PID.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stopAllChildren } from '../support/process.ts';
import { sippAvailable, startSipp } from './sipp.ts';
import { startRegistrarNode, type RegistrarNode } from './support.ts';
import { requirePeer } from '../support/peers.ts';

requirePeer(sippAvailable, 'SIPp (sip-tester)');
describe('registrar-client ↔ SIPp', () => {
  let node: RegistrarNode;
  let counter = 0;
  before(async () => {
    node = await startRegistrarNode({ nodeID: 'sipp-test' });
  });
  after(async () => {
    await node?.stop();
    await stopAllChildren();
  });

  /** A started account pointing at `port`; answers its name. */
  async function account(port: number, extra: Record<string, unknown> = {}): Promise<string> {
    const name = `sipp_${++counter}`;
    await node.account(name, {
      sipUser: name,
      domain: '127.0.0.1',
      registrar: `127.0.0.1:${port}`,
      keepAliveInterval: 0,
      ...extra,
    });
    await node.call('registrar-client.start', { account: name });
    return name;
  }

  test(
    '423 Interval Too Brief: retried with Min-Expires (RFC 3261 §10.2.8), then logged in',
    { timeout: 20_000 },
    async () => {
      const sipp = await startSipp('interval-too-brief.xml');
      const name = await account(sipp.port, { registrationExpires: 3600 });
      const from = node.events.length;
      await node.call('registrar-client.login', { account: name });
      const ok = await node.waitFor('client.serverLoginOk', name, 5000, from);
      assert.equal(ok.payload.expires, 7200);
      assert.ok(!node.events.slice(from).some((e) => e.name === 'client.regFailed'), '423 is not a failure');
      await node.call('registrar-client.logout', { account: name });
      assert.equal((await node.waitFor('client.serverLogout', name, 5000, from)).payload.sipStatus, 200);
      assert.equal(await sipp.done(10_000), 0, sipp.child.output().slice(-2000));
    },
  );

  test('503 with Retry-After: regFailed says 1000 ms, the retry logs in', { timeout: 20_000 }, async () => {
    const sipp = await startSipp('retry-after.xml', { retryafter: '1' });
    const name = await account(sipp.port);
    const from = node.events.length;
    const started = Date.now();
    await node.call('registrar-client.login', { account: name });
    const failed = await node.waitFor('client.regFailed', name, 5000, from);
    assert.deepEqual(failed.payload, {
      account: name,
      sipStatus: 503,
      reason: 'Service Unavailable',
      refresh: false,
      retryInMs: 1000,
    });
    assert.equal(
      (await node.call<{ state: string }>('registrar-client.state', { account: name })).state,
      'registering',
    );
    await node.waitFor('client.serverLoginOk', name, 5000, from);
    assert.ok(Date.now() - started >= 950, 'waited for Retry-After');
    await node.call('registrar-client.logout', { account: name });
    await node.waitFor('client.serverLogout', name, 5000, from);
    assert.equal(await sipp.done(10_000), 0, sipp.child.output().slice(-2000));
  });

  test(
    'a registrar that stops answering: the refresh times out → serverLogout TIMEOUT',
    { timeout: 20_000 },
    async () => {
      const sipp = await startSipp('stops-answering.xml');
      const name = await account(sipp.port);
      const from = node.events.length;
      await node.call('registrar-client.login', { account: name });
      assert.equal((await node.waitFor('client.serverLoginOk', name, 5000, from)).payload.expires, 2);
      const logout = await node.waitFor('client.serverLogout', name, 6000, from);
      assert.deepEqual(logout.payload, {
        account: name,
        requested: false,
        reason: 'TIMEOUT',
        retryAfter: null,
        sipStatus: null,
      });
      const state = await node.call<{ state: string; loggedIn: boolean }>('registrar-client.state', { account: name });
      assert.deepEqual([state.state, state.loggedIn], ['idle', false]);
      await sipp.done(10_000);
    },
  );

  test('a 200 OK without Contact is a failed login (RFC 3261 §10.2.4), account idle', { timeout: 20_000 }, async () => {
    const sipp = await startSipp('no-contact.xml');
    const name = await account(sipp.port);
    const from = node.events.length;
    await node.call('registrar-client.login', { account: name });
    const failed = await node.waitFor('client.loginFailed', name, 5000, from);
    assert.equal(failed.payload.sipStatus, 200);
    assert.match(String(failed.payload.reason), /Contact/);
    assert.equal((await node.call<{ state: string }>('registrar-client.state', { account: name })).state, 'idle');
    assert.equal(await sipp.done(10_000), 0, sipp.child.output().slice(-2000));
  });

  /** A registrar (with a Service-Route to the notifier) and a notifier running `scenario`. */
  async function regEvent(scenario: string, keys: Record<string, string>) {
    const notifier = await startSipp(scenario, keys);
    const registrar = await startSipp('registrar-service-route.xml', { notifier: `127.0.0.1:${notifier.port}` });
    const name = await account(registrar.port, { subscribeRegistration: true });
    const from = node.events.length;
    await node.call('registrar-client.login', { account: name });
    const ok = await node.waitFor('client.serverLoginOk', name, 5000, from);
    assert.deepEqual(ok.payload.serviceRoute, [`<sip:127.0.0.1:${notifier.port};lr>`], 'Service-Route stored');
    return { notifier, registrar, name, from };
  }

  for (const [event, reason] of [
    ['expired', 'TIMEOUT'],
    ['deactivated', 'DEACTIVATED'],
    ['rejected', 'DEACTIVATED'],
  ] as const) {
    test(`reg event NOTIFY "${event}" → serverLogout ${reason} (guide table 5-14)`, { timeout: 20_000 }, async () => {
      const { notifier, registrar, name, from } = await regEvent('reg-event.xml', { event });
      const logout = await node.waitFor('client.serverLogout', name, 5000, from);
      assert.deepEqual(logout.payload, { account: name, requested: false, reason, retryAfter: null, sipStatus: null });
      assert.equal((await node.call<{ state: string }>('registrar-client.state', { account: name })).state, 'idle');
      assert.equal(await notifier.done(10_000), 0, notifier.child.output().slice(-2000));
      await registrar.done(10_000);
    });
  }

  test(
    'reg event NOTIFY "probation" → serverLogout PROBATION, then a new login after retry-after',
    { timeout: 20_000 },
    async () => {
      const { notifier, registrar, name, from } = await regEvent('reg-event-probation.xml', { retry: '1' });
      const logout = await node.waitFor('client.serverLogout', name, 5000, from);
      assert.deepEqual(logout.payload, {
        account: name,
        requested: false,
        reason: 'PROBATION',
        retryAfter: 1,
        sipStatus: null,
      });
      const at = node.events.indexOf(logout);
      const started = Date.now();
      await node.waitFor('client.serverLoginOk', name, 5000, at + 1);
      assert.ok(Date.now() - started >= 900, 'logged in again only after retry-after');
      assert.equal(await notifier.done(10_000), 0, notifier.child.output().slice(-2000));
      assert.equal(await registrar.done(10_000), 0, registrar.child.output().slice(-2000));
      await node.call('registrar-client.stop', { account: name });
    },
  );

  test(
    'bad NOTIFYs: broken XML → 400, another AoR → 200 ignored; the account stays logged in',
    { timeout: 20_000 },
    async () => {
      const { notifier, registrar, name, from } = await regEvent('reg-event-bad.xml', {});
      // The notifier's scenario checks the 400 and the 200s, then waits for our unSUBSCRIBE; give its
      // three NOTIFYs time to arrive (they are sent right after the SUBSCRIBE's 200).
      await new Promise((resolve) => setTimeout(resolve, 800));
      const state = await node.call<{ state: string }>('registrar-client.state', { account: name });
      assert.equal(state.state, 'logged-in');
      assert.ok(!node.events.slice(from).some((e) => e.name === 'client.serverLogout'));
      await node.call('registrar-client.logout', { account: name });
      assert.equal((await node.waitFor('client.serverLogout', name, 5000, from)).payload.requested, true);
      assert.equal(await notifier.done(10_000), 0, notifier.child.output().slice(-2000));
      assert.equal(await registrar.done(10_000), 0, registrar.child.output().slice(-2000));
    },
  );
});
