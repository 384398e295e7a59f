/**
 * Reading and writing Digest challenges and credentials on the wire (RFC 7616 §3.3, §3.4;
 * RFC 3261 §20.7, §20.27, §20.28, §20.44, §25.1). Everything here takes text a peer wrote, so it
 * bounds every size before parsing and turns any failure into a {@link SipAuthError}.
 */
import { parseAuthValue, type AuthValue } from '../message/values/auth.ts';
import { quote } from '../syntax/scanner.ts';
import { AuthErrorCode, SipAuthError } from './auth-error.ts';
import { digestAlgorithm, type DigestAlgorithmInfo, type DigestQop } from './digest-algorithm.ts';

/** Size limits on what a peer may send. */
export const AUTH_LIMITS = {
  /** One WWW-Authenticate/Proxy-Authenticate/Authorization field, characters. */
  maxFieldLength: 4096,
  /** Challenges read from one response (several realms × algorithms from forking, RFC 3261 §22.3). */
  maxChallenges: 16,
  /** Credentials read from one request. */
  maxCredentials: 16,
  /** nonce and opaque, characters (1 KiB). */
  maxNonceLength: 1024,
  /** realm, username, uri, cnonce, characters. */
  maxValueLength: 1024,
} as const;

/** Which header pair a challenge or credentials belong to. */
export type AuthKind = 'www' | 'proxy';

/** Header names and status per {@link AuthKind} (RFC 3261 §22.2 UA, §22.3 proxy). */
export const AUTH_HEADERS = {
  www: { challenge: 'WWW-Authenticate', credentials: 'Authorization', status: 401 },
  proxy: { challenge: 'Proxy-Authenticate', credentials: 'Proxy-Authorization', status: 407 },
} as const satisfies Record<AuthKind, { challenge: string; credentials: string; status: number }>;

/** A Digest challenge this code can answer. */
export interface DigestOffer {
  /** Header it came from. */
  kind: AuthKind;
  /** realm (the protection space, RFC 7616 §3.3). */
  realm: string;
  /** nonce. */
  nonce: string;
  /** opaque, echoed unchanged. */
  opaque: string | undefined;
  /** Algorithm (MD5 when absent). */
  algorithm: DigestAlgorithmInfo;
  /** Whether the challenge carried `algorithm` at all. */
  algorithmGiven: boolean;
  /** Supported qop options offered; empty means the RFC 2069 form (no qop). */
  qop: DigestQop[];
  /** stale=true (RFC 7616 §3.3). */
  stale: boolean;
  /** userhash=true (RFC 7616 §3.4.4). */
  userhash: boolean;
}

/** Why a challenge was not usable. */
export type OfferSkip = 'malformed' | 'unsupported';

function malformed(detail: string, cause?: unknown): SipAuthError {
  return new SipAuthError(AuthErrorCode.MalformedChallenge, detail, { status: 400, cause });
}

function bounded(
  value: string | undefined,
  name: string,
  max: number,
  make: (detail: string) => SipAuthError,
): string | undefined {
  if (value !== undefined && value.length > max) throw make(`${name} longer than ${max} characters`);
  return value;
}

/** Parses one auth field, bounded; any failure becomes `make(...)`. */
export function parseAuthField(
  text: string,
  header: string,
  make: (detail: string, cause?: unknown) => SipAuthError,
): AuthValue {
  if (text.length > AUTH_LIMITS.maxFieldLength)
    throw make(`${header} longer than ${AUTH_LIMITS.maxFieldLength} characters`);
  try {
    return parseAuthValue(text, header);
  } catch (error) {
    throw make(`${header}: ${(error as Error).message}`, error);
  }
}

/**
 * Reads one challenge value.
 * @returns the offer, or `'unsupported'` for another scheme, an unknown algorithm or only unknown qop options
 * @throws SipAuthError `AUTH_MALFORMED_CHALLENGE` on bad grammar, missing realm/nonce or oversized values
 */
