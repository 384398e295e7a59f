/**
 * `%` HEX HEX escaping of URI components (RFC 3261 §19.1.2, §25.1 `escaped`; RFC 3986 §2.1).
 * Components are kept in wire form; these helpers decode for display and normalize for the
 * comparison rules of §19.1.4.
 */
import {
  CHAR_CLASS,
  HEX,
  PARAM_UNRESERVED,
  PASSWORD_EXTRA,
  RESERVED,
  UNRESERVED,
  USER_UNRESERVED,
  HNV_UNRESERVED,
} from '../syntax/charset.ts';

/** Characters allowed unescaped in a user part: unreserved / user-unreserved. */
export const USER_CHARS = UNRESERVED | USER_UNRESERVED;
/** Characters allowed unescaped in a password: unreserved / "&" "=" "+" "$" ",". */
export const PASSWORD_CHARS = UNRESERVED | PASSWORD_EXTRA;
/** paramchar = param-unreserved / unreserved / escaped. */
export const PARAM_CHARS = UNRESERVED | PARAM_UNRESERVED;
/** hname/hvalue chars = hnv-unreserved / unreserved / escaped. */
export const HEADER_CHARS = UNRESERVED | HNV_UNRESERVED;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * True if `text` only holds chars of `allowed` (a charset flag mask) or well-formed `%XX`
 * escapes, and is not empty.
 */
export function isEscapedText(text: string, allowed: number): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25) {
      if (hexValue(text.charCodeAt(i + 1)) < 0 || hexValue(text.charCodeAt(i + 2)) < 0) return false;
      i += 2;
    } else if (c >= 256 || (CHAR_CLASS[c]! & allowed) === 0) return false;
  }
  return true;
}

/**
 * Decodes every `%XX` escape once (never recursively: `%2541` decodes to `%41`, RFC 4475
 * §3.1.1.3) and reads the bytes as UTF-8. Malformed escapes are kept literally.
 */
export function unescapeUri(text: string): string {
  if (text.indexOf('%') < 0) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexValue(text.charCodeAt(i + 1));
      const lo = hexValue(text.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        bytes.push(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    if (c < 0x80) bytes.push(c);
    else for (const b of Buffer.from(text[i]!, 'utf8')) bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

const HEX_DIGITS = '0123456789ABCDEF';

/**
 * Escapes every char of `text` outside `allowed` (a charset flag mask) as `%XX` of its UTF-8
 * bytes. `%` itself is always escaped.
 */
export function escapeUri(text: string, allowed: number): string {
  let out = '';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    if (c < 256 && c !== 0x25 && (CHAR_CLASS[c]! & allowed) !== 0) {
      out += ch;
      continue;
    }
    for (const b of Buffer.from(ch, 'utf8')) out += `%${HEX_DIGITS[b >> 4]}${HEX_DIGITS[b & 15]}`;
  }
  return out;
}

/**
 * Canonical form for comparison (RFC 3261 §19.1.4): "Characters other than those in the
 * 'reserved' set are equivalent to their '%' HEX HEX encoding." So an escaped unreserved
 * ASCII char is decoded, while escaped reserved chars, controls and non-ASCII bytes stay
 * escaped with upper-case hex.
 */
export function normalizeEscapes(text: string): string {
  if (text.indexOf('%') < 0) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexValue(text.charCodeAt(i + 1));
      const lo = hexValue(text.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        const byte = hi * 16 + lo;
        const plain = byte > 0x20 && byte < 0x7f && byte !== 0x25 && (CHAR_CLASS[byte]! & RESERVED) === 0;
        out += plain ? String.fromCharCode(byte) : `%${HEX_DIGITS[hi]}${HEX_DIGITS[lo]}`;
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

/** True if `c` is a hex digit char code. */
export function isHexCode(c: number): boolean {
  return c < 256 && (CHAR_CLASS[c]! & HEX) !== 0;
}
