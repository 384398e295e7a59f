/**
 * The Via rules of the transport layer, as pure functions over messages (unit-tested without
 * sockets): the client side fills the top Via (RFC 3261 §18.1.1, RFC 3581 §3), the server side
 * records where a request really came from (§18.2.1, RFC 3581 §4), and a client checks that a
 * response is for it (§18.1.2). Also the §18.1.1 switch from UDP to TCP for large requests.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { SipMessage, SipRequest } from '../message/message.ts';
import type { Via } from '../message/values/via.ts';
import { normalizeHost } from '../uri/host.ts';
import type { TransportAddress, TransportProtocol } from './transport-types.ts';

/** The Via transport token of a protocol (`UDP`, `TCP`, `TLS`, `WS`, `WSS`; RFC 7118 §5 for WS). */
export function viaTransport(protocol: TransportProtocol): string {
  return protocol.toUpperCase();
}

/** The protocol a Via transport token names, or undefined for one we do not carry (e.g. SCTP). */
export function protocolOfVia(transport: string): TransportProtocol | undefined {
  const lower = transport.toLowerCase();
  return lower === 'udp' || lower === 'tcp' || lower === 'tls' || lower === 'ws' || lower === 'wss' ? lower : undefined;
}

/**
 * Default port when a sent-by or URI has none: 5060 for UDP/TCP, 5061 for TLS (RFC 3261 §18.2.2,
 * §19.1.2), 80/443 for WS/WSS (RFC 6455 §3, which RFC 7118 uses).
 */
export function defaultPort(protocol: TransportProtocol): number {
  if (protocol === 'tls') return 5061;
  if (protocol === 'ws') return 80;
  if (protocol === 'wss') return 443;
  return 5060;
}

/** An address as a host in a Via or URI: IPv6 bracketed. */
export function hostOf(address: string): string {
  return isIPv6(address) ? `[${address}]` : address;
}

/** A host or address without IPv6 brackets. */
export function bareAddress(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** The address family of an IP address (bracketed or not), or undefined for a name. */
export function familyOf(address: string): 4 | 6 | undefined {
  const bare = bareAddress(address);
  if (isIPv4(bare)) return 4;
  if (isIPv6(bare)) return 6;
  return undefined;
}

/** True when two IP addresses are the same address (IPv6 spellings and brackets compared as addresses). */
export function sameAddress(a: string, b: string): boolean {
  return normalizeHost(hostOf(unmapIPv4(bareAddress(a)))) === normalizeHost(hostOf(unmapIPv4(bareAddress(b))));
}

/** `::ffff:192.0.2.1` (a dual-stack socket's view of an IPv4 peer) → `192.0.2.1`. */
function unmapIPv4(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && isIPv4(lower.slice(7)) ? lower.slice(7) : address;
}

/** A Via value written back from a parsed one with new parameters. */
function formatViaWith(
  via: Via,
  transport: string,
  host: string,
  port: number | undefined,
  params: Via['params'],
): string {
  const portText = port === undefined ? '' : `:${port}`;
  return `${via.protocolName}/${via.protocolVersion}/${transport} ${host}${portText}${params.toString()}`;
}

/** Replaces the top Via value (the first element of the first Via field), keeping the others. */
function replaceTopVia(message: SipMessage, value: string): void {
  message.headers.removeFirstValue('Via');
  message.headers.prepend('Via', value);
}

/** A sent-by: host (IPv6 bracketed, or a name) and port. */
export interface SentBy {
  host: string;
  port: number | undefined;
}

/**
 * Client side, §18.1.1: "the transport ... MUST insert into the 'sent-by' field the IP address
 * or host name, and port, where it can receive responses" with the transport actually used, and
 * RFC 3581 §3: "the client ... MUST include the 'rport' parameter with no value" so responses
 * come back to its source port through NAT. Any earlier received/rport values are dropped.
 *
 * @returns false when the request has no Via (the layer above adds one with its branch)
 * @throws SipParseError when the top Via is malformed
 */
export function stampSentBy(request: SipRequest, protocol: TransportProtocol, sentBy: SentBy): boolean {
  const via = request.topVia;
  if (via === undefined) return false;
  const params = via.params.clone();
  params.delete('received');
  params.set('rport', null);
  replaceTopVia(request, formatViaWith(via, viaTransport(protocol), sentBy.host, sentBy.port, params));
  return true;
}

/**
 * Server side, §18.2.1: "If the host portion of the 'sent-by' parameter contains a domain name,
 * or if it contains an IP address that differs from the packet source address, the server MUST
 * add a 'received' parameter to that Via header field value." RFC 3581 §4: when the request has
 * an `rport` without a value, the server sets it to the source port and MUST add `received`
 * "even if it is identical to the value of the 'sent-by' component".
 *
 * @returns true if the top Via changed
 * @throws SipParseError when the top Via is malformed (validated requests never are)
 */
export function stampReceived(request: SipRequest, source: TransportAddress): boolean {
  const via = request.topVia;
  if (via === undefined) return false;
  const params = via.params.clone();
  const hostIsSource = familyOf(via.host) !== undefined && sameAddress(via.host, source.address);
  let changed = false;
  if (via.rport === null) {
    params.set('rport', String(source.port));
    params.set('received', source.address);
    changed = true;
  } else if (!hostIsSource) {
    params.set('received', source.address);
    changed = true;
  }
  if (changed) replaceTopVia(request, formatViaWith(via, via.transport, via.host, via.port, params));
  return changed;
}

/** A comparable key for a sent-by: normalized host and port (the default port when absent). */
export function sentByKey(host: string, port: number | undefined, protocol: TransportProtocol): string {
  return `${normalizeHost(hostOf(bareAddress(host)))}:${port ?? defaultPort(protocol)}`;
}

/**
 * §18.1.2: "If the value of the 'sent-by' parameter in that header field value does not
 * correspond to a value that the client transport is configured to insert into requests, the
 * response MUST be silently discarded."
 */
export function responseIsOurs(via: Via | undefined, ourSentBys: ReadonlySet<string>): boolean {
  if (via === undefined) return false;
  const protocol = protocolOfVia(via.transport);
  if (protocol === undefined) return false;
  return ourSentBys.has(sentByKey(via.host, via.port, protocol));
}

/** Inputs of {@link requestProtocolFor}. */
export interface ProtocolChoice {
  /** The protocol the target asked for. */
  protocol: TransportProtocol;
  /** Size of the serialized request, bytes. */
  size: number;
  /** Largest request sent over UDP (default 1300, §18.1.1's "path MTU is unknown" rule). */
  maxUdpRequestBytes: number;
  /** Whether this layer can send over TCP. */
  tcpAvailable: boolean;
}

/**
 * §18.1.1: "If a request is within 200 bytes of the path MTU, or if it is larger than 1300
 * bytes and the path MTU is unknown, the request MUST be sent using an RFC 2914 congestion
 * controlled transport protocol, such as TCP." Without TCP it stays on UDP (IP fragments).
 */
export function requestProtocolFor(choice: ProtocolChoice): TransportProtocol {
  if (choice.protocol === 'udp' && choice.size > choice.maxUdpRequestBytes && choice.tcpAvailable) return 'tcp';
  return choice.protocol;
}
