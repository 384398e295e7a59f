/**
 * Server nonces that need no state to check (RFC 7616 §3.3 suggests
 * `time-stamp H(time-stamp ":" ETag ":" secret)`), and the per-nonce nc window that catches
 * replays (RFC 7616 §3.4, §5.5).
 *
 * Nonce bytes: issue time (8, ms of the server's clock) · random (8) · HMAC-SHA-256(secret,
 * time · random · realm) truncated to 16; base64url, 43 characters. A nonce is only valid with
 * the realm it was minted for and the secret of the server that minted it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const TIME_BYTES = 8;
const RANDOM_BYTES = 8;
const MAC_BYTES = 16;
const NONCE_BYTES = TIME_BYTES + RANDOM_BYTES + MAC_BYTES;
/** Length of a nonce in characters (base64url of 32 bytes, no padding). */
export const NONCE_LENGTH = Math.ceil((NONCE_BYTES * 4) / 3);

function mac(secret: Buffer, head: Buffer, realm: string): Buffer {
  return createHmac('sha256', secret).update(head).update(realm, 'utf8').digest().subarray(0, MAC_BYTES);
}

/** Makes a nonce for `realm` issued at `now` (ms). */
export function mintNonce(secret: Buffer, realm: string, now: number, random: Buffer): string {
  const head = Buffer.alloc(TIME_BYTES + RANDOM_BYTES);
  head.writeDoubleBE(Math.floor(now), 0);
  random.copy(head, TIME_BYTES, 0, RANDOM_BYTES);
  return Buffer.concat([head, mac(secret, head, realm)]).toString('base64url');
}

/**
 * The issue time of a nonce this secret minted for this realm, or undefined when it is not
 * one of ours (wrong length, alphabet or MAC). The MAC is compared in constant time.
 */
export function nonceIssuedAt(secret: Buffer, realm: string, nonce: string): number | undefined {
  if (nonce.length !== NONCE_LENGTH || !/^[A-Za-z0-9_-]+$/.test(nonce)) return undefined;
  const bytes = Buffer.from(nonce, 'base64url');
  if (bytes.length !== NONCE_BYTES) return undefined;
  const head = bytes.subarray(0, TIME_BYTES + RANDOM_BYTES);
  if (!timingSafeEqual(bytes.subarray(TIME_BYTES + RANDOM_BYTES), mac(secret, head, realm))) return undefined;
  const issued = head.readDoubleBE(0);
  return Number.isFinite(issued) ? issued : undefined;
}

/** Width of the window of nc values accepted out of order (UDP may reorder requests). */
export const NC_WINDOW = 64;

interface NonceUse {
  /** Highest nc seen. */
  max: number;
  /** Bit i set: nc `max - i` was seen (bit 0 is `max` itself). */
  seen: bigint;
}

/**
 * Remembers which nc values each nonce has used, for at most `capacity` nonces (least recently
 * used dropped). A nonce that was dropped is reported as unknown, and the server then asks for
 * a new nonce (stale) instead of trusting an nc it can no longer check.
 */
export class NonceCountTracker {
  readonly #uses = new Map<string, NonceUse>();
  readonly #capacity: number;

  /** @param capacity nonces tracked at most (bounded memory) */
  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
  }

  /** Nonces tracked now. */
  get size(): number {
    return this.#uses.size;
  }

  /**
   * Records `nc` for `nonce`.
   * @returns `'ok'` (first use of this nc), `'replay'` (seen, or older than the window), or
   * `'unknown'` (a nonce not tracked here whose nc is not 1: it was evicted or never issued)
   */
  use(nonce: string, nc: number): 'ok' | 'replay' | 'unknown' {
    const use = this.#uses.get(nonce);
    if (use === undefined) {
      if (nc !== 1) return 'unknown';
      this.#remember(nonce, { max: 1, seen: 1n });
      return 'ok';
    }
    this.#uses.delete(nonce);
    this.#uses.set(nonce, use); // most recently used goes last
    if (nc > use.max) {
      const shift = nc - use.max;
      use.seen = shift >= NC_WINDOW ? 1n : ((use.seen << BigInt(shift)) | 1n) & ((1n << BigInt(NC_WINDOW)) - 1n);
      use.max = nc;
      return 'ok';
    }
    const age = use.max - nc;
    if (age >= NC_WINDOW) return 'replay';
    const bit = 1n << BigInt(age);
    if ((use.seen & bit) !== 0n) return 'replay';
    use.seen |= bit;
    return 'ok';
  }

  #remember(nonce: string, use: NonceUse): void {
    this.#uses.set(nonce, use);
    while (this.#uses.size > this.#capacity) this.#uses.delete(this.#uses.keys().next().value!);
  }
}