export function readOffer(text: string, kind: AuthKind): DigestOffer | 'unsupported' {
  const header = AUTH_HEADERS[kind].challenge;
  const value = parseAuthField(text, header, malformed);
  if (value.scheme.toLowerCase() !== 'digest') return 'unsupported';
  const params = value.params;
  const realm = bounded(params.get('realm'), 'realm', AUTH_LIMITS.maxValueLength, malformed);
  const nonce = bounded(params.get('nonce'), 'nonce', AUTH_LIMITS.maxNonceLength, malformed);
  const opaque = bounded(params.get('opaque'), 'opaque', AUTH_LIMITS.maxNonceLength, malformed);
  // realm and nonce are required in a Digest challenge (RFC 7616 §3.3).
  if (realm === undefined || nonce === undefined) throw malformed(`${header}: Digest challenge without realm or nonce`);
  const algorithmText = params.get('algorithm');
  const algorithm = digestAlgorithm(algorithmText ?? 'MD5');
  if (algorithm === undefined) return 'unsupported';
  const qopText = params.get('qop');
  const qop: DigestQop[] = [];
  if (qopText !== undefined) {
    for (const option of qopText.split(',')) {
      const name = option.trim().toLowerCase();
      if ((name === 'auth' || name === 'auth-int') && !qop.includes(name)) qop.push(name);
    }
    // qop offered but none we know (e.g. only auth-conf): we cannot answer it.
    if (qop.length === 0) return 'unsupported';
  }
  return {
    kind,
    realm,
    nonce,
    opaque,
    algorithm,
    algorithmGiven: algorithmText !== undefined,
    qop,
    stale: params.get('stale')?.toLowerCase() === 'true',
    userhash: params.get('userhash')?.toLowerCase() === 'true',
  };
}

/** Digest credentials as read from an Authorization/Proxy-Authorization value. */
export interface DigestCredentialsValue {
  /** username, or the userhash when `userhash` is true. */
  username: string;
  /** realm. */
  realm: string;
  /** nonce echoed from the challenge. */
  nonce: string;
  /** digest-uri. */
  uri: string;
  /** request-digest, lower-cased. */
  response: string;
  /** algorithm as written, or undefined (means MD5). */
  algorithm: string | undefined;
  /** cnonce. */
  cnonce: string | undefined;
  /** nc, 8 hex digits, lower-cased. */
  nc: string | undefined;
  /** qop chosen, lower-cased. */
  qop: string | undefined;
  /** opaque echoed. */
  opaque: string | undefined;
  /** userhash=true. */
  userhash: boolean;
}

function malformedCredentials(detail: string, cause?: unknown): SipAuthError {
  return new SipAuthError(AuthErrorCode.MalformedCredentials, detail, { status: 400, cause });
}

/**
 * Reads one credentials value.
 * @returns the credentials, or `'unsupported'` for a scheme other than Digest
 * @throws SipAuthError `AUTH_MALFORMED_CREDENTIALS` on bad grammar, a missing required parameter or oversized values
 */
export function readCredentials(text: string, kind: AuthKind): DigestCredentialsValue | 'unsupported' {
  const header = AUTH_HEADERS[kind].credentials;
  const value = parseAuthField(text, header, malformedCredentials);
  if (value.scheme.toLowerCase() !== 'digest') return 'unsupported';
  const params = value.params;
  const get = (name: string, max: number = AUTH_LIMITS.maxValueLength): string | undefined =>
    bounded(params.get(name), name, max, malformedCredentials);
  const username = get('username');
  const realm = get('realm');
  const nonce = get('nonce', AUTH_LIMITS.maxNonceLength);
  const uri = get('uri');
  const response = get('response', 128);
  // RFC 7616 §3.4 / RFC 3261 §25.1 dig-resp: these five are required.
  if (
    username === undefined ||
    realm === undefined ||
    nonce === undefined ||
    uri === undefined ||
    response === undefined
  )
    throw malformedCredentials(`${header}: missing username, realm, nonce, uri or response`);
  const nc = get('nc', 8)?.toLowerCase();
  if (nc !== undefined && !/^[0-9a-f]{8}$/.test(nc)) throw malformedCredentials(`${header}: nc is not 8 hex digits`);
  return {
    username,
    realm,
    nonce,
    uri,
    response: response.toLowerCase(),
    algorithm: get('algorithm', 64),
    cnonce: get('cnonce'),
    nc,
    qop: get('qop', 64)?.toLowerCase(),
    opaque: get('opaque', AUTH_LIMITS.maxNonceLength),
    userhash: params.get('userhash')?.toLowerCase() === 'true',
  };
}

/**
 * Parameters written as bare tokens (RFC 7616 §3.3, §3.4; RFC 3261 §25.1): algorithm, nc,
 * stale, userhash, and qop in credentials (in a challenge qop is a quoted list). Everything
 * else is a quoted-string.
 */
const BARE_PARAMS = new Set(['algorithm', 'nc', 'stale', 'userhash']);

/** Wire form of a Digest challenge or credentials value, with the quoting rules above. */
export function formatDigest(
  params: ReadonlyArray<readonly [name: string, value: string | undefined]>,
  options: { challenge: boolean },
): string {
  const parts: string[] = [];
  for (const [name, value] of params) {
    if (value === undefined) continue;
    const bare = BARE_PARAMS.has(name) || (name === 'qop' && !options.challenge);
    parts.push(`${name}=${bare ? value : quote(value)}`);
  }
  return `Digest ${parts.join(', ')}`;
}
