/**
 * Loose comparison of peer URIs for log queries: two URIs name the same peer when their scheme,
 * user and host agree. The host compares case-insensitively (RFC 3261 §19.1.4), the user
 * exactly once percent-escapes are decoded; port, parameters, headers and any display name
 * (`"Bob" <sip:bob@host;transport=tcp>`) are ignored. `tel:` URIs compare by number.
 */

/** The parts of a URI that name a peer. */
export interface PeerKey {
  /** Lower-case scheme (`sip`, `sips`, `tel`, …). */
  scheme: string;
  /** User part, percent-decoded; the number of a `tel:` URI. Empty when there is none. */
  user: string;
  /** Lower-case host without port; empty for `tel:`. */
  host: string;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s;

/** The peer parts of `text` (a URI, or a name-addr with `<…>`), or null when it has no scheme. */
export function peerKeyOf(text: string): PeerKey | null {
  let uri = text.trim();
  const open = uri.indexOf('<');
  const close = uri.lastIndexOf('>');
  if (open >= 0 && close > open) uri = uri.slice(open + 1, close).trim();
  const match = SCHEME.exec(uri);
  if (!match) return null;
  const scheme = match[1]!.toLowerCase();
  const rest = match[2]!;
  if (scheme === 'tel') return { scheme, user: decode(cut(rest, ';?')), host: '' };
  // The user part may itself hold ';' (RFC 3261 user-unreserved), so split at the last '@' first.
  const at = rest.lastIndexOf('@');
  const user = at >= 0 ? decode(rest.slice(0, at)) : '';
  const hostPort = cut(at >= 0 ? rest.slice(at + 1) : rest, ';?');
  const host = hostPort.startsWith('[')
    ? hostPort.slice(0, hostPort.indexOf(']') + 1 || undefined)
    : cut(hostPort, ':');
  return { scheme, user, host: host.toLowerCase() };
}

/** Whether two URIs name the same peer (see the file comment); unparsable ones compare as text. */
export function samePeer(a: string, b: string): boolean {
  const left = peerKeyOf(a);
  const right = peerKeyOf(b);
  if (!left || !right) return a.trim().toLowerCase() === b.trim().toLowerCase();
  return left.scheme === right.scheme && left.user === right.user && left.host === right.host;
}

/** `text` up to the first of `stops`. */
function cut(text: string, stops: string): string {
  let end = text.length;
  for (const stop of stops) {
    const index = text.indexOf(stop);
    if (index >= 0 && index < end) end = index;
  }
  return text.slice(0, end);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
