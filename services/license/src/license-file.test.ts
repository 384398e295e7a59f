import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { LicenseFile, LicensePayload } from '@talkbus/contracts';
import { checkLicense, decodeUnverifiedPayload, LICENSE_FORMAT, signLicense } from './license-file.ts';
import { readLicenseText, resolveLicensePath, writeLicenseFileAtomic } from './license-file-io.ts';
import { generateSigningKeyPair, keyPairFromPrivatePem, loadPublicKey } from './signing.ts';
import { DAY_MS, keyOnDisk, tempDir } from './test-support.ts';

const keys = generateSigningKeyPair();
const publicKey = createPublicKey(keys.publicKeyPem);
const NOW = Date.UTC(2025, 0, 1);
const payload: LicensePayload = {
  format: LICENSE_FORMAT,
  licenseId: 'lic-0001',
  product: 'talkbus-pro',
  keyId: '0123456789abcdef',
  deviceId: 'device-aaaa-1111',
  issuedAt: NOW,
  expiresAt: NOW + 30 * DAY_MS,
};
const check = { publicKey, deviceId: 'device-aaaa-1111', now: NOW + DAY_MS };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { type?: string }).type;
  }
  return undefined;
}

describe('license file (signature over the exact payload bytes)', () => {
  test('a signed license verifies and gives its payload back', () => {
    const file = signLicense(payload, keys.privateKeyPem);
    assert.deepEqual(checkLicense(JSON.stringify(file), check), payload);
    assert.deepEqual(checkLicense(file, check), payload, 'an already parsed object is accepted too');
  });

  test('flipping one byte of the payload breaks the signature', () => {
    const file = signLicense(payload, keys.privateKeyPem);
    const bytes = Buffer.from(file.payload, 'base64url');
    bytes[10] = bytes[10]! ^ 0x01;
    const tampered: LicenseFile = { ...file, payload: bytes.toString('base64url') };
    assert.equal(
      codeOf(() => checkLicense(tampered, check)),
      'LICENSE_BAD_SIGNATURE',
    );
  });

  test('re-encoding the payload with another deviceId breaks the signature', () => {
    const file = signLicense(payload, keys.privateKeyPem);
    const forged = { ...decodeUnverifiedPayload(file), deviceId: 'device-bbbb-2222' };
    const tampered: LicenseFile = { ...file, payload: Buffer.from(JSON.stringify(forged)).toString('base64url') };
    assert.equal(
      codeOf(() => checkLicense(tampered, { ...check, deviceId: 'device-bbbb-2222' })),
      'LICENSE_BAD_SIGNATURE',
    );
  });

  test('a license signed by another server is refused', () => {
    const file = signLicense(payload, generateSigningKeyPair().privateKeyPem);
    assert.equal(
      codeOf(() => checkLicense(file, check)),
      'LICENSE_BAD_SIGNATURE',
    );
  });

  test('expired at expiresAt, valid just before; perpetual never expires', () => {
    const file = signLicense(payload, keys.privateKeyPem);
    assert.equal(
      codeOf(() => checkLicense(file, { ...check, now: payload.expiresAt! })),
      'LICENSE_EXPIRED',
    );
    assert.doesNotThrow(() => checkLicense(file, { ...check, now: payload.expiresAt! - 1 }));
    const perpetual = signLicense({ ...payload, expiresAt: null }, keys.privateKeyPem);
    assert.doesNotThrow(() => checkLicense(perpetual, { ...check, now: NOW + 100 * 365 * DAY_MS }));
  });

  test('a license of another device is refused', () => {
    const file = signLicense(payload, keys.privateKeyPem);
    assert.equal(
      codeOf(() => checkLicense(file, { ...check, deviceId: 'device-cccc-3333' })),
      'LICENSE_OTHER_DEVICE',
    );
  });

  test('malformed files: not JSON, wrong shapes, bad base64url, short signature, wrong format tag', () => {
    const good = signLicense(payload, keys.privateKeyPem);
    const cases: unknown[] = [
      '',
      '{',
      'null',
      '[]',
      '"x"',
      JSON.stringify({ payload: good.payload }),
      JSON.stringify({ signature: good.signature }),
      JSON.stringify({ payload: 1, signature: good.signature }),
      JSON.stringify({ payload: 'not base64url!', signature: good.signature }),
      JSON.stringify({ payload: good.payload, signature: 'AAAA' }),
      'x'.repeat(20_000),
    ];
    for (const input of cases)
      assert.equal(
        codeOf(() => checkLicense(input, check)),
        'LICENSE_MALFORMED',
        String(input).slice(0, 40),
      );
    // Correctly signed, but the payload is not a v1 license.
    for (const bad of [
      { ...payload, format: 'talkbus-license/2' },
      { ...payload, keyId: 'XYZ' },
      { ...payload, issuedAt: -1 },
      'text',
    ]) {
      const file = signLicense(bad as LicensePayload, keys.privateKeyPem);
      assert.equal(
        codeOf(() => checkLicense(file, check)),
        'LICENSE_MALFORMED',
        JSON.stringify(bad),
      );
    }
  });
});

