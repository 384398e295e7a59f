/**
 * Where the layer finds server transactions: by RFC 3261 key (§17.2.3), by the RFC 2543
 * fallback key with the To tag compared after the lookup, and by the §8.2.2.2 merge key. An
 * entry leaves its maps when its transaction terminates.
 */
import type { SipRequest } from '../message/message.ts';
import { legacyServerKey, mergeKey, serverKey } from './transaction-keys.ts';
import type { AnyServerTransaction } from './transaction-user.ts';

/** The lookup maps of the live server transactions. */
export class ServerTransactionIndex {
  readonly #byKey = new Map<string, AnyServerTransaction>();
  readonly #legacy = new Map<string, AnyServerTransaction[]>();
  readonly #merge = new Map<string, AnyServerTransaction>();

  /** The key a new transaction for `request` gets (RFC 3261 key, else the RFC 2543 one). */
  static idFor(request: SipRequest): string {
    return serverKey(request, request.method) ?? legacyServerKey(request, request.method);
  }

  /**
   * §17.2.3 matching. `method` is INVITE for an ACK, and for a CANCEL looking for its INVITE
   * (§9.2). On the RFC 2543 path an ACK's To tag is compared with the tag of the response the
   * transaction sent; any other request's with the To tag of the request that created it.
   */
  find(request: SipRequest, method: string, mode: 'request' | 'ack'): AnyServerTransaction | undefined {
    const key = serverKey(request, method);
    if (key !== undefined) return this.#byKey.get(key);
    const toTag = request.to?.tag;
    return this.#legacy
      .get(legacyServerKey(request, method))
      ?.find((t) => (mode === 'ack' ? t.lastResponse?.to?.tag : t.request.to?.tag) === toTag);
  }

  /** §8.2.2.2: the live transaction a To-tag-less request would be merged with, if any. */
  mergedWith(request: SipRequest): AnyServerTransaction | undefined {
    if (request.to?.tag !== undefined) return undefined;
    const key = mergeKey(request);
    const first = key === undefined ? undefined : this.#merge.get(key);
    return first !== undefined && !first.terminated ? first : undefined;
  }

  /** Indexes a new transaction until it terminates. */
  add(transaction: AnyServerTransaction): void {
    const request = transaction.request;
    const key = serverKey(request, request.method);
    const legacyKey = key === undefined ? legacyServerKey(request, request.method) : undefined;
    if (key !== undefined) this.#byKey.set(key, transaction);
    else this.#legacy.set(legacyKey!, [...(this.#legacy.get(legacyKey!) ?? []), transaction]);
    const merge = request.to?.tag === undefined && request.method !== 'CANCEL' ? mergeKey(request) : undefined;
    if (merge !== undefined && !this.#merge.has(merge)) this.#merge.set(merge, transaction);
    transaction.onTerminated(() => {
      if (key !== undefined && this.#byKey.get(key) === transaction) this.#byKey.delete(key);
      if (legacyKey !== undefined) {
        const rest = (this.#legacy.get(legacyKey) ?? []).filter((t) => t !== transaction);
        if (rest.length === 0) this.#legacy.delete(legacyKey);
        else this.#legacy.set(legacyKey, rest);
      }
      if (merge !== undefined && this.#merge.get(merge) === transaction) this.#merge.delete(merge);
    });
  }
}
