/**
 * The hot path: finding where the header section ends and cutting it into header fields, by
 * byte index over the Buffer (STYLE.md §6; pjsip's `pjsip_find_msg` frames the same way).
 * Values stay raw strings; only Content-Length is read here, because framing needs it.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { SipErrorCode, SipParseError } from '../errors.ts';
import { CHAR_CLASS, TOKEN } from '../syntax/charset.ts';
import { headerKey, headerKeyAt } from './header-names.ts';
import { SipHeaders, type HeaderField } from './headers.ts';
import { parseStartLine, type StartLine } from './start-line.ts';

/** Size limits. Every one is enforced; nothing grows without bound. */
export interface SipLimits {
  /** Longest header section (start line + headers + blank line), bytes. Default 32768. */
  maxHeaderBytes: number;
  /** Largest body (Content-Length), bytes. Default 32768, so a whole message stays within 64 KiB. */
  maxBodyBytes: number;
  /** Most header fields in one message. Default 256. */
  maxHeaderCount: number;
}

/** The defaults of {@link SipLimits}. */
export const DEFAULT_LIMITS: Readonly<SipLimits> = Object.freeze({ maxHeaderBytes: 32768, maxBodyBytes: 32768, maxHeaderCount: 256 });

/** What {@link parseHead} read from a header section. */
export interface Head {
  /** The first line, unless it was malformed. */
  startLine: StartLine | undefined;
  /** Every header field, in order. */
  headers: SipHeaders;
  /** Content-Length, when present and valid. */
  contentLength: number | undefined;
  /** The first error that makes the message invalid but keeps its framing known. */
  error: SipParseError | undefined;
  /** An error in Content-Length itself: the message boundary is unknown. */
  framingError: SipParseError | undefined;
}

/**
 * Offset just past the empty line that ends the header section starting at `from`, searching
 * no further than `limit`; -1 if not found. Accepts CRLF CRLF and, leniently, bare LF endings.
 */
export function findHeaderEnd(buf: Buffer, from: number, limit: number): number {
  const stop = Math.min(limit, buf.length);
  let lf = buf.indexOf(0x0a, from);
  while (lf >= 0 && lf < stop) {
    const next = buf[lf + 1];
    if (next === 0x0a) return lf + 2;
    if (next === 0x0d && buf[lf + 2] === 0x0a) return lf + 3;
    lf = buf.indexOf(0x0a, lf + 1);
  }
  return -1;
}

/** Offset of the first byte that is not CR or LF, from `start` (RFC 3261 §7.5: ignore CRLF before the start line). */
export function skipLeadingCrlf(buf: Buffer, start: number): number {
  let pos = start;
  while (pos < buf.length && (buf[pos] === 0x0d || buf[pos] === 0x0a)) pos++;
  return pos;
}

function hasBareCr(text: string): boolean {
  for (let cr = text.indexOf('\r'); cr >= 0; cr = text.indexOf('\r', cr + 1)) if (text.charCodeAt(cr + 1) !== 0x0a) return true;
  return false;
}
const HIGH_BYTE = /[\x80-\xff]/;

function lineError(detail: string): SipParseError {
  return new SipParseError(SipErrorCode.InvalidHeaderLine, detail, { status: 400, reasonPhrase: 'Bad Request (malformed header line)' });
}

/**
 * Cuts `buf[start, end)` (start line through the blank line) into a start line and header
 * fields. Never throws: errors come back in the result so a caller can still frame the
 * message and answer it.
 */
