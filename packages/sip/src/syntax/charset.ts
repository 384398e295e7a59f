/**
 * Character classes of RFC 3261 §25.1 as a 256-entry bit table, so the hot paths test a byte
 * (or a char code below 256) with one load and one AND (pjsip `sip_parser.h` does the same
 * with its `pj_cis_t` sets).
 */

/** alphanum */
export const ALPHANUM = 1 << 0;
/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = 1 << 1;
/** DIGIT */
export const DIGIT = 1 << 2;
/** HEXDIG (both cases, as RFC 3261 §25.1 compares hex case-insensitively) */
export const HEX = 1 << 3;
/** unreserved = alphanum / mark; mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")" */
export const UNRESERVED = 1 << 4;
/** user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/" */
export const USER_UNRESERVED = 1 << 5;
/** param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$" */
export const PARAM_UNRESERVED = 1 << 6;
/** hnv-unreserved = "[" / "]" / "/" / "?" / ":" / "+" / "$" */
export const HNV_UNRESERVED = 1 << 7;
/** password chars besides unreserved/escaped: "&" / "=" / "+" / "$" / "," */
export const PASSWORD_EXTRA = 1 << 8;
/** word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}") */
export const WORD = 1 << 9;
/** SP / HTAB */
export const WSP = 1 << 10;
/** reserved = ";" / "/" / "?" / ":" / "@" / "&" / "=" / "+" / "$" / "," (§19.1.4: never equal to their escapes) */
export const RESERVED = 1 << 11;
/** hostname characters: alphanum / "-" / "." (plus "_" which real networks send) */
export const HOSTNAME = 1 << 12;

/** gen-value chars outside quotes (§25.1 gen-value = token / host / quoted-string): token plus ":" "[" "]" */
export const GEN_VALUE = 1 << 13;

/** The table itself: `CHAR_CLASS[code] & TOKEN` etc. Codes >= 256 have no class. */
export const CHAR_CLASS: Uint16Array = buildTable();

function buildTable(): Uint16Array {
  const table = new Uint16Array(256);
  const add = (chars: string, flag: number): void => {
    for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)]! |= flag;
  };
  const alpha = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const digits = '0123456789';
  add(alpha + digits, ALPHANUM | TOKEN | UNRESERVED | WORD | HOSTNAME);
  add(digits, DIGIT | HEX);
  add('abcdefABCDEF', HEX);
  add("-.!%*_+`'~", TOKEN | WORD);
  add("-_.!~*'()", UNRESERVED);
  add('()<>:\\"/[]?{}', WORD);
  add('&=+$,;?/', USER_UNRESERVED);
  add('[]/:&+$', PARAM_UNRESERVED);
  add('[]/?:+$', HNV_UNRESERVED);
  add('&=+$,', PASSWORD_EXTRA);
  add(' \t', WSP);
  add(';/?:@&=+$,', RESERVED);
  add('-._', HOSTNAME);
  for (let c = 0; c < 256; c++) if ((table[c]! & TOKEN) !== 0) table[c]! |= GEN_VALUE;
  add(':[]', GEN_VALUE);
  return table;
}

