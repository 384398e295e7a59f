/**
 * The contract between the transport layer and the layers above it (transaction layer, UA core).
 * The transport layer calls upward only through `TransportUser` (STYLE §1); the layers above send
 * through `TransportLayer`.
 */
import type { SipParseError } from '../errors.ts';
import type { SipMessage, SipRequest } from '../message/message.ts';

/** Transport protocols (RFC 3261 §18, RFC 7118 for WebSocket). */
export type TransportProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** Whether a protocol is reliable (RFC 3261 §17: reliable transports skip retransmissions). */
export function isReliable(protocol: TransportProtocol): boolean {
  return protocol !== 'udp';
}

/** One end of a SIP flow: protocol, IP address (v4 or v6, no brackets) and port. */
export interface TransportAddress {
  protocol: TransportProtocol;
  address: string;
  port: number;
}

/** A message that arrived, with where it came from (the source for RFC 3581 `received`/`rport`). */
export interface InboundMessage {
  message: SipMessage;
  /** The remote end. */
  source: TransportAddress;
  /** Our listening or connected local end. */
  local: TransportAddress;
  /** For connection-oriented transports: the connection it came on, so responses reuse it (§18.2.2). */
  connectionId: string | null;
  /** `Clock.now()` at arrival. */
  receivedAt: number;
}

/** Where and how to send. */
export interface SendTarget {
  /** The resolved destination (after RFC 3263 resolution). */
  destination: TransportAddress;
  /** Prefer this existing connection (responses on the request's connection, §18.2.2). */
  connectionId?: string | null;
  /**
   * For TLS/WSS: the name the server's certificate must match (RFC 5922 §7.2: the SIP domain the
   * target was resolved from). Default: the destination IP address (matched against IP SANs).
   */
  serverName?: string;
}

/** What a send did. */
export interface SendResult {
  local: TransportAddress;
  destination: TransportAddress;
  connectionId: string | null;
}

/** Why a send or a connection failed, for the transaction layer (§17.1.4: a transport error). */
export interface TransportFailure {
  code:
    'CONNECT_FAILED' | 'CONNECTION_CLOSED' | 'SEND_FAILED' | 'NO_TRANSPORT' | 'MESSAGE_TOO_LARGE' | 'RESOLVE_FAILED';
  message: string;
  destination: TransportAddress | null;
  connectionId: string | null;
}

/** What the layer above the transport implements: inbound messages and failures come up through it. */
export interface TransportUser {
  onMessage(inbound: InboundMessage): void;
  /**
   * A request that arrived but could not be parsed or validated: the transport has already answered
   * it with the error's status (when it could), or dropped it; the user gets to log it.
   */
  onMalformed?(error: SipParseError, source: TransportAddress): void;
  /** A connection closed or failed; transactions using it fail (§17.1.4). */
  onConnectionClosed?(connectionId: string, failure: TransportFailure | null): void;
}

/** What the layers above use to send. */
export interface TransportLayer {
  /**
   * Sends a message. For requests, the transport fills in the top Via's sent-by (and `rport`) for
   * the local address it used; §18.1.1 applies (a request over the UDP MTU limit goes over TCP).
   * Rejects with a `TransportError` carrying a `TransportFailure`.
   */
  send(message: SipMessage, target: SendTarget): Promise<SendResult>;
  /** The local address a request to `destination` would leave from (for Contact and Via). */
  localAddressFor(destination: TransportAddress): TransportAddress;
  /**
   * Where responses to this request go (RFC 3261 §18.2.2 with RFC 3581 rport): the connection it
   * came on, else `received`/`rport`/`maddr`/sent-by of the top Via.
   */
  responseTarget(request: SipRequest, inbound: InboundMessage): SendTarget;
  /**
   * Keeps a connection from being closed as idle while a transaction uses it; call the returned
   * function once the transaction ends. Optional: a layer without idle close may omit it.
   */
  retainConnection?(connectionId: string): () => void;
  /**
   * An RFC 5626 §4.4 keep-alive on a flow: a connection id, or a target (its open connection for
   * TCP/TLS/WS: a CRLF ping, §4.4.1; for UDP a STUN Binding transaction, §4.4.2). Rejects when
   * the flow failed. Optional: not every transport has flows.
   */
  sendKeepAlive?(flow: string | SendTarget, options?: KeepAliveOptions): Promise<KeepAliveResult>;
}

/** RFC 5626 §4.4.1: "If a pong is not received within 10 seconds after sending a ping … the flow failed". */
export const KEEPALIVE_PONG_TIMEOUT_MS = 10_000;

/** Options of {@link TransportLayer.sendKeepAlive}. */
export interface KeepAliveOptions {
  /** How long to wait for the pong on a connection, ms. Default {@link KEEPALIVE_PONG_TIMEOUT_MS}. */
  pongTimeoutMs?: number;
  /**
   * What goes over a UDP flow. `stun` (default): a Binding request, retransmitted per RFC 5389
   * §7.2.1 until the response (RFC 5626 §4.4.2; send it only to a peer known to speak STUN on its
   * SIP port, §8). `crlf`: one double-CRLF datagram that refreshes NAT bindings and gets no answer.
   */
  udp?: 'stun' | 'crlf';
  /** The STUN retransmission schedule of this keep-alive; missing values from the transport's. */
  stun?: { rtoMs?: number; maxRequests?: number; lastWaitFactor?: number };
}

/** What a keep-alive did. */
export interface KeepAliveResult {
  /** The connection pinged, or null over UDP. */
  connectionId: string | null;
  /** Ping to pong (first STUN request to its response over UDP), ms; undefined for a UDP CRLF datagram. */
  roundTripMs: number | undefined;
  /**
   * Over UDP with STUN: our address and port as the peer saw them (XOR-MAPPED-ADDRESS). RFC 5626
   * §4.4.2: when it changes between keep-alives the flow failed (a NAT rebinding), and the UA
   * registers again. Undefined when the peer's answer carried no address.
   */
  mappedAddress?: TransportAddress;
}