export function parseHead(buf: Buffer, start: number, end: number, limits: SipLimits): Head {
  const fields: HeaderField[] = [];
  let error: SipParseError | undefined;
  let framingError: SipParseError | undefined;
  let contentLength: number | undefined;
  let startLine: StartLine | undefined;

  let lineEnd = buf.indexOf(0x0a, start);
  if (lineEnd < 0 || lineEnd >= end) lineEnd = end;
  try {
    startLine = parseStartLine(buf, start, lineEnd > start && buf[lineEnd - 1] === 0x0d ? lineEnd - 1 : lineEnd);
  } catch (caught) {
    error = caught as SipParseError;
  }

  // One latin1 decode of the whole section; names and ASCII values are then cheap substrings
  // of it, while the scanning itself stays on bytes. Non-ASCII values are decoded as UTF-8.
  const text = buf.toString('latin1', start, end);
  const ascii = isAscii(buf.subarray(start, end));
  // A CR not followed by LF can never be valid in a header section (quoted-pair excludes CR).
  if (hasBareCr(text)) error ??= lineError('bare CR in the header section');

  let pos = lineEnd + 1;
  while (pos < end) {
    const c0 = buf[pos]!;
    // The blank line that ends the section.
    if (c0 === 0x0a || (c0 === 0x0d && buf[pos + 1] === 0x0a)) break;
    // Header name: a token, then optional whitespace, then ":" (RFC 4475 §3.1.1.1 has "TO :").
    const nameStart = pos;
    while (pos < end && buf[pos]! < 128 && (CHAR_CLASS[buf[pos]!]! & TOKEN) !== 0) pos++;
    const nameEnd = pos;
    while (buf[pos] === 0x20 || buf[pos] === 0x09) pos++;
    let lineProblem: string | undefined;
    if (nameEnd === nameStart) lineProblem = c0 === 0x20 || c0 === 0x09 ? 'continuation line without a header' : 'header line without a name';
    else if (buf[pos] !== 0x3a) lineProblem = 'header line without a colon';
    else pos++;
    // Value: skip leading whitespace and leading folds ("Contact:\r\n  <sip:...>").
    while (buf[pos] === 0x20 || buf[pos] === 0x09) pos++;
    for (;;) {
      const fold = buf[pos] === 0x0d && buf[pos + 1] === 0x0a ? 2 : buf[pos] === 0x0a ? 1 : 0;
      const after = buf[pos + fold];
      if (fold === 0 || (after !== 0x20 && after !== 0x09)) break;
      pos += fold;
      while (buf[pos] === 0x20 || buf[pos] === 0x09) pos++;
    }
    const valueStart = pos;
    let valueEnd: number;
    // Read to the line end that is not followed by whitespace (§7.3.1 folding).
    for (;;) {
      let lf = buf.indexOf(0x0a, pos);
      if (lf < 0 || lf >= end) lf = end;
      const next = buf[lf + 1];
      if (lf < end - 1 && (next === 0x20 || next === 0x09)) {
        pos = lf + 1;
        continue;
      }
      valueEnd = lf;
      pos = lf + 1;
      break;
    }
    while (valueEnd > valueStart) {
      const c = buf[valueEnd - 1];
      if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) break;
      valueEnd--;
    }
    if (lineProblem !== undefined) {
      error ??= lineError(lineProblem);
      continue;
    }
    const name = text.slice(nameStart - start, nameEnd - start);
    const key = headerKeyAt(buf, nameStart, nameEnd) ?? headerKey(name);
    if (fields.length >= limits.maxHeaderCount) {
      // Keep scanning (without storing) so Content-Length still frames the message.
      error ??= new SipParseError(SipErrorCode.TooManyHeaders, `more than ${limits.maxHeaderCount} header fields`, { status: 513, reasonPhrase: 'Message Too Large' });
      if (key !== 'content-length') continue;
    }
    let raw = text.slice(valueStart - start, valueEnd - start);
    if (!ascii && HIGH_BYTE.test(raw)) {
      const bytes = buf.subarray(valueStart, valueEnd);
      if (!isUtf8(bytes)) {
        error ??= new SipParseError(SipErrorCode.InvalidUtf8, `${name} is not UTF-8`, { status: 400, reasonPhrase: 'Bad Request (invalid UTF-8)', header: name });
        continue;
      }
      raw = bytes.toString('utf8');
    }
    fields.push({ name, key, raw });
    if (key === 'content-length') {
      if (contentLength !== undefined || framingError !== undefined) {
        // RFC 4475 §3.3.9 mcl01: with two values there is no way to know where the body ends.
        framingError = new SipParseError(SipErrorCode.MultipleContentLength, 'more than one Content-Length', {
          status: 400,
          reasonPhrase: 'Bad Request (multiple Content-Length)',
          header: 'Content-Length',
        });
      } else {
        const parsed = readContentLength(buf, valueStart, valueEnd, limits);
        if (typeof parsed === 'number') contentLength = parsed;
        else framingError = parsed;
      }
    }
  }
  if (framingError !== undefined) contentLength = undefined;
  return { startLine, headers: new SipHeaders(fields), contentLength, error, framingError };
}

/**
 * Content-Length = 1*DIGIT (§20.14), read straight from the bytes. Negative (RFC 4475
 * §3.1.2.3 ncl), non-numeric or comma-listed values are errors; larger than
 * `maxBodyBytes` is 413 Request Entity Too Large.
 */
function readContentLength(buf: Buffer, start: number, end: number, limits: SipLimits): number | SipParseError {
  let value = 0;
  if (start >= end) return contentLengthError('empty Content-Length');
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c === 0x2c) {
      return new SipParseError(SipErrorCode.MultipleContentLength, 'more than one Content-Length', { status: 400, reasonPhrase: 'Bad Request (multiple Content-Length)', header: 'Content-Length' });
    }
    if (c < 0x30 || c > 0x39) return contentLengthError('Content-Length is not a non-negative integer');
    value = value * 10 + (c - 0x30);
    if (value > limits.maxBodyBytes) {
      return new SipParseError(SipErrorCode.BodyTooLarge, `Content-Length above ${limits.maxBodyBytes}`, { status: 413, reasonPhrase: 'Request Entity Too Large', header: 'Content-Length' });
    }
  }
  return value;
}

function contentLengthError(detail: string): SipParseError {
  return new SipParseError(SipErrorCode.InvalidContentLength, detail, { status: 400, reasonPhrase: 'Bad Request (bad Content-Length)', header: 'Content-Length' });
}
