/**
 * host = hostname / IPv4address / IPv6reference (RFC 3261 §25.1, RFC 5118 for IPv6).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { CHAR_CLASS, HOSTNAME } from '../syntax/charset.ts';

/** What kind of host a string is. */
export const HostKind = {
  Hostname: 'hostname',
  IPv4: 'ipv4',
  IPv6: 'ipv6',
} as const;
/** One of {@link HostKind}. */
export type HostKind = (typeof HostKind)[keyof typeof HostKind];

/** Longest host accepted (RFC 1035 names are at most 253 octets; allow the brackets of IPv6). */
export const MAX_HOST_LENGTH = 255;

/**
 * Classifies `host` (IPv6 must be bracketed, as in a URI or Via sent-by) or returns undefined
 * when it is not a valid host. Hostnames: labels of alphanum and `-` (plus `_`, seen in real
 * deployments), no empty label except a trailing dot; an all-numeric dotted string must be a
 * valid IPv4 address (toplabel starts with ALPHA, §25.1).
 */
export function hostKind(host: string): HostKind | undefined {
  return hostKindAt(host, 0, host.length);
}

/**
 * {@link hostKind} of `text[start, end)`, without cutting it out: the URI and Via readers
 * check the host where it lies and slice it only once it is known to be valid.
 */
export function hostKindAt(text: string, start: number, end: number): HostKind | undefined {
  const length = end - start;
  if (length <= 0 || length > MAX_HOST_LENGTH) return undefined;
  if (text.charCodeAt(start) === 0x5b) {
    if (text.charCodeAt(end - 1) !== 0x5d) return undefined;
    return isIPv6(text.slice(start + 1, end - 1)) ? HostKind.IPv6 : undefined;
  }
  let numericOnly = true;
  let labelLength = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 256 || (CHAR_CLASS[c]! & HOSTNAME) === 0) return undefined;
    if (c === 0x2e) {
      if (labelLength === 0) return undefined;
      labelLength = 0;
      continue;
    }
    labelLength++;
    if (c < 0x30 || c > 0x39) numericOnly = false;
  }
  if (numericOnly) return isIPv4At(text, start, end) ? HostKind.IPv4 : undefined;
  return HostKind.Hostname;
}

/**
 * Scans a hostname or IPv4 address (not an IPv6 reference) from `start`, checking it by
 * {@link hostKindAt}'s rules as it goes: the offset just past it, or -1 when the run of
 * hostname chars there is no valid host. The URI and Via readers find a host's end and check
 * it in this one pass.
 */
export function scanHostAt(text: string, start: number, end: number): number {
  const first = text.charCodeAt(start);
  if (first >= 0x30 && first <= 0x39) return scanDigitFirstHostAt(text, start, end);
  // A name: labels of hostname chars joined by single dots, with an optional trailing dot, in
  // one regex run. The run stops before an empty label, which the caller then finds in its way
  // (an invalid host either way).
  HOST_RUN.lastIndex = start;
  if (!HOST_RUN.test(text)) return -1;
  const stop = HOST_RUN.lastIndex < end ? HOST_RUN.lastIndex : end;
  const length = stop - start;
  if (length === 0 || length > MAX_HOST_LENGTH || (stop < end && text.charCodeAt(stop) === 0x2e)) return -1;
  return stop;
}
const HOST_RUN = /[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?/y;

/** {@link scanHostAt} for a host starting with a digit (mostly IPv4, short): char by char. */
function scanDigitFirstHostAt(text: string, start: number, end: number): number {
  let numericOnly = true;
  let labelLength = 0;
  let pos = start;
  while (pos < end) {
    const c = text.charCodeAt(pos);
    if (c >= 128 || (CHAR_CLASS[c]! & HOSTNAME) === 0) break;
    if (c === 0x2e) {
      if (labelLength === 0) return -1;
      labelLength = 0;
    } else {
      labelLength++;
      if (c < 0x30 || c > 0x39) numericOnly = false;
    }
    pos++;
  }
  const length = pos - start;
  if (length === 0 || length > MAX_HOST_LENGTH) return -1;
  // All digits and dots: it must be an IPv4 address (toplabel starts with ALPHA, §25.1).
  if (numericOnly && !isIPv4At(text, start, pos)) return -1;
  return pos;
}

/**
 * True if `text[start, end)` is a dotted-quad IPv4 address: exactly what `node:net` `isIPv4`
 * accepts (four decimal octets 0..255, no leading zeros, nothing else), without its regex.
 */
export function isIPv4At(text: string, start: number, end: number): boolean {
  let octets = 0;
  let pos = start;
  for (;;) {
    const first = text.charCodeAt(pos);
    if (!(first >= 0x30 && first <= 0x39)) return false;
    let value = first - 0x30;
    let digits = 1;
    pos++;
    while (pos < end) {
      const c = text.charCodeAt(pos);
      if (c < 0x30 || c > 0x39) break;
      value = value * 10 + (c - 0x30);
      digits++;
      pos++;
    }
    if (digits > 3 || value > 255 || (digits > 1 && first === 0x30)) return false;
    octets++;
    if (pos === end) return octets === 4;
    if (octets === 4 || text.charCodeAt(pos) !== 0x2e) return false;
    pos++;
  }
}

/** True if `text` is an IPv4 address or an IPv6 address, bracketed or not. */
export function isIpAddress(text: string): boolean {
  if (isIPv4(text) || isIPv6(text)) return true;
  return text.startsWith('[') && text.endsWith(']') && isIPv6(text.slice(1, -1));
}

/**
 * Canonical host for comparison: lower case; IPv6 expanded to eight zero-padded groups so
 * `[::1]` equals `[0:0:0:0:0:0:0:1]` (RFC 5118 §4.1 compares addresses, not spellings).
 */
export function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  if (lower.charCodeAt(0) !== 0x5b) return lower.endsWith('.') ? lower.slice(0, -1) : lower;
  const address = lower.slice(1, -1);
  if (!isIPv6(address)) return lower;
  return `[${expandIPv6(address)}]`;
}

function expandIPv6(address: string): string {
  let text = address;
  // A dotted IPv4 tail becomes two hex groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headGroups.length - restGroups.length;
  const groups = rest === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...restGroups];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}
