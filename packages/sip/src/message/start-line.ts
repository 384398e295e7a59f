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
import { CHAR_CLASS, TOKEN } from '../syntax/charset.ts';
import { isUtf8 } from 'node:buffer';

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
  return new SipParseError(code, detail, isRequest ? { status, reasonPhrase: status === 505 ? 'Version Not Supported' : `Bad Request (${detail})` } : {});
}

/** Checks `SIP/1*DIGIT.1*DIGIT` (case-insensitive, §7.1) and that it is 2.0. */
function checkVersion(buf: Buffer, start: number, end: number, isRequest: boolean): string {
  const version = buf.toString('latin1', start, end);
  if (end - start === 7 && (version === SIP_VERSION || version.toUpperCase() === SIP_VERSION)) return version;
  if (!/^SIP\/\d{1,3}\.\d{1,3}$/i.test(version)) throw startLineError(SipErrorCode.InvalidVersion, `bad SIP-Version ${JSON.stringify(version.slice(0, 32))}`, isRequest);
  // §8.2.2.x / §21.5.6: a version we cannot speak gets 505 Version Not Supported.
  throw startLineError(SipErrorCode.VersionNotSupported, `unsupported ${version}`, isRequest, 505);
}

/** True if the line at `start` begins with a SIP-Version, i.e. it is a Status-Line. */
export function isStatusLine(buf: Buffer, start: number): boolean {
  return (
    (buf[start]! | 0x20) === 0x73 &&
    (buf[start + 1]! | 0x20) === 0x69 &&
    (buf[start + 2]! | 0x20) === 0x70 &&
    buf[start + 3] === 0x2f
  );
}

/**
 * Parses the first line, `buf[start, end)` without its CRLF.
 * @throws SipParseError with status 400/505 for requests, without status for responses
 */
export function parseStartLine(buf: Buffer, start: number, end: number): StartLine {
  if (isStatusLine(buf, start)) return parseStatusLine(buf, start, end);
  return parseRequestLine(buf, start, end);
}

function parseRequestLine(buf: Buffer, start: number, end: number): RequestLine {
  let pos = start;
  while (pos < end && buf[pos]! < 128 && (CHAR_CLASS[buf[pos]!]! & TOKEN) !== 0) pos++;
  if (pos === start || pos >= end || buf[pos] !== 0x20) {
    const code = pos === start || buf.indexOf(0x20, start) < 0 || buf.indexOf(0x20, start) >= end ? SipErrorCode.InvalidStartLine : SipErrorCode.InvalidMethod;
    throw startLineError(code, 'malformed Request-Line', true);
  }
  const method = buf.toString('latin1', start, pos);
  const uriStart = ++pos;
  // Request-URI: visible ASCII only; an SP ends it.
  while (pos < end) {
    const c = buf[pos]!;
    if (c === 0x20) break;
    if (c <= 0x20 || c >= 0x7f) throw startLineError(SipErrorCode.InvalidRequestUri, 'bad character in Request-URI', true);
    pos++;
  }
  if (pos === uriStart) throw startLineError(SipErrorCode.InvalidStartLine, 'empty Request-URI (extra SP?)', true);
  if (pos >= end) throw startLineError(SipErrorCode.InvalidStartLine, 'Request-Line without SIP-Version', true);
  const uriEnd = pos++;
  // The version runs to the end of the line; any further SP means LWS inside the Request-URI
  // or trailing whitespace (RFC 4475 §3.1.2.8, §3.1.2.10).
  for (let i = pos; i < end; i++) {
    if (buf[i] === 0x20 || buf[i] === 0x09) throw startLineError(SipErrorCode.InvalidStartLine, 'extra whitespace in Request-Line', true);
  }
  const uri = buf.toString('latin1', uriStart, uriEnd);
  // The Request-URI must be an absoluteURI: `<sip:...>` is not (RFC 4475 §3.1.2.7).
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri)) throw startLineError(SipErrorCode.InvalidRequestUri, 'Request-URI is not an absolute URI', true);
  const version = checkVersion(buf, pos, end, true);
  return { kind: 'request', method, uri, version };
}

function parseStatusLine(buf: Buffer, start: number, end: number): StatusLine {
  const sp = buf.indexOf(0x20, start);
  if (sp < 0 || sp >= end) throw startLineError(SipErrorCode.InvalidStartLine, 'Status-Line without Status-Code', false);
  const version = checkVersion(buf, start, sp, false);
  // Status-Code = 3DIGIT (§25.1), and 100..699 (§7.2): RFC 4475 §3.1.2.19 bigcode has ten.
  const d0 = buf[sp + 1]! - 0x30;
  const d1 = buf[sp + 2]! - 0x30;
  const d2 = buf[sp + 3]! - 0x30;
  const after = sp + 4;
  if (!(d0 >= 1 && d0 <= 6 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9) || after > end || (after < end && buf[after] !== 0x20)) {
    throw startLineError(SipErrorCode.InvalidStatusCode, 'Status-Code is not three digits in 100..699', false);
  }
  const status = d0 * 100 + d1 * 10 + d2;
  // Reason-Phrase may be empty (RFC 4475 §3.1.1.13 noreason) and UTF-8 (§3.1.1.12 unreason).
  let reason = '';
  if (after + 1 < end) {
    let ascii = true;
    for (let i = after + 1; i < end; i++) {
      const c = buf[i]!;
      if (c >= 0x80) ascii = false;
      else if (c < 0x20 && c !== 0x09) throw startLineError(SipErrorCode.InvalidStartLine, 'control character in Reason-Phrase', false);
    }
    if (ascii) reason = buf.toString('latin1', after + 1, end);
    else {
      const bytes = buf.subarray(after + 1, end);
      if (!isUtf8(bytes)) throw new SipParseError(SipErrorCode.InvalidUtf8, 'Reason-Phrase is not UTF-8');
      reason = bytes.toString('utf8');
    }
  }
  return { kind: 'response', status, reason, version };
}
