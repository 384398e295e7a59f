/**
 * This device's ID, which a license is bound to. From `license.deviceId` when set; otherwise
 * derived from a stable machine identifier so it survives restarts and reinstalls of talkbus:
 * SHA-256 of /etc/machine-id with a talkbus salt (the raw machine-id is never shown, as
 * machine-id(5) asks), falling back to the host name and the hardware addresses.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { ConfigError } from '@talkbus/runtime';

/** The contract's device ID shape (`license-server.issue` `deviceId`). */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;

const SALT = 'talkbus-device-id/1';

/** Where the machine identifier is read from, and the fallbacks; injectable for tests. */
export interface DeviceIdSources {
  /** Files that may hold the machine ID, first readable one wins. Default /etc/machine-id, /var/lib/dbus/machine-id. */
  machineIdFiles?: string[];
  readFile?: (file: string) => string;
  hostname?: () => string;
  /** MAC addresses of the machine's interfaces. Default: from os.networkInterfaces(), loopback excluded. */
  macAddresses?: () => string[];
}

function digest(text: string): string {
  return createHash('sha256').update(`${SALT}:${text}`).digest('hex').slice(0, 32);
}

function systemMacs(): string[] {
  const macs: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (!entry.internal && entry.mac && entry.mac !== '00:00:00:00:00:00') macs.push(entry.mac.toLowerCase());
    }
  }
  return macs;
}

/**
 * Derives a stable device ID: 32 hex characters.
 * @returns sha256(salt + machine-id)[0..32], or sha256(salt + hostname + sorted MACs)[0..32]
 */
export function deriveDeviceId(sources: DeviceIdSources = {}): string {
  const read = sources.readFile ?? ((file: string) => readFileSync(file, 'utf8'));
  for (const file of sources.machineIdFiles ?? ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    let id = '';
    try {
      id = read(file).trim();
    } catch {
      continue;
    }
    // An empty or "uninitialized" machine-id (first boot, containers) is no identity.
    if (id && id !== 'uninitialized') return digest(`machine-id:${id}`);
  }
  const macs = [...new Set((sources.macAddresses ?? systemMacs)())].sort();
  return digest(`host:${(sources.hostname ?? hostname)()}:${macs.join(',')}`);
}

/**
 * The device ID a node uses: the configured one when set (checked against the contract's shape),
 * else the derived one.
 * @throws ConfigError naming `license.deviceId` when the configured value has the wrong shape
 */
export function resolveDeviceId(configured: string, sources?: DeviceIdSources): string {
  if (!configured) return deriveDeviceId(sources);
  if (!DEVICE_ID_PATTERN.test(configured)) {
    throw new ConfigError(
      'license.deviceId',
      'configuration',
      `must be 8–128 characters of A–Z, a–z, 0–9, '.', '_', ':' or '-' (got ${JSON.stringify(configured)})`,
    );
  }
  return configured;
}
