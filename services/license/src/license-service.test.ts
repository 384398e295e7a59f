/**
 * The `license` and `license-server` services on one embedded broker (the `broker` server path,
 * guide §3.1.2–§3.1.3), with real LevelDB in a temporary directory.
 */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ServiceBroker } from 'moleculer';
import type { LicenseFile, LicenseStatus, ProductKeyInfo } from '@talkbus/contracts';
import { createLicenseServerService, createLicenseService } from './index.ts';
import { decodeUnverifiedPayload, signLicense } from './license-file.ts';
import { DAY_MS, EventRecorder, keyOnDisk, rejectsWithCode, tempDir, testBroker, testConfig } from './test-support.ts';

const T0 = Date.UTC(2025, 0, 1);
const DEVICE = 'device-under-test-01';

describe('license + license-server on one broker', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let broker: ServiceBroker;
  let events: EventRecorder;
  let licensePath: string;
  let privateKeyPem: string;
  let publicKeyPem: string;
  const clock = { now: T0 };
  let activations = 0;
  let deactivations = 0;

  const keys = async () => (await broker.call<{ keys: ProductKeyInfo[] }, object>('license-server.listKeys', {})).keys;
  const activate = async (key: string, extra: Record<string, unknown> = {}) => {
    assert.deepEqual(await broker.call('license.activate', { server: 'broker', key, ...extra }), { accepted: true });
    return events.next('license.activated', ++activations);
  };
  const deactivate = async (extra: Record<string, unknown> = {}) => {
    assert.deepEqual(await broker.call('license.deactivateDevice', { server: 'broker', ...extra }), { accepted: true });
    return events.next('license.deviceDeactivated', ++deactivations);
  };

  before(async () => {
    tmp = await tempDir();
    const key = await keyOnDisk(tmp.dir);
    privateKeyPem = key.privateKeyPem;
    publicKeyPem = key.publicKeyPem;
    const config = testConfig(tmp.dir, 'license-one', {
      mode: 'client',
      publicKey: key.publicKeyPem,
      privateKeyPath: key.privateKeyPath,
      deviceId: DEVICE,
    });
    licensePath = config.license.path;
    broker = testBroker(config);
    events = new EventRecorder().attach(broker);
    broker.createService(createLicenseServerService({ config }, { now: () => clock.now }));
    broker.createService(createLicenseService({ config }, { now: () => clock.now }));
    await broker.start();
    await broker.call('license-server.addKey', { key: 'PRO-KEY-0001', product: 'talkbus-pro', seats: 2 });
    await broker.call('license-server.addKey', { key: 'SOLO-KEY-0001', product: 'talkbus-solo', seats: 1 });
    await broker.call('license-server.addKey', {
      key: 'TRIAL-KEY-0001',
      product: 'talkbus-trial',
      seats: 1,
      validDays: 30,
    });
  });

  after(async () => {
    await broker?.stop();
    await tmp?.remove();
  });

  test('no license file: verify answers NEED_ACTIVATION (§3.1.2 step 3)', async () => {
    const err = await rejectsWithCode(broker.call('license.verify'), 'NEED_ACTIVATION');
    assert.match(err.message, /license\.activate/);
    assert.equal((err.data as { path: string }).path, licensePath);
  });

  test('deactivate without a license file fails at once with LICENSE_FILE_NOT_FOUND (§3.1.4)', async () => {
    await rejectsWithCode(broker.call('license.deactivateDevice', { server: 'broker' }), 'LICENSE_FILE_NOT_FOUND');
    assert.equal(events.seen.length, 0, 'and no event');
  });

  test('activate → license.activated → verify valid → re-activate on the same seat → deactivate frees it', async () => {
    const activated = await activate('PRO-KEY-0001');
    assert.equal(activated.activated, true);
    assert.equal(activated.reason, null);
    assert.equal(activated.path, licensePath);
    assert.equal(activated.license?.deviceId, DEVICE);
    assert.equal(activated.license?.product, 'talkbus-pro');
    const status = await broker.call<LicenseStatus, object>('license.verify', {});
    assert.deepEqual(status, { status: 'valid', mode: 'client', deviceId: DEVICE, license: activated.license });
    assert.equal((await keys()).find((k) => k.product === 'talkbus-pro')?.used, 1);

    clock.now += 60_000;
    const again = await activate('PRO-KEY-0001');
    assert.equal(again.license?.licenseId, activated.license?.licenseId, 'same seat');
    assert.equal(again.license?.issuedAt, clock.now, 'freshly signed');
    assert.deepEqual((await keys()).find((k) => k.product === 'talkbus-pro')?.devices, [DEVICE]);

    const deactivated = await deactivate();
    assert.deepEqual(deactivated, { deactivated: true, reason: null });
    await assert.rejects(stat(licensePath), { code: 'ENOENT' });
    assert.equal((await keys()).find((k) => k.product === 'talkbus-pro')?.used, 0);
    await rejectsWithCode(broker.call('license.verify'), 'NEED_ACTIVATION');
    assert.deepEqual(
      events.seen.map((e) => e.name),
      ['license.activated', 'license.activated', 'license.deviceDeactivated'],
    );
  });

  test('seats exhausted: activated:false with LICENSE_NO_SEATS; a freed seat can be taken', async () => {
    await broker.call('license-server.issue', { key: 'SOLO-KEY-0001', deviceId: 'someone-else-01' });
    const refused = await activate('SOLO-KEY-0001');
    assert.equal(refused.activated, false);
    assert.equal(refused.license, null);
    assert.match(refused.reason ?? '', /^LICENSE_NO_SEATS: /);
    await assert.rejects(stat(licensePath), { code: 'ENOENT' }, 'nothing written');

    assert.deepEqual(await broker.call('license-server.release', { deviceId: 'someone-else-01' }), { released: true });
    assert.equal((await activate('SOLO-KEY-0001')).activated, true);
    assert.equal((await deactivate()).deactivated, true);
  });

  test('unknown product key: activated:false with LICENSE_UNKNOWN_KEY', async () => {
    const refused = await activate('NO-SUCH-KEY');
    assert.equal(refused.activated, false);
    assert.match(refused.reason ?? '', /^LICENSE_UNKNOWN_KEY: /);
  });

  test('tampered files are refused: one flipped payload byte; deviceId changed and re-encoded', async () => {
    const original = signLicense(
      {
        format: 'talkbus-license/1',
        licenseId: 'lic-x',
        product: 'p',
        keyId: '0123456789abcdef',
        deviceId: DEVICE,
        issuedAt: T0,
        expiresAt: null,
      },
      privateKeyPem,
    );
    await writeFile(licensePath, JSON.stringify(original));
    assert.equal((await broker.call<LicenseStatus, object>('license.verify', {})).status, 'valid');

    const bytes = Buffer.from(original.payload, 'base64url');
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 0x20;
    await writeFile(licensePath, JSON.stringify({ ...original, payload: bytes.toString('base64url') }));
    await rejectsWithCode(broker.call('license.verify'), 'LICENSE_BAD_SIGNATURE');

    const moved = { ...decodeUnverifiedPayload(original), deviceId: 'another-device-99' };
    const forged: LicenseFile = { ...original, payload: Buffer.from(JSON.stringify(moved)).toString('base64url') };
    await writeFile(licensePath, JSON.stringify(forged));
    await rejectsWithCode(broker.call('license.verify'), 'LICENSE_BAD_SIGNATURE');

    await writeFile(licensePath, '{"payload": 42');
    await rejectsWithCode(broker.call('license.verify'), 'LICENSE_MALFORMED');
    // A file that is no license is never deleted by deactivation.
    await rejectsWithCode(broker.call('license.deactivateDevice', { server: 'broker' }), 'LICENSE_MALFORMED');
    assert.equal(await readFile(licensePath, 'utf8'), '{"payload": 42');
  });

  test('a license of another device is refused', async () => {
    const file = await broker.call<LicenseFile, object>('license-server.issue', {
      key: 'PRO-KEY-0001',
      deviceId: 'another-device-99',
    });
    await writeFile(licensePath, JSON.stringify(file));
    const err = await rejectsWithCode(broker.call('license.verify'), 'LICENSE_OTHER_DEVICE');
    assert.match(err.message, /another-device-99/);
    await broker.call('license-server.release', { deviceId: 'another-device-99' });
  });

  test('expiry: a 30-day license is valid on day 29 and refused on day 30 (injected clock)', async () => {
    const start = clock.now;
    const activated = await activate('TRIAL-KEY-0001');
    assert.equal(activated.license?.expiresAt, start + 30 * DAY_MS);
    clock.now = start + 29 * DAY_MS;
    assert.equal((await broker.call<LicenseStatus, object>('license.verify', {})).status, 'valid');
    clock.now = start + 30 * DAY_MS;
    await rejectsWithCode(broker.call('license.verify'), 'LICENSE_EXPIRED');
    const renewed = await activate('TRIAL-KEY-0001');
    assert.equal(renewed.activated, false);
    assert.match(renewed.reason ?? '', /^LICENSE_EXPIRED: /);
    assert.equal((await deactivate()).deactivated, true, 'an expired license can still give its seat back');
    assert.equal((await keys()).find((k) => k.product === 'talkbus-trial')?.used, 0);
  });

  test('a path naming a directory stores <dir>/license.json (Mtc_LcsActivate takes a directory, §3.1.4)', async () => {
    const activated = await activate('PRO-KEY-0001', { path: tmp.dir });
    assert.equal(activated.path, path.join(tmp.dir, 'license.json'));
    assert.equal((await deactivate({ path: path.join(tmp.dir, 'license.json') })).deactivated, true);
  });

  test('a license that cannot be written: activated:false with STORAGE_FAILED, no stray files', async () => {
    const blocker = path.join(tmp.dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const event = await activate('PRO-KEY-0001', { path: path.join(blocker, 'license.json') });
    assert.equal(event.activated, false);
    assert.match(event.reason ?? '', /^STORAGE_FAILED: /);
    assert.equal(await readFile(blocker, 'utf8'), 'x');
    await broker.call('license-server.release', { deviceId: DEVICE });
  });

  test('bad params on every action: a ValidationError naming the field', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['license.verify', { extra: 1 }, 'extra'],
      ['license.activate', { server: 'ftp://x', key: 'PRO-KEY-0001' }, 'server'],
      ['license.activate', { server: 'broker' }, 'key'],
      ['license.activate', { server: 'broker', key: 'PRO-KEY-0001', path: '' }, 'path'],
      ['license.deactivateDevice', { server: 42 }, 'server'],
      ['license.deactivateDevice', { server: 'broker', bogus: true }, 'bogus'],
      ['license-server.addKey', { key: 'K-0001', product: 'p', seats: 0 }, 'seats'],
      ['license-server.addKey', { key: 'K-0001', product: 'p', seats: 1, validDays: 1.5 }, 'validDays'],
      ['license-server.listKeys', { all: true }, 'all'],
      ['license-server.issue', { key: 'PRO-KEY-0001', deviceId: 'short' }, 'deviceId'],
      ['license-server.issue', { key: 'bad key!', deviceId: DEVICE }, 'key'],
      ['license-server.release', { licenseId: 'x' }, 'deviceId'],
      ['license-server.publicKey', { format: 'der' }, 'format'],
    ];
    for (const [action, params, field] of cases) {
      await assert.rejects(
        broker.call(action, params),
        (err: { name: string; message: string; data: { field?: string; message: string }[] }) => {
          assert.equal(err.name, 'ValidationError', action);
          const named = err.data.some((d) => d.field === field || d.message.includes(`'${field}'`));
          assert.ok(named, `${action} names '${field}': ${JSON.stringify(err.data)}`);
          return true;
        },
      );
    }
  });

  test('the public key over the broker is the one licenses verify with', async () => {
    const { publicKey } = await broker.call<{ publicKey: string }, object>('license-server.publicKey', {});
    assert.equal(publicKey, publicKeyPem);
  });
});

