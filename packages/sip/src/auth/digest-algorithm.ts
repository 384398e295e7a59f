/**
 * The digest computations of RFC 7616 §3.4.1-3.4.3 (RFC 2617 §3.2.2 for MD5), with the SIP
 * algorithms of RFC 8760 §2 (MD5, SHA-256, SHA-512-256 and their `-sess` variants):
 *
 *   response = KD(H(A1), nonce ":" nc ":" cnonce ":" qop ":" H(A2))   (qop present)
 *   response = KD(H(A1), nonce ":" H(A2))                              (RFC 2069 compatibility)
 *   A1       = username ":" realm ":" passwd                           (plain algorithm)
 *   A1       = H(username ":" realm ":" passwd) ":" nonce ":" cnonce   (-sess)
 *   A2       = method ":" digest-uri [ ":" H(entity-body) ]            (auth / auth-int)
 */
import { createHash } from 'node:crypto';

/** The hash function behind an algorithm. */
export type DigestHash = 'MD5' | 'SHA-256' | 'SHA-512-256';

/** Algorithm names as written on the wire (RFC 7616 §6.1 registry; RFC 8760 §2.1 for SIP). */
export type DigestAlgorithm = DigestHash | 'MD5-sess' | 'SHA-256-sess' | 'SHA-512-256-sess';

/** qop values (RFC 7616 §3.3). */
export type DigestQop = 'auth' | 'auth-int';

/** What the code needs to know about one algorithm. */
export interface DigestAlgorithmInfo {
  /** Wire name, canonical spelling. */
  readonly name: DigestAlgorithm;
  /** Hash function. */
  readonly hash: DigestHash;
  /** `-sess`: A1 binds the nonce and cnonce (RFC 7616 §3.4.2). */
  readonly session: boolean;
  /** Higher is stronger; used to pick among several challenges (RFC 8760 §2.4). */
  readonly strength: number;
}

const NODE_HASH: Record<DigestHash, string> = { MD5: 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };

const ALGORITHMS: readonly DigestAlgorithmInfo[] = [
  { name: 'SHA-512-256-sess', hash: 'SHA-512-256', session: true, strength: 60 },
  { name: 'SHA-512-256', hash: 'SHA-512-256', session: false, strength: 50 },
  { name: 'SHA-256-sess', hash: 'SHA-256', session: true, strength: 40 },
  { name: 'SHA-256', hash: 'SHA-256', session: false, strength: 30 },
  { name: 'MD5-sess', hash: 'MD5', session: true, strength: 20 },
  { name: 'MD5', hash: 'MD5', session: false, strength: 10 },
];

const BY_LOWER_NAME = new Map(ALGORITHMS.map((info) => [info.name.toLowerCase(), info]));

/** Every supported algorithm, strongest first. */
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ALGORITHMS.map((info) => info.name);

/**
 * The algorithm named by `text` (case-insensitive, RFC 7616 §3.3 "algorithm" is a token), or
 * undefined when unsupported. An absent algorithm means MD5 (RFC 7616 §3.3); pass `'MD5'`.
 */
export function digestAlgorithm(text: string): DigestAlgorithmInfo | undefined {
  return BY_LOWER_NAME.get(text.toLowerCase());
}

/** H(data): lower-case hex of the hash over the UTF-8 bytes of the parts, joined by nothing. */
export function digestHex(hash: DigestHash, ...parts: ReadonlyArray<string | Buffer>): string {
  const hasher = createHash(NODE_HASH[hash]);
  for (const part of parts) hasher.update(part);
  return hasher.digest('hex');
}

/** Length in hex characters of a hash's output (32 for MD5, 64 for the others). */
export function digestHexLength(hash: DigestHash): number {
  return hash === 'MD5' ? 32 : 64;
}

/**
 * H(username ":" realm ":" password): what a registrar stores instead of the password (the
 * `ha1`/`ha1b` columns of Kamailio's subscriber table hold the MD5 one).
 */
export function computeHa1(hash: DigestHash, username: string, realm: string, password: string): string {
  return digestHex(hash, `${username}:${realm}:${password}`);
}

/** Inputs of {@link computeDigestResponse}. */
export interface DigestResponseInput {
  /** Algorithm of the challenge. */
  algorithm: DigestAlgorithmInfo;
  /** H(username:realm:password) for `algorithm.hash` (the `-sess` step is done here). */
  ha1: string;
  /** Server nonce. */
  nonce: string;
  /** Chosen qop, or undefined for the RFC 2069 form (no qop offered). */
  qop: DigestQop | undefined;
  /** nc as sent: 8 lower-case hex digits. Ignored without qop. */
  nc: string;
  /** Client nonce. Ignored without qop unless the algorithm is `-sess`. */
  cnonce: string;
  /** Method of the request being authorized (RFC 3261 §22.4: the request's own method). */
  method: string;
  /** digest-uri: the Request-URI as sent (RFC 3261 §22.4). */
  uri: string;
  /** Body bytes, for auth-int. */
  body: Buffer;
}

/**
 * The `response` value (RFC 7616 §3.4.1). `-sess` turns the stored HA1 into
 * H(HA1 ":" nonce ":" cnonce) (§3.4.2); auth-int adds H(entity-body) to A2 (§3.4.3).
 */
export function computeDigestResponse(input: DigestResponseInput): string {
  const { algorithm, nonce, cnonce, qop } = input;
  const hash = algorithm.hash;
  const ha1 = algorithm.session ? digestHex(hash, `${input.ha1}:${nonce}:${cnonce}`) : input.ha1;
  const a2 =
    qop === 'auth-int' ? `${input.method}:${input.uri}:${digestHex(hash, input.body)}` : `${input.method}:${input.uri}`;
  const ha2 = digestHex(hash, a2);
  if (qop === undefined) return digestHex(hash, `${ha1}:${nonce}:${ha2}`);
  return digestHex(hash, `${ha1}:${nonce}:${input.nc}:${cnonce}:${qop}:${ha2}`);
}

/** userhash (RFC 7616 §3.4.4): H(username ":" realm), sent as `username` with `userhash=true`. */
export function computeUserhash(hash: DigestHash, username: string, realm: string): string {
  return digestHex(hash, `${username}:${realm}`);
}

/** nc as written on the wire: 8 lower-case hex digits (RFC 7616 §3.4). */
export function formatNonceCount(count: number): string {
  return (count >>> 0).toString(16).padStart(8, '0');
}
