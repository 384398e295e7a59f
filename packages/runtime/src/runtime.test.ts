import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { call, profileActions, TalkbusError } from '@talkbus/contracts';
import type { NodeStartError } from './index.ts';
import { actionsFrom, ConfigError, loadConfig, startNode } from './index.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'talkbus-runtime-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('defaults: embedded, all services, data under ./data', () => {
  const config = loadConfig({ env: {} });
  assert.equal(config.transporter, null);
  assert.equal(config.services, null);
  assert.equal(config.dataDir, path.resolve('data'));
  assert.equal(config.license.mode, 'off');
  assert.equal(config.license.path, path.resolve('data', 'license', 'license.json'));
});

test('environment wins over the file, and the error names the bad key and where it came from', () => {
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ nodeID: 'from-file', requestTimeout: 2000, license: { mode: 'client' } }));
  const config = loadConfig({
    env: { TALKBUS_CONFIG: file, TALKBUS_NODE_ID: 'from-env', TALKBUS_SERVICES: 'profile, license' },
  });
  assert.equal(config.nodeID, 'from-env');
  assert.equal(config.requestTimeout, 2000);
  assert.equal(config.license.mode, 'client');
  assert.deepEqual(config.services, ['profile', 'license']);

  assert.throws(
    () => loadConfig({ env: { TALKBUS_LICENSE_MODE: 'maybe' } }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.key, 'license.mode');
      assert.match(err.message, /TALKBUS_LICENSE_MODE/);
      return true;
    },
  );
  assert.throws(() => loadConfig({ env: { TALKBUS_TRANSPORTER: 'redis://x' } }), /transporter/);
  assert.throws(() => loadConfig({ env: { TALKBUS_REQUEST_TIMEOUT: 'soon' } }), /requestTimeout/);
  writeFileSync(file, JSON.stringify({ colour: 'blue' }));
  assert.throws(
    () => loadConfig({ env: { TALKBUS_CONFIG: file } }),
    (err: ConfigError) => /colour/.test(err.message),
  );
  writeFileSync(file, '{ not json');
  assert.throws(() => loadConfig({ env: { TALKBUS_CONFIG: file } }), /cannot read it as JSON/);
});

test('an embedded node runs a service built from contract specs, validating params and rebuilding errors', async () => {
  const config = loadConfig({ env: { TALKBUS_DATA_DIR: dir, TALKBUS_LOG_LEVEL: 'error' } });
  const node = await startNode(config, {
    profile: () => ({
      name: 'profile',
      actions: actionsFrom(
        { count: profileActions.count, info: profileActions.info },
        {
          count: async () => ({ count: 7 }),
          info: async ({ account }) => {
            throw new TalkbusError('ACCOUNT_NOT_FOUND', `no account ${account}`, { account });
          },
        },
      ),
    }),
  });
  try {
    assert.deepEqual(await call(node.broker, 'profile.count', {}), { count: 7 });
    await assert.rejects(
      call(node.broker, 'profile.info', { account: 'x' }),
      (err: TalkbusError) => err.type === 'ACCOUNT_NOT_FOUND',
    );
    await assert.rejects(
      node.broker.call('profile.info', { account: 5 }),
      (err: Error & { data: { field: string }[] }) => {
        assert.equal(err.name, 'ValidationError');
        assert.equal(err.data[0]?.field, 'account');
        return true;
      },
    );
  } finally {
    await node.stop();
  }
});

test('an unknown service name is refused before anything starts', async () => {
  const config = loadConfig({ env: { TALKBUS_SERVICES: 'nope', TALKBUS_LOG_LEVEL: 'error' } });
  await assert.rejects(
    startNode(config, {}),
    (err: NodeStartError) => err.code === 'UNKNOWN_SERVICE' && /nope/.test(err.message),
  );
});

test('an unreachable NATS fails the start within connectTimeout, with a clear error', async () => {
  const config = loadConfig({
    env: { TALKBUS_LOG_LEVEL: 'fatal' },
    overrides: { transporter: 'nats://127.0.0.1:9', connectTimeout: 800, services: [] },
  });
  const started = Date.now();
  await assert.rejects(startNode(config, {}), (err: NodeStartError) => {
    assert.equal(err.code, 'TRANSPORTER_UNREACHABLE');
    assert.match(err.message, /nats:\/\/127\.0\.0\.1:9/);
    return true;
  });
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
});

test('validation errors never carry a secret value, even in logs', async () => {
  const lines: string[] = [];
  const config = loadConfig({ env: { TALKBUS_DATA_DIR: dir, TALKBUS_LOG_LEVEL: 'trace' } });
  const node = await startNode(
    config,
    {
      profile: () => ({
        name: 'profile',
        actions: actionsFrom({ set: profileActions.set }, { set: async () => ({ values: {} }) }),
      }),
    },
    {
      logger: {
        type: 'Console',
        options: {
          level: 'trace',
          formatter: (_type: string, args: unknown[]) => (
            lines.push(JSON.stringify(args, (_k, v) => (v instanceof Error ? { ...v, message: v.message } : v))),
            []
          ),
        },
      },
    },
  );
  try {
    await assert.rejects(
      node.broker.call('profile.set', { account: 'A', values: { authPassword: 'hunter2-secret'.repeat(30) } }),
      (err: Error & { data: { field: string; actual: unknown; message: string }[] }) => {
        assert.equal(err.data[0]?.field, 'values.authPassword');
        assert.equal(err.data[0]?.actual, '[redacted]');
        assert.ok(!JSON.stringify(err.data).includes('hunter2-secret'));
        return true;
      },
    );
    assert.ok(lines.length > 0, 'the logger saw the broker');
    assert.ok(!lines.join('\n').includes('hunter2-secret'), 'no log line has the password');
  } finally {
    await node.stop();
  }
});

test('media settings come from the validated config, with the env names documented', () => {
  const config = loadConfig({
    env: {
      TALKBUS_MEDIA_WORKERS: '1',
      TALKBUS_MEDIA_TONE_REGION: 'US',
      TALKBUS_MEDIA_PORT_MIN: '30000',
      TALKBUS_MEDIA_PORT_MAX: '30999',
    },
  });
  assert.equal(config.media.workers, 1);
  assert.equal(config.media.toneRegion, 'US');
  assert.throws(
    () => loadConfig({ env: { TALKBUS_MEDIA_TONE_REGION: 'MARS' } }),
    (err: ConfigError) => err.key === 'media.toneRegion',
  );
  assert.throws(
    () => loadConfig({ env: { TALKBUS_MEDIA_PORT_MIN: '30000', TALKBUS_MEDIA_PORT_MAX: '30001' } }),
    (err: ConfigError) => err.key === 'media.portMax',
  );
});
