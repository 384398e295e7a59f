/**
 * Header parameters: `*( SEMI generic-param )`, generic-param = token [ EQUAL gen-value ],
 * gen-value = token / host / quoted-string (RFC 3261 §25.1). Names compare case-insensitively
 * (§7.3.1); values keep their wire form (a quoted value keeps its quotes) so re-serialization
 * writes back exactly what came in.
 */
import { CHAR_CLASS, GEN_VALUE, genValueEnd, hasWordAt, internedAt, TOKEN } from './charset.ts';
import { quote, quotedEnd, unfold, unquote, type ValueScanner } from './scanner.ts';

/** One `name[=value]` entry; `value` is the wire form (quotes kept), `null` for a flag. */
export interface ParamEntry {
  /** Parameter name as written. */
  name: string;
  /** Wire form of the value, `null` when the parameter has no `=value`. */
  value: string | null;
}

/** An ordered, case-insensitive parameter list (header or URI parameters). */
export class Params {
  #entries: ParamEntry[] | undefined;
  // A lazily read list: `text[start, end)`, already checked as plain params (see lazy); an
  // empty one when there is neither (its array is made on first use: most lists stay empty).
  #text: string | undefined;
  #start: number;
  #end: number;

  /** @param entries initial entries, in order */
  constructor(entries?: ParamEntry[]) {
    this.#entries = entries;
    this.#text = undefined;
    this.#start = 0;
    this.#end = 0;
  }

  /**
   * Params (of this class) over `text[start, end)`, which their reader checked
   * ({@link scanPlainParams}, the SIP URI parser): the entries are cut out on first use (a
   * Via's branch is read by its parser; its other parameters rarely).
   */
  static lazy<T extends Params>(this: new () => T, text: string, start: number, end: number): T {
    const params = new this();
    if (start < end) {
      params.#text = text;
      params.#start = start;
      params.#end = end;
    }
    return params;
  }

  /** Entries in wire order. */
  get entries(): ParamEntry[] {
    if (this.#entries !== undefined) return this.#entries;
    const entries = this.#text === undefined ? [] : splitEntries(this.#text, this.#start, this.#end);
    this.#entries = entries;
    this.#text = undefined;
    return entries;
  }

  /** Number of parameters. */
  get size(): number {
    return this.entries.length;
  }

  /** How a name is compared: lower-cased here; URI parameters also unescape (RFC 3261 §19.1.4). */
  protected normalizeName(name: string): string {
    return name.toLowerCase();
  }

  /** How a wire value is turned into text: unquoted here; URI parameters unescape instead. */
  protected decodeValue(wire: string): string {
    return unquote(wire);
  }

  /** How text is turned into a wire value: quoted unless it is a token/host here; URI parameters escape. */
  protected encodeValue(text: string): string {
    return needsQuotes(text) ? quote(text) : text;
  }

  /**
   * True if the wire name `name` normalizes to `wanted`. `asciiWanted`: `wanted` is all ASCII,
   * so a name of another length cannot match (lower-casing only changes a length when it
   * yields non-ASCII, as "İ" → "i̇" does) and is skipped without lower-casing it.
   */
  protected sameName(name: string, wanted: string, asciiWanted: boolean): boolean {
    if (name === wanted) return true;
    if (asciiWanted && name.length !== wanted.length) return false;
    return name.toLowerCase() === wanted;
  }

  private find(name: string): ParamEntry | undefined {
    const entries = this.entries;
    if (entries.length === 0) return undefined;
    // The names the stack asks for come back from the parser as the same interned strings, so
    // an identical name ends the search, unless an earlier one could still match once
    // normalized (same length, or escaped).
    for (let i = 0; i < entries.length; i++) {
      const entryName = entries[i]!.name;
      if (entryName === name) return entries[i];
      if (entryName.length === name.length || entryName.indexOf('%') >= 0) break;
    }
    // Lower-case ASCII names without "%" (every name the stack asks for) are their own normal form.
    const plain = isPlainName(name);
    const wanted = plain ? name : this.normalizeName(name);
    const asciiWanted = plain || isAsciiText(wanted);
    for (let i = 0; i < entries.length; i++)
      if (this.sameName(entries[i]!.name, wanted, asciiWanted)) return entries[i];
    return undefined;
  }

  /** True if the parameter is present (with or without a value). */
  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  /**
   * The value with quotes and quoted-pairs removed; `null` for a flag parameter (`;lr`),
   * `undefined` when absent.
   */
  get(name: string): string | null | undefined {
    const entry = this.find(name);
    if (entry === undefined) return undefined;
    return entry.value === null ? null : this.decodeValue(entry.value);
  }

  /** The wire form of the value (quotes kept); `null` for a flag, `undefined` when absent. */
  getRaw(name: string): string | null | undefined {
    return this.find(name)?.value;
  }

  /**
   * Sets a parameter, replacing an existing one in place. `value` is written as is when it is
   * a token (or host-like), quoted otherwise; pass `null` for a flag.
   */
  set(name: string, value: string | null): this {
    const wire = value === null ? null : this.encodeValue(value);
    const entry = this.find(name);
    if (entry !== undefined) entry.value = wire;
    else this.entries.push({ name, value: wire });
    return this;
  }

  /** Sets a parameter whose value is already in wire form (e.g. a pre-quoted string). */
  setRaw(name: string, value: string | null): this {
    const entry = this.find(name);
    if (entry !== undefined) entry.value = value;
    else this.entries.push({ name, value });
    return this;
  }

  /** Removes a parameter; returns true if it was present. */
  delete(name: string): boolean {
    const entry = this.find(name);
    if (entry === undefined) return false;
    this.entries.splice(this.entries.indexOf(entry), 1);
    return true;
  }

  /** A deep copy (of the same class). */
  clone(): this {
    const Ctor = this.constructor as new (entries: ParamEntry[]) => this;
    return new Ctor(this.entries.map((e) => ({ name: e.name, value: e.value })));
  }

  /** Wire form `;a=b;c` (empty string when there are none). */
  toString(): string {
    let out = '';
    for (const e of this.entries) out += e.value === null ? `;${e.name}` : `;${e.name}=${e.value}`;
    return out;
  }
}

function isPlainName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d)) return false;
  }
  return true;
}

