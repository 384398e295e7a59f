/**
 * The hot path: finding where the header section ends and cutting it into header fields, by
 * byte index over the Buffer (STYLE.md §6; pjsip's `pjsip_find_msg` frames the same way).
 * Values stay raw strings; only Content-Length is read here, because framing needs it.
 */
import { isAscii } from 'node:buffer';
import { SipErrorCode, SipParseError } from '../errors.ts';
import { CHAR_CLASS, TOKEN } from '../syntax/charset.ts';
import { decodeUtf8 } from '../syntax/utf8.ts';
import { headerKey, KNOWN_HEADERS, knownHeaderStartingAt } from './header-names.ts';
import { SipHeaders, WireField, type HeaderField } from './headers.ts';
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
export const DEFAULT_LIMITS: Readonly<SipLimits> = Object.freeze({
  maxHeaderBytes: 32768,
  maxBodyBytes: 32768,
  maxHeaderCount: 256,
});

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

/** True if `text[from, to)` holds a CR that is not followed by LF. */
function hasBareCr(text: string, from: number, to: number): boolean {
  for (let cr = text.indexOf('\r', from); cr >= 0 && cr < to; cr = text.indexOf('\r', cr + 1))
    if (text.charCodeAt(cr + 1) !== 0x0a) return true;
  return false;
}
const HIGH_BYTE = /[\x80-\xff]/g;

/** Bytes checked at a time for high bytes in a section that has some (or a body that has). */
const ASCII_WINDOW = 256;

/**
 * From `from` (in `text`, the latin1 decoding of `buf` from `base`), the offset of the first
 * char >= 0x80, or an offset at or past `need` with none before it: SIMD checks of the bytes a
 * window at a time, and a regex search only inside the window that has one. (One search from
 * `from` could scan far, through a whole header section to a binary body.)
 */
function asciiRunEnd(buf: Buffer, base: number, text: string, from: number, need: number): number {
  let at = from;
  while (at < need) {
    const stop = Math.min(text.length, at + ASCII_WINDOW);
    if (!isAscii(buf.subarray(base + at, base + stop))) {
      HIGH_BYTE.lastIndex = at;
      HIGH_BYTE.test(text);
      return HIGH_BYTE.lastIndex - 1;
    }
    at = stop;
  }
  return at;
}

function lineError(detail: string): SipParseError {
  return new SipParseError(SipErrorCode.InvalidHeaderLine, detail, {
    status: 400,
    reasonPhrase: 'Bad Request (malformed header line)',
  });
}

/** A {@link Head} plus where its header section ended. */
interface ScannedHead extends Head {
  /** Offset into the scanned text just past the blank line; -1 when the text holds none. */
  end: number;
}

/**
 * Cuts `buf[start, end)` (start line through the blank line) into a start line and header
 * fields. Never throws: errors come back in the result so a caller can still frame the
 * message and answer it.
 */
export function parseHead(buf: Buffer, start: number, end: number, limits: SipLimits): Head {
  return scanHead(buf, start, buf.toString('latin1', start, end), isAscii(buf.subarray(start, end)), limits);
}

/**
 * The datagram fast path: decodes at most `window` bytes from `start` once and scans them,
 * finding the blank line as it goes (one pass instead of a framing pass plus a parsing pass).
 * Returns undefined when the window holds no complete header section; the caller then frames
 * with {@link findHeaderEnd} first (long or incomplete sections).
 */
export function scanDatagramHead(
  buf: Buffer,
  start: number,
  window: number,
  limits: SipLimits,
): { head: Head; end: number } | undefined {
  const stop = Math.min(buf.length, start + window);
  // The whole datagram is ASCII in the common case (one SIMD check, no subarray); otherwise
  // the values with high bytes are checked one by one, as for a non-ASCII header section.
  const head = scanHead(buf, start, buf.toString('latin1', start, stop), isAscii(buf), limits);
  return head.end < 0 ? undefined : { head, end: start + head.end };
}

/**
 * The scanner: `text` is `buf` decoded as latin1 from offset `base`, so char offsets in
 * `text` plus `base` are byte offsets in `buf`. All scanning is on the string (V8's
 * `indexOf` and `charCodeAt` cost far less than a Buffer call per line); names of known
 * headers are matched char by char without making a string (see {@link knownHeaderStartingAt}).
 */
