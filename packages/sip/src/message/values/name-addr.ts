/**
 * name-addr / addr-spec with header parameters: From, To, Contact, Route, Record-Route, Path,
 * Service-Route, Refer-To, Referred-By, P-Asserted-Identity, Diversion, History-Info
 * (RFC 3261 §20.10, §25.1):
 *
 *   name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
 *   display-name = *(token LWS) / quoted-string
 *
 * "If the URI contains a comma, question mark or semicolon, the URI MUST be enclosed in angle
 * brackets" (§20.10): without brackets, `;` starts the header parameters.
 */
import { badHeader, SipParseError } from '../../errors.ts';
import { CHAR_CLASS, isDigits, sipSchemeAt, TOKEN } from '../../syntax/charset.ts';
import { Params, parseParams, scanPlainParams, skipSwsAt } from '../../syntax/params.ts';
import { listElementEnd, quote, quotedEnd, unfold, unquote, ValueScanner } from '../../syntax/scanner.ts';
import { parseSipUriBody } from '../../uri/sip-uri.ts';
import { MAX_URI_LENGTH, parseUri, type Uri } from '../../uri/uri.ts';
import { valueSpan, WireField, type HeaderField } from '../headers.ts';

/** A parsed name-addr or addr-spec with its header parameters. */
export interface NameAddr {
  /** Display name, unquoted; undefined when absent. */
  displayName: string | undefined;
  /** The address. */
  uri: Uri;
  /** Header parameters (`tag`, `expires`, `q`, ...), not URI parameters. */
  params: Params;
}

/** A From/To value: a name-addr plus its `tag` (undefined when absent, RFC 2543 peers). */
export interface FromTo extends NameAddr {
  /** The tag parameter (§19.3). */
  tag: string | undefined;
}

/** One Contact value, with `expires` and `q` read out (§20.10). */
export interface ContactValue extends NameAddr {
  /** `expires` parameter in seconds, when present and numeric (clamped to 2**32-1). */
  expires: number | undefined;
  /** `q` parameter 0..1, when present and valid. */
  q: number | undefined;
}

/** The Contact header: either `*` (REGISTER removal, §10.2.2) or a list. */
export interface ContactHeader {
  /** True for `Contact: *`. */
  wildcard: boolean;
  /** The contacts (empty for `*`). */
  contacts: ContactValue[];
}

function isTokenCode(c: number): boolean {
  return c < 256 && (CHAR_CLASS[c]! & TOKEN) !== 0;
}

function uriError(header: string, error: unknown): SipParseError {
  const detail = error instanceof SipParseError ? error.message : String(error);
  const wrapped = badHeader(header, detail);
  return new SipParseError(wrapped.code, wrapped.message, {
    status: 400,
    reasonPhrase: wrapped.reasonPhrase!,
    header,
    cause: error,
  });
}

/**
 * Parses one name-addr / addr-spec followed by header params (the whole `text`), URI included.
 * @throws SipParseError `INVALID_HEADER_VALUE` naming `header`
 */
export function parseNameAddr(text: string, header: string): NameAddr {
  const value = readNameAddr(text, 0, text.length, header);
  void value.uri;
  return value;
}

/**
 * {@link parseNameAddr} of `text[start, end)`, folds included (they are SWS), with the URI
 * left for first use (see {@link LazyNameAddr}).
 */