function isAsciiText(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

function needsQuotes(value: string): boolean {
  if (value.length === 0) return true;
  for (let i = 0; i < value.length; i++) if (!isGenValueChar(value.charCodeAt(i))) return true;
  return false;
}

/** gen-value chars outside quotes: token, plus ":" "[" "]" for host and IPv6 values. */
function isGenValueChar(c: number): boolean {
  return c < 256 && (CHAR_CLASS[c]! & GEN_VALUE) !== 0;
}

/** Offset of the first char in `text[pos, end)` that is not SWS (SP, HTAB, CR, LF), or `end`. */
export function skipSwsAt(text: string, pos: number, end: number): number {
  let at = pos;
  while (at < end) {
    const c = text.charCodeAt(at);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return at;
    at++;
  }
  return end;
}

/** The parameter name at `text[start, end)`, as an interned string when it is a common one (no allocation). */
function paramName(text: string, start: number, end: number): string {
  return internedAt(text, start, end, COMMON_PARAM_NAMES);
}
// Header parameters, then URI parameters (both kinds are cut out by the same code).
const COMMON_PARAM_NAMES = [
  'tag',
  'branch',
  'rport',
  'received',
  'lr',
  'transport',
  'expires',
  'q',
  'maddr',
  'user',
  'ttl',
  'method',
  'ob',
  'gr',
];

/**
 * The entries of `;name[=value]...` in `text[start, end)` that its reader already checked
 * (header or URI parameters: names never hold ";" or "=", values only inside quotes).
 */
function splitEntries(text: string, start: number, end: number): ParamEntry[] {
  const entries: ParamEntry[] = [];
  let at = start + 1;
  while (at <= end) {
    let stop = text.indexOf(';', at);
    if (stop < 0 || stop > end) stop = end;
    const eq = text.indexOf('=', at);
    if (eq >= 0 && eq < stop) {
      // A quoted value may hold ";": the entry ends after its closing quote.
      if (text.charCodeAt(eq + 1) === DQUOTE) {
        const close = quotedEnd(text, eq + 1, end);
        stop = close < 0 ? end : close;
      }
      entries.push({ name: paramName(text, at, eq), value: text.slice(eq + 1, stop) });
    } else entries.push({ name: paramName(text, at, stop), value: null });
    at = stop + 1;
  }
  return entries;
}

const DQUOTE = 0x22;

function tokenEnd(text: string, pos: number, end: number): number {
  let at = pos;
  while (at < end) {
    const c = text.charCodeAt(at);
    if (c >= 256 || (CHAR_CLASS[c]! & TOKEN) === 0) break;
    at++;
  }
  return at;
}

/**
 * Checks `text[pos, end)` as plain params — `;name[=value]` repeated, token names, gen-value
 * or one-line quoted-string values, no whitespace around ";" and "=" (anything else goes to
 * {@link parseParams}, the full grammar, which also makes the error) — without building them,
 * and picks out the values of `names` (lower-case; compared case-insensitively, the first of
 * each name counts): `found[i]` is the value of `names[i]` (unquoted), null for a flag,
 * undefined when absent. Returns false when the text is not plain params. With
 * {@link Params.lazy}, a reader gets the values it needs and the list for later.
 */
export function scanPlainParams(
  text: string,
  pos: number,
  end: number,
  names: readonly string[],
  found: Array<string | null | undefined>,
): boolean {
  for (let i = 0; i < names.length; i++) found[i] = undefined;
  let at = pos;
  while (at < end) {
    if (text.charCodeAt(at) !== 0x3b) return false;
    const nameStart = ++at;
    // A wanted name written in lower case (as peers write them) is matched where it stands;
    // any other name is scanned as a token and compared in any letter case.
    let which = writtenAt(text, nameStart, end, names);
    if (which >= 0) at += names[which]!.length;
    else {
      at = tokenEnd(text, at, end);
      if (at === nameStart) return false;
      which = nameIndex(text, nameStart, at, names);
    }
    let value: string | null = null;
    if (at < end && text.charCodeAt(at) === 0x3d) {
      const valueStart = ++at;
      if (text.charCodeAt(at) === DQUOTE) {
        at = quotedEnd(text, at, end);
        if (at < 0) return false;
        if (which >= 0 && found[which] === undefined) value = unquote(text.slice(valueStart, at));
      } else {
        at = genValueEnd(text, at, end);
        if (at === valueStart) return false;
        if (which >= 0 && found[which] === undefined) value = text.slice(valueStart, at);
      }
    }
    if (which >= 0 && found[which] === undefined) found[which] = value;
  }
  return true;
}

/**
 * Index of the name in `names` written exactly at `text[start]` and ended by "=", ";" or
 * `end` (so it is the whole parameter name); -1 if none.
 */
function writtenAt(text: string, start: number, end: number, names: readonly string[]): number {
  const c0 = text.charCodeAt(start);
  for (let n = 0; n < names.length; n++) {
    const name = names[n]!;
    if (name.charCodeAt(0) !== c0) continue;
    const stop = start + name.length;
    if (stop > end || (stop < end && text.charCodeAt(stop) !== 0x3d && text.charCodeAt(stop) !== 0x3b)) continue;
    if (hasWordAt(text, start, name)) return n;
  }
  return -1;
}

/** Index of the name `text[start, end)` in `names` (lower-case), any letter case; -1 if none. */
function nameIndex(text: string, start: number, end: number, names: readonly string[]): number {
  const length = end - start;
  next: for (let n = 0; n < names.length; n++) {
    const name = names[n]!;
    if (name.length !== length) continue;
    for (let i = 0; i < length; i++) {
      const c = text.charCodeAt(start + i);
      if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== name.charCodeAt(i)) continue next;
    }
    return n;
  }
  return -1;
}

