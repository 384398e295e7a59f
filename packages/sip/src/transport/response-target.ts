/**
 * Where a response goes: RFC 3261 §18.2.2 with RFC 3581 §4 (rport). Pure; the layer passes
 * whether the request's connection is still open.
 */
import type { SipRequest } from '../message/message.ts';
import type { InboundMessage, SendTarget } from './transport-types.ts';
import { isReliable } from './transport-types.ts';
import { bareAddress, defaultPort } from './via-rules.ts';

/**
 * The §18.2.2 rules, in order:
 * 1. Reliable transport: "If the 'sent-protocol' is a reliable transport protocol such as TCP or
 *    SCTP, or TLS over those, the response MUST be sent using the existing connection to the
 *    source of the original request ... if that connection is still open." WebSocket responses
 *    always go on the request's connection (RFC 7118 §5: a WS client cannot accept connections).
 * 2. "Otherwise, if the Via header field value contains a 'maddr' parameter, the response MUST be
 *    forwarded to the address listed there, using the port indicated in 'sent-by', or port 5060
 *    if none is present."
 * 3. Unreliable with `received` and `rport` (RFC 3581 §4): "the response MUST be sent to the IP
 *    address listed in the 'received' parameter, and the port in the 'rport' parameter."
 * 4. "Otherwise, if it is a non-reliable unicast transport, ... the response MUST be sent to the
 *    address in the 'received' parameter, using the port indicated in the 'sent-by' value, or
 *    using port 5060 if none is specified explicitly." Same for a reliable transport whose
 *    connection is gone: "the server SHOULD open a connection to the IP address in the
 *    'received' parameter, if present, using the port in the 'sent-by' value, or the default
 *    port for the appropriate transport, 5060 for UDP, TCP and SCTP and 5061 for TLS."
 * 5. Without `received`, the sent-by itself (§18.2.2 → RFC 3263 §5).
 *
 * @param connectionOpen whether a connection id still names an open connection
 * @throws SipParseError when the top Via is malformed
 */
export function computeResponseTarget(
  request: SipRequest,
  inbound: InboundMessage,
  connectionOpen: (connectionId: string) => boolean,
): SendTarget {
  const protocol = inbound.source.protocol;
  const connectionId = inbound.connectionId;
  if (isReliable(protocol) && connectionId !== null) {
    if (protocol === 'ws' || protocol === 'wss' || connectionOpen(connectionId)) {
      return { destination: inbound.source, connectionId };
    }
  }
  const via = request.topVia;
  if (via === undefined) return { destination: inbound.source, connectionId: null };
  const sentByPort = via.port ?? defaultPort(protocol);
  if (via.maddr !== undefined) {
    return { destination: { protocol, address: bareAddress(via.maddr), port: sentByPort }, connectionId: null };
  }
  const address = bareAddress(via.received ?? via.host);
  const port = !isReliable(protocol) && typeof via.rport === 'number' ? via.rport : sentByPort;
  return { destination: { protocol, address, port }, connectionId: null };
}
