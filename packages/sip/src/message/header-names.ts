/**
 * Header names: canonical spelling, compact forms (RFC 3261 §7.3.3 and the RFCs that define
 * them), and which headers are comma-separated lists (§7.3.1). A header is keyed by its
 * lower-cased full name everywhere in this package (`call-id`, `www-authenticate`).
 */

/** Canonical spelling of every header this layer knows, by key. */
const CANONICAL: Record<string, string> = {};
/** Compact form (one letter) → key. */
const COMPACT: Record<string, string> = {};
/** Keys of headers whose grammar is a comma-separated list. */
const LIST_HEADERS = new Set<string>();

function define(name: string, options: { compact?: string; list?: boolean } = {}): void {
  const key = name.toLowerCase();
  CANONICAL[key] = name;
  if (options.compact !== undefined) COMPACT[options.compact] = key;
  if (options.list === true) LIST_HEADERS.add(key);
}

// RFC 3261 §20, in its order. Authorization, WWW-Authenticate, Proxy-Authenticate,
// Proxy-Authorization and Authentication-Info hold comma-separated *parameters*, and Date
// holds a comma after the weekday: never split (§7.3.1).
define('Accept', { list: true });
define('Accept-Encoding', { list: true });
define('Accept-Language', { list: true });
define('Alert-Info', { list: true });
define('Allow', { list: true });
define('Authentication-Info');
define('Authorization');
define('Call-ID', { compact: 'i' });
define('Call-Info', { list: true });
define('Contact', { compact: 'm', list: true });
define('Content-Disposition');
define('Content-Encoding', { compact: 'e', list: true });
define('Content-Language', { list: true });
define('Content-Length', { compact: 'l' });
define('Content-Type', { compact: 'c' });
define('CSeq');
define('Date');
define('Error-Info', { list: true });
define('Expires');
define('From', { compact: 'f' });
define('In-Reply-To', { list: true });
define('Max-Forwards');
define('Min-Expires');
define('MIME-Version');
define('Organization');
define('Priority');
define('Proxy-Authenticate');
define('Proxy-Authorization');
define('Proxy-Require', { list: true });
define('Record-Route', { list: true });
define('Reply-To');
define('Require', { list: true });
define('Retry-After');
define('Route', { list: true });
define('Server');
define('Subject', { compact: 's' });
define('Supported', { compact: 'k', list: true });
define('Timestamp');
define('To', { compact: 't' });
define('Unsupported', { list: true });
define('User-Agent');
define('Via', { compact: 'v', list: true });
define('Warning', { list: true });
define('WWW-Authenticate');
// Extensions the stack uses.
define('Privacy'); // RFC 3323: values separated by ";" not ","
define('P-Asserted-Identity', { list: true }); // RFC 3325
define('P-Preferred-Identity', { list: true }); // RFC 3325
define('Refer-To', { compact: 'r' }); // RFC 3515
define('Referred-By', { compact: 'b' }); // RFC 3892
define('Replaces'); // RFC 3891
define('Diversion', { list: true }); // RFC 5806
define('History-Info', { list: true }); // RFC 7044
define('Session-Expires', { compact: 'x' }); // RFC 4028
define('Min-SE'); // RFC 4028
define('RSeq'); // RFC 3262
define('RAck'); // RFC 3262
define('Event', { compact: 'o' }); // RFC 6665
define('Subscription-State'); // RFC 6665
define('Allow-Events', { compact: 'u', list: true }); // RFC 6665
define('Reason', { list: true }); // RFC 3326
define('Path', { list: true }); // RFC 3327
define('Service-Route', { list: true }); // RFC 3608
define('Accept-Contact', { compact: 'a', list: true }); // RFC 3841
define('Reject-Contact', { compact: 'j', list: true }); // RFC 3841
define('Request-Disposition', { compact: 'd', list: true }); // RFC 3841
define('Identity', { compact: 'y' }); // RFC 8224
define('Identity-Info', { compact: 'n' }); // RFC 4474
define('Content-Transfer-Encoding');
define('Content-ID');
define('SIP-ETag');
define('SIP-If-Match');
define('Security-Client', { list: true });
define('Security-Server', { list: true });
define('Security-Verify', { list: true });

/**
 * Header key (lower-cased full name) for a name as it appeared on the wire: compact forms
 * expand (`i` → `call-id`), everything else lower-cases. Names are case-insensitive (§7.3.1).
 */
