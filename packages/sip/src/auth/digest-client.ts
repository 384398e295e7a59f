/**
 * The UAC side of digest authentication (RFC 3261 §22.2, §22.3; RFC 7616; RFC 8760).
 *
 * One `DigestClient` per account. Given a 401/407 and the request that caused it,
 * {@link DigestClient.handleChallenge} returns the request to resend: a copy with CSeq + 1
 * (§8.1.3.5) and credentials for each challenge it can answer. The copy keeps the old Via: the
 * transaction layer that sends it puts a new branch in (§8.1.1.7, a new request is a new
 * transaction). The client caches the last challenge per realm, so later requests (in-dialog,
 * re-REGISTER) are authorized up front by {@link DigestClient.authorize} with nc incremented.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { unfold, type SipHeaders } from '../message/headers.ts';
import { SipRequest, type SipResponse } from '../message/message.ts';
import { AuthErrorCode, SipAuthError } from './auth-error.ts';
import {
  AUTH_HEADERS,
  AUTH_LIMITS,
  formatDigest,
  parseAuthField,
  readCredentials,
  readOffer,
  type AuthKind,
  type DigestOffer,
} from './auth-params.ts';
import {
  computeDigestResponse,
  computeHa1,
  computeUserhash,
  DIGEST_ALGORITHMS,
  digestHexLength,
  formatNonceCount,
  type DigestAlgorithm,
  type DigestHash,
  type DigestQop,
} from './digest-algorithm.ts';

/** One account's secrets. */
export interface DigestCredentials {
  /** Authentication user name (often not the AOR's user part). */
  username: string;
  /** The password; or give `ha1` instead. */
  password?: string;
  /**
   * Precomputed H(username:realm:password) per hash, lower-case hex, for clients that never hold
   * the password. Algorithms whose hash has no HA1 here are not answered (unless `password` is set).
   */
  ha1?: Partial<Record<DigestHash, string>>;
  /** Realms these credentials answer: one, a list, or a predicate. Default: any realm. */
  realm?: string | readonly string[] | ((realm: string) => boolean);
}

/** Options of {@link DigestClient}. */
export interface DigestClientOptions {
  /** Credentials; several for several realms (the first whose `realm` matches answers). */
  credentials: DigestCredentials | readonly DigestCredentials[];
  /** Algorithms allowed, default all of {@link DIGEST_ALGORITHMS}. Drop `MD5` here to refuse it. */
  algorithms?: readonly DigestAlgorithm[];
  /** Choose auth-int when a challenge offers both auth and auth-int. Default false (auth). */
  preferAuthInt?: boolean;
  /** Random source for cnonce (tests inject a fixed one). Default `crypto.randomBytes`. */
  randomBytes?: (size: number) => Buffer;
  /** stale=true retries in a row per realm before giving up with `AUTH_STALE_LOOP`. Default 3. */
  maxStaleRetries?: number;
  /** Challenges kept for pre-emptive use (one per header kind × realm). Default 16, oldest dropped. */
  maxCachedChallenges?: number;
}

/** Outcome of {@link DigestClient.handleChallenge}. */
export type DigestRetry =
  | {
      /** The request can be resent. */
      ok: true;
      /** The copy to send (CSeq + 1, credentials added; the caller gives it a new Via branch). */
      request: SipRequest;
      /** Realms answered. */
      realms: string[];
    }
  | {
      /** Give up: report `error.status` (the 401/407) upward; `AUTH_REJECTED` means a wrong password. */
      ok: false;
      /** Why. */
      error: SipAuthError;
    };

interface CacheEntry {
  offer: DigestOffer;
  account: DigestCredentials;
  ha1: string;
  nonceCount: number;
  /** Fixed per nonce for -sess, where H(A1) binds it (RFC 7616 §3.4.2). */
  sessionCnonce: string | undefined;
  staleRetries: number;
}

const MAX_CSEQ = 2 ** 31 - 1;

function cacheKey(kind: AuthKind, realm: string): string {
  return `${kind} ${realm}`;
}

