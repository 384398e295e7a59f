/**
 * The UAS/registrar/proxy side of digest authentication (RFC 3261 §22.1, §22.3; RFC 7616 §3.3,
 * §3.5; RFC 8760 §2.3): issues challenges and checks credentials.
 *
 * Nonces are stateless (timestamp + HMAC, see `nonce.ts`), so any number of challenges cost no
 * memory; only nonces that were *used* enter the bounded nc replay cache. Time comes from the
 * injected {@link Clock} (STYLE §5).
 */
import { randomBytes as cryptoRandomBytes, timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '../clock.ts';
import { unfold } from '../message/headers.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { createResponse } from '../message/response.ts';
import { uriEquals } from '../uri/compare.ts';
import { tryParseUri } from '../uri/uri.ts';
import { AuthErrorCode, SipAuthError } from './auth-error.ts';
import {
  AUTH_HEADERS,
  AUTH_LIMITS,
  formatDigest,
  readCredentials,
  type AuthKind,
  type DigestCredentialsValue,
} from './auth-params.ts';
import {
  computeDigestResponse,
  computeHa1,
  digestAlgorithm,
  digestHexLength,
  type DigestAlgorithm,
  type DigestAlgorithmInfo,
  type DigestHash,
  type DigestQop,
} from './digest-algorithm.ts';
import { mintNonce, nonceIssuedAt, NonceCountTracker } from './nonce.ts';

/** What the server knows of a user: the password, or HA1 per hash. */
export type DigestSecret = { password: string } | { ha1: Partial<Record<DigestHash, string>> };

/** Options of {@link DigestServer}. */
export interface DigestServerOptions {
  /** realm of the challenges (RFC 3261 §22.1: usually the domain). */
  realm: string;
  /** HMAC key for nonces, at least 16 bytes; servers sharing it accept each other's nonces. */
  secret: Buffer | string;
  /** Finds a user's secret; undefined for an unknown user. May be async (a database). */
  lookup: (username: string, realm: string) => DigestSecret | undefined | Promise<DigestSecret | undefined>;
  /** Maps a userhash (RFC 7616 §3.4.4) back to a username; without it userhash credentials fail. */
  resolveUserhash?: (
    userhash: string,
    hash: DigestHash,
    realm: string,
  ) => string | undefined | Promise<string | undefined>;
  /** Challenge as a proxy: 407 + Proxy-Authenticate, reading Proxy-Authorization. Default false (401). */
  proxy?: boolean;
  /** Algorithms offered, one challenge each, in this order (RFC 8760 §2.3: preferred first). Default `['SHA-256', 'MD5']`. */
  algorithms?: readonly DigestAlgorithm[];
  /** qop options offered. Default `['auth']`; `[]` is the RFC 2069 form (no qop, no nc: no replay check). */
  qop?: readonly DigestQop[];
  /** Ask clients to hash the username (RFC 7616 §3.4.4). Default false. */
  userhash?: boolean;
  /** Nonce lifetime in ms; an older nonce with a right response gets stale=true. Default 300 000 (5 min). */
  nonceLifetimeMs?: number;
  /** Nonces tracked for nc replay detection (least recently used dropped). Default 10 000. */
  maxTrackedNonces?: number;
  /** Require the digest-uri to equal the Request-URI (RFC 2617 §3.2.2.5, RFC 3261 §19.1.4 rules). Default true. */
  checkUri?: boolean;
  /** opaque sent in every challenge. Default: random per server. */
  opaque?: string;
  /** Clock for nonce timestamps. Default {@link systemClock}. */
  clock?: Clock;
  /** Random source. Default `crypto.randomBytes`. */
  randomBytes?: (size: number) => Buffer;
}

/** Outcome of {@link DigestServer.verify}. */
export type DigestVerification =
  | {
      /** Authenticated. */
      ok: true;
      /** The user (resolved from the userhash when one was sent). */
      username: string;
      /** realm. */
      realm: string;
      /** Algorithm used. */
      algorithm: DigestAlgorithm;
      /** qop used, undefined for the RFC 2069 form. */
      qop: DigestQop | undefined;
    }
  | {
      /** Not authenticated: answer `error.status`, with a challenge for 401/407 ({@link DigestServer.challengeResponse}). */
      ok: false;
      /** Why (`code`); `status` 400 for malformed credentials, else 401/407. */
      error: SipAuthError;
      /** Challenge again with stale=true (right credentials, old or evicted nonce; RFC 7616 §3.3). */
      stale: boolean;
    };

const HEX = /^[0-9a-f]+$/;

/** Issues Digest challenges and verifies credentials for one realm. */
export class DigestServer {
  /** realm served. */
  readonly realm: string;
  /** Header pair in use. */
  readonly kind: AuthKind;
  readonly #options: DigestServerOptions;
  readonly #secret: Buffer;
  readonly #clock: Clock;
  readonly #random: (size: number) => Buffer;
  readonly #algorithms: readonly DigestAlgorithmInfo[];
  readonly #qop: readonly DigestQop[];
  readonly #lifetime: number;
  readonly #opaque: string;
  readonly #tracker: NonceCountTracker;

  /** @param options realm, secret, user lookup and policy */
  constructor(options: DigestServerOptions) {
    const secret = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : options.secret;
    if (secret.length < 16) throw new RangeError('DigestServer secret must be at least 16 bytes');
    this.#options = options;
    this.realm = options.realm;
    this.kind = options.proxy === true ? 'proxy' : 'www';
    this.#secret = secret;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.randomBytes ?? cryptoRandomBytes;
    this.#algorithms = (options.algorithms ?? ['SHA-256', 'MD5']).map((name) => {
      const info = digestAlgorithm(name);
      if (info === undefined) throw new RangeError(`unsupported digest algorithm ${name}`);
      return info;
    });
    this.#qop = options.qop ?? ['auth'];
    this.#lifetime = options.nonceLifetimeMs ?? 300_000;
    this.#opaque = options.opaque ?? this.#random(16).toString('base64url');
    this.#tracker = new NonceCountTracker(options.maxTrackedNonces ?? 10_000);
  }

  /** 401 or 407. */
  get status(): number {
    return AUTH_HEADERS[this.kind].status;
  }

  /** Nonces in the replay cache now. */
  get trackedNonces(): number {
    return this.#tracker.size;
  }

  /**
   * Challenge values, one per algorithm, preferred first (RFC 8760 §2.3), sharing one fresh
   * nonce. Put each in its own WWW-Authenticate/Proxy-Authenticate field (§20.44).
   */
  challenges(options: { stale?: boolean } = {}): string[] {
    const nonce = mintNonce(this.#secret, this.realm, this.#clock.now(), this.#random(8));
    return this.#algorithms.map((algorithm) =>
      formatDigest(
        [
          ['realm', this.realm],
          ['nonce', nonce],
          ['opaque', this.#opaque],
          ['algorithm', algorithm.name],
          ['qop', this.#qop.length > 0 ? this.#qop.join(',') : undefined],
          ['stale', options.stale === true ? 'true' : undefined],
          ['userhash', this.#options.userhash === true ? 'true' : undefined],
        ],
        { challenge: true },
      ),
    );
  }

  /**
   * A 401/407 to `request` carrying fresh challenges (§8.2.6: Via/From/To/Call-ID/CSeq copied).
   * @param options stale=true after a {@link DigestVerification} with `stale`; the To tag to add
   */
  challengeResponse(request: SipRequest, options: { stale?: boolean; toTag?: string } = {}): SipResponse | undefined {
    const name = AUTH_HEADERS[this.kind].challenge;
    return createResponse(request, this.status, {
      toTag: options.toTag,
      headers: this.challenges({ stale: options.stale }).map((value) => [name, value] as const),
    });
  }

  /**
   * Checks the request's credentials for this realm (RFC 7616 §3.4, §3.5). Never throws on what
   * the wire sent. Order matters: the nonce MAC and the response are checked before the nonce's
   * age and nc, so only a client that knows the password learns "stale", and garbage never
   * touches the replay cache.
   */
  async verify(request: SipRequest): Promise<DigestVerification> {
    const fail = (code: AuthErrorCode, message: string, stale = false, status = this.status): DigestVerification => ({
      ok: false,
      stale,
      error: new SipAuthError(code, message, { status, realm: this.realm }),
    });
    let credentials: DigestCredentialsValue | undefined;
    try {
      credentials = this.#findCredentials(request);
    } catch (error) {
      if (error instanceof SipAuthError) return { ok: false, stale: false, error };
      throw error;
    }
    if (credentials === undefined)
      return fail(
        AuthErrorCode.MissingCredentials,
        `no ${AUTH_HEADERS[this.kind].credentials} for realm ${this.realm}`,
      );

    const algorithm = digestAlgorithm(credentials.algorithm ?? 'MD5');
    if (algorithm === undefined || !this.#algorithms.includes(algorithm))
      return fail(AuthErrorCode.UnsupportedParameters, `algorithm ${credentials.algorithm ?? 'MD5'} not offered`);
    const qop = credentials.qop;
    let nc = 0;
    if (this.#qop.length > 0) {
      // We offered qop, so the client must pick one and send cnonce and nc (RFC 7616 §3.4).
      if (qop !== 'auth' && qop !== 'auth-int')
        return fail(AuthErrorCode.UnsupportedParameters, 'qop missing or unknown');
      if (!this.#qop.includes(qop)) return fail(AuthErrorCode.UnsupportedParameters, `qop ${qop} not offered`);
      if (credentials.cnonce === undefined || credentials.nc === undefined)
        return fail(AuthErrorCode.MalformedCredentials, 'qop without cnonce or nc', false, 400);
      nc = Number.parseInt(credentials.nc, 16);
      if (nc === 0) return fail(AuthErrorCode.MalformedCredentials, 'nc is zero', false, 400);
    } else if (qop !== undefined) return fail(AuthErrorCode.UnsupportedParameters, 'qop sent but none offered');
    if (algorithm.session && credentials.cnonce === undefined)
      return fail(AuthErrorCode.MalformedCredentials, '-sess without cnonce', false, 400);
    if (credentials.response.length !== digestHexLength(algorithm.hash) || !HEX.test(credentials.response))
      return fail(AuthErrorCode.MalformedCredentials, 'response is not a digest of the algorithm', false, 400);
    if (credentials.opaque !== undefined && credentials.opaque !== this.#opaque)
      return fail(AuthErrorCode.InvalidNonce, 'opaque does not match');

    if (this.#options.checkUri !== false && !this.#uriMatches(credentials.uri, request)) {
      return fail(AuthErrorCode.UriMismatch, 'digest-uri is not the Request-URI', false, 400);
    }
    const issued = nonceIssuedAt(this.#secret, this.realm, credentials.nonce);
    if (issued === undefined) return fail(AuthErrorCode.InvalidNonce, 'nonce not issued here');

    const username = await this.#username(credentials, algorithm.hash);
    const secret = username === undefined ? undefined : await this.#options.lookup(username, this.realm);
    const ha1 =
      username === undefined || secret === undefined ? undefined : this.#ha1(secret, algorithm.hash, username);
    // An unknown user is hashed against a random HA1 so both failures take the same time.
    const expected = computeDigestResponse({
      algorithm,
      ha1: ha1 ?? this.#random(32).toString('hex').slice(0, digestHexLength(algorithm.hash)),
      nonce: credentials.nonce,
      qop: qop as DigestQop | undefined,
      nc: credentials.nc ?? '',
      cnonce: credentials.cnonce ?? '',
      method: request.method,
      uri: credentials.uri,
      body: request.body,
    });
    const match = timingSafeEqual(Buffer.from(expected, 'latin1'), Buffer.from(credentials.response, 'latin1'));
    if (!match || ha1 === undefined || username === undefined)
      return fail(AuthErrorCode.BadCredentials, 'wrong credentials');

    const age = this.#clock.now() - issued;
    // RFC 7616 §3.3 stale: the response was right, only the nonce is old (or from before a
    // restart of a clock that is monotonic per process: a timestamp in the future).
    if (age < 0 || age > this.#lifetime) return fail(AuthErrorCode.StaleNonce, 'nonce expired', true);
    if (this.#qop.length > 0) {
      const use = this.#tracker.use(credentials.nonce, nc);
      if (use === 'replay') return fail(AuthErrorCode.Replay, `nc ${credentials.nc} already used with this nonce`);
      if (use === 'unknown') return fail(AuthErrorCode.StaleNonce, 'nonce no longer tracked', true);
    }
    return { ok: true, username, realm: this.realm, algorithm: algorithm.name, qop: qop as DigestQop | undefined };
  }

  /**
   * The Digest credentials for our realm, if any (first match wins). A malformed field may be
   * another realm's; it only counts when nothing for our realm is found.
   * @throws SipAuthError `AUTH_MALFORMED_CREDENTIALS` when none is ours and one was malformed
   */
  #findCredentials(request: SipRequest): DigestCredentialsValue | undefined {
    const fields = request.headers.getFields(AUTH_HEADERS[this.kind].credentials);
    let malformed: unknown;
    for (let i = 0; i < fields.length && i < AUTH_LIMITS.maxCredentials; i++) {
      let value: DigestCredentialsValue | 'unsupported';
      try {
        value = readCredentials(unfold(fields[i]!.raw), this.kind);
      } catch (error) {
        malformed ??= error;
        continue;
      }
      if (value !== 'unsupported' && value.realm === this.realm) return value;
    }
    if (malformed !== undefined) throw malformed;
    return undefined;
  }

  async #username(credentials: DigestCredentialsValue, hash: DigestHash): Promise<string | undefined> {
    if (!credentials.userhash) return credentials.username;
    const resolve = this.#options.resolveUserhash;
    return resolve === undefined ? undefined : await resolve(credentials.username.toLowerCase(), hash, this.realm);
  }

  #ha1(secret: DigestSecret, hash: DigestHash, username: string): string | undefined {
    if ('password' in secret) return computeHa1(hash, username, this.realm, secret.password);
    const ha1 = secret.ha1[hash]?.toLowerCase();
    return ha1 !== undefined && ha1.length === digestHexLength(hash) ? ha1 : undefined;
  }

  #uriMatches(digestUri: string, request: SipRequest): boolean {
    if (digestUri === request.requestUri) return true;
    const a = tryParseUri(digestUri);
    const b = tryParseUri(request.requestUri);
    return a !== undefined && b !== undefined && uriEquals(a, b);
  }
}