function readNameAddr(text: string, start: number, end: number, header: string): LazyNameAddr {
  const scanner = new ValueScanner(text, header, start, end);
  scanner.skipSws();
  let displayName: string | undefined;
  let bracketed = false;
  const first = scanner.peek();
  if (first === 0x22) {
    // A fold inside the quotes stands for its whitespace (§7.3.1).
    displayName = unquote(unfold(scanner.quotedRaw()));
    scanner.skipSws();
    if (scanner.peek() !== 0x3c) throw scanner.fail('expected "<" after display name');
    bracketed = true;
  } else if (first === 0x3c) {
    bracketed = true;
  } else {
    // Look ahead over *(token LWS): ending at "<" it was a display name (RFC 4475 §3.1.1.6
    // lwsdisp: none needed before "<"), anything else means an addr-spec.
    let pos = scanner.pos;
    while (pos < end) {
      const c = text.charCodeAt(pos);
      if (isTokenCode(c) || c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) pos++;
      else break;
    }
    if (pos < end && text.charCodeAt(pos) === 0x3c) {
      displayName = collapseWhitespace(text.slice(scanner.pos, pos).trim());
      scanner.pos = pos;
      bracketed = true;
    }
  }
  let uriStart: number;
  let uriEnd: number;
  if (bracketed) {
    uriStart = ++scanner.pos;
    uriEnd = text.indexOf('>', uriStart);
    if (uriEnd < 0 || uriEnd >= end) throw scanner.fail('missing ">"');
    // LAQUOT/RAQUOT carry no inner whitespace: "< sip:x >" is RFC 4475 §3.1.2.14 badaspec.
    if (uriEnd === uriStart || text.charCodeAt(uriStart) <= 0x20 || text.charCodeAt(uriEnd - 1) <= 0x20)
      throw scanner.fail('whitespace inside <addr-spec>');
    scanner.pos = uriEnd + 1;
  } else {
    uriStart = scanner.pos;
    uriEnd = uriStart;
    while (uriEnd < end) {
      const c = text.charCodeAt(uriEnd);
      if (c === 0x3b || c === 0x2c || c <= 0x20) break;
      uriEnd++;
    }
    scanner.pos = uriEnd;
    if (uriEnd === uriStart) throw scanner.fail('expected an address');
    // §20.10: an addr-spec holding "?" must be in brackets (RFC 4475 §3.1.2.13 regbadct).
    const question = text.indexOf('?', uriStart);
    if (question >= 0 && question < uriEnd) throw scanner.fail('"?" in a URI outside <>');
  }
  const params = parseParams(scanner, NAME_ADDR_PARAMS, FOUND);
  return new LazyNameAddr(displayName, params, text, uriStart, uriEnd, header, FOUND);
}

/** Runs of whitespace as one SP (`*(token LWS)` display names); most names have none to fold. */
function collapseWhitespace(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x09 || c === 0x0d || c === 0x0a || (c === 0x20 && i + 1 < text.length && text.charCodeAt(i + 1) <= 0x20))
      return text.replace(/\s+/g, ' ');
  }
  return text;
}

/**
 * A name-addr whose URI, `text[start, end)`, is parsed on first use of `uri` (npm `sip` and
 * sofia-sip also leave a From's URI unparsed until asked): a bad URI throws from `uri`, with
 * the error {@link parseNameAddr} gives; `validateRequest` reads every URI the stack relies on.
 * One class for From/To, Contact and route values keeps the readers' property loads
 * monomorphic.
 */
class LazyNameAddr implements FromTo, ContactValue {
  displayName: string | undefined;
  params: Params;
  tag: string | undefined;
  expires: number | undefined;
  q: number | undefined;
  // tag, expires and q as picked out while the parameters were read (see known).
  readonly #tag: string | null | undefined;
  readonly #expires: string | null | undefined;
  readonly #q: string | null | undefined;
  #uri: Uri | undefined;
  readonly #text: string;
  readonly #start: number;
  readonly #end: number;
  readonly #header: string;

  /** The URI is `text[start, end)`; `picked` holds tag, expires and q (see {@link NAME_ADDR_PARAMS}). */
  constructor(
    displayName: string | undefined,
    params: Params,
    text: string,
    start: number,
    end: number,
    header: string,
    picked: ReadonlyArray<string | null | undefined>,
  ) {
    this.displayName = displayName;
    this.params = params;
    this.tag = undefined;
    this.expires = undefined;
    this.q = undefined;
    this.#tag = picked[0];
    this.#expires = picked[1];
    this.#q = picked[2];
    this.#uri = undefined;
    this.#text = text;
    this.#start = start;
    this.#end = end;
    this.#header = header;
  }

