/**
 * The license server's state in LevelDB: product keys (stored as hashes only), the seats bound to
 * devices, and the Ed25519 signing key. Every seat change is one atomic batch (binding, device
 * index and the key's `used` counter together), and changes run one at a time, so two devices
 * racing for the last seat cannot both get it.
 *
 * Layout (schema version 1):
 * - `keys`: keyId → {@link KeyRecord}
 * - `seats/<keyId>`: deviceId → {@link SeatBinding}
 * - `devices/<deviceId>`: keyId → licenseId (which keys a device holds seats of)
 * - `signing`: `ed25519` → {@link SigningKeyPair} (only when no `license.privateKeyPath` is set)
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  ErrorCode,
  TalkbusError,
  type LicenseFile,
  type LicensePayload,
  type ProductKeyInfo,
} from '@talkbus/contracts';
import { Store, type KeyValueStore, type Sublevel } from '@talkbus/store';
import { LICENSE_FORMAT, signLicense } from './license-file.ts';
import { generateSigningKeyPair, keyPairFromPrivatePem, type SigningKeyPair } from './signing.ts';

/** The server store's schema version. */
export const SERVER_SCHEMA_VERSION = 1;

const DAY_MS = 24 * 60 * 60 * 1000;

/** A product key as stored: never the key itself. */
export interface KeyRecord {
  /** First 16 hex characters of SHA-256(key). */
  keyId: string;
  /** Full SHA-256(key), hex; compared in constant time. */
  keyHash: string;
  product: string;
  seats: number;
  /** Seats bound right now. */
  used: number;
  /** Validity of a license from its seat's first activation, in days; null = perpetual. */
  validDays: number | null;
  createdAt: number;
}

/** A seat bound to a device. */
export interface SeatBinding {
  /** Stable for the binding: re-issuing to the same device keeps it. */
  licenseId: string;
  keyId: string;
  deviceId: string;
  /** When the seat was bound (epoch ms). */
  boundAt: number;
  /** boundAt + validDays, or null. */
  expiresAt: number | null;
}

/** Options of {@link LicenseServerState.open}. */
export interface LicenseServerStateOptions {
  /** LevelDB directory, e.g. `<dataDir>/license-server`. */
  location: string;
  /** PEM file with the Ed25519 private key; empty = generate once and keep it in the store. */
  privateKeyPath?: string;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** SHA-256 of a product key, hex. */
export function hashProductKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The public ID of a product key: the first 16 hex characters of its SHA-256. */
export function keyIdOf(key: string): string {
  return hashProductKey(key).slice(0, 16);
}

/** The issuing side of licensing, over its own store. */
export class LicenseServerState {
  readonly #store: KeyValueStore;
  readonly #keys: Sublevel<KeyRecord>;
  readonly #seatsRoot: Sublevel<never>;
  readonly #devicesRoot: Sublevel<never>;
  readonly #signingKey: SigningKeyPair;
  readonly #now: () => number;
  /** Tail of the queue of changes: each waits for the one before (one writer at a time). */
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(store: KeyValueStore, signingKey: SigningKeyPair, now: () => number) {
    this.#store = store;
    this.#keys = store.sublevel<KeyRecord>('keys');
    this.#seatsRoot = store.sublevel<never>('seats');
    this.#devicesRoot = store.sublevel<never>('devices');
    this.#signingKey = signingKey;
    this.#now = now;
  }

  /**
   * Opens the store and loads (or creates, once) the signing key.
   * @throws StoreError when the store cannot be opened (locked, unreadable, …); Error when the private key file is bad
   */
  static async open(options: LicenseServerStateOptions): Promise<LicenseServerState> {
    let fromFile: SigningKeyPair | undefined;
    if (options.privateKeyPath) {
      const pem = await readFile(options.privateKeyPath, 'utf8').catch((err: Error) => {
        throw new Error(`license.privateKeyPath: cannot read ${options.privateKeyPath}: ${err.message}`, {
          cause: err,
        });
      });
      try {
        fromFile = keyPairFromPrivatePem(pem);
      } catch (err) {
        throw new Error(`license.privateKeyPath: ${options.privateKeyPath}: ${(err as Error).message}`, { cause: err });
      }
    }
    const store = await Store.open({ location: options.location, schemaVersion: SERVER_SCHEMA_VERSION, sync: true });
    try {
      let signingKey = fromFile;
      if (!signingKey) {
        const signing = store.sublevel<SigningKeyPair>('signing');
        signingKey = await signing.get('ed25519');
        if (!signingKey) {
          signingKey = generateSigningKeyPair();
          await signing.put('ed25519', signingKey);
        }
      }
      return new LicenseServerState(store, signingKey, options.now ?? Date.now);
    } catch (err) {
      await store.close().catch(() => undefined);
      throw err;
    }
  }

  /** The public key licenses are signed with (SPKI PEM). */
  get publicKeyPem(): string {
    return this.#signingKey.publicKeyPem;
  }

