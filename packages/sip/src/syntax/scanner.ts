/**
 * A small cursor over one header value (a JS string, already cut out of the wire bytes). Header
 * values are parsed lazily, only when an accessor asks, so this is the cold path: it favours
 * clear grammar over speed, but still walks by char code, never by regex.
 *
 * Folded lines stay in the raw value; RFC 3261 §7.3.1 makes CRLF followed by whitespace
 * equivalent to one SP, so the scanner counts CR and LF as whitespace (LWS/SWS of §25.1).
 */
import { badHeader, type SipParseError } from '../errors.ts';
import { CHAR_CLASS, TOKEN } from './charset.ts';

const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/** A cursor over one header value; errors name the header. */
export class ValueScanner {
  /** The text the value lies in (the value itself, or the header section it was read from). */
  readonly text: string;
  /** Current offset into `text`. */
  pos: number;
  /** Offset of the value in `text`. */
  readonly start: number;
  /** Offset just past the value in `text`: the scanner never reads at or beyond it. */
  readonly end: number;
  /** Canonical header name, for error messages and `SipParseError.header`. */
  readonly header: string;

  /**
   * @param text the value to scan, or a text holding it
   * @param header canonical header name used in errors
   * @param start offset to start at (default 0)
   * @param end offset just past the value (default the end of `text`)
   */
  constructor(text: string, header: string, start = 0, end = text.length) {
    this.text = text;
    this.header = header;
    this.pos = start;
    this.start = start;
    this.end = end;
  }

  /** An error at the current position (an offset into the value). */
  fail(detail: string): SipParseError {
    return badHeader(this.header, `${detail} at offset ${this.pos - this.start}`);
  }

  /** True when the cursor is past the last char. */
  atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** Char code at the cursor, or -1 at the end. */
  peek(): number {
    return this.pos < this.end ? this.text.charCodeAt(this.pos) : -1;
  }

  /** Skips SWS: SP, HTAB and the CR/LF of folds (RFC 3261 §25.1 LWS). Returns true if any. */
  skipSws(): boolean {
    const start = this.pos;
    const text = this.text;
    while (this.pos < this.end) {
      const c = text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) break;
      this.pos++;
    }
    return this.pos > start;
  }

  /** Consumes `code` if it is next (after no whitespace). */
  eat(code: number): boolean {
    if (this.pos < this.end && this.text.charCodeAt(this.pos) === code) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** Consumes `code` or throws. */
  expect(code: number, what: string): void {
    if (!this.eat(code)) throw this.fail(`expected ${what}`);
  }

  /** Reads a token (may be empty: the caller decides whether that is an error). */
  token(): string {
    const start = this.pos;
    const text = this.text;
    while (this.pos < this.end) {
      const c = text.charCodeAt(this.pos);
      if (c >= 256 || (CHAR_CLASS[c]! & TOKEN) === 0) break;
      this.pos++;
    }
    return text.slice(start, this.pos);
  }

  /** Reads a token or throws `expected <what>`. */
  requireToken(what: string): string {
    const value = this.token();
    if (value.length === 0) throw this.fail(`expected ${what}`);
    return value;
  }

  /**
   * Reads a quoted-string starting at the cursor (which must be on the DQUOTE) and returns its
   * raw text including the quotes. RFC 3261 §25.1: quoted-pair = "\" (%x00-09 / %x0B-0C /
   * %x0E-7F); qdtext excludes raw control characters other than LWS.
   */
  quotedRaw(): string {
    const start = this.pos;
    const text = this.text;
    if (this.pos >= this.end || text.charCodeAt(this.pos) !== DQUOTE) throw this.fail('expected quoted string');
    this.pos++;
    while (this.pos < this.end) {
      const c = text.charCodeAt(this.pos);
      if (c === DQUOTE) {
        this.pos++;
        return text.slice(start, this.pos);
      }
      if (c === BACKSLASH) {
        const next = text.charCodeAt(this.pos + 1);
        if (this.pos + 1 >= this.end || next === 0x0a || next === 0x0d || next > 0x7f)
          throw this.fail('bad quoted-pair');
        this.pos += 2;
        continue;
      }
      if ((c < 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) || c === 0x7f)
        throw this.fail('control character in quoted string');
      this.pos++;
    }
    throw this.fail('unterminated quoted string');
  }

  /** Reads a comment `( ... )` with nesting and quoted-pairs (RFC 3261 §25.1) and returns its inner text raw. */
  comment(): string {
    const text = this.text;
    if (this.pos >= this.end || text.charCodeAt(this.pos) !== 0x28) throw this.fail('expected comment');
    const start = this.pos + 1;
    let depth = 0;
    while (this.pos < this.end) {
      const c = text.charCodeAt(this.pos);
      if (c === BACKSLASH) {
        this.pos += 2;
        continue;
      }
      this.pos++;
      if (c === 0x28) depth++;
      else if (c === 0x29 && --depth === 0) return text.slice(start, this.pos - 1);
    }
    throw this.fail('unterminated comment');
  }

  /** Reads a run of DIGITs (may be empty). */
  digits(): string {
    const start = this.pos;
    const text = this.text;
    let pos = start;
    while (pos < this.end) {
      const c = text.charCodeAt(pos);
      if (c < 0x30 || c > 0x39) break;
      pos++;
    }
    this.pos = pos;
    return text.slice(start, pos);
  }

  /** Reads a run of chars of the character class `flag` (see `charset.ts`; may be empty). */
  charsOf(flag: number): string {
    const start = this.pos;
    const text = this.text;
    let pos = start;
    while (pos < this.end) {
      const c = text.charCodeAt(pos);
      if (c >= 256 || (CHAR_CLASS[c]! & flag) === 0) break;
      pos++;
    }
    this.pos = pos;
    return text.slice(start, pos);
  }

  /** Reads up to (not including) the first char for which `stop` is true (cold paths; hot ones use the loops above). */
  until(stop: (code: number) => boolean): string {
    const start = this.pos;
    const text = this.text;
    while (this.pos < this.end && !stop(text.charCodeAt(this.pos))) this.pos++;
    return text.slice(start, this.pos);
  }

  /** Throws unless only whitespace is left. */
  expectEnd(): void {
    this.skipSws();
    if (!this.atEnd()) throw this.fail(`unexpected ${JSON.stringify(this.text[this.pos])}`);
  }
}

