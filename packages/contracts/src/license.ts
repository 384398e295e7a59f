/**
 * The license service's API (guide §3): the client half (`license.*`) that checks and obtains
 * this device's license, and the issuing server half (`license-server.*`).
 */
import { action } from './action.ts';
import { t } from './schema.ts';

/** What a signed license grants. Signed as the exact JSON bytes of the file's `payload`. */
export interface LicensePayload {
  /** Format tag, so a future format is refused rather than misread. */
  format: 'talkbus-license/1';
  licenseId: string;
  product: string;
  /** SHA-256 of the product key (hex, first 16 chars); the key itself never appears in a file. */
  keyId: string;
  deviceId: string;
  /** Epoch ms. */
  issuedAt: number;
  /** Epoch ms, or null for a perpetual license. */
  expiresAt: number | null;
}

/** A license file as stored on the device: `{ payload, signature }`, both base64url. */
export interface LicenseFile {
  payload: string;
  signature: string;
}

/** The answer of `license.verify`. */
export interface LicenseStatus {
  /** `off`: licensing is switched off on this node; `valid`: a verified license is in place. */
  status: 'off' | 'valid';
  mode: 'off' | 'client' | 'server';
  deviceId: string;
  license: LicensePayload | null;
}

/** `server` is `broker` (the license-server service on the bus) or an http(s) URL. */
const server = t.string({
  min: 1,
  max: 2048,
  pattern: /^(broker|https?:\/\/[^\s]+)$/,
  patternMessage: "The '{field}' field must be 'broker' or an http(s) URL of the license server.",
});
const productKey = t.string({ min: 4, max: 128, pattern: /^[A-Za-z0-9._-]+$/ });
const deviceId = t.string({ min: 8, max: 128, pattern: /^[A-Za-z0-9._:-]+$/ });
const filePath = t.string({ min: 1, max: 4096, pattern: /^[^\0]+$/ });

/** Actions of the `license` service (client role). */
export const licenseActions = {
  verify: action<LicenseStatus>()(
    'license.verify',
    {},
    "Checks this device's license file: signature, expiry, device (the license step of Mtc_CliInit)",
  ),
  activate: action<{ accepted: true }>()(
    'license.activate',
    { server, key: productKey, path: t.optional(filePath) },
    'Asks the server for a license and stores it; the result is the license.activated event (Mtc_LcsActivate)',
  ),
  deactivateDevice: action<{ accepted: true }>()(
    'license.deactivateDevice',
    { server, path: t.optional(filePath) },
    'Returns the seat and deletes the local license; the result is license.deviceDeactivated (Mtc_LcsDeactivateDevice)',
  ),
} as const;

/** A product key as the server lists it. */
export interface ProductKeyInfo {
  keyId: string;
  product: string;
  seats: number;
  used: number;
  /** License validity in days from activation; null = perpetual. */
  validDays: number | null;
  devices: string[];
}

/** Actions of the `license-server` service (the issuing role). */
export const licenseServerActions = {
  addKey: action<ProductKeyInfo>()(
    'license-server.addKey',
    {
      key: productKey,
      product: t.string({ min: 1, max: 64 }),
      seats: t.integer({ min: 1, max: 1_000_000 }),
      validDays: t.optional(t.integer({ min: 1, max: 36500 })),
    },
    'Adds (or re-seats) a product key',
  ),
  listKeys: action<{ keys: ProductKeyInfo[] }>()('license-server.listKeys', {}, 'Product keys and their seats'),
  issue: action<LicenseFile>()(
    'license-server.issue',
    { key: productKey, deviceId },
    'Binds a seat to a device and returns a signed license (idempotent per device)',
  ),
  release: action<{ released: boolean }>()(
    'license-server.release',
    { deviceId, licenseId: t.optional(t.string({ min: 1, max: 64 })), key: t.optional(productKey) },
    "Frees a device's seat",
  ),
  publicKey: action<{ publicKey: string }>()(
    'license-server.publicKey',
    {},
    'The Ed25519 public key licenses are signed with (PEM, SPKI)',
  ),
} as const;
