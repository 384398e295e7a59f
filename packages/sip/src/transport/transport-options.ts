/**
 * Options of {@link SipTransportLayer}: listeners, TLS material, limits, clock, the user above
 * and a logger. Every limit has a default, and every wait is bounded.
 */
import type { Clock } from '../clock.ts';
import type { SipLimits } from '../message/header-section.ts';
import { DEFAULT_LIMITS } from '../message/header-section.ts';
import type { ValidateRequestOptions } from '../message/validate.ts';
import type { StunTimers } from './stun-agent.ts';
import type { TransportProtocol, TransportUser } from './transport-types.ts';

/** One listening socket. */
export interface ListenerOptions {
  protocol: TransportProtocol;
  /** IP address to bind (`127.0.0.1`, `::1`, `0.0.0.0`, `::`). */
  address: string;
  /** Port to bind; 0 takes an ephemeral port (see `SipTransportLayer.listeners` after start). */
  port: number;
  /** Host written in Via sent-by (and given for Contact); default the bound address (RFC 3261 §18.1.1). */
  advertisedHost?: string;
  /** Port written in Via sent-by; default the bound port. */
  advertisedPort?: number;
}

/** Certificates for TLS and WSS (node:tls). */
export interface TlsOptions {
  /** Our certificate chain, PEM. Needed by TLS/WSS listeners. */
  cert?: string | Buffer;
  /** Our private key, PEM. */
  key?: string | Buffer;
  /** Trusted CAs, PEM; default Node's bundled roots. */
  ca?: string | Buffer | Array<string | Buffer>;
  /**
   * Verify the peer's certificate (chain and name, RFC 5922 §7). Default true; false only for
   * tests with self-signed certificates.
   */
  rejectUnauthorized?: boolean;
  /** Ask TLS clients for a certificate (mutual TLS). Default false. */
  requestClientCertificate?: boolean;
}

/** Bounds of the transport layer. */
export interface TransportLimits {
  /** Most open stream connections (in and out). Default 1024. */
  maxConnections: number;
  /** Outbound TCP/TLS connect + TLS/WebSocket handshake, ms. Default 10000. */
  connectTimeoutMs: number;
  /** Close a connection after this long with no traffic and no retained transaction, ms. Default 120000. */
  idleTimeoutMs: number;
  /** Bytes a connection may queue for a slow reader before sends fail. Default 1 MiB. */
  maxWriteBufferBytes: number;
  /** §18.1.1: requests larger than this go over TCP when the layer has TCP, bytes. Default 1300. */
  maxUdpRequestBytes: number;
  /** Largest WebSocket opening handshake, bytes. Default 8192. */
  maxHandshakeBytes: number;
  /** SIP message limits per datagram / per stream connection (the receive buffer bound). */
  message: SipLimits;
}

/** The defaults of {@link TransportLimits}. */
export const DEFAULT_TRANSPORT_LIMITS: Readonly<TransportLimits> = Object.freeze({
  maxConnections: 1024,
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 120_000,
  maxWriteBufferBytes: 1024 * 1024,
  maxUdpRequestBytes: 1300,
  maxHandshakeBytes: 8192,
  message: DEFAULT_LIMITS,
});

/** What the transport layer logs through; both methods optional (a Moleculer logger fits). */
export interface TransportLogger {
  debug?(message: string, details?: Record<string, unknown>): void;
  warn?(message: string, details?: Record<string, unknown>): void;
}

/** Options of {@link SipTransportLayer}. */
export interface SipTransportLayerOptions {
  /** Listening sockets; at least one per protocol the layer should send over. */
  listeners: ListenerOptions[];
  /** Certificates for TLS/WSS listeners and outbound TLS/WSS. */
  tls?: TlsOptions;
  /** Limits; missing ones take {@link DEFAULT_TRANSPORT_LIMITS}. */
  limits?: Partial<Omit<TransportLimits, 'message'>> & { message?: Partial<SipLimits> };
  /** Time source; default the system clock. */
  clock?: Clock;
  /** The layer above (transaction layer). */
  user: TransportUser;
  logger?: TransportLogger;
  /** Options of `validateRequest` for inbound requests (e.g. supported URI schemes). */
  validation?: ValidateRequestOptions;
  /** Request path of outbound WebSocket connections. Default `/`. */
  webSocketPath?: string;
  /** STUN on the UDP listeners (RFC 5626 §8). */
  stun?: StunOptions;
}

/** STUN on the UDP listeners: answering peers' keep-alives and the schedule of ours. */
export interface StunOptions {
  /**
   * Answer Binding requests that arrive on a UDP listener with XOR-MAPPED-ADDRESS (RFC 5626 §8: a
   * SIP node that accepts outbound flows MUST). Default true.
   */
  answerBindingRequests?: boolean;
  /** Retransmission schedule of our Binding requests (RFC 5389 §7.2.1). Default 500 ms, 7 requests, 16·RTO: 39.5 s. */
  timers?: Partial<StunTimers>;
  /** SOFTWARE attribute of our answers; none by default. */
  software?: string;
}

/** Fills in defaults. */
export function resolveTransportLimits(partial: SipTransportLayerOptions['limits']): TransportLimits {
  const { message, ...rest } = partial ?? {};
  return { ...DEFAULT_TRANSPORT_LIMITS, ...rest, message: { ...DEFAULT_LIMITS, ...message } };
}
