/**
 * The RFC 6455 §4 opening handshake for SIP over WebSocket (RFC 7118 §4: the `sip`
 * subprotocol). Cold path: once per connection, on a bounded head, so plain string work is fine.
 */
import { createHash, randomBytes } from 'node:crypto';

/** RFC 6455 §1.3: the GUID appended to the client's key. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** RFC 7118 §4: the WebSocket subprotocol for SIP. */
export const SIP_SUBPROTOCOL = 'sip';

/** `Sec-WebSocket-Accept` for a key (RFC 6455 §4.2.2 step 5.4). */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + WEBSOCKET_GUID)
    .digest('base64');
}

/** A fresh `Sec-WebSocket-Key`: 16 random bytes, base64 (RFC 6455 §4.1). */
export function newWebSocketKey(): string {
  return randomBytes(16).toString('base64');
}

/** An HTTP head: first line and headers (names lower-cased; repeated ones joined with ", "). */
export interface HttpHead {
  startLine: string;
  headers: Map<string, string>;
}

/** Offset just past the CRLFCRLF that ends an HTTP head, or -1. */
export function httpHeadEnd(buffer: Buffer): number {
  const at = buffer.indexOf('\r\n\r\n', 0, 'latin1');
  return at < 0 ? -1 : at + 4;
}

/** Parses an HTTP head (the bytes before CRLFCRLF). Malformed lines are skipped; the caller checks what it needs. */
export function parseHttpHead(head: Buffer): HttpHead {
  const lines = head.toString('latin1').split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const before = headers.get(name);
    headers.set(name, before === undefined ? value : `${before}, ${value}`);
  }
  return { startLine: lines[0] ?? '', headers };
}

/** True if a comma-separated header value holds `token` (case-insensitive). */
function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  return value.split(',').some((part) => part.trim().toLowerCase() === token);
}

/** The server's answer to an upgrade request: 101 with the accept key, or an HTTP error. */
export type UpgradeDecision =
  { accepted: true; response: Buffer } | { accepted: false; response: Buffer; reason: string };

function refuse(status: string, reason: string, extra = ''): UpgradeDecision {
  const response = Buffer.from(
    `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n${extra}\r\n`,
    'latin1',
  );
  return { accepted: false, response, reason };
}

/**
 * Server side of the handshake. RFC 6455 §4.2.1: a GET with `Upgrade: websocket`,
 * `Connection: Upgrade`, `Sec-WebSocket-Key` and `Sec-WebSocket-Version: 13`; RFC 7118 §4: the
 * client offers `sip` in `Sec-WebSocket-Protocol`, and the server names it in its 101 answer. A
 * client that does not offer `sip` is refused: this endpoint speaks nothing else.
 */
export function answerUpgrade(request: HttpHead): UpgradeDecision {
  if (!/^GET \S+ HTTP\/1\.1$/.test(request.startLine)) return refuse('400 Bad Request', 'not an HTTP/1.1 GET');
  const { headers } = request;
  if (!hasToken(headers.get('upgrade'), 'websocket') || !hasToken(headers.get('connection'), 'upgrade')) {
    return refuse('426 Upgrade Required', 'no WebSocket upgrade', 'Upgrade: websocket\r\n');
  }
  if (headers.get('sec-websocket-version') !== '13') {
    return refuse('426 Upgrade Required', 'unsupported WebSocket version', 'Sec-WebSocket-Version: 13\r\n');
  }
  const key = headers.get('sec-websocket-key');
  if (key === undefined || Buffer.from(key, 'base64').length !== 16)
    return refuse('400 Bad Request', 'bad Sec-WebSocket-Key');
  if (!hasToken(headers.get('sec-websocket-protocol'), SIP_SUBPROTOCOL))
    return refuse('400 Bad Request', 'sip subprotocol not offered');
  const response = Buffer.from(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${acceptKey(key)}\r\nSec-WebSocket-Protocol: ${SIP_SUBPROTOCOL}\r\n\r\n`,
    'latin1',
  );
  return { accepted: true, response };
}

/** Client side: the upgrade request (RFC 6455 §4.1, RFC 7118 §4). */
export function upgradeRequest(options: { host: string; path: string; key: string }): Buffer {
  return Buffer.from(
    `GET ${options.path} HTTP/1.1\r\nHost: ${options.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${options.key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${SIP_SUBPROTOCOL}\r\n\r\n`,
    'latin1',
  );
}

/**
 * Client side: checks the server's answer (RFC 6455 §4.1: 101, the right accept value; RFC 7118
 * §4: the `sip` subprotocol). Returns why it is refused, or undefined when it is good.
 */
export function checkUpgradeResponse(response: HttpHead, key: string): string | undefined {
  if (!/^HTTP\/1\.1 101\b/.test(response.startLine))
    return `server answered ${JSON.stringify(response.startLine.slice(0, 80))}`;
  if (!hasToken(response.headers.get('upgrade'), 'websocket')) return 'no Upgrade: websocket';
  if (response.headers.get('sec-websocket-accept') !== acceptKey(key)) return 'bad Sec-WebSocket-Accept';
  if (response.headers.get('sec-websocket-protocol')?.toLowerCase() !== SIP_SUBPROTOCOL)
    return 'server did not select the sip subprotocol';
  return undefined;
}
