/**
 * How this UA names itself on the wire: Contact values (RFC 3261 §8.1.1.8: a SIP URI at the
 * address and port the request leaves from, with its transport) and hosts in URIs and Vias.
 */
import type { TransportAddress } from '../transport/transport-types.ts';
import { SipUri } from '../uri/sip-uri.ts';
import { parseUri } from '../uri/uri.ts';
import { nameAddr } from './uac-request.ts';

/** A host for a URI or Via: IPv6 addresses in brackets. */
export function hostText(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/** The user part of an identity's URI (`"Alice" <sip:alice@x>` → `alice`), if it has one. */
export function identityUser(from: string): string | undefined {
  try {
    const uri = parseUri(nameAddr(from).replace(/^.*<|>.*$/g, ''));
    return uri instanceof SipUri ? uri.user : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `<sip:user@host:port[;transport=x]>` for a local transport address (UDP carries no transport
 * parameter; port 0, a WebSocket client's `.invalid` name, carries no port).
 */
export function contactValue(user: string, local: TransportAddress): string {
  const transport = local.protocol === 'udp' ? '' : `;transport=${local.protocol}`;
  const port = local.port === 0 ? '' : `:${local.port}`;
  return `<sip:${user}@${hostText(local.address)}${port}${transport}>`;
}
