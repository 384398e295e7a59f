import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { checkLicense } from './license-file.ts';
import { keyIdOf, LicenseServerState } from './server-state.ts';
import { DAY_MS, keyOnDisk, rejectsWithCode, tempDir } from './test-support.ts';

const T0 = Date.UTC(2025, 0, 1);

async function withState(
  run: (ctx: { state: LicenseServerState; clock: { now: number }; location: string; dir: string }) => Promise<void>,
  privateKeyPath?: string,
) {
  const tmp = await tempDir();
  const clock = { now: T0 };
  const location = path.join(tmp.dir, 'license-server');
  const state = await LicenseServerState.open({ location, privateKeyPath, now: () => clock.now });
  try {
    await run({ state, clock, location, dir: tmp.dir });
  } finally {
    await state.close();
    await tmp.remove();
  }
}

describe('license server state', () => {
  test('seats: bind per device, idempotent re-issue on the same seat, NO_SEATS when full, release frees', async () => {
    await withState(async ({ state, clock }) => {
      await state.addKey({ key: 'PRO-KEY-0001', product: 'talkbus-pro', seats: 2 });
      const publicKey = createPublicKey(state.publicKeyPem);
      const first = checkLicense(await state.issue({ key: 'PRO-KEY-0001', deviceId: 'device-a-0001' }), {
        publicKey,
        deviceId: 'device-a-0001',
        now: clock.now,
      });
      assert.equal(first.keyId, keyIdOf('PRO-KEY-0001'));
      assert.equal(first.expiresAt, null);
      clock.now += 1000;
      const again = checkLicense(await state.issue({ key: 'PRO-KEY-0001', deviceId: 'device-a-0001' }), {
        publicKey,
        deviceId: 'device-a-0001',
        now: clock.now,
      });
      assert.equal(again.licenseId, first.licenseId, 'same seat');
      assert.equal(again.issuedAt, T0 + 1000, 'freshly signed');
      await state.issue({ key: 'PRO-KEY-0001', deviceId: 'device-b-0002' });
      await rejectsWithCode(state.issue({ key: 'PRO-KEY-0001', deviceId: 'device-c-0003' }), 'LICENSE_NO_SEATS');
      assert.deepEqual(
        (await state.listKeys()).map((k) => [k.used, k.devices]),
        [[2, ['device-a-0001', 'device-b-0002']]],
      );

      assert.deepEqual(await state.release({ deviceId: 'device-a-0001', licenseId: 'lic-other' }), { released: false });
      assert.deepEqual(await state.release({ deviceId: 'device-a-0001', licenseId: first.licenseId }), {
        released: true,
      });
      assert.deepEqual(await state.release({ deviceId: 'device-a-0001' }), { released: false });
      await state.issue({ key: 'PRO-KEY-0001', deviceId: 'device-c-0003' });
      assert.deepEqual(
        (await state.listKeys()).map((k) => [k.used, k.devices]),
        [[2, ['device-b-0002', 'device-c-0003']]],
      );
    });
  });

  test('racing devices never get more seats than there are', async () => {
    await withState(async ({ state }) => {
      await state.addKey({ key: 'RACE-KEY', product: 'p', seats: 3 });
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => state.issue({ key: 'RACE-KEY', deviceId: `device-race-${i}` })),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
      const [info] = await state.listKeys();
      assert.equal(info!.used, 3);
      assert.equal(info!.devices.length, 3);
    });
  });

  test('unknown keys; release by key; the key itself is never stored', async () => {
    await withState(async ({ state, location }) => {
      await state.addKey({ key: 'SECRET-KEY-XYZ', product: 'p', seats: 1 });
      await rejectsWithCode(state.issue({ key: 'WRONG-KEY-XYZ', deviceId: 'device-a-0001' }), 'LICENSE_UNKNOWN_KEY');
      await rejectsWithCode(state.release({ deviceId: 'device-a-0001', key: 'WRONG-KEY-XYZ' }), 'LICENSE_UNKNOWN_KEY');
      await state.issue({ key: 'SECRET-KEY-XYZ', deviceId: 'device-a-0001' });
      assert.deepEqual(await state.release({ deviceId: 'device-a-0001', key: 'SECRET-KEY-XYZ' }), { released: true });
      await state.close();
      for (const name of await readdir(location)) {
        const bytes = await readFile(path.join(location, name)).catch(() => Buffer.alloc(0));
        assert.ok(!bytes.includes('SECRET-KEY-XYZ'), `${name} holds the product key`);
      }
    });
  });

  test('validDays: expiry counts from the seat binding; re-issue after it is LICENSE_EXPIRED; re-seating keeps used', async () => {
    await withState(async ({ state, clock }) => {
      await state.addKey({ key: 'TRIAL-KEY', product: 'trial', seats: 1, validDays: 30 });
      const publicKey = createPublicKey(state.publicKeyPem);
      const file = await state.issue({ key: 'TRIAL-KEY', deviceId: 'device-a-0001' });
      const license = checkLicense(file, { publicKey, deviceId: 'device-a-0001', now: clock.now });
      assert.equal(license.expiresAt, T0 + 30 * DAY_MS);
      clock.now += 10 * DAY_MS;
      const later = checkLicense(await state.issue({ key: 'TRIAL-KEY', deviceId: 'device-a-0001' }), {
        publicKey,
        deviceId: 'device-a-0001',
        now: clock.now,
      });
      assert.equal(later.expiresAt, T0 + 30 * DAY_MS, 're-activation does not extend the trial');
      clock.now = T0 + 30 * DAY_MS;
      await rejectsWithCode(state.issue({ key: 'TRIAL-KEY', deviceId: 'device-a-0001' }), 'LICENSE_EXPIRED');
      const info = await state.addKey({ key: 'TRIAL-KEY', product: 'trial', seats: 5 });
      assert.deepEqual([info.seats, info.used, info.validDays], [5, 1, null]);
    });
  });

  test('the generated signing key and the seats survive a restart; privateKeyPath is used when set', async () => {
    const tmp = await tempDir();
    try {
      const location = path.join(tmp.dir, 'store');
      const first = await LicenseServerState.open({ location });
      await first.addKey({ key: 'KEEP-KEY', product: 'p', seats: 1 });
      await first.issue({ key: 'KEEP-KEY', deviceId: 'device-a-0001' });
      const pem = first.publicKeyPem;
      await first.close();
      const second = await LicenseServerState.open({ location });
      assert.equal(second.publicKeyPem, pem);
      assert.equal((await second.listKeys())[0]!.used, 1);
      await rejectsWithCode(second.issue({ key: 'KEEP-KEY', deviceId: 'device-b-0002' }), 'LICENSE_NO_SEATS');
      await second.close();

      const onDisk = await keyOnDisk(tmp.dir);
      const third = await LicenseServerState.open({ location, privateKeyPath: onDisk.privateKeyPath });
      assert.equal(third.publicKeyPem, onDisk.publicKeyPem);
      await third.close();
      await assert.rejects(
        LicenseServerState.open({ location, privateKeyPath: path.join(tmp.dir, 'nope.pem') }),
        /license\.privateKeyPath/,
      );
      await assert.rejects(
        LicenseServerState.open({ location, privateKeyPath: onDisk.publicKeyPath }),
        /license\.privateKeyPath/,
      );
    } finally {
      await tmp.remove();
    }
  });
});
