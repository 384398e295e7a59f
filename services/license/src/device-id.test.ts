import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEVICE_ID_PATTERN, deriveDeviceId, resolveDeviceId } from './device-id.ts';

const files = (content: Record<string, string>) => (file: string) => {
  const text = content[file];
  if (text === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  return text;
};

describe('device ID', () => {
  test('derived from machine-id: stable, salted, 32 hex, and the raw machine-id never shows', () => {
    const sources = { machineIdFiles: ['/m'], readFile: files({ '/m': 'abc123machine\n' }) };
    const id = deriveDeviceId(sources);
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.equal(deriveDeviceId(sources), id);
    assert.ok(!id.includes('abc123machine'));
    assert.notEqual(deriveDeviceId({ machineIdFiles: ['/m'], readFile: files({ '/m': 'other' }) }), id);
    assert.match(id, DEVICE_ID_PATTERN);
  });

  test('falls back to the next file, then to host name and sorted MACs', () => {
    const second = deriveDeviceId({
      machineIdFiles: ['/a', '/b'],
      readFile: files({ '/a': 'uninitialized\n', '/b': 'm2' }),
    });
    assert.equal(second, deriveDeviceId({ machineIdFiles: ['/b'], readFile: files({ '/b': 'm2' }) }));
    const host = (macs: string[]) =>
      deriveDeviceId({
        machineIdFiles: ['/none'],
        readFile: files({}),
        hostname: () => 'pbx-1',
        macAddresses: () => macs,
      });
    assert.match(host(['aa:bb']), /^[0-9a-f]{32}$/);
    assert.equal(host(['aa:bb', '11:22']), host(['11:22', 'aa:bb']), 'interface order does not matter');
    assert.notEqual(host(['aa:bb']), host(['aa:bc']));
  });

  test('the configured ID wins and must have the contract shape', () => {
    assert.equal(resolveDeviceId('my-device-01'), 'my-device-01');
    assert.throws(() => resolveDeviceId('short'), { key: 'license.deviceId' });
    assert.throws(() => resolveDeviceId('has space in it'), /license\.deviceId/);
    assert.match(resolveDeviceId(''), /^[0-9a-f]{32}$/, 'this machine derives one');
  });
});