/** Removes the line breaks of folded lines, keeping the whitespace that follows them (§7.3.1). */
export function unfold(raw: string): string {
  return raw.indexOf('\n') < 0 ? raw : raw.replace(LINE_BREAK, '');
}
const LINE_BREAK = /\r?\n/g;

/**
 * End (just past the closing quote) of the quoted-string opening at `text[pos]`, read the way
 * the full grammar reads one on a single line (`ValueScanner.quotedRaw`): qdtext is HTAB, SP
 * and visible chars but the quote and backslash, or non-ASCII; a quoted-pair escapes anything
 * but CR, LF and non-ASCII. -1 when there is no such string before `end`, or it holds a line
 * break (the full grammar handles folds).
 */
export function quotedEnd(text: string, pos: number, end: number): number {
  let at = pos + 1;
  while (at < end) {
    const c = text.charCodeAt(at);
    if (c === DQUOTE) return at + 1;
    if (c === BACKSLASH) {
      const next = text.charCodeAt(at + 1);
      if (at + 1 >= end || next === 0x0a || next === 0x0d || next > 0x7f) return -1;
      at += 2;
      continue;
    }
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return -1;
    at++;
  }
  return -1;
}

/** Removes the quotes and quoted-pair backslashes of a raw quoted-string; other text is returned as is. */
export function unquote(raw: string): string {
  const last = raw.length - 1;
  if (last < 1 || raw.charCodeAt(0) !== DQUOTE || raw.charCodeAt(last) !== DQUOTE) return raw;
  let backslash = raw.indexOf('\\', 1);
  if (backslash < 0 || backslash >= last) return raw.slice(1, last);
  // Copy the runs between quoted-pairs: each pair keeps its second char.
  let out = '';
  let from = 1;
  while (backslash >= 0 && backslash + 1 < last) {
    out += raw.slice(from, backslash);
    from = backslash + 1;
    backslash = raw.indexOf('\\', backslash + 2);
  }
  return out + raw.slice(from, last);
}

/** Quotes `text` as a quoted-string, escaping `"` and `\` (RFC 3261 §25.1 quoted-pair). */
export function quote(text: string): string {
  let out = '"';
  for (const c of text) out += c === '"' || c === '\\' ? `\\${c}` : c;
  return `${out}"`;
}

/**
 * Offset of the first top-level comma in `text[pos, end)`, never inside a quoted-string or
 * `<...>`, or `end`: where one element of a list header value (RFC 3261 §7.3.1) ends.
 */
export function listElementEnd(text: string, pos: number, end: number): number {
  // Most values hold no comma at all: one search settles it (backwards from the end, so it
  // never runs into a body after the header section).
  if (text.lastIndexOf(',', end - 1) < pos) return end;
  let inQuote = false;
  let inAngle = false;
  for (let i = pos; i < end; i++) {
    const c = text.charCodeAt(i);
    if (inQuote) {
      if (c === BACKSLASH) i++;
      else if (c === DQUOTE) inQuote = false;
    } else if (c === DQUOTE) inQuote = true;
    else if (c === 0x3c) inAngle = true;
    else if (c === 0x3e) inAngle = false;
    else if (c === 0x2c && !inAngle) return i;
  }
  return end;
}

/**
 * Splits a list header value at top-level commas (see {@link listElementEnd}). Elements keep
 * their surrounding whitespace; empty elements are kept so that grammar checks can reject
 * `a,,b` where the header's grammar forbids it.
 */
export function splitList(value: string): string[] {
  // Fast path: no comma at all.
  if (value.indexOf(',') < 0) return [value];
  const parts: string[] = [];
  let start = 0;
  for (;;) {
    const stop = listElementEnd(value, start, value.length);
    parts.push(value.slice(start, stop));
    if (stop >= value.length) return parts;
    start = stop + 1;
  }
}
