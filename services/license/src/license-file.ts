/**
 * The license file format (`talkbus-license/1`): `{ "payload": b64url, "signature": b64url }`,
 * where the signature is Ed25519 over the exact payload bytes (a JSON `LicensePayload`). The
 * payload is kept as the signed bytes, never re-serialised, so verification does not depend on
 * how any JSON library orders or spaces keys.
 */
import type { KeyObject } from 'node:crypto';
import { ErrorCode, TalkbusError, type LicenseFile, type LicensePayload } from '@talkbus/contracts';
import { signBytes, verifyBytes } from './signing.ts';

/** The only payload format this code reads and writes. */
export const LICENSE_FORMAT = 'talkbus-license/1';

/** Bound on a license file, in bytes; a real one is well under 1 KiB. */
export const MAX_LICENSE_FILE_BYTES = 16 * 1024;

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const KEY_ID = /^[0-9a-f]{16}$/;
/** An Ed25519 signature is 64 bytes: 86 base64url characters without padding. */
const SIGNATURE_BYTES = 64;

/** Signs a payload into a license file. */
export function signLicense(payload: LicensePayload, privateKey: string | KeyObject): LicenseFile {
  const bytes = Buffer.from(JSON.stringify(payload), 'utf8');
  return { payload: bytes.toString('base64url'), signature: signBytes(bytes, privateKey).toString('base64url') };
}

function malformed(message: string, data: Record<string, unknown> = {}): TalkbusError {
  return new TalkbusError(ErrorCode.LICENSE_MALFORMED, message, data);
}

/**
 * Reads the outer shape of a license file from text (or an already parsed value).
 * @throws TalkbusError `LICENSE_MALFORMED` when it is not JSON or lacks `payload`/`signature`
 */
export function parseLicenseFile(input: string | unknown): LicenseFile {
  let value: unknown = input;
  if (typeof input === 'string') {
    if (Buffer.byteLength(input, 'utf8') > MAX_LICENSE_FILE_BYTES) {
      throw malformed(`The license file is larger than ${MAX_LICENSE_FILE_BYTES} bytes.`);
    }
    try {
      value = JSON.parse(input);
    } catch (err) {
      throw malformed(`The license file is not JSON: ${(err as Error).message}`);
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw malformed('The license file must be a JSON object.');
  const { payload, signature } = value as Record<string, unknown>;
  if (typeof payload !== 'string' || !BASE64URL.test(payload) || payload.length > MAX_LICENSE_FILE_BYTES) {
    throw malformed("The license file's 'payload' must be a base64url string.");
  }
  if (typeof signature !== 'string' || !BASE64URL.test(signature) || signature.length > 128) {
    throw malformed("The license file's 'signature' must be a base64url string.");
  }
  return { payload, signature };
}

/**
 * Reads the payload of a license file WITHOUT checking its signature: only for telling which
 * license a file names (e.g. its `licenseId` when releasing a seat). Never trust it otherwise.
 * @throws TalkbusError `LICENSE_MALFORMED`
 */
export function decodeUnverifiedPayload(file: LicenseFile): LicensePayload {
  return decodePayload(Buffer.from(file.payload, 'base64url'));
}

function decodePayload(bytes: Buffer): LicensePayload {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw malformed('The license payload is not JSON.');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw malformed('The license payload must be an object.');
  const p = value as Record<string, unknown>;
  if (p.format !== LICENSE_FORMAT) {
    throw malformed(`The license format ${JSON.stringify(p.format)} is not ${LICENSE_FORMAT}.`, { format: p.format });
  }
  const text = (name: string, max: number) => {
    const v = p[name];
    if (typeof v !== 'string' || v.length < 1 || v.length > max)
      throw malformed(`The license payload's '${name}' is missing or invalid.`);
    return v;
  };
  const time = (name: string, nullable: boolean) => {
    const v = p[name];
    if (nullable && v === null) return null;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
      throw malformed(`The license payload's '${name}' is missing or invalid.`);
    return v;
  };
  const keyId = text('keyId', 16);
  if (!KEY_ID.test(keyId)) throw malformed("The license payload's 'keyId' is not 16 hex digits.");
  return {
    format: LICENSE_FORMAT,
    licenseId: text('licenseId', 64),
    product: text('product', 64),
    keyId,
    deviceId: text('deviceId', 128),
    issuedAt: time('issuedAt', false)!,
    expiresAt: time('expiresAt', true),
  };
}

/** What a license is checked against. */
export interface LicenseCheck {
  /** The issuing server's Ed25519 public key. */
  publicKey: KeyObject;
  /** This device's ID. */
  deviceId: string;
  /** Current time, epoch ms. */
  now: number;
}

/**
 * Checks a license file and returns its payload. Order: shape, signature (over the exact payload
 * bytes), payload fields, expiry, device.
 * @throws TalkbusError `LICENSE_MALFORMED`, `LICENSE_BAD_SIGNATURE`, `LICENSE_EXPIRED`, `LICENSE_OTHER_DEVICE`
 */
export function checkLicense(input: string | unknown, check: LicenseCheck): LicensePayload {
  const file = parseLicenseFile(input);
  const bytes = Buffer.from(file.payload, 'base64url');
  const signature = Buffer.from(file.signature, 'base64url');
  if (signature.length !== SIGNATURE_BYTES) throw malformed(`The license signature is not ${SIGNATURE_BYTES} bytes.`);
  if (!verifyBytes(bytes, signature, check.publicKey)) {
    throw new TalkbusError(
      ErrorCode.LICENSE_BAD_SIGNATURE,
      'The license signature does not verify with the configured public key: the file was altered, or issued by another server.',
    );
  }
  const payload = decodePayload(bytes);
  if (payload.expiresAt !== null && check.now >= payload.expiresAt) {
    throw new TalkbusError(
      ErrorCode.LICENSE_EXPIRED,
      `The license expired at ${new Date(payload.expiresAt).toISOString()}.`,
      {
        licenseId: payload.licenseId,
        expiresAt: payload.expiresAt,
      },
    );
  }
  if (payload.deviceId !== check.deviceId) {
    throw new TalkbusError(
      ErrorCode.LICENSE_OTHER_DEVICE,
      `The license was issued to device ${payload.deviceId}, not to this device (${check.deviceId}).`,
      {
        licenseId: payload.licenseId,
        licenseDeviceId: payload.deviceId,
        deviceId: check.deviceId,
      },
    );
  }
  return payload;
}