  /** The address, parsed on first use. @throws SipParseError naming the header */
  get uri(): Uri {
    if (this.#uri !== undefined) return this.#uri;
    const text = this.#text;
    const start = this.#start;
    const end = this.#end;
    const scheme = sipSchemeAt(text, start);
    try {
      this.#uri =
        end - start > MAX_URI_LENGTH || scheme === 0
          ? parseUri(text.slice(start, end))
          : parseSipUriBody(text, scheme === 5 ? 'sips' : 'sip', start + scheme, end, start);
    } catch (error) {
      throw uriError(this.#header, error);
    }
    return this.#uri;
  }

  set uri(value: Uri) {
    this.#uri = value;
  }

  /**
   * A parameter the readers give meaning to (tag, expires or q), picked out while the list was
   * read: unquoted, null for a flag, undefined when absent.
   */
  known(name: 'tag' | 'expires' | 'q'): string | null | undefined {
    return name === 'tag' ? this.#tag : name === 'expires' ? this.#expires : this.#q;
  }

  /** True if the URI is written `sip:` or `sips:` (so it is not `*`, §10.2.2). */
  isSip(): boolean {
    return sipSchemeAt(this.#text, this.#start) > 0;
  }
}

/**
 * The common shapes `[token *(SP token) SP] <sip:...>;params`, `"quoted" <sip:...>;params` and
 * `sip:...;params` read in place from `text[start, end)` (a header section; see `WireField`): the display
 * name, the bracketed sip/sips URI's bounds and plain parameters in one pass. Returns
 * undefined for anything else: {@link parseNameAddr} then reads the value with the full
 * grammar and makes the error. For the text it accepts, the result is the one parseNameAddr
 * gives, except that a bad URI throws when `uri` is read (see {@link LazyNameAddr}).
 */
function readNameAddrInPlace(text: string, start: number, end: number, header: string): LazyNameAddr | undefined {
  let pos = start;
  let displayName: string | undefined;
  const first = text.charCodeAt(pos);
  if (sipSchemeAt(text, start) > 0) {
    // A bare addr-spec (":" is not a token char, so this is no display name): the URI runs to
    // the first ";", "," or whitespace (§20.10), and may not hold "?" (RFC 4475 §3.1.2.13
    // regbadct).
    let stop = start + 4;
    while (stop < end) {
      const c = text.charCodeAt(stop);
      if (c === 0x3b || c === 0x2c || c <= 0x20) break;
      if (c === 0x3f) return undefined;
      stop++;
    }
    if (stop - start > MAX_URI_LENGTH) return undefined;
    return inPlaceValue(undefined, text, start, stop, end, header);
  }
  if (first === 0x22) {
    // A quoted-string on one line (UTF-8 in a value read from its own decoded text; RFC 4475
    // §3.1.1.2 escapes BEL, NUL and DEL): its unescaped inner text is the display name.
    const close = quotedEnd(text, start, end);
    if (close < 0) return undefined;
    displayName = unquote(text.slice(start, close));
    pos = close;
    while (pos < end && text.charCodeAt(pos) === 0x20) pos++;
    if (pos >= end || text.charCodeAt(pos) !== 0x3c) return undefined;
  } else if (first !== 0x3c) {
    // *(token SP): single spaces only, so nothing needs folding.
    while (pos < end) {
      const c = text.charCodeAt(pos);
      if (c === 0x20) {
        if (text.charCodeAt(pos + 1) === 0x20) return undefined;
      } else if (!isTokenCode(c)) break;
      pos++;
    }
    if (pos >= end || text.charCodeAt(pos) !== 0x3c) return undefined;
    let nameEnd = pos;
    if (text.charCodeAt(nameEnd - 1) === 0x20) nameEnd--;
    displayName = text.slice(start, nameEnd);
  }
  // LAQUOT addr-spec RAQUOT, the addr-spec a sip/sips URI without surrounding whitespace.
  const uriStart = pos + 1;
  const close = text.indexOf('>', uriStart);
  if (close < 0 || close >= end || close - uriStart > MAX_URI_LENGTH || text.charCodeAt(close - 1) <= 0x20)
    return undefined;
  if (sipSchemeAt(text, uriStart) === 0) return undefined;
  return inPlaceValue(displayName, text, uriStart, close, end, header);
}

/** The header parameters the name-addr readers give meaning to (see `LazyNameAddr.known`). */
const NAME_ADDR_PARAMS = ['tag', 'expires', 'q'];
const FOUND: Array<string | null | undefined> = [undefined, undefined, undefined];

/**
 * The name-addr with its URI at `text[uriStart, uriEnd)` and plain parameters from `uriEnd`
 * (after any ">") to `end`: tag, expires and q are picked out while the parameters are
 * checked, and the list is cut into entries only when asked (`Params.lazy`). Undefined when
 * the parameters are not plain (the full grammar then reads them, or makes the error).
 */
function inPlaceValue(
  displayName: string | undefined,
  text: string,
  uriStart: number,
  uriEnd: number,
  end: number,
  header: string,
): LazyNameAddr | undefined {
  const paramsStart = text.charCodeAt(uriEnd) === 0x3e ? uriEnd + 1 : uriEnd;
  if (!scanPlainParams(text, paramsStart, end, NAME_ADDR_PARAMS, FOUND)) return undefined;
  return new LazyNameAddr(displayName, Params.lazy(text, paramsStart, end), text, uriStart, uriEnd, header, FOUND);
}

/**
 * A name-addr value read in place when the field allows it (see {@link readNameAddrInPlace}),
 * else undefined. A list of several never passes: the in-place reader takes no "," outside
 * quotes and `<>`.
 */
function nameAddrInPlace(field: HeaderField, header: string): LazyNameAddr | undefined {
  if (!(field instanceof WireField)) return undefined;
  return readNameAddrInPlace(field.text, field.start, field.end, header);
}

/** Parses a single-valued name-addr header (From, To, Refer-To, Referred-By). */
export function parseSingleNameAddr(fields: HeaderField[], header: string): NameAddr | undefined {
  if (fields.length === 0) return undefined;
  const { text, start, end } = valueSpan(fields[0]!);
  const value = readNameAddr(text, start, end, header);
  void value.uri;
  return value;
}

/** Parses From or To (adds `tag`) from its first field. */
export function parseFromTo(field: HeaderField, header: string): FromTo {
  let value = nameAddrInPlace(field, header);
  if (value === undefined) {
    const { text, start, end } = valueSpan(field);
    value = readNameAddr(text, start, end, header);
  }
  const tag = value.known('tag');
  if (tag === null) throw badHeader(header, 'tag without a value');
  value.tag = tag;
  return value;
}

/**
 * Parses every value of a list header of name-addrs (Route, Record-Route, Path,
 * Service-Route, P-Asserted-Identity, Diversion, History-Info, Contact). Empty elements are an
 * error (RFC 4475 §3.1.2.1 badinv01).
 */
export function parseNameAddrList(fields: HeaderField[], header: string): NameAddr[] {
  const out: NameAddr[] = [];
  for (const field of fields) {
    const inPlace = nameAddrInPlace(field, header);
    if (inPlace !== undefined) {
      // One value read in place, the common case: an array of exactly one (a first push
      // reserves 17 slots).
      if (fields.length === 1) return [inPlace];
      out.push(inPlace);
      continue;
    }
    const { text, start, end } = valueSpan(field);
    for (let pos = start; ;) {
      const stop = listElementEnd(text, pos, end);
      if (skipSwsAt(text, pos, stop) >= stop) throw badHeader(header, 'empty list element');
      out.push(readNameAddr(text, pos, stop, header));
      if (stop >= end) break;
      pos = stop + 1;
    }
  }
  return out;
}

/** Parses Contact: `*` or a list of contacts with expires/q (§20.10, §10.2.2). */
export function parseContact(fields: HeaderField[]): ContactHeader {
  if (fields.length === 1) {
    const { text, start, end } = valueSpan(fields[0]!);
    if (text.charCodeAt(start) === 0x2a && skipSwsAt(text, start + 1, end) === end)
      return { wildcard: true, contacts: [] };
  }
  // Every value is a LazyNameAddr, which is a ContactValue once expires and q are set.
  const contacts = parseNameAddrList(fields, 'Contact') as LazyNameAddr[];
  for (const contact of contacts) {
    const expiresText = contact.known('expires');
    const qText = contact.known('q');
    const expires =
      typeof expiresText === 'string' && isDigits(expiresText) ? Math.min(Number(expiresText), 0xffffffff) : undefined;
    const q = typeof qText === 'string' && /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(qText) ? Number(qText) : undefined;
    if (!contact.isSip() && contact.uri.kind === 'absolute' && contact.uri.opaque === '*')
      throw badHeader('Contact', '"*" mixed with contacts');
    contact.expires = expires;
    contact.q = q;
  }
  return { wildcard: false, contacts };
}

/** Wire form of a name-addr: display name quoted when it is not a token run, URI in brackets. */
export function formatNameAddr(value: {
  displayName?: string | undefined;
  uri: Uri | string;
  params?: Params;
}): string {
  let out = '';
  if (value.displayName !== undefined && value.displayName.length > 0) {
    out += /^[A-Za-z0-9\-.!%*_+`'~]+( [A-Za-z0-9\-.!%*_+`'~]+)*$/.test(value.displayName)
      ? value.displayName
      : quote(value.displayName);
    out += ' ';
  }
  out += `<${value.uri.toString()}>`;
  if (value.params !== undefined) out += value.params.toString();
  return out;
}