function scanHead(buf: Buffer, base: number, text: string, ascii: boolean, limits: SipLimits): ScannedHead {
  const fields: HeaderField[] = [];
  // No high byte in the values that end before this (the whole text when it is ASCII).
  let asciiUntil = ascii ? text.length : -1;
  const length = text.length;
  // The first error wins; a bare CR (checked once the section's end is known) ranks after the
  // start line and before anything found in the header lines.
  let startError: SipParseError | undefined;
  let error: SipParseError | undefined;
  let framingError: SipParseError | undefined;
  let contentLength: number | undefined;
  let startLine: StartLine | undefined;
  let bareCr = false;

  let lineEnd = text.indexOf('\n');
  if (lineEnd < 0) lineEnd = length;
  try {
    startLine = parseStartLine(
      buf,
      base,
      base + (lineEnd > 0 && text.charCodeAt(lineEnd - 1) === 0x0d ? lineEnd - 1 : lineEnd),
      text,
    );
  } catch (caught) {
    startError = caught as SipParseError;
  }

  let end = -1;
  let pos = lineEnd + 1;
  while (pos < length) {
    const c0 = text.charCodeAt(pos);
    // The blank line that ends the section.
    if (c0 === 0x0a) {
      end = pos + 1;
      break;
    }
    if (c0 === 0x0d && text.charCodeAt(pos + 1) === 0x0a) {
      end = pos + 2;
      break;
    }
    const nameStart = pos;
    // Known names are matched where they stand; only other names are scanned as tokens.
    const known = knownHeaderStartingAt(text, pos);
    let nameEnd = pos;
    if (known >= 0) nameEnd += KNOWN_HEADERS[known >> 1]!.name.length;
    else {
      while (nameEnd < length) {
        const c = text.charCodeAt(nameEnd);
        if (c >= 128 || (CHAR_CLASS[c]! & TOKEN) === 0) break;
        nameEnd++;
      }
    }
    let valueStart = nameEnd + 2;
    let valueEnd = valueStart;
    let canonical = false;
    // The common line first: a name, ": ", a value from a visible char to a visible char, CRLF,
    // and no fold after it. Its first CR is the one before the LF, so it holds no bare CR.
    if (
      nameEnd > nameStart &&
      text.charCodeAt(nameEnd) === 0x3a &&
      text.charCodeAt(nameEnd + 1) === 0x20 &&
      text.charCodeAt(valueStart) > 0x20
    ) {
      const lf = text.indexOf('\n', valueStart);
      const next = text.charCodeAt(lf + 1);
      if (
        lf > 0 &&
        text.indexOf('\r', valueStart) === lf - 1 &&
        text.charCodeAt(lf - 2) > 0x20 &&
        next !== 0x20 &&
        next !== 0x09
      ) {
        valueEnd = lf - 1;
        pos = lf + 1;
        canonical = true;
      }
    }
    if (!canonical) {
      // Everything else, by the full rules. After the name (a token), optional whitespace, then
      // ":" (RFC 4475 §3.1.1.1 has "TO :").
      pos = nameEnd;
      let c = text.charCodeAt(pos);
      while (c === 0x20 || c === 0x09) c = text.charCodeAt(++pos);
      let lineProblem: string | undefined;
      if (nameEnd === nameStart)
        lineProblem = c0 === 0x20 || c0 === 0x09 ? 'continuation line without a header' : 'header line without a name';
      else if (c !== 0x3a) lineProblem = 'header line without a colon';
      else c = text.charCodeAt(++pos);
      // Value: skip leading whitespace and leading folds ("Contact:\r\n  <sip:...>").
      while (c === 0x20 || c === 0x09) c = text.charCodeAt(++pos);
      for (;;) {
        const fold = c === 0x0d && text.charCodeAt(pos + 1) === 0x0a ? 2 : c === 0x0a ? 1 : 0;
        const after = text.charCodeAt(pos + fold);
        if (fold === 0 || (after !== 0x20 && after !== 0x09)) break;
        pos += fold;
        c = text.charCodeAt(pos);
        while (c === 0x20 || c === 0x09) c = text.charCodeAt(++pos);
      }
      valueStart = pos;
      // Read to the line end that is not followed by whitespace (§7.3.1 folding).
      for (;;) {
        let lf = text.indexOf('\n', pos);
        if (lf < 0) lf = length;
        const next = text.charCodeAt(lf + 1);
        if (lf < length - 1 && (next === 0x20 || next === 0x09)) {
          pos = lf + 1;
          continue;
        }
        valueEnd = lf;
        pos = lf + 1;
        break;
      }
      while (valueEnd > valueStart) {
        const t = text.charCodeAt(valueEnd - 1);
        if (t !== 0x20 && t !== 0x09 && t !== 0x0d && t !== 0x0a) break;
        valueEnd--;
      }
      // A CR not followed by LF can never be valid in a header section (quoted-pair excludes CR).
      if (hasBareCr(text, nameStart, pos)) bareCr = true;
      if (lineProblem !== undefined) {
        error ??= lineError(lineProblem);
        continue;
      }
      // A line in canonical form ("Name: value" CRLF) is kept by reference for the serializer.
      canonical =
        nameEnd + 2 === valueStart &&
        text.charCodeAt(nameEnd + 1) === 0x20 &&
        valueEnd + 2 === pos &&
        text.charCodeAt(valueEnd) === 0x0d;
    }
    let name: string;
    let key: string;
    if (known < 0) {
      name = text.slice(nameStart, nameEnd);
      key = headerKey(name);
    } else {
      const header = KNOWN_HEADERS[known >> 1]!;
      name = (known & 1) === 1 ? header.name : text.slice(nameStart, nameEnd);
      key = header.key;
    }
    if (fields.length >= limits.maxHeaderCount) {
      // Keep scanning (without storing) so Content-Length still frames the message.
      error ??= new SipParseError(SipErrorCode.TooManyHeaders, `more than ${limits.maxHeaderCount} header fields`, {
        status: 513,
        reasonPhrase: 'Message Too Large',
      });
      if (key !== 'content-length') continue;
    }
    let field: WireField;
    // Where the text has high bytes, the next one is looked up as values pass it, so an ASCII
    // value costs a compare.
    if (asciiUntil < valueEnd) asciiUntil = asciiRunEnd(buf, base, text, Math.max(valueStart, asciiUntil), valueEnd);
    if (asciiUntil < valueEnd) {
      const raw = decodeUtf8(buf, base + valueStart, base + valueEnd);
      if (raw === undefined) {
        error ??= new SipParseError(SipErrorCode.InvalidUtf8, `${name} is not UTF-8`, {
          status: 400,
          reasonPhrase: 'Bad Request (invalid UTF-8)',
          header: name,
        });
        continue;
      }
      // A UTF-8 value is its own text; the serializer encodes such a line afresh.
      field = new WireField(name, key, raw, 0, raw.length, false, raw);
    } else {
      // An ASCII value is read where it lies in the section (see WireField).
      field = new WireField(name, key, text, valueStart, valueEnd, canonical, undefined);
    }
    fields.push(field);
    if (key === 'content-length') {
      if (contentLength !== undefined || framingError !== undefined) {
        // RFC 4475 §3.3.9 mcl01: with two values there is no way to know where the body ends.
        framingError = new SipParseError(SipErrorCode.MultipleContentLength, 'more than one Content-Length', {
          status: 400,
          reasonPhrase: 'Bad Request (multiple Content-Length)',
          header: 'Content-Length',
        });
      } else {
        const parsed = readContentLength(text, valueStart, valueEnd, limits);
        if (typeof parsed === 'number') contentLength = parsed;
        else framingError = parsed;
      }
    }
  }
  // A bare CR (canonical lines have none; every other line was checked) ranks after the start
  // line and before anything found in the header lines.
  if (startError !== undefined) error = startError;
  else if (bareCr) error = lineError('bare CR in the header section');
  if (framingError !== undefined) contentLength = undefined;
  return { startLine, headers: new SipHeaders(fields), contentLength, error, framingError, end };
}