  /** Adds a product key, or changes the product, seat count and validity of a known one. */
  addKey(input: {
    key: string;
    product: string;
    seats: number;
    validDays?: number | undefined;
  }): Promise<ProductKeyInfo> {
    return this.#exclusive(async () => {
      const keyHash = hashProductKey(input.key);
      const keyId = keyHash.slice(0, 16);
      const prior = await this.#keys.get(keyId);
      if (prior && prior.keyHash !== keyHash) {
        throw new TalkbusError(
          ErrorCode.INTERNAL,
          `Key ID ${keyId} is taken by another product key; use another key.`,
          { keyId },
        );
      }
      const record: KeyRecord = {
        keyId,
        keyHash,
        product: input.product,
        seats: input.seats,
        used: prior?.used ?? 0,
        validDays: input.validDays ?? null,
        createdAt: prior?.createdAt ?? this.#now(),
      };
      await this.#keys.put(keyId, record);
      return this.#info(record);
    });
  }

  /** Every product key with its seats and bound devices. */
  async listKeys(): Promise<ProductKeyInfo[]> {
    const keys: ProductKeyInfo[] = [];
    for await (const [, record] of this.#keys.entries()) keys.push(await this.#info(record));
    return keys;
  }

  /**
   * Binds a seat of `key` to `deviceId` and returns a signed license. Idempotent per device: a
   * device that holds a seat gets a freshly signed license for the same seat (same licenseId,
   * same expiry).
   * @throws TalkbusError `LICENSE_UNKNOWN_KEY`, `LICENSE_NO_SEATS`, `LICENSE_EXPIRED` (the seat's validity has ended)
   */
  issue(input: { key: string; deviceId: string }): Promise<LicenseFile> {
    return this.#exclusive(async () => {
      const record = await this.#findKey(input.key);
      const seats = this.#seats(record.keyId);
      let binding = await seats.get(input.deviceId);
      const now = this.#now();
      if (binding) {
        if (binding.expiresAt !== null && now >= binding.expiresAt) {
          throw new TalkbusError(
            ErrorCode.LICENSE_EXPIRED,
            `The seat of device ${input.deviceId} expired at ${new Date(binding.expiresAt).toISOString()}; release it to activate again.`,
            { keyId: record.keyId, licenseId: binding.licenseId, expiresAt: binding.expiresAt },
          );
        }
      } else {
        if (record.used >= record.seats) {
          throw new TalkbusError(
            ErrorCode.LICENSE_NO_SEATS,
            `All ${record.seats} seats of product key ${record.keyId} are in use.`,
            {
              keyId: record.keyId,
              seats: record.seats,
            },
          );
        }
        binding = {
          licenseId: `lic-${randomBytes(12).toString('hex')}`,
          keyId: record.keyId,
          deviceId: input.deviceId,
          boundAt: now,
          expiresAt: record.validDays === null ? null : now + record.validDays * DAY_MS,
        };
        await this.#store
          .batch()
          .put(seats, input.deviceId, binding)
          .put(this.#deviceKeys(input.deviceId), record.keyId, binding.licenseId)
          .put(this.#keys, record.keyId, { ...record, used: record.used + 1 })
          .write();
      }
      const payload: LicensePayload = {
        format: LICENSE_FORMAT,
        licenseId: binding.licenseId,
        product: record.product,
        keyId: record.keyId,
        deviceId: input.deviceId,
        issuedAt: now,
        expiresAt: binding.expiresAt,
      };
      return signLicense(payload, this.#signingKey.privateKeyPem);
    });
  }

  /**
   * Frees the seats `deviceId` holds: of one key when `key` is given, of one license when
   * `licenseId` is given, else all of them.
   * @returns `released: false` when the device held no matching seat
   * @throws TalkbusError `LICENSE_UNKNOWN_KEY` when `key` is given and not known
   */
  release(input: {
    deviceId: string;
    licenseId?: string | undefined;
    key?: string | undefined;
  }): Promise<{ released: boolean }> {
    return this.#exclusive(async () => {
      const deviceKeys = this.#deviceKeys(input.deviceId);
      const onlyKeyId = input.key === undefined ? undefined : (await this.#findKey(input.key)).keyId;
      const batch = this.#store.batch();
      for await (const [keyId, licenseId] of deviceKeys.entries()) {
        if (onlyKeyId !== undefined && keyId !== onlyKeyId) continue;
        if (input.licenseId !== undefined && licenseId !== input.licenseId) continue;
        batch.del(this.#seats(keyId), input.deviceId).del(deviceKeys, keyId);
        const record = await this.#keys.get(keyId);
        if (record) batch.put(this.#keys, keyId, { ...record, used: Math.max(0, record.used - 1) });
      }
      const released = batch.length > 0;
      await batch.write();
      return { released };
    });
  }

  /** Closes the store after the pending changes. Idempotent. */
  async close(): Promise<void> {
    await this.#tail.catch(() => undefined);
    await this.#store.close();
  }

  async #findKey(key: string): Promise<KeyRecord> {
    const keyHash = hashProductKey(key);
    const record = await this.#keys.get(keyHash.slice(0, 16));
    if (!record || !timingSafeEqual(Buffer.from(record.keyHash, 'hex'), Buffer.from(keyHash, 'hex'))) {
      throw new TalkbusError(ErrorCode.LICENSE_UNKNOWN_KEY, 'The product key is not known to this license server.');
    }
    return record;
  }

  async #info(record: KeyRecord): Promise<ProductKeyInfo> {
    const devices: string[] = [];
    for await (const deviceId of this.#seats(record.keyId).keys()) devices.push(deviceId);
    return {
      keyId: record.keyId,
      product: record.product,
      seats: record.seats,
      used: record.used,
      validDays: record.validDays,
      devices,
    };
  }

  #seats(keyId: string): Sublevel<SeatBinding> {
    return this.#seatsRoot.sublevel<SeatBinding>(keyId);
  }

  #deviceKeys(deviceId: string): Sublevel<string> {
    return this.#devicesRoot.sublevel<string>(deviceId);
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(work, work);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}
