/**
 * Two talkbus processes over a real nats-server (issue 3, "What it must show"): profile and
 * license run in node A; node B (this test's broker, plus `talkbus act` / `talkbus watch`
 * processes) calls actions and subscribes to events. Then A is killed with SIGKILL: callers get
 * a clear error within a bound; A restarts on the same data and everything is there.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { call, TalkbusError } from '@talkbus/contracts';
import { loadConfig, startNode, type TalkbusNode } from '@talkbus/runtime';
import { startNats, type NatsServer } from '../support/nats.ts';
import { stopAllChildren, type Child } from '../support/process.ts';
import { runTalkbus, startTalkbusNode } from '../support/talkbus.ts';

describe('cluster over NATS', () => {
  let nats: NatsServer;
  let dataDir: string;
  let nodeA: Child;
  let client: TalkbusNode;
  const nodeEnv = () => ({
    TALKBUS_TRANSPORTER: nats.url,
    TALKBUS_SERVICES: 'profile,license',
    TALKBUS_NODE_ID: 'node-a',
    TALKBUS_DATA_DIR: dataDir,
  });

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'talkbus-cluster-'));
    nats = await startNats();
    nodeA = await startTalkbusNode(nodeEnv());
    client = await startNode(
      loadConfig({
        env: {},
        overrides: {
          nodeID: 'node-b',
          transporter: nats.url,
          services: [],
          requestTimeout: 4000,
          dataDir: path.join(dataDir, 'b'),
          log: { level: 'warn', format: 'json' },
        },
      }),
      {},
    );
    await client.broker.waitForServices(['profile', 'license'], 10_000);
  });

  after(async () => {
    await client?.stop();
    await stopAllChildren();
    await nats?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('actions and events cross the bus between processes', async () => {
    const events: { event: string; payload: Record<string, unknown> }[] = [];
    const watcher = runTalkbus(
      ['watch', 'profile.*', '--count', '3', '--timeout', '20000', '--transporter', nats.url],
      {},
      30_000,
    );
    // Wait until the watcher's subscription is known to the bus before acting.
    const deadline = Date.now() + 15_000;
    while (!client.broker.registry.getEventList({}).some((e) => String(e.name) === 'profile.*')) {
      assert.ok(Date.now() < deadline, 'the watcher never subscribed');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const created = await call(client.broker, 'profile.create', {
      account: 'Alice_CMCC',
      sipUser: '8000',
      displayName: 'Alice Huang',
    });
    assert.equal(created.account, 'Alice_CMCC');
    const opened = await call(client.broker, 'profile.open', { account: 'Alice_CMCC' });
    assert.equal(opened.open, true);
    await call(client.broker, 'profile.set', {
      account: 'Alice_CMCC',
      values: { registrar: 'sip.example.net:5060', maxCalls: 2, authPassword: 's3cret!' },
    });
    await call(client.broker, 'profile.contacts.add', {
      account: 'Alice_CMCC',
      name: 'Bob',
      numbers: ['+86 10 1234-5678'],
    });
    const status = await call(client.broker, 'license.verify', {});
    assert.equal(status.status, 'off');

    const watched = await watcher;
    assert.equal(watched.code, 0, watched.stderr);
    for (const line of watched.stdout.trim().split('\n')) events.push(JSON.parse(line));
    assert.deepEqual(
      events.map((e) => e.event),
      ['profile.created', 'profile.opened', 'profile.changed'],
    );
    assert.equal(events[0]?.payload.account, 'Alice_CMCC');
    assert.ok(!watched.stdout.includes('s3cret!'), 'the password never travels in an event');

    // The generic CLI against the running node, over NATS.
    const acted = await runTalkbus([
      'act',
      'profile.get',
      '{"account":"Alice_CMCC","keys":["registrar","maxCalls"]}',
      '--transporter',
      nats.url,
    ]);
    assert.equal(acted.code, 0, acted.stderr);
    assert.deepEqual(JSON.parse(acted.stdout).values, { registrar: 'sip.example.net:5060', maxCalls: 2 });

    const invalid = await runTalkbus(['act', 'profile.create', '{"account":""}', '--transporter', nats.url]);
    assert.equal(invalid.code, 1);
    const error = JSON.parse(invalid.stderr.trim().split('\n').at(-1)!).error;
    assert.equal(error.name, 'ValidationError');
    assert.equal(error.data[0].field, 'account');
  });

  test('errors keep their talkbus code across the bus', async () => {
    await assert.rejects(call(client.broker, 'profile.info', { account: 'Nobody' }), (err: unknown) => {
      assert.ok(err instanceof TalkbusError, `a TalkbusError, got ${String(err)}`);
      assert.equal(err.type, 'ACCOUNT_NOT_FOUND');
      return true;
    });
  });

  test('kill -9 of the service node: a clear error within a bound, and the data survives a restart', async () => {
    await nodeA.kill();
    const started = Date.now();
    await assert.rejects(
      call(client.broker, 'profile.info', { account: 'Alice_CMCC' }),
      (err: Error & { type?: string }) => {
        assert.match(
          err.name,
          /RequestTimeoutError|ServiceNotAvailableError|RequestRejectedError|ServiceNotFoundError/,
        );
        assert.match(err.message, /profile\.info/);
        return true;
      },
    );
    const waited = Date.now() - started;
    assert.ok(waited < 8000, `the error came after ${waited} ms`);

    // Once the bus notices the node is gone (heartbeats), calls fail at once.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const t0 = Date.now();
      const err = await call(client.broker, 'profile.count', {}).then(
        () => null,
        (e: Error) => e,
      );
      assert.ok(err, 'profile.count cannot succeed with its node dead');
      if (err.name === 'ServiceNotAvailableError' || err.name === 'ServiceNotFoundError') {
        assert.ok(Date.now() - t0 < 1000);
        break;
      }
      assert.ok(Date.now() < deadline, `still ${err.name} 15 s after the kill`);
    }

    nodeA = await startTalkbusNode(nodeEnv());
    await client.broker.waitForServices(['profile'], 15_000);
    const info = await call(client.broker, 'profile.info', { account: 'Alice_CMCC' });
    assert.equal(info.account, 'Alice_CMCC');
    await call(client.broker, 'profile.open', { account: 'Alice_CMCC' });
    const values = await call(client.broker, 'profile.get', {
      account: 'Alice_CMCC',
      keys: ['registrar', 'maxCalls', 'sipUser', 'authPassword'],
    });
    assert.deepEqual(values.values, {
      registrar: 'sip.example.net:5060',
      maxCalls: 2,
      sipUser: '8000',
      authPassword: '********',
    });
    const contacts = await call(client.broker, 'profile.contacts.search', {
      account: 'Alice_CMCC',
      query: '1012345678',
    });
    assert.equal(contacts.contacts[0]?.name, 'Bob');
  });

  test('SIGTERM stops the node gracefully (exit 0)', async () => {
    const code = await nodeA.stop(8000);
    assert.equal(code, 0, nodeA.output().slice(-2000));
  });
});

describe('transporter unreachable', () => {
  test('a node that cannot reach NATS fails to start within the bound, saying so', async () => {
    const started = Date.now();
    const result = await runTalkbus(
      ['act', 'profile.count', '--transporter', 'nats://127.0.0.1:9', '--timeout', '1500'],
      {},
      20_000,
    );
    assert.equal(result.code, 1);
    const error = JSON.parse(result.stderr.trim().split('\n').at(-1)!).error;
    assert.equal(error.code, 'TRANSPORTER_UNREACHABLE');
    assert.match(error.message, /nats:\/\/127\.0\.0\.1:9/);
    assert.ok(Date.now() - started < 10_000);
  });
});