/**
 * Content-Length = 1*DIGIT (§20.14), read straight from the scanned text. Negative (RFC 4475
 * §3.1.2.3 ncl), non-numeric or comma-listed values are errors; larger than
 * `maxBodyBytes` is 413 Request Entity Too Large.
 */
function readContentLength(text: string, start: number, end: number, limits: SipLimits): number | SipParseError {
  let value = 0;
  if (start >= end) return contentLengthError('empty Content-Length');
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2c) {
      return new SipParseError(SipErrorCode.MultipleContentLength, 'more than one Content-Length', {
        status: 400,
        reasonPhrase: 'Bad Request (multiple Content-Length)',
        header: 'Content-Length',
      });
    }
    if (c < 0x30 || c > 0x39) return contentLengthError('Content-Length is not a non-negative integer');
    value = value * 10 + (c - 0x30);
    if (value > limits.maxBodyBytes) {
      return new SipParseError(SipErrorCode.BodyTooLarge, `Content-Length above ${limits.maxBodyBytes}`, {
        status: 413,
        reasonPhrase: 'Request Entity Too Large',
        header: 'Content-Length',
      });
    }
  }
  return value;
}

function contentLengthError(detail: string): SipParseError {
  return new SipParseError(SipErrorCode.InvalidContentLength, detail, {
    status: 400,
    reasonPhrase: 'Bad Request (bad Content-Length)',
    header: 'Content-Length',
  });
}