describe('signing keys', () => {
  test('the public key setting is PEM text or a file path; non-Ed25519 keys are refused', async () => {
    const tmp = await tempDir();
    try {
      const onDisk = await keyOnDisk(tmp.dir);
      assert.equal(loadPublicKey(onDisk.publicKeyPem).asymmetricKeyType, 'ed25519');
      assert.equal(loadPublicKey(onDisk.publicKeyPath).asymmetricKeyType, 'ed25519');
      assert.throws(() => loadPublicKey(''), /empty/);
      assert.throws(() => loadPublicKey(path.join(tmp.dir, 'missing.pem')), /neither PEM text nor a readable file/);
      assert.throws(
        () => loadPublicKey('-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----'),
        /not a PEM public key/,
      );
      assert.deepEqual(keyPairFromPrivatePem(onDisk.privateKeyPem).publicKeyPem, onDisk.publicKeyPem);
      assert.throws(() => keyPairFromPrivatePem('junk'), /not a PEM private key/);
    } finally {
      await tmp.remove();
    }
  });
});

describe('license file on disk', () => {
  test('atomic write leaves only the file, readable back; a directory path means <dir>/license.json (§3.1.4)', async () => {
    const tmp = await tempDir();
    try {
      const file = path.join(tmp.dir, 'nested', 'license.json');
      const license = signLicense(payload, keys.privateKeyPem);
      await writeLicenseFileAtomic(file, license);
      await writeLicenseFileAtomic(file, license);
      assert.deepEqual(await readdir(path.dirname(file)), ['license.json'], 'no temporary files left behind');
      assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), license);
      assert.equal(await readLicenseText(path.join(tmp.dir, 'none.json')), null);
      assert.equal(
        await resolveLicensePath(undefined, '/configured/license.json', tmp.dir),
        '/configured/license.json',
      );
      assert.equal(await resolveLicensePath('nested', '/x', tmp.dir), file);
      assert.equal(await resolveLicensePath('other.sign', '/x', tmp.dir), path.join(tmp.dir, 'other.sign'));
      // Any caller on the bus may pass a path: it never leaves the data directory or the license folder.
      await assert.rejects(resolveLicensePath('/etc/passwd', '/x/license.json', tmp.dir), { type: 'PATH_NOT_ALLOWED' });
      await assert.rejects(resolveLicensePath('../escape.json', '/x/license.json', tmp.dir), {
        type: 'PATH_NOT_ALLOWED',
      });
      assert.equal(await resolveLicensePath('/x/other.json', '/x/license.json', tmp.dir), '/x/other.json');
      await writeFile(path.join(tmp.dir, 'huge.json'), 'x'.repeat(20_000));
      await assert.rejects(readLicenseText(path.join(tmp.dir, 'huge.json')), { type: 'LICENSE_MALFORMED' });
      await assert.rejects(readLicenseText(tmp.dir), { type: 'LICENSE_MALFORMED' });
    } finally {
      await tmp.remove();
    }
  });
});
