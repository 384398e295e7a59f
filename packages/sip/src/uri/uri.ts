/**
 * URI dispatch: sip, sips, tel, and any other absoluteURI (RFC 3261 §25.1 allows other
 * schemes in most places: `soap.beep:`, `isbn:`, `http:` in RFC 4475 §3.3.2-3.3.4).
 */
import { badUri } from '../errors.ts';
import { CHAR_CLASS, ALPHANUM } from '../syntax/charset.ts';
import type { SipUri } from './sip-uri.ts';
import { parseSipUriBody } from './sip-uri.ts';
import type { TelUri } from './tel-uri.ts';
import { parseTelUri } from './tel-uri.ts';

/** Longest URI accepted anywhere (header sections are bounded too; this bounds standalone use). */
export const MAX_URI_LENGTH = 8192;

/** A URI of a scheme this stack does not interpret; kept opaque. */
export class AbsoluteUri {
  /** Discriminant shared by all URI classes. */
  readonly kind = 'absolute' as const;
  /** Scheme, lower-cased. */
  readonly scheme: string;
  /** Everything after the first colon, as written. */
  readonly opaque: string;

  /**
   * @param scheme scheme (lower-cased on store)
   * @param opaque the rest of the URI
   */
  constructor(scheme: string, opaque: string) {
    this.scheme = scheme.toLowerCase();
    this.opaque = opaque;
  }

  /** A copy. */
  clone(): AbsoluteUri {
    return new AbsoluteUri(this.scheme, this.opaque);
  }

  /** Wire form. */
  toString(): string {
    return `${this.scheme}:${this.opaque}`;
  }
}

/** Any URI this layer can hold. Switch on `kind`. */
export type Uri = SipUri | TelUri | AbsoluteUri;

/**
 * Length of the scheme at the start of `text` (scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" /
 * "." ), RFC 3986 §3.1), or 0 when `text` does not start with `scheme ":"`.
 */
export function schemeLength(text: string): number {
  const first = text.charCodeAt(0);
  if (!((first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a))) return 0;
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a) return i;
    if (c >= 256 || ((CHAR_CLASS[c]! & ALPHANUM) === 0 && c !== 0x2b && c !== 0x2d && c !== 0x2e)) return 0;
  }
  return 0;
}

/**
 * Parses a URI in addr-spec form (no angle brackets, no surrounding whitespace).
 * @throws SipParseError `INVALID_URI` (status 400)
 */
export function parseUri(text: string): Uri {
  if (text.length > MAX_URI_LENGTH) throw badUri('URI too long', text);
  // The common spellings first: no scheme scan, no lower-casing.
  if (text.startsWith('sip:')) return parseSipUriBody(text, 'sip', 4);
  if (text.startsWith('sips:')) return parseSipUriBody(text, 'sips', 5);
  const length = schemeLength(text);
  if (length === 0) throw badUri('no scheme', text);
  const scheme = text.slice(0, length).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return parseSipUriBody(text, scheme, length + 1);
  if (scheme === 'tel') return parseTelUri(text);
  const opaque = text.slice(length + 1);
  if (opaque.length === 0) throw badUri('empty URI', text);
  for (let i = 0; i < opaque.length; i++) {
    const c = opaque.charCodeAt(i);
    // absoluteURI chars are uric (§25.1): no whitespace, controls, quotes or angle brackets.
    if (c <= 0x20 || c >= 0x7f || c === 0x22 || c === 0x3c || c === 0x3e) throw badUri('bad character in URI', text);
  }
  return new AbsoluteUri(scheme, opaque);
}

/** Like {@link parseUri} but returns undefined instead of throwing. */
export function tryParseUri(text: string): Uri | undefined {
  try {
    return parseUri(text);
  } catch {
    return undefined;
  }
}
