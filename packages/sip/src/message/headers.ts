/**
 * The header fields of one message, in wire order, with their raw text. Values are parsed
 * only when a typed accessor asks (SIP.js `src/core/messages/parser.ts` does the same), and the
 * parsed result is cached per header until that header changes.
 */
import { splitList, unfold } from '../syntax/scanner.ts';

export { unfold };
import { canonicalName, headerKey, isListHeader } from './header-names.ts';

/** One header field line (possibly folded over several wire lines). */
export interface HeaderField {
  /** Name as it appeared on the wire, or the canonical name for headers added by code. */
  readonly name: string;
  /** Lower-cased full name (compact forms expanded): the lookup key. */
  readonly key: string;
  /**
   * The value exactly as on the wire, after the colon and leading whitespace, without trailing
   * whitespace. Folds (CRLF + whitespace) are kept, so unknown headers survive a round trip
   * byte for byte; RFC 3261 §7.3.1 makes a fold equal to one SP for every reader.
   */
  readonly raw: string;
}

/** Where a header value can be read: `text[start, end)`, folds included (the readers take them as SWS). */
export interface ValueSpan {
  /** The text the value lies in. */
  readonly text: string;
  /** Offset of the value. */
  readonly start: number;
  /** Offset just past it. */
  readonly end: number;
}

/**
 * A field as the parser read it: where its value lies in the text it was read from. `text` is
 * the decoded header section for an ASCII value, the value itself (from 0) for a UTF-8 one. The
 * readers scan the value there (see {@link valueSpan}), because V8 reads a char of a flat string
 * about twice as fast as one of a slice, and a folded value needs no unfolded copy: the
 * grammars take CRLF + whitespace as the SWS it stands for (§7.3.1). `raw` is cut out only
 * when someone asks for it; most fields of a message are never read.
 */
export class WireField implements HeaderField, ValueSpan {
  readonly name: string;
  readonly key: string;
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /**
   * The line is in canonical form (`Name: value CRLF`, one SP after the colon, nothing after
   * the value): `text[start - name.length - 2, end + 2)` holds it exactly, so serializing copies
   * it instead of re-encoding (`serializeMessage`).
   */
  readonly canonical: boolean;
  #raw: string | undefined;

  /** @param raw the value, when `text` is not a section it lies in */
  constructor(
    name: string,
    key: string,
    text: string,
    start: number,
    end: number,
    canonical: boolean,
    raw: string | undefined,
  ) {
    this.name = name;
    this.key = key;
    this.text = text;
    this.start = start;
    this.end = end;
    this.canonical = canonical;
    this.#raw = raw;
  }

  /** The value as on the wire (see {@link HeaderField.raw}), cut out of `text` on first use. */
  get raw(): string {
    return (this.#raw ??= this.text.slice(this.start, this.end));
  }
}

/** `field`'s value in place when the parser made it, or, for a field built by code, its unfolded raw text. */
export function valueSpan(field: HeaderField): ValueSpan {
  if (field instanceof WireField) return field;
  const value = unfold(field.raw);
  return { text: value, start: 0, end: value.length };
}

/** An ordered, case-insensitive header list with a per-header cache of parsed values. */
export class SipHeaders implements Iterable<HeaderField> {
  /** Fields in wire order. Mutate through the methods so the cache stays right. */
  readonly fields: HeaderField[];
  // The parsed-value cache: key, value, key, value... in one array. A message has a handful of
  // parsed headers, so a linear search over interned keys beats making a Map per message.
  private cache: unknown[] | undefined;

  /** @param fields initial fields, in order */
  constructor(fields: HeaderField[] = []) {
    this.fields = fields;
    this.cache = undefined;
  }

  /** Builds a field for `name` (any spelling, compact forms too) with a raw value. */
  static field(name: string, value: string): HeaderField {
    return { name: canonicalName(name), key: headerKey(name), raw: value };
  }

  /** Number of fields. */
  get size(): number {
    return this.fields.length;
  }

  [Symbol.iterator](): Iterator<HeaderField> {
    return this.fields[Symbol.iterator]();
  }

  /** True if at least one field has this name. */
  has(name: string): boolean {
    const key = headerKey(name);
    for (const field of this.fields) if (field.key === key) return true;
    return false;
  }

  /** How many fields have this name (a comma list counts once). */
  count(name: string): number {
    const key = headerKey(name);
    let n = 0;
    for (const field of this.fields) if (field.key === key) n++;
    return n;
  }

  /** The first field's value (unfolded), or undefined. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const field of this.fields) if (field.key === key) return unfold(field.raw);
    return undefined;
  }

  /** Every field of this name, in order. */
  getFields(name: string): HeaderField[] {
    const key = headerKey(name);
    const out: HeaderField[] = [];
    for (const field of this.fields) if (field.key === key) out.push(field);
    return out;
  }

  /** Every field value (unfolded) of this name, in order. */
  getAll(name: string): string[] {
    return this.getFields(name).map((f) => unfold(f.raw));
  }

  /**
   * Every value of this name: list headers (§7.3.1) are split at top-level commas and trimmed,
   * others come back one per field. Empty list elements are dropped.
   */
  values(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    const split = isListHeader(key);
    for (const field of this.fields) {
      if (field.key !== key) continue;
      if (!split) {
        out.push(unfold(field.raw).trim());
        continue;
      }
      for (const part of splitList(unfold(field.raw))) {
        const trimmed = part.trim();
        if (trimmed.length > 0) out.push(trimmed);
      }
    }
    return out;
  }