/**
 * Reads `*( SEMI generic-param )` from the cursor to the end of the value. Whitespace is
 * allowed around `;` and `=` (SEMI and EQUAL are SWS-wrapped); an empty name (`;;`) is an error.
 * Like {@link scanPlainParams}, it picks the values of `names` into `found` as it goes (unquoted;
 * null for a flag, undefined when absent; the first of each name counts).
 */
export function parseParams(
  scanner: ValueScanner,
  names: readonly string[] = NO_NAMES,
  found: Array<string | null | undefined> = [],
): Params {
  for (let i = 0; i < names.length; i++) found[i] = undefined;
  const entries: ParamEntry[] = [];
  const text = scanner.text;
  const end = scanner.end;
  let pos = scanner.pos;
  for (;;) {
    pos = skipSwsAt(text, pos, end);
    if (pos >= end) break;
    if (text.charCodeAt(pos) !== 0x3b) {
      scanner.pos = pos;
      throw scanner.fail('expected ";"');
    }
    pos = skipSwsAt(text, pos + 1, end);
    const nameStart = pos;
    pos = tokenEnd(text, pos, end);
    if (pos === nameStart) {
      scanner.pos = pos;
      throw scanner.fail('expected parameter name');
    }
    const name = paramName(text, nameStart, pos);
    const which = nameIndex(text, nameStart, pos, names);
    pos = skipSwsAt(text, pos, end);
    let value: string | null = null;
    if (pos < end && text.charCodeAt(pos) === 0x3d) {
      pos = skipSwsAt(text, pos + 1, end);
      if (pos < end && text.charCodeAt(pos) === DQUOTE) {
        scanner.pos = pos;
        // Wire form on one line: a fold inside the quotes is one SP (§7.3.1).
        value = unfold(scanner.quotedRaw());
        pos = scanner.pos;
      } else {
        const valueStart = pos;
        pos = genValueEnd(text, pos, end);
        if (pos === valueStart) {
          scanner.pos = pos;
          throw scanner.fail(`empty value for parameter ${name}`);
        }
        value = text.slice(valueStart, pos);
      }
    }
    if (which >= 0 && found[which] === undefined) found[which] = value === null ? null : unquote(value);
    entries.push({ name, value });
  }
  scanner.pos = pos;
  return new Params(entries);
}

const NO_NAMES: readonly string[] = [];
