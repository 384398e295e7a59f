/**
 * Header parameters: `*( SEMI generic-param )`, generic-param = token [ EQUAL gen-value ],
 * gen-value = token / host / quoted-string (RFC 3261 §25.1). Names compare case-insensitively
 * (§7.3.1); values keep their wire form (a quoted value keeps its quotes) so re-serialization
 * writes back exactly what came in.
 */
import { CHAR_CLASS, TOKEN } from './charset.ts';
import { quote, unquote, type ValueScanner } from './scanner.ts';

/** One `name[=value]` entry; `value` is the wire form (quotes kept), `null` for a flag. */
export interface ParamEntry {
  /** Parameter name as written. */
  name: string;
  /** Wire form of the value, `null` when the parameter has no `=value`. */
  value: string | null;
}

/** An ordered, case-insensitive parameter list (header or URI parameters). */
export class Params {
  /** Entries in wire order. */
  readonly entries: ParamEntry[];

  /** @param entries initial entries, in order */
  constructor(entries: ParamEntry[] = []) {
    this.entries = entries;
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

  private find(name: string): ParamEntry | undefined {
    const wanted = this.normalizeName(name);
    for (const entry of this.entries) if (this.normalizeName(entry.name) === wanted) return entry;
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

function needsQuotes(value: string): boolean {
  if (value.length === 0) return true;
  for (let i = 0; i < value.length; i++) if (!isGenValueChar(value.charCodeAt(i))) return true;
  return false;
}

/** gen-value chars outside quotes: token, plus ":" "[" "]" for host and IPv6 values. */
function isGenValueChar(c: number): boolean {
  return (c < 256 && (CHAR_CLASS[c]! & TOKEN) !== 0) || c === 0x3a || c === 0x5b || c === 0x5d;
}

/**
 * Reads `*( SEMI generic-param )` from the cursor to the end of the value. Whitespace is
 * allowed around `;` and `=` (SEMI and EQUAL are SWS-wrapped); an empty name (`;;`) is an error.
 */
export function parseParams(scanner: ValueScanner): Params {
  const entries: ParamEntry[] = [];
  for (;;) {
    scanner.skipSws();
    if (scanner.atEnd()) break;
    scanner.expect(0x3b, '";"');
    scanner.skipSws();
    const name = scanner.requireToken('parameter name');
    scanner.skipSws();
    let value: string | null = null;
    if (scanner.eat(0x3d)) {
      scanner.skipSws();
      if (scanner.peek() === 0x22) value = scanner.quotedRaw();
      else {
        value = scanner.until((c) => !isGenValueChar(c));
        if (value.length === 0) throw scanner.fail(`empty value for parameter ${name}`);
      }
    }
    entries.push({ name, value });
  }
  return new Params(entries);
}