function realmMatches(filter: DigestCredentials['realm'], realm: string): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'string') return filter === realm;
  if (typeof filter === 'function') return filter(realm);
  return filter.includes(realm);
}

function ha1For(account: DigestCredentials, hash: DigestHash, realm: string): string | undefined {
  if (account.password !== undefined) return computeHa1(hash, account.username, realm, account.password);
  const ha1 = account.ha1?.[hash]?.toLowerCase();
  return ha1 !== undefined && ha1.length === digestHexLength(hash) ? ha1 : undefined;
}

/** The realm of a credentials field, or undefined when it cannot be read. */
function credentialRealm(raw: string, kind: AuthKind): string | undefined {
  try {
    return parseAuthField(
      unfold(raw),
      AUTH_HEADERS[kind].credentials,
      (detail) => new SipAuthError(AuthErrorCode.MalformedCredentials, detail),
    ).params.get('realm');
  } catch {
    return undefined;
  }
}

/** Replaces this kind's credentials for `realm` (and only that realm) with `value`. */
function putCredentials(headers: SipHeaders, kind: AuthKind, realm: string, value: string): void {
  const name = AUTH_HEADERS[kind].credentials;
  const keep = headers
    .getFields(name)
    .filter((field) => credentialRealm(field.raw, kind) !== realm)
    .map((field) => field.raw);
  headers.remove(name);
  for (const raw of keep) headers.append(name, raw);
  headers.append(name, value);
}

/** Digest authentication for one account (see the file comment). */
export class DigestClient {
  readonly #accounts: readonly DigestCredentials[];
  readonly #algorithms: ReadonlySet<string>;
  readonly #preferAuthInt: boolean;
  readonly #randomBytes: (size: number) => Buffer;
  readonly #maxStaleRetries: number;
  readonly #maxCached: number;
  readonly #cache = new Map<string, CacheEntry>();

  /** @param options credentials, allowed algorithms, qop preference, random source, limits */
  constructor(options: DigestClientOptions) {
    this.#accounts = Array.isArray(options.credentials)
      ? options.credentials
      : [options.credentials as DigestCredentials];
    this.#algorithms = new Set(options.algorithms ?? DIGEST_ALGORITHMS);
    this.#preferAuthInt = options.preferAuthInt ?? false;
    this.#randomBytes = options.randomBytes ?? cryptoRandomBytes;
    this.#maxStaleRetries = options.maxStaleRetries ?? 3;
    this.#maxCached = options.maxCachedChallenges ?? 16;
  }