describe('license modes', () => {
  test("mode off: verify answers status 'off'; activation needs client mode (LICENSE_WRONG_MODE)", async () => {
    const tmp = await tempDir();
    const config = testConfig(tmp.dir, 'license-off', { mode: 'off', deviceId: DEVICE });
    const broker = testBroker(config);
    broker.createService(createLicenseService({ config }));
    try {
      await broker.start();
      assert.deepEqual(await broker.call('license.verify'), {
        status: 'off',
        mode: 'off',
        deviceId: DEVICE,
        license: null,
      });
      await rejectsWithCode(
        broker.call('license.activate', { server: 'broker', key: 'PRO-KEY-0001' }),
        'LICENSE_WRONG_MODE',
      );
    } finally {
      await broker.stop();
      await tmp.remove();
    }
  });

  test('client mode without a public key does not start, and says which key to set', async () => {
    const tmp = await tempDir();
    const config = testConfig(tmp.dir, 'license-nokey', { mode: 'client', deviceId: DEVICE });
    const broker = testBroker(config);
    broker.createService(createLicenseService({ config }));
    try {
      await assert.rejects(broker.start(), { key: 'license.publicKey' });
    } finally {
      await broker.stop().catch(() => undefined);
      await tmp.remove();
    }
  });

  test('client mode with no license still starts (so the app can activate), and the derived device ID is used', async () => {
    const tmp = await tempDir();
    const key = await keyOnDisk(tmp.dir);
    const config = testConfig(tmp.dir, 'license-derived', { mode: 'client', publicKey: key.publicKeyPath });
    const broker = testBroker(config);
    broker.createService(
      createLicenseService(
        { config },
        { deviceIdSources: { machineIdFiles: ['/m'], readFile: () => 'fixed-machine' } },
      ),
    );
    try {
      await broker.start();
      const err = await rejectsWithCode(broker.call('license.verify'), 'NEED_ACTIVATION');
      assert.match((err.data as { deviceId: string }).deviceId, /^[0-9a-f]{32}$/);
    } finally {
      await broker.stop();
      await tmp.remove();
    }
  });

  test("server 'broker' with no license-server on the bus: activated:false, LICENSE_SERVER_UNREACHABLE", async () => {
    const tmp = await tempDir();
    const key = await keyOnDisk(tmp.dir);
    const config = testConfig(tmp.dir, 'license-alone', {
      mode: 'client',
      publicKey: key.publicKeyPem,
      deviceId: DEVICE,
    });
    const broker = testBroker(config);
    const events = new EventRecorder().attach(broker);
    broker.createService(createLicenseService({ config }));
    try {
      await broker.start();
      await broker.call('license.activate', { server: 'broker', key: 'PRO-KEY-0001' });
      const event = await events.next('license.activated', 1);
      assert.equal(event.activated, false);
      assert.match(event.reason ?? '', /^LICENSE_SERVER_UNREACHABLE: /);
    } finally {
      await broker.stop();
      await tmp.remove();
    }
  });
});
