/**
 * The registrar-client against a real Kamailio registrar (guide §5.3.2, §5.3.4): login with
 * digest, refresh of a short binding, wrong password → client.loginFailed 403, logout → the
 * binding is gone (kamcmd ul.dump), over UDP and TCP. Skipped when kamailio is not installed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stopAllChildren } from '../support/process.ts';
import { kamailioAvailable, startKamailio, type Kamailio } from './kamailio.ts';
import { startRegistrarNode, type RegistrarNode } from './support.ts';
import { requirePeer } from '../support/peers.ts';

requirePeer(kamailioAvailable, 'Kamailio');
describe('registrar-client ↔ Kamailio', () => {
  let kamailio: Kamailio;
  let node: RegistrarNode;
  before(async () => {
    // max_expires 3: every binding is granted 3 s, so a refresh comes within ~2 s (backoff.ts).
    kamailio = await startKamailio({ alice: 'wonderland', bob: 'builder' }, 3);
    node = await startRegistrarNode({ nodeID: 'kamailio-test' });
  });
  after(async () => {
    await node?.stop();
    await kamailio?.stop();
    await stopAllChildren();
  });

  for (const transport of ['udp', 'tcp'] as const) {
    test(
      `${transport}: login (401 answered), refresh of a 3 s binding, logout removes the binding`,
      { timeout: 20_000 },
      async () => {
        const account = `alice_${transport}`;
        await node.account(account, {
          sipUser: 'alice',
          domain: '127.0.0.1',
          registrar: `127.0.0.1:${kamailio.port}`,
          transport,
          authPassword: 'wonderland',
          keepAliveInterval: 0,
        });
        const started = await node.call<{ local: { protocol: string }[] }>('registrar-client.start', { account });
        assert.ok(started.local.some((l) => l.protocol === transport));
        const from = node.events.length;
        const ack = await node.call<{ state: string }>('registrar-client.login', { account });
        assert.equal(ack.state, 'registering', 'the action answers at once (guide §5.3.2)');

        const loginOk = await node.waitFor('client.serverLoginOk', account, 5000, from);
        assert.equal(loginOk.payload.expires, 3, 'per-contact expires from the 200 OK');
        const state = await node.call<{ state: string; loggedIn: boolean; contact: string }>('registrar-client.state', {
          account,
        });
        assert.equal(state.state, 'logged-in');
        assert.equal(state.loggedIn, true);
        const port = new URL(state.contact.replace(/^<sip:/, 'http://').replace(/[>;].*$/, '')).port;
        const bound = await kamailio.dump();
        assert.match(bound, /AoR: alice/);
        assert.ok(bound.includes(`127.0.0.1:${port}`), `our contact is bound:\n${bound}`);

        // Refresh before the 3 s binding lapses: a second regOk with refresh: true.
        const refresh = node.events.length;
        const refreshed = await node.waitFor('client.regOk', account, 5000, refresh);
        assert.equal(refreshed.payload.refresh, true);

        const out = node.events.length;
        await node.call('registrar-client.logout', { account });
        const logout = await node.waitFor('client.serverLogout', account, 5000, out);
        assert.equal(logout.payload.requested, true);
        assert.equal(logout.payload.sipStatus, 200);
        assert.ok(!(await kamailio.dump()).includes(`127.0.0.1:${port}`), 'binding removed (Expires: 0)');
        assert.equal((await node.call<{ state: string }>('registrar-client.state', { account })).state, 'idle');
        await node.call('registrar-client.stop', { account });
      },
    );

    test(
      `${transport}: wrong password → client.loginFailed 403 Forbidden, account idle`,
      { timeout: 15_000 },
      async () => {
        const account = `bob_wrong_${transport}`;
        await node.account(account, {
          sipUser: 'bob',
          domain: '127.0.0.1',
          registrar: `127.0.0.1:${kamailio.port}`,
          transport,
          authPassword: 'not-the-password',
        });
        await node.call('registrar-client.start', { account });
        const from = node.events.length;
        await node.call('registrar-client.login', { account });
        const failed = await node.waitFor('client.loginFailed', account, 5000, from);
        assert.deepEqual(failed.payload, { account, sipStatus: 403, reason: 'Forbidden' });
        const state = await node.call<{ state: string; lastFailure: unknown }>('registrar-client.state', { account });
        assert.equal(state.state, 'idle');
        assert.deepEqual(state.lastFailure, { sipStatus: 403, reason: 'Forbidden' });
        assert.ok(!node.events.slice(from).some((e) => e.name === 'client.serverLoginOk'));
        const logs = JSON.stringify(node.events);
        assert.ok(!logs.includes('not-the-password'), 'the password never appears in events');
        await node.call('registrar-client.stop', { account });
      },
    );
  }
});
