/**
 * The first line of a message, read from bytes (RFC 3261 §7.1, §7.2, §25.1):
 *
 *   Request-Line = Method SP Request-URI SP SIP-Version CRLF
 *   Status-Line  = SIP-Version SP Status-Code SP Reason-Phrase CRLF
 *
 * Exactly one SP separates the Request-Line elements; RFC 4475 §3.1.2.8-3.1.2.10 (lwsruri,
 * lwsstart, trws) show the extra or trailing whitespace a receiver must not guess around.
 */
import { SipErrorCode, SipParseError } from '../errors.ts';
import { ALPHANUM, CHAR_CLASS, hasWordAt, SIP_METHODS as METHODS, TOKEN, wordIndexAt } from '../syntax/charset.ts';
import { decodeUtf8 } from '../syntax/utf8.ts';

/** A parsed Request-Line. */
export interface RequestLine {
  /** Discriminant. */
  readonly kind: 'request';
  /** Method, case-sensitive (§7.1). */
  readonly method: string;
  /** Request-URI text as on the wire (parsed lazily). */
  readonly uri: string;
  /** SIP-Version as written, e.g. `SIP/2.0`. */
  readonly version: string;
}

/** A parsed Status-Line. */
export interface StatusLine {
  /** Discriminant. */
  readonly kind: 'response';
  /** Status-Code, 100..699. */
  readonly status: number;
  /** Reason-Phrase (UTF-8, may be empty). */
  readonly reason: string;
  /** SIP-Version as written. */
  readonly version: string;
}

/** Either first line. */
export type StartLine = RequestLine | StatusLine;

/** The only version this stack speaks. */
export const SIP_VERSION = 'SIP/2.0';

function startLineError(code: SipParseError['code'], detail: string, isRequest: boolean, status = 400): SipParseError {
  return new SipParseError(
    code,
    detail,
    isRequest ? { status, reasonPhrase: status === 505 ? 'Version Not Supported' : `Bad Request (${detail})` } : {},
  );
}

/** Checks `SIP/1*DIGIT.1*DIGIT` (case-insensitive, §7.1) and that it is 2.0; `text[start, end)`. */
function checkVersion(text: string, start: number, end: number, isRequest: boolean): string {
  if (end - start === 7 && hasWordAt(text, start, SIP_VERSION)) return SIP_VERSION;
  const version = text.slice(start, end);
  if (version.length === 7 && version.toUpperCase() === SIP_VERSION) return version;
  if (!/^SIP\/\d{1,3}\.\d{1,3}$/i.test(version))
    throw startLineError(
      SipErrorCode.InvalidVersion,
      `bad SIP-Version ${JSON.stringify(version.slice(0, 32))}`,
      isRequest,
    );
  // §8.2.2.x / §21.5.6: a version we cannot speak gets 505 Version Not Supported.
  throw startLineError(SipErrorCode.VersionNotSupported, `unsupported ${version}`, isRequest, 505);
}

/** True if the line begins with a SIP-Version, i.e. it is a Status-Line. */
function startsWithVersion(text: string): boolean {
  return (
    (text.charCodeAt(0) | 0x20) === 0x73 &&
    (text.charCodeAt(1) | 0x20) === 0x69 &&
    (text.charCodeAt(2) | 0x20) === 0x70 &&
    text.charCodeAt(3) === 0x2f
  );
}

/**
 * Parses the first line, `buf[start, end)` without its CRLF. `text`, when given, is `buf`
 * decoded as latin1 from `start` (the header scanner has it already); the line is read from
 * it, and from `buf` only for a UTF-8 Reason-Phrase.
 * @throws SipParseError with status 400/505 for requests, without status for responses
 */
export function parseStartLine(buf: Buffer, start: number, end: number, text?: string): StartLine {
  const line = text ?? buf.toString('latin1', start, end);
  const length = end - start;
  if (startsWithVersion(line)) return parseStatusLine(buf, start, line, length);
  return parseRequestLine(line, length);
}

/** Reason-Phrase chars (TEXT, §25.1) as latin1 codes: HTAB, SP and up, ASCII only / bytes of UTF-8 too. */
const ASCII_TEXT_RUN = /[\t\x20-\x7f]*/y;
const TEXT_RUN = /[\t\x20-\xff]*/y;

/** A run of visible ASCII (%x21-7E), the chars of a Request-URI on the wire. */
const VISIBLE_RUN = /[\x21-\x7e]+/y;

function isTokenCode(c: number): boolean {
  return c < 128 && (CHAR_CLASS[c]! & TOKEN) !== 0;
}

/** scheme ":" at the start of `uri` (scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )). */
function hasScheme(text: string, start: number, end: number): boolean {
  const first = text.charCodeAt(start) | 0x20;
  if (first < 0x61 || first > 0x7a) return false;
  for (let i = start + 1; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a) return true;
    if ((c < 128 && (CHAR_CLASS[c]! & ALPHANUM) !== 0) || c === 0x2b || c === 0x2d || c === 0x2e) continue;
    return false;
  }
  return false;
}