// Sticky regexes over the same classes. Irregexp scans a long run (a Call-ID, a branch) at a
// fraction of the cost of a charCodeAt loop; short runs stay with the table.
const GEN_VALUE_RUN = /[A-Za-z0-9\-.!%*_+`'~:[\]]+/y;

/** Call-ID = word [ "@" word ] (§25.1), as one run. */
const CALL_ID_RUN = /[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+(?:@[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+)?/y;

/**
 * True if `text[start, end)` is a Call-ID (§25.1 word [ "@" word ]) that a non-word char (or
 * the end of `text`) follows: the in-place reader's check of a whole trimmed value.
 */
export function isCallIdAt(text: string, start: number, end: number): boolean {
  CALL_ID_RUN.lastIndex = start;
  return end > start && CALL_ID_RUN.test(text) && CALL_ID_RUN.lastIndex === end;
}

/**
 * End of the run of gen-value chars (outside quotes) in `text[pos, end)`. The first chars by
 * the table (most values, a tag or a port, are short), the rest of a long one (a branch) by one
 * regex run, which costs more to start but less per char.
 */
export function genValueEnd(text: string, pos: number, end: number): number {
  const loopEnd = Math.min(end, pos + 16);
  let at = pos;
  while (at < loopEnd) {
    const c = text.charCodeAt(at);
    if (c >= 256 || (CHAR_CLASS[c]! & GEN_VALUE) === 0) return at;
    at++;
  }
  if (at >= end) return at;
  GEN_VALUE_RUN.lastIndex = at;
  if (!GEN_VALUE_RUN.test(text)) return at;
  return GEN_VALUE_RUN.lastIndex < end ? GEN_VALUE_RUN.lastIndex : end;
}

/** True if `code` (a byte or char code) is in the class `flag`. */
export function isClass(code: number, flag: number): boolean {
  return code < 256 && (CHAR_CLASS[code]! & flag) !== 0;
}

/** True if every char of `text` is a token char (and `text` is not empty). */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 256 || (CHAR_CLASS[c]! & TOKEN) === 0) return false;
  }
  return true;
}

/** Length of a lower-case `sip:` (4) or `sips:` (5) at `text[start]`, else 0 (the spelling every peer uses). */
export function sipSchemeAt(text: string, start: number): number {
  if (text.charCodeAt(start) !== 0x73 || text.charCodeAt(start + 1) !== 0x69 || text.charCodeAt(start + 2) !== 0x70)
    return 0;
  const c = text.charCodeAt(start + 3);
  if (c === 0x3a) return 4;
  return c === 0x73 && text.charCodeAt(start + 4) === 0x3a ? 5 : 0;
}

/** True if `text[start]` begins `SIP/2.0/` (a Via's sent-protocol as written by every peer). */
export function isSip20SlashAt(text: string, start: number): boolean {
  return (
    text.charCodeAt(start) === 0x53 &&
    text.charCodeAt(start + 1) === 0x49 &&
    text.charCodeAt(start + 2) === 0x50 &&
    text.charCodeAt(start + 3) === 0x2f &&
    text.charCodeAt(start + 4) === 0x32 &&
    text.charCodeAt(start + 5) === 0x2e &&
    text.charCodeAt(start + 6) === 0x30 &&
    text.charCodeAt(start + 7) === 0x2f
  );
}

/**
 * True if `text` holds `word` at `start` (case-sensitive). `startsWith(word, start)` is a
 * builtin call that V8 does not inline; on the hot paths this short loop is several times faster.
 */
export function hasWordAt(text: string, start: number, word: string): boolean {
  const length = word.length;
  if (start + length > text.length) return false;
  for (let i = 0; i < length; i++) if (text.charCodeAt(start + i) !== word.charCodeAt(i)) return false;
  return true;
}

/** Index of the string among `words` that `text[start, end)` spells exactly, else -1. */
export function wordIndexAt(text: string, start: number, end: number, words: readonly string[]): number {
  const length = end - start;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word.length === length && hasWordAt(text, start, word)) return i;
  }
  return -1;
}

/**
 * The string among `words` that `text[start, end)` spells exactly, else a slice of it: the
 * common names come back interned, so reading them allocates nothing.
 */
export function internedAt(text: string, start: number, end: number, words: readonly string[]): string {
  const index = wordIndexAt(text, start, end, words);
  return index >= 0 ? words[index]! : text.slice(start, end);
}

/** True if `text` is a non-empty run of decimal digits. */
export function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Byte values used by the scanners. */
export const CR = 0x0d;
/** LF */
export const LF = 0x0a;
/** SP */
export const SP = 0x20;
/** HTAB */
export const HTAB = 0x09;
/** ":" */
export const COLON = 0x3a;

/**
 * The methods nearly every peer writes, interned: the start line and CSeq readers look them up
 * with {@link internedAt}, so parsing a common method allocates no string.
 */
export const SIP_METHODS: readonly string[] = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'PRACK',
  'UPDATE',
  'INFO',
  'MESSAGE',
  'SUBSCRIBE',
  'NOTIFY',
  'REFER',
  'PUBLISH',
];
