/**
 * URI equivalence: RFC 3261 §19.1.4 for sip/sips, RFC 3966 §4 for tel, case-insensitive scheme
 * plus exact text for anything else.
 */
import { normalizeEscapes } from './escape.ts';
import { normalizeHost } from './host.ts';
import { normalizeComponent, type SipUri } from './sip-uri.ts';
import { stripVisualSeparators, type TelUri } from './tel-uri.ts';
import type { Uri } from './uri.ts';
import type { Params } from '../syntax/params.ts';

/**
 * §19.1.4: "A URI that includes a user, ttl, method, maddr or transport parameter will not
 * match a URI that does not contain it" (those defaults cannot be inferred); any other
 * parameter appearing in only one URI is ignored.
 */
const MUST_MATCH_PARAMS = new Set(['user', 'ttl', 'method', 'maddr', 'transport']);

/** True if `a` and `b` are equivalent URIs. */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.kind === 'sip' && b.kind === 'sip') return sipUriEquals(a, b);
  if (a.kind === 'tel' && b.kind === 'tel') return telUriEquals(a, b);
  if (a.kind === 'absolute' && b.kind === 'absolute') return a.scheme === b.scheme && a.opaque === b.opaque;
  return false;
}

function sipUriEquals(a: SipUri, b: SipUri): boolean {
  // "A SIP and SIPS URI are never equivalent."
  if (a.scheme !== b.scheme) return false;
  // "Comparison of the userinfo of SIP and SIPS URIs is case-sensitive." Escapes of
  // non-reserved chars are equivalent to the chars (so %61lice == alice).
  if (!sameOptional(a.user, b.user, normalizeEscapes)) return false;
  if (!sameOptional(a.password, b.password, normalizeEscapes)) return false;
  // "Comparison of ... host ... is case-insensitive"; an IP never equals a name (no DNS here).
  if (normalizeHost(a.host) !== normalizeHost(b.host)) return false;
  // "A URI omitting any component with a default value will not match a URI explicitly
  // containing that component with its default value" (sip:bob@biloxi.com ≠ ...:5060).
  if (a.port !== b.port) return false;
  if (!paramsMatch(a.params, b.params) || !paramsMatch(b.params, a.params)) return false;
  // "URI header components are never ignored": same set on both sides, in any order.
  return headerKey(a) === headerKey(b);
}

function sameOptional(a: string | undefined, b: string | undefined, normalize: (s: string) => string): boolean {
  if (a === undefined || b === undefined) return a === b;
  return normalize(a) === normalize(b);
}

/** Each parameter of `from` either matches the same-named one in `to` or may be ignored. */
function paramsMatch(from: Params, to: Params): boolean {
  for (const entry of from.entries) {
    const name = normalizeComponent(entry.name);
    const other = findParam(to, name);
    if (other === undefined) {
      if (MUST_MATCH_PARAMS.has(name)) return false;
      continue;
    }
    // "Any uri-parameter appearing in both URIs must match" (case-insensitively).
    if (entry.value === null || other === null) {
      if (entry.value !== other) return false;
    } else if (normalizeComponent(entry.value) !== normalizeComponent(other)) return false;
  }
  return true;
}

function findParam(params: Params, normalizedName: string): string | null | undefined {
  for (const entry of params.entries) if (normalizeComponent(entry.name) === normalizedName) return entry.value;
  return undefined;
}

function headerKey(uri: SipUri): string {
  if (uri.headers.length === 0) return '';
  return uri.headers
    .map((h) => `${normalizeComponent(h.name)}=${normalizeEscapes(h.value)}`)
    .sort()
    .join('&');
}

/**
 * RFC 3966 §4: both global or both local with the same phone-context; numbers equal after
 * removing visual separators (hex digits case-insensitive); the same parameters, in any order,
 * values compared case-insensitively (`isub`/`ext`/`phone-context` numbers without separators).
 */
function telUriEquals(a: TelUri, b: TelUri): boolean {
  if (a.isGlobal !== b.isGlobal) return false;
  if (a.normalizedNumber !== b.normalizedNumber) return false;
  if (a.params.size !== b.params.size) return false;
  return telParamKey(a) === telParamKey(b);
}

function telParamKey(uri: TelUri): string {
  return uri.params.entries
    .map((e) => {
      const name = e.name.toLowerCase();
      let value = e.value === null ? '' : normalizeEscapes(e.value).toLowerCase();
      if (name === 'ext' || name === 'isub' || (name === 'phone-context' && value.startsWith('+')))
        value = stripVisualSeparators(value);
      return `${name}=${e.value === null ? '\u0000' : value}`;
    })
    .sort()
    .join(';');
}