  /** Replaces all fields of this name with one (at the first one's position, else at the end). */
  set(name: string, value: string): this {
    const field = SipHeaders.field(name, value);
    const index = this.fields.findIndex((f) => f.key === field.key);
    this.removeKey(field.key);
    if (index < 0) this.fields.push(field);
    else this.fields.splice(index, 0, field);
    return this;
  }

  /** Adds a field after every other field. */
  append(name: string, value: string): this {
    const field = SipHeaders.field(name, value);
    this.invalidate(field.key);
    this.fields.push(field);
    return this;
  }

  /**
   * Adds a field before the first field of the same name (a new topmost Via or Record-Route,
   * §16.6 / §8.1.1.7), or at the top when there is none.
   */
  prepend(name: string, value: string): this {
    const field = SipHeaders.field(name, value);
    this.invalidate(field.key);
    const index = this.fields.findIndex((f) => f.key === field.key);
    this.fields.splice(index < 0 ? 0 : index, 0, field);
    return this;
  }

  /** Removes every field of this name; returns how many went. */
  remove(name: string): number {
    return this.removeKey(headerKey(name));
  }

  /**
   * Removes the first *value* of a list header: the first element of a comma list, or the
   * whole first field when it holds one value (a proxy popping its Via, §16.7 step 3; a UAC
   * popping a Route, §16.12).
   */
  removeFirstValue(name: string): boolean {
    const key = headerKey(name);
    const index = this.fields.findIndex((f) => f.key === key);
    if (index < 0) return false;
    this.invalidate(key);
    const field = this.fields[index]!;
    const parts = splitList(unfold(field.raw));
    if (parts.length <= 1) this.fields.splice(index, 1);
    else this.fields[index] = { name: field.name, key, raw: parts.slice(1).join(',').trim() };
    return true;
  }

  private removeKey(key: string): number {
    this.invalidate(key);
    const before = this.fields.length;
    for (let i = this.fields.length - 1; i >= 0; i--) if (this.fields[i]!.key === key) this.fields.splice(i, 1);
    return before - this.fields.length;
  }

  private invalidate(key: string): void {
    const cache = this.cache;
    if (cache === undefined) return;
    // Also drops values derived from the header (`via#top`, see {@link parsedTop}).
    for (let i = cache.length - 2; i >= 0; i -= 2) {
      const cached = cache[i] as string;
      if (
        cached === key ||
        (cached.length > key.length && cached.charCodeAt(key.length) === 0x23 && cached.startsWith(key))
      )
        cache.splice(i, 2);
    }
  }

  /** Index of `key`'s value in the cache, or -1. */
  private cacheIndex(key: string): number {
    const cache = this.cache;
    if (cache !== undefined) for (let i = 0; i < cache.length; i += 2) if (cache[i] === key) return i + 1;
    return -1;
  }

  private remember(key: string, value: unknown): void {
    if (this.cache === undefined) this.cache = [key, value];
    else this.cache.push(key, value);
  }

  /**
   * The parsed value of a single-valued header (From, CSeq, ...), computed once by `parse` from
   * its first field and cached like {@link parsed} (under `cacheKey`, default `key`); undefined
   * when the header is absent.
   */
  parsedFirst<T>(key: string, parse: (field: HeaderField) => T, cacheKey = key): T | undefined {
    const at = this.cacheIndex(cacheKey);
    if (at >= 0) return this.cache![at] as T;
    const fields = this.fields;
    for (let i = 0; i < fields.length; i++) {
      if (fields[i]!.key !== key) continue;
      const value = parse(fields[i]!);
      this.remember(cacheKey, value);
      return value;
    }
    return undefined;
  }

  /**
   * The first value of a list header, parsed by `parse` from that header's first field only
   * (a transaction needs the topmost Via, §17.1.3, not every hop's). Cached under `topKey`
   * (`key` + "#top") until the header changes; the whole list's cached parse is used when
   * there is one.
   */
  parsedTop<T>(key: string, topKey: string, parse: (field: HeaderField) => T): T | undefined {
    const all = this.cacheIndex(key);
    return all >= 0 ? (this.cache![all] as T[])[0] : this.parsedFirst(key, parse, topKey);
  }

  /**
   * The parsed value of a header, computed once by `parse` from that header's fields and
   * cached until the header changes. Parsers throw {@link SipParseError}.
   */
  parsed<T>(key: string, parse: (fields: HeaderField[]) => T): T {
    const at = this.cacheIndex(key);
    if (at >= 0) return this.cache![at] as T;
    const all = this.fields;
    let first = 0;
    while (first < all.length && all[first]!.key !== key) first++;
    // Most headers appear once: an array of exactly one (`[]` and a push reserves 17 slots).
    let fields: HeaderField[];
    if (first === all.length) fields = [];
    else {
      fields = [all[first]!];
      for (let i = first + 1; i < all.length; i++) if (all[i]!.key === key) fields.push(all[i]!);
    }
    const value = parse(fields);
    this.remember(key, value);
    return value;
  }

  /** A copy whose field list can change independently (fields themselves are immutable). */
  clone(): SipHeaders {
    return new SipHeaders(this.fields.slice());
  }
}