  /** Realms with a cached challenge, as `www realm` / `proxy realm` keys, oldest first. */
  get cachedRealms(): string[] {
    return [...this.#cache.keys()];
  }

  /** Drops the cached challenge of one realm (both kinds), or all of them. */
  forget(realm?: string): void {
    if (realm === undefined) this.#cache.clear();
    else for (const kind of ['www', 'proxy'] as const) this.#cache.delete(cacheKey(kind, realm));
  }

  /**
   * Answers a 401/407 (RFC 3261 §22.2, §22.3): every WWW-Authenticate and Proxy-Authenticate in
   * `response` (a forking proxy merges several, §16.7 step 6) is answered, one credentials
   * header per realm, with the strongest algorithm this client supports among that realm's
   * challenges. Never throws on what the wire sent.
   *
   * @param request the request as sent (with whatever credentials it carried)
   * @param response the 401/407 it received
   */
  handleChallenge(request: SipRequest, response: SipResponse): DigestRetry {
    const fail = (code: AuthErrorCode, message: string, realm?: string): DigestRetry => ({
      ok: false,
      error: new SipAuthError(code, message, { status: response.status, realm }),
    });
    if (response.status !== 401 && response.status !== 407)
      return fail(AuthErrorCode.NotAChallenge, `status ${response.status} is not a challenge`);
    // §22.1: ACK and CANCEL cannot be challenged (a CANCEL reuses the INVITE's credentials).
    if (request.method === 'ACK' || request.method === 'CANCEL')
      return fail(AuthErrorCode.NotChallengeable, `${request.method} cannot be challenged`);
    let seq: number;
    try {
      const cseq = request.cseq;
      if (cseq === undefined) return fail(AuthErrorCode.NotAChallenge, 'request without CSeq');
      seq = cseq.seq;
    } catch (error) {
      return fail(AuthErrorCode.NotAChallenge, `request CSeq unreadable: ${(error as Error).message}`);
    }
    if (seq >= MAX_CSEQ) return fail(AuthErrorCode.NotAChallenge, 'CSeq cannot be incremented');

    // Read every challenge, skipping (not failing on) malformed or unsupported ones.
    const byRealm = new Map<string, DigestOffer[]>();
    let malformed = 0;
    let read = 0;
    for (const kind of ['proxy', 'www'] as const) {
      for (const field of response.headers.getFields(AUTH_HEADERS[kind].challenge)) {
        if (read++ >= AUTH_LIMITS.maxChallenges) break;
        let offer: DigestOffer | 'unsupported';
        try {
          offer = readOffer(unfold(field.raw), kind);
        } catch {
          malformed++;
          continue;
        }
        if (offer === 'unsupported' || !this.#algorithms.has(offer.algorithm.name)) continue;
        const key = cacheKey(kind, offer.realm);
        const list = byRealm.get(key);
        if (list === undefined) byRealm.set(key, [offer]);
        else list.push(offer);
      }
    }
    if (byRealm.size === 0) {
      return malformed > 0
        ? fail(AuthErrorCode.MalformedChallenge, `${malformed} malformed challenge(s) and none usable`)
        : fail(AuthErrorCode.NoSupportedChallenge, 'no Digest challenge with a supported algorithm and qop');
    }

    const answers: CacheEntry[] = [];
    for (const [key, offers] of byRealm) {
      const realm = offers[0]!.realm;
      const kind = offers[0]!.kind;
      const account = this.#accounts.find((candidate) => realmMatches(candidate.realm, realm));
      if (account === undefined) continue;
      // RFC 8760 §2.4 says use the topmost supported challenge "unless a local policy dictates
      // otherwise"; our policy is the strongest (SHA-512-256 > SHA-256 > MD5, -sess above plain).
      let best: { offer: DigestOffer; ha1: string } | undefined;
      for (const offer of offers) {
        if (best !== undefined && offer.algorithm.strength <= best.offer.algorithm.strength) continue;
        const ha1 = ha1For(account, offer.algorithm.hash, realm);
        if (ha1 !== undefined) best = { offer, ha1 };
      }
      if (best === undefined) continue;
      const previous = this.#cache.get(key);
      let staleRetries = 0;
      const sent = this.#sentCredentials(request, kind, realm);
      if (sent !== undefined) {
        if (best.offer.stale) {
          // RFC 7616 §3.3: stale=true means our response was right but the nonce old: retry with
          // the new nonce, no new credentials. Bounded, so a broken server cannot loop us.
          staleRetries = (previous?.staleRetries ?? 0) + 1;
          if (staleRetries > this.#maxStaleRetries)
            return fail(AuthErrorCode.StaleLoop, `stale=true ${staleRetries} times in a row`, realm);
        } else if (sent.nonce === best.offer.nonce || sent.nc === undefined || sent.nc === '00000001') {
          // §22.2: credentials the server rejects are not tried again. A fresh nonce with stale
          // false after a first use (nc=1) is a rejection too; only a pre-emptive reuse of an old
          // nonce (nc > 1) earns one retry with the new one.
          return fail(AuthErrorCode.Rejected, `credentials for realm ${JSON.stringify(realm)} rejected`, realm);
        }
      }
      const entry: CacheEntry = {
        offer: best.offer,
        account,
        ha1: best.ha1,
        nonceCount: 0,
        sessionCnonce: undefined,
        staleRetries,
      };
      this.#remember(key, entry);
      answers.push(entry);
    }
    if (answers.length === 0) return fail(AuthErrorCode.NoCredentials, 'no credentials for the realm(s) challenged');

    const retry = new SipRequest({
      method: request.method,
      uri: request.requestUri,
      headers: request.headers.clone(),
      body: request.body,
      version: request.version,
    });
    // §8.1.3.5 / §22.2: the resubmitted request is a new request, so CSeq goes up by one.
    retry.headers.set('CSeq', `${seq + 1} ${request.method}`);
    for (const entry of answers)
      putCredentials(retry.headers, entry.offer.kind, entry.offer.realm, this.#credentials(entry, retry));
    return { ok: true, request: retry, realms: answers.map((entry) => entry.offer.realm) };
  }

  /**
   * Adds credentials from every cached challenge to `request` (pre-emptive authorization of an
   * in-dialog request, a re-REGISTER, an ACK for a 2xx), replacing ones for the same realm.
   * The digest covers this request's method and Request-URI (§22.4), so call it after the
   * Request-URI is final. Each use increments that nonce's nc. CANCEL is left alone: it carries
   * the INVITE's credentials ({@link authorizeCancel}). Mutates and returns `request`.
   */
  authorize(request: SipRequest): SipRequest {
    if (request.method === 'CANCEL') return request;
    for (const entry of this.#cache.values()) {
      entry.staleRetries = 0;
      putCredentials(request.headers, entry.offer.kind, entry.offer.realm, this.#credentials(entry, request));
    }
    return request;
  }

  #remember(key: string, entry: CacheEntry): void {
    this.#cache.delete(key);
    this.#cache.set(key, entry);
    while (this.#cache.size > this.#maxCached) this.#cache.delete(this.#cache.keys().next().value!);
  }

  #sentCredentials(
    request: SipRequest,
    kind: AuthKind,
    realm: string,
  ): { nonce: string; nc: string | undefined } | undefined {
    for (const field of request.headers.getFields(AUTH_HEADERS[kind].credentials)) {
      try {
        const value = readCredentials(unfold(field.raw), kind);
        if (value !== 'unsupported' && value.realm === realm) return { nonce: value.nonce, nc: value.nc };
      } catch {
        // a credentials field we cannot read does not count as sent
      }
    }
    return undefined;
  }

  #cnonce(): string {
    return this.#randomBytes(16).toString('hex');
  }

  /** One credentials value for `request` from a cached challenge (RFC 7616 §3.4). */
  #credentials(entry: CacheEntry, request: SipRequest): string {
    const { offer, account } = entry;
    const qop: DigestQop | undefined =
      offer.qop.length === 0
        ? undefined
        : offer.qop.includes('auth') && !(this.#preferAuthInt && offer.qop.includes('auth-int'))
          ? 'auth'
          : 'auth-int';
    entry.nonceCount++;
    const nc = formatNonceCount(entry.nonceCount);
    let cnonce: string | undefined;
    if (offer.algorithm.session) cnonce = entry.sessionCnonce ??= this.#cnonce();
    else if (qop !== undefined) cnonce = this.#cnonce();
    const uri = request.requestUri;
    const response = computeDigestResponse({
      algorithm: offer.algorithm,
      ha1: entry.ha1,
      nonce: offer.nonce,
      qop,
      nc,
      cnonce: cnonce ?? '',
      method: request.method,
      uri,
      body: request.body,
    });
    const username = offer.userhash
      ? computeUserhash(offer.algorithm.hash, account.username, offer.realm)
      : account.username;
    return formatDigest(
      [
        ['username', username],
        ['realm', offer.realm],
        ['nonce', offer.nonce],
        ['uri', uri],
        ['response', response],
        // Echoed only when the challenge named it: absent means MD5 (RFC 7616 §3.3), and some
        // RFC 2069-era servers refuse a parameter they never sent.
        ['algorithm', offer.algorithmGiven ? offer.algorithm.name : undefined],
        ['cnonce', cnonce],
        ['qop', qop],
        ['nc', qop === undefined ? undefined : nc],
        ['opaque', offer.opaque],
        ['userhash', offer.userhash ? 'true' : undefined],
      ],
      { challenge: false },
    );
  }
}