/** `text[0, length)` is the line. */
function parseRequestLine(text: string, length: number): RequestLine {
  // A common method before the first SP is a token already; any other is checked char by char.
  let pos = text.indexOf(' ');
  const known = pos > 0 && pos < length ? wordIndexAt(text, 0, pos, METHODS) : -1;
  let method: string;
  if (known >= 0) method = METHODS[known]!;
  else {
    pos = 0;
    while (pos < length && isTokenCode(text.charCodeAt(pos))) pos++;
    if (pos === 0 || pos >= length || text.charCodeAt(pos) !== 0x20) {
      const sp = text.indexOf(' ');
      const code = pos === 0 || sp < 0 || sp >= length ? SipErrorCode.InvalidStartLine : SipErrorCode.InvalidMethod;
      throw startLineError(code, 'malformed Request-Line', true);
    }
    method = text.slice(0, pos);
  }
  const uriStart = ++pos;
  // Request-URI: visible ASCII only; an SP ends it. A short one by a loop, a long one (RFC 4475
  // §3.1.1.2) by one regex run, which costs more to start but less per char.
  const loopEnd = Math.min(length, uriStart + 40);
  let c = text.charCodeAt(pos);
  while (pos < loopEnd && c > 0x20 && c < 0x7f) c = text.charCodeAt(++pos);
  if (pos === loopEnd && pos < length) {
    VISIBLE_RUN.lastIndex = pos;
    if (VISIBLE_RUN.test(text)) pos = Math.min(VISIBLE_RUN.lastIndex, length);
  }
  if (pos < length && text.charCodeAt(pos) !== 0x20)
    throw startLineError(SipErrorCode.InvalidRequestUri, 'bad character in Request-URI', true);
  if (pos === uriStart) throw startLineError(SipErrorCode.InvalidStartLine, 'empty Request-URI (extra SP?)', true);
  if (pos >= length) throw startLineError(SipErrorCode.InvalidStartLine, 'Request-Line without SIP-Version', true);
  const uriEnd = pos++;
  // The version runs to the end of the line; any further SP means LWS inside the Request-URI
  // or trailing whitespace (RFC 4475 §3.1.2.8, §3.1.2.10).
  const common = length - pos === 7 && hasWordAt(text, pos, SIP_VERSION);
  if (!common) {
    for (let i = pos; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09)
        throw startLineError(SipErrorCode.InvalidStartLine, 'extra whitespace in Request-Line', true);
    }
  }
  // The Request-URI must be an absoluteURI: `<sip:...>` is not (RFC 4475 §3.1.2.7).
  if (!hasScheme(text, uriStart, uriEnd))
    throw startLineError(SipErrorCode.InvalidRequestUri, 'Request-URI is not an absolute URI', true);
  const uri = text.slice(uriStart, uriEnd);
  const version = common ? SIP_VERSION : checkVersion(text, pos, length, true);
  return { kind: 'request', method, uri, version };
}

/** `text[0, length)` is the line, `buf[start, ...)` its bytes. */
function parseStatusLine(buf: Buffer, start: number, text: string, length: number): StatusLine {
  const sp = text.indexOf(' ');
  if (sp < 0 || sp >= length)
    throw startLineError(SipErrorCode.InvalidStartLine, 'Status-Line without Status-Code', false);
  const version = checkVersion(text, 0, sp, false);
  // Status-Code = 3DIGIT (§25.1), and 100..699 (§7.2): RFC 4475 §3.1.2.19 bigcode has ten.
  const d0 = text.charCodeAt(sp + 1) - 0x30;
  const d1 = text.charCodeAt(sp + 2) - 0x30;
  const d2 = text.charCodeAt(sp + 3) - 0x30;
  const after = sp + 4;
  if (
    !(d0 >= 1 && d0 <= 6 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9) ||
    after > length ||
    (after < length && text.charCodeAt(after) !== 0x20)
  ) {
    throw startLineError(SipErrorCode.InvalidStatusCode, 'Status-Code is not three digits in 100..699', false);
  }
  const status = d0 * 100 + d1 * 10 + d2;
  // Reason-Phrase may be empty (RFC 4475 §3.1.1.13 noreason) and UTF-8 (§3.1.1.12 unreason):
  // TEXT with HTAB, no other control character. Runs of allowed chars end at the line's CR or LF.
  let reason = '';
  const from = after + 1;
  if (from < length) {
    ASCII_TEXT_RUN.lastIndex = from;
    ASCII_TEXT_RUN.test(text);
    let stop = ASCII_TEXT_RUN.lastIndex;
    if (stop >= length) reason = text.slice(from, length);
    else {
      TEXT_RUN.lastIndex = stop;
      TEXT_RUN.test(text);
      stop = TEXT_RUN.lastIndex;
      if (stop < length)
        throw startLineError(SipErrorCode.InvalidStartLine, 'control character in Reason-Phrase', false);
      const decoded = decodeUtf8(buf, start + from, start + length);
      if (decoded === undefined) throw new SipParseError(SipErrorCode.InvalidUtf8, 'Reason-Phrase is not UTF-8');
      reason = decoded;
    }
  }
  return { kind: 'response', status, reason, version };
}
