/**
 * The registrar-client's actions on bad input and in odd states (each a clear result, the
 * account left sane), local login (guide §5.3.2), a registrar that never answers the login,
 * per-account listeners (guide §4.2.2), and home-node forwarding between two nodes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type Moleculer from 'moleculer';
import { createBroker, loadConfig } from '@talkbus/runtime';
import { createProfileService } from '@talkbus/service-profile';
import { createRegistrarClientService } from '@talkbus/service-registrar-client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRegistrarNode, type RegistrarNode } from './support.ts';

async function rejects(promise: Promise<unknown>, type: string): Promise<void> {
  await assert.rejects(promise, (error: { type?: string; message?: string }) => {
    assert.equal(error.type, type, `${error.type}: ${error.message}`);
    return true;
  });
}

describe('registrar-client actions', () => {
  let node: RegistrarNode;
  let silent: ReturnType<typeof createSocket>;
  before(async () => {
    // Two attempts with Timer F = 64 × 50 ms: a silent registrar fails the login within ~7 s.
    node = await startRegistrarNode({
      nodeID: 'actions-test',
      env: { TALKBUS_SIP_T1: '50', TALKBUS_REGISTRATION_MAX_LOGIN_ATTEMPTS: '2' },
    });
    silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  });
  after(async () => {
    silent?.close();
    await node?.stop();
  });

  test('unknown account: ACCOUNT_NOT_FOUND on every action; unopened: ACCOUNT_NOT_OPEN', async () => {
    for (const action of ['start', 'stop', 'login', 'logout', 'state'])
      await rejects(node.call(`registrar-client.${action}`, { account: 'nobody' }), 'ACCOUNT_NOT_FOUND');
    await node.call('profile.create', { account: 'closed_one' });
    await rejects(node.call('registrar-client.start', { account: 'closed_one' }), 'ACCOUNT_NOT_OPEN');
    await assert.rejects(node.call('registrar-client.login', { account: 'bad/name' }), { name: 'ValidationError' });
  });

  test('login before start: ACCOUNT_NOT_STARTED; logout while idle: ACCOUNT_NOT_LOGGED_IN; state stays idle', async () => {
    await node.account('idle_one', {
      sipUser: 'idle',
      domain: '127.0.0.1',
      registrar: `127.0.0.1:${silent.address().port}`,
    });
    await rejects(node.call('registrar-client.login', { account: 'idle_one' }), 'ACCOUNT_NOT_STARTED');
    const before = await node.call<{ started: boolean; state: string }>('registrar-client.state', {
      account: 'idle_one',
    });
    assert.deepEqual([before.started, before.state], [false, 'idle']);
    await node.call('registrar-client.start', { account: 'idle_one' });
    await rejects(node.call('registrar-client.logout', { account: 'idle_one' }), 'ACCOUNT_NOT_LOGGED_IN');
    const state = await node.call<{ started: boolean; state: string; instanceId: string }>('registrar-client.state', {
      account: 'idle_one',
    });
    assert.deepEqual([state.started, state.state], [true, 'idle']);
    assert.match(state.instanceId, /^urn:uuid:[0-9a-f-]{36}$/);
    assert.equal(
      (await node.call<{ stopped: boolean }>('registrar-client.stop', { account: 'idle_one' })).stopped,
      true,
    );
    assert.equal(
      (await node.call<{ stopped: boolean }>('registrar-client.stop', { account: 'idle_one' })).stopped,
      false,
    );
    await node.call('registrar-client.start', { account: 'idle_one' });
    const again = await node.call<{ instanceId: string }>('registrar-client.state', { account: 'idle_one' });
    assert.equal(again.instanceId, state.instanceId, 'RFC 5626 instance-id is stable (stored)');
  });

  test('server mode without sipUser/domain: ACCOUNT_NOT_CONFIGURED naming what is missing', async () => {
    await node.account('empty_one', { displayName: 'Empty' });
    await assert.rejects(
      node.call('registrar-client.start', { account: 'empty_one' }),
      (error: { type?: string; data?: { missing?: string[] } }) => {
        assert.equal(error.type, 'ACCOUNT_NOT_CONFIGURED');
        assert.deepEqual(error.data?.missing, ['sipUser', 'domain']);
        return true;
      },
    );
  });

  test('local mode (guide §5.3.2): localLoginOk at once, login twice refused, logout → localLogout', async () => {
    await node.account('local_one', { loginMode: 'local' });
    await node.call('registrar-client.start', { account: 'local_one' });
    const from = node.events.length;
    assert.equal(
      (await node.call<{ state: string }>('registrar-client.login', { account: 'local_one' })).state,
      'local',
    );
    await node.waitFor('client.localLoginOk', 'local_one', 1000, from);
    const state = await node.call<{ loggedIn: boolean }>('registrar-client.state', { account: 'local_one' });
    assert.equal(state.loggedIn, true);
    await rejects(node.call('registrar-client.login', { account: 'local_one' }), 'ALREADY_LOGGED_IN');
    assert.equal(
      (await node.call<{ state: string }>('registrar-client.logout', { account: 'local_one' })).state,
      'idle',
    );
    await node.waitFor('client.localLogout', 'local_one', 1000, from);
  });

  test(
    'a registrar that never answers: regFailed 408 with a retry, then loginFailed 408; login twice refused meanwhile',
    { timeout: 20_000 },
    async () => {
      await node.account('silent_one', {
        sipUser: 'silent',
        domain: '127.0.0.1',
        registrar: `127.0.0.1:${silent.address().port}`,
      });
      await node.call('registrar-client.start', { account: 'silent_one' });
      const from = node.events.length;
      await node.call('registrar-client.login', { account: 'silent_one' });
      await rejects(node.call('registrar-client.login', { account: 'silent_one' }), 'ALREADY_LOGGED_IN');
      const retry = await node.waitFor('client.regFailed', 'silent_one', 6000, from);
      assert.equal(retry.payload.sipStatus, 408);
      assert.equal(typeof retry.payload.retryInMs, 'number');
      const failed = await node.waitFor('client.loginFailed', 'silent_one', 10_000, from);
      assert.deepEqual(failed.payload, { account: 'silent_one', sipStatus: 408, reason: 'Request Timeout' });
      assert.equal(
        (await node.call<{ state: string }>('registrar-client.state', { account: 'silent_one' })).state,
        'idle',
      );
    },
  );

  test(
    'logout while registering cancels the login (guide §5.3.3): serverLogout, idle, no loginFailed',
    { timeout: 10_000 },
    async () => {
      await node.account('cancel_one', {
        sipUser: 'c',
        domain: '127.0.0.1',
        registrar: `127.0.0.1:${silent.address().port}`,
      });
      await node.call('registrar-client.start', { account: 'cancel_one' });
      const from = node.events.length;
      await node.call('registrar-client.login', { account: 'cancel_one' });
      const ack = await node.call<{ state: string }>('registrar-client.logout', { account: 'cancel_one' });
      assert.equal(ack.state, 'unregistering');
      await rejects(node.call('registrar-client.login', { account: 'cancel_one' }), 'LOGOUT_IN_PROGRESS');
      const logout = await node.waitFor('client.serverLogout', 'cancel_one', 5000, from);
      assert.equal(logout.payload.requested, true);
      assert.ok(
        !node.events.slice(from).some((e) => e.name === 'client.loginFailed' || e.name === 'client.serverLoginOk'),
      );
      assert.equal(
        (await node.call<{ state: string }>('registrar-client.state', { account: 'cancel_one' })).state,
        'idle',
      );
    },
  );

  test('own local address (guide §4.2.2): listeners there; port taken → SIP_PORT_IN_USE; foreign IP → SIP_ADDRESS_NOT_LOCAL', async () => {
    await node.account('own_one', { loginMode: 'local', localIp: '127.0.0.1', localPort: 0 });
    const started = await node.call<{ local: { address: string; port: number }[] }>('registrar-client.start', {
      account: 'own_one',
    });
    const shared = await node.call<{ local: { port: number }[] }>('registrar-client.state', { account: 'local_one' });
    assert.ok(started.local.length === 2 && started.local.every((l) => l.address === '127.0.0.1'));
    assert.ok(!started.local.some((l) => shared.local.some((s) => s.port === l.port)), 'not the node listeners');
    await node.call('registrar-client.stop', { account: 'own_one' });

    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    await node.account('busy_one', { loginMode: 'local', localIp: '127.0.0.1', localPort: taken });
    await rejects(node.call('registrar-client.start', { account: 'busy_one' }), 'SIP_PORT_IN_USE');
    blocker.close();
    await node.account('far_one', { loginMode: 'local', localIp: '192.0.2.10' });
    await rejects(node.call('registrar-client.start', { account: 'far_one' }), 'SIP_ADDRESS_NOT_LOCAL');
  });
});

describe('home node routing', () => {
  test(
    'an action on another node is forwarded to the account home node; the home is recorded',
    { timeout: 20_000 },
    async () => {
      const dirs: string[] = [];
      const brokers: Moleculer.ServiceBroker[] = [];
      try {
        for (const nodeID of ['home-a', 'other-b']) {
          const dataDir = await mkdtemp(path.join(tmpdir(), `talkbus-${nodeID}-`));
          dirs.push(dataDir);
          const config = loadConfig({
            env: {
              TALKBUS_NODE_ID: nodeID,
              TALKBUS_DATA_DIR: dataDir,
              TALKBUS_LOG_LEVEL: 'warn',
              TALKBUS_SIP_LISTEN_ADDRESS: '127.0.0.1',
              TALKBUS_SIP_TRANSPORTS: 'udp',
              TALKBUS_SIP_UDP_PORT: '0',
            },
          });
          const broker = createBroker(config, { transporter: 'Fake', registry: { stopDelay: 0 } });
          if (nodeID === 'home-a') broker.createService(createProfileService({ config }));
          broker.createService(createRegistrarClientService({ config }));
          brokers.push(broker);
        }
        await Promise.all(brokers.map((b) => b.start()));
        const [home, other] = brokers as [Moleculer.ServiceBroker, Moleculer.ServiceBroker];
        // Each node must have discovered the other's services before it forwards to it (a
        // forward to 'registrar-client' on home-a fails while other-b has not seen home-a yet).
        const knows = (broker: Moleculer.ServiceBroker, nodeID: string) =>
          broker.registry
            .getServiceList({ onlyAvailable: true, withActions: false })
            .some((service) => service.name === 'registrar-client' && service.nodeID === nodeID);
        const deadline = Date.now() + 5000;
        while (!(knows(other, 'home-a') && knows(home, 'other-b'))) {
          assert.ok(Date.now() < deadline, 'the two nodes never discovered each other');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await home.call('profile.create', { account: 'roamer' });
        await home.call('profile.open', { account: 'roamer', homeNode: 'home-a' });
        await home.call('profile.set', { account: 'roamer', values: { loginMode: 'local' } });
        // Started and logged in through the other node: the work happens on home-a.
        const started = (await other.call('registrar-client.start', { account: 'roamer' })) as { homeNode: string };
        assert.equal(started.homeNode, 'home-a');
        await other.call('registrar-client.login', { account: 'roamer' });
        const state = (await other.call('registrar-client.state', { account: 'roamer' })) as {
          homeNode: string;
          state: string;
        };
        assert.deepEqual([state.homeNode, state.state], ['home-a', 'local']);
        assert.equal(((await other.call('registrar-client.list', {})) as { accounts: unknown[] }).accounts.length, 0);
        assert.equal(
          ((await home.call('registrar-client.list', {}, { nodeID: 'home-a' })) as { accounts: unknown[] }).accounts
            .length,
          1,
        );
      } finally {
        for (const broker of brokers) await broker.stop();
        for (const dir of dirs) await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