export function headerKey(name: string): string {
  const cached = KEY_CACHE.get(name);
  if (cached !== undefined) return cached;
  const lower = name.toLowerCase();
  const key = name.length === 1 ? (COMPACT[lower] ?? lower) : lower;
  // Bounded: spellings seen on the wire are few, but a peer could send endless new names.
  if (KEY_CACHE.size < MAX_CACHED_KEYS) KEY_CACHE.set(name, key);
  return key;
}

/** Wire spelling → key, so the hot path skips `toLowerCase` for names seen before. */
const KEY_CACHE = new Map<string, string>();
const MAX_CACHED_KEYS = 1024;

/** Canonical spelling for a key or any spelling of a known header (`call-id` → `Call-ID`); unknown names are returned as given. */
export function canonicalName(name: string): string {
  return CANONICAL[headerKey(name)] ?? name;
}

/** True if the header's grammar is a comma-separated list that may be split (§7.3.1). */
export function isListHeader(key: string): boolean {
  return LIST_HEADERS.has(key);
}

/** A known header: its canonical spelling and key. */
export interface KnownHeader {
  /** Canonical spelling (`Call-ID`). */
  readonly name: string;
  /** Key (`call-id`). */
  readonly key: string;
}

/** Known headers and compact forms, as a flat list indexed by {@link knownHeaderStartingAt}. */
export const KNOWN_HEADERS: KnownHeader[] = [];
function addKnown(name: string, key: string): void {
  KNOWN_HEADERS.push({ name, key });
}
for (const [key, name] of Object.entries(CANONICAL)) addKnown(name, key);
for (const [letter, key] of Object.entries(COMPACT)) addKnown(letter, key);

// Char codes of each known name and key, so the scan compares numbers, not chars of two strings.
const NAME_CODES = KNOWN_HEADERS.map(({ name }) => Array.from(name, (char) => char.charCodeAt(0)));
const KEY_CODES = KNOWN_HEADERS.map(({ name, key }) =>
  // A compact form's key is its full name; the scan compares the letter itself.
  name.length === 1 ? [name.charCodeAt(0)] : Array.from(key, (char) => char.charCodeAt(0)),
);

/** Indexes into KNOWN_HEADERS by lower-cased first char, the headers every message carries first. */
const BY_FIRST: number[][] = [];
const FREQUENT = ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Content-Length', 'Content-Type', 'Max-Forwards'];
for (const index of [...KNOWN_HEADERS.keys()].sort((a, b) => rank(a) - rank(b)))
  (BY_FIRST[KNOWN_HEADERS[index]!.name.charCodeAt(0) | 0x20] ??= []).push(index);
function rank(index: number): number {
  const at = FREQUENT.indexOf(KNOWN_HEADERS[index]!.name);
  return at < 0 ? FREQUENT.length : at;
}

/**
 * The known header whose name starts at `text[start]` in any letter case and is followed by
 * ":", SP or HTAB (so the name is a whole token), compared char by char without making a
 * string or scanning the token first: `index * 2 + 1` when the spelling is exactly the
 * canonical one (or the lower-case compact letter), so the caller can reuse the interned name;
 * `index * 2` for another spelling; -1 when no known name is there (the caller then scans the
 * token). The name's length is `KNOWN_HEADERS[index].name.length`. The scanner's twin of
 * {@link headerKey} (undici's header-name trie does the same job on bytes).
 */
export function knownHeaderStartingAt(text: string, start: number): number {
  const c0 = text.charCodeAt(start);
  if (c0 >= 128) return -1;
  const bucket = BY_FIRST[c0 | 0x20];
  if (bucket === undefined) return -1;
  next: for (let b = 0; b < bucket.length; b++) {
    const index = bucket[b]!;
    const nameCodes = NAME_CODES[index]!;
    const length = nameCodes.length;
    const after = text.charCodeAt(start + length);
    if (after !== 0x3a && after !== 0x20 && after !== 0x09) continue;
    const keyCodes = KEY_CODES[index]!;
    let exact = 1;
    for (let i = 0; i < length; i++) {
      const c = text.charCodeAt(start + i);
      if (c === nameCodes[i]) continue;
      exact = 0;
      // Letter case folded by OR 0x20: names hold only letters and "-" (and CR | 0x20 is "-",
      // but a CR there is a bare CR, which rejects the message anyway).
      if ((c | 0x20) !== keyCodes[i]) continue next;
    }
    return index * 2 + exact;
  }
  return -1;
}

/** Every known header key with its canonical name (for documentation and tests). */
export function knownHeaders(): ReadonlyArray<readonly [key: string, name: string]> {
  return Object.entries(CANONICAL);
}
