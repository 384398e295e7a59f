/**
 * `SipTransportLayer`: RFC 3261 §18 over UDP, TCP, TLS, WS and WSS (RFC 7118), on IPv4 and IPv6.
 * Inbound bytes are framed and parsed, requests validated (malformed ones answered with the
 * error's status) and stamped with received/rport; responses not meant for us are dropped.
 * Outbound messages get their Via filled and go over a reused or new connection. Nothing a peer
 * sends, and no socket error, throws out of this class.
 */
import { randomBytes } from 'node:crypto';
import type { RemoteInfo } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { systemClock, type Clock } from '../clock.ts';
import { SipParseError } from '../errors.ts';
import type { SipMessage, SipRequest } from '../message/message.ts';
import { isKeepAlive, parseMessage } from '../message/parser.ts';
import { serializeMessage } from '../message/serializer.ts';
import { validateRequest, validateResponse } from '../message/validate.ts';
import type { Connection, ConnectionEvents } from './connection.ts';
import { ConnectionPool } from './connection-pool.ts';
import {
  bindStream,
  bindUdp,
  type BoundListener,
  type ListenerEvents,
  type StreamListener,
  type UdpListener,
} from './listeners.ts';
import { errorResponseFor, looksLikeResponse } from './malformed-answer.ts';
import { computeResponseTarget } from './response-target.ts';
import { isStunPacket } from './stun.ts';
import { StunAgent } from './stun-agent.ts';
import { TransportError, TransportErrorCode } from './transport-error.ts';
import {
  resolveTransportLimits,
  type SipTransportLayerOptions,
  type TransportLimits,
  type TransportLogger,
} from './transport-options.ts';
import { DOUBLE_CRLF } from './connection-codec.ts';
import {
  KEEPALIVE_PONG_TIMEOUT_MS,
  type KeepAliveOptions,
  type KeepAliveResult,
  type InboundMessage,
  type SendResult,
  type SendTarget,
  type TransportAddress,
  type TransportLayer,
  type TransportProtocol,
  type TransportUser,
} from './transport-types.ts';
import {
  bareAddress,
  familyOf,
  hostOf,
  requestProtocolFor,
  responseIsOurs,
  sentByKey,
  stampReceived,
  stampSentBy,
  type SentBy,
} from './via-rules.ts';

/** Largest UDP payload over IPv4 (65,535 − 8 UDP − 20 IP header bytes). */
const MAX_DATAGRAM_BYTES = 65_507;
/** Bound on the remembered sent-by values of client-only connections. */
const MAX_SENT_BYS = 4096;

/** A connection as seen from outside (diagnostics and tests). */
export interface ConnectionInfo {
  id: string;
  protocol: TransportProtocol;
  local: TransportAddress;
  remote: TransportAddress;
  outbound: boolean;
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** A concrete local address for a wildcard listener: the first non-internal one of its family, else loopback. */
function concreteAddress(family: 4 | 6): string {
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) if (!entry.internal && entry.family === `IPv${family}`) return entry.address;
  }
  return family === 4 ? '127.0.0.1' : '::1';
}

/** The transport layer over real sockets. */
export class SipTransportLayer implements TransportLayer {
  readonly #options: SipTransportLayerOptions;
  readonly #clock: Clock;
  readonly #limits: TransportLimits;
  readonly #logger: TransportLogger;
  #user: TransportUser;
  #state: 'new' | 'starting' | 'started' | 'stopped' = 'new';
  #udp: UdpListener[] = [];
  #streams: StreamListener[] = [];
  readonly #pool: ConnectionPool;
  /** RFC 5626 §8: STUN keep-alives on the UDP listeners, ours and our peers'. */
  readonly #stun: StunAgent;
  readonly #ownSentBys = new Set<string>();
  /** RFC 7118 §5: a client without a WS listener puts a random `.invalid` host in its Via. */
  readonly #webSocketHost = `${randomBytes(6).toString('hex')}.invalid`;

  /** @param options listeners, TLS, limits, clock, user and logger (see {@link SipTransportLayerOptions}) */
  constructor(options: SipTransportLayerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#limits = resolveTransportLimits(options.limits);
    this.#logger = options.logger ?? {};
    this.#user = options.user;
    this.#pool = new ConnectionPool({
      clock: this.#clock,
      limits: this.#limits,
      tls: options.tls,
      webSocketPath: options.webSocketPath ?? '/',
      accepting: () => this.#state === 'started',
      events: this.#connectionEvents,
      logger: this.#logger,
    });
    this.#stun = new StunAgent({
      clock: this.#clock,
      logger: this.#logger,
      ...(options.stun?.timers === undefined ? {} : { timers: options.stun.timers }),
      ...(options.stun?.answerBindingRequests === undefined
        ? {}
        : { answerRequests: options.stun.answerBindingRequests }),
      ...(options.stun?.software === undefined ? {} : { software: options.stun.software }),
    });
  }

  /** Replaces the layer above (when it is built after the transport). */
  setUser(user: TransportUser): void {
    this.#user = user;
  }

  /** Binds every listener. On a bind failure, unbinds the others and rejects with a `TransportError` (NO_TRANSPORT). */
  async start(): Promise<void> {
    if (this.#state !== 'new')
      throw new TransportError(TransportErrorCode.NoTransport, `cannot start a transport layer that is ${this.#state}`);
    this.#state = 'starting';
    const events: ListenerEvents = {
      datagram: (listener, data, remote) => this.#onDatagram(listener, data, remote),
      connection: (listener, socket) => this.#pool.accept(listener.protocol, socket),
      error: (listener, error) =>
        this.#logger.warn?.('listener error', {
          protocol: listener.protocol,
          address: listener.address,
          port: listener.port,
          error: error.message,
        }),
    };
    try {
      for (const options of this.#options.listeners) {
        if (options.protocol === 'udp') this.#udp.push(await bindUdp(options, events));
        else this.#streams.push(await bindStream(options, this.#options.tls, this.#limits.connectTimeoutMs, events));
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
    for (const listener of [...this.#udp, ...this.#streams]) {
      const sentBy = this.#listenerSentBy(listener, undefined);
      this.#ownSentBys.add(sentByKey(sentBy.host, sentBy.port, listener.protocol));
    }
    this.#state = 'started';
  }

  /** Closes every connection and listener. Idempotent. */
  async stop(): Promise<void> {
    this.#state = 'stopped';
    this.#pool.closeAll();
    this.#stun.close();
    const closing: Promise<void>[] = [];
    for (const { server } of this.#streams) closing.push(new Promise((resolve) => server.close(() => resolve())));
    for (const { socket } of this.#udp) closing.push(new Promise((resolve) => socket.close(() => resolve())));
    this.#streams = [];
    this.#udp = [];
    await Promise.all(closing);
  }

  /** The bound listening addresses (actual ports when 0 was asked). */
  get listeners(): TransportAddress[] {
    return [...this.#udp, ...this.#streams].map((l) => ({ protocol: l.protocol, address: l.address, port: l.port }));
  }

  /** Open connections. */
  get connections(): ConnectionInfo[] {
    return this.#pool.all.map((c) => ({
      id: c.id,
      protocol: c.protocol,
      local: c.local,
      remote: c.remote,
      outbound: c.outbound,
    }));
  }

  /** True while a connection id names an open connection. */
  isConnectionOpen(connectionId: string): boolean {
    return this.#pool.get(connectionId)?.open === true;
  }

  /** Keeps a connection from idle close until the returned function is called (a no-op for unknown ids). */
  retainConnection(connectionId: string): () => void {
    return this.#pool.get(connectionId)?.retain() ?? (() => undefined);
  }

  /**
   * RFC 5626 §4.4 keep-alive on a flow. On a connection (by id, or the open one to a stream
   * target): a double-CRLF ping, resolved by the CRLF pong; no pong within `pongTimeoutMs`
   * (default 10 s) = flow failed: the connection is closed with a failure (`onConnectionClosed`)
   * and the promise rejects. Over UDP (§4.4.2): a STUN Binding request from the listener of the
   * destination's family, retransmitted per RFC 5389 §7.2.1 and resolved by the response with
   * our mapped address; no response within the schedule (39.5 s by default) = flow failed: the
   * promise rejects with the same CONNECTION_CLOSED code (there is no connection to close).
   * `udp: 'crlf'` sends a double-CRLF datagram instead (no answer, no failure detection).
   * @throws TransportError CONNECTION_CLOSED (no such open flow, no pong, no STUN response), NO_TRANSPORT, SEND_FAILED
   */
  async sendKeepAlive(flow: string | SendTarget, options: KeepAliveOptions = {}): Promise<KeepAliveResult> {
    const timeout = options.pongTimeoutMs ?? KEEPALIVE_PONG_TIMEOUT_MS;
    if (this.#state !== 'started') throw new TransportError(TransportErrorCode.NoTransport, 'not started');
    if (typeof flow !== 'string' && flow.destination.protocol === 'udp') {
      const destination = flow.destination;
      const listener = this.#udpFor(destination);
      if (options.udp === 'crlf') {
        await this.#sendDatagram(listener, DOUBLE_CRLF, destination);
        return { connectionId: null, roundTripMs: undefined };
      }
      const send = (bytes: Buffer) => this.#sendDatagram(listener, bytes, destination);
      const result = await this.#stun.bind(destination, send, options.stun);
      const mapped = result.mappedAddress;
      return {
        connectionId: null,
        roundTripMs: result.roundTripMs,
        ...(mapped === undefined
          ? {}
          : { mappedAddress: { protocol: 'udp', address: mapped.address, port: mapped.port } }),
      };
    }
    const connection =
      typeof flow === 'string'
        ? this.#pool.get(flow)
        : ((flow.connectionId ? this.#pool.get(flow.connectionId) : undefined) ??
          this.#pool.toRemote(flow.destination));
    if (connection?.open !== true) {
      const name = typeof flow === 'string' ? flow : `${flow.destination.address}:${flow.destination.port}`;
      throw new TransportError(TransportErrorCode.ConnectionClosed, `no open flow ${name} to ping`, {
        ...(typeof flow === 'string' ? { connectionId: flow } : { destination: flow.destination }),
      });
    }
    const roundTripMs = await connection.keepAlive(timeout);
    return { connectionId: connection.id, roundTripMs };
  }

  /** The local address a request to `destination` leaves from: the listener of that protocol and family. */
  localAddressFor(destination: TransportAddress): TransportAddress {
    const family = familyOf(destination.address) ?? 4;
    const listener = this.#listenerFor(destination.protocol, family);
    if (listener !== undefined) {
      const sentBy = this.#listenerSentBy(listener, undefined);
      return { protocol: destination.protocol, address: bareAddress(sentBy.host), port: sentBy.port ?? listener.port };
    }
    const connection = this.#pool.toRemote(destination);
    if (connection?.open === true) return connection.local;
    // RFC 7118 §5: a WebSocket client without a listener names itself by a random `.invalid`
    // host (no port: it cannot be reached but on its connection), as its Via does.
    if (destination.protocol === 'ws' || destination.protocol === 'wss')
      return { protocol: destination.protocol, address: this.#webSocketHost, port: 0 };
    throw new TransportError(TransportErrorCode.NoTransport, `no ${destination.protocol} transport for IPv${family}`, {
      destination,
    });
  }

  /** §18.2.2 + RFC 3581 (see {@link computeResponseTarget}). */
  responseTarget(request: SipRequest, inbound: InboundMessage): SendTarget {
    return computeResponseTarget(request, inbound, (id) => this.isConnectionOpen(id));
  }

  /**
   * Sends a request or response (see {@link TransportLayer.send}). `target.destination` must be an
   * IP address (resolve names with `locateServers` first, RFC 3263).
   * @throws TransportError
   */
  async send(message: SipMessage, target: SendTarget): Promise<SendResult> {
    const destination = target.destination;
    if (this.#state !== 'started')
      throw new TransportError(TransportErrorCode.NoTransport, 'the transport layer is not started', { destination });
    if (familyOf(destination.address) === undefined) {
      throw new TransportError(
        TransportErrorCode.ResolveFailed,
        `${destination.address} is not an IP address (resolve it first, RFC 3263)`,
        { destination },
      );
    }
    if (message.kind === 'request') return this.#sendRequest(message, target);
    const bytes = serializeMessage(message);
    if (destination.protocol === 'udp') return this.#sendDatagram(this.#udpFor(destination), bytes, destination);
    // §18.2.2: open a new connection for a response only over TCP/TLS, never to a WebSocket client.
    const allowConnect = destination.protocol === 'tcp' || destination.protocol === 'tls';
    const connection = await this.#pool.connectionFor(destination, target, allowConnect);
    await connection.send(bytes);
    return { local: connection.local, destination: connection.remote, connectionId: connection.id };
  }

  async #sendRequest(request: SipRequest, target: SendTarget): Promise<SendResult> {
    let destination = target.destination;
    if (destination.protocol === 'udp') {
      const listener = this.#udpFor(destination);
      this.#stamp(request, 'udp', this.#listenerSentBy(listener, undefined), destination);
      const bytes = serializeMessage(request);
      const protocol = requestProtocolFor({
        protocol: 'udp',
        size: bytes.length,
        maxUdpRequestBytes: this.#limits.maxUdpRequestBytes,
        tcpAvailable: this.#streams.some((l) => l.protocol === 'tcp'),
      });
      if (protocol === 'udp') return this.#sendDatagram(listener, bytes, destination);
      // §18.1.1: above the MTU limit the request goes over TCP, Via rewritten. If TCP fails, the
      // TransportError goes up (no silent fallback to UDP): the transaction layer decides.
      this.#logger.debug?.('request above the UDP limit goes over TCP (RFC 3261 §18.1.1)', { size: bytes.length });
      destination = { ...destination, protocol: 'tcp' };
    }
    const connection = await this.#pool.connectionFor(destination, target, true);
    this.#stamp(request, destination.protocol, this.#connectionSentBy(connection), destination);
    await connection.send(serializeMessage(request));
    return { local: connection.local, destination, connectionId: connection.id };
  }

  #stamp(request: SipRequest, protocol: TransportProtocol, sentBy: SentBy, destination: TransportAddress): void {
    let stamped: boolean;
    try {
      stamped = stampSentBy(request, protocol, sentBy);
    } catch (error) {
      throw new TransportError(TransportErrorCode.SendFailed, `malformed top Via: ${(error as Error).message}`, {
        destination,
        cause: error,
      });
    }
    if (!stamped)
      throw new TransportError(TransportErrorCode.SendFailed, 'a request needs a Via with its branch (§8.1.1.7)', {
        destination,
      });
  }

  #sendDatagram(listener: UdpListener, bytes: Buffer, destination: TransportAddress): Promise<SendResult> {
    if (bytes.length > MAX_DATAGRAM_BYTES) {
      return Promise.reject(
        new TransportError(TransportErrorCode.MessageTooLarge, `${bytes.length} bytes do not fit a datagram`, {
          destination,
        }),
      );
    }
    return new Promise((resolve, reject) => {
      listener.socket.send(bytes, destination.port, destination.address, (error) => {
        if (error)
          reject(
            new TransportError(TransportErrorCode.SendFailed, `udp send failed: ${error.message}`, {
              destination,
              cause: error,
            }),
          );
        else
          resolve({
            local: { protocol: 'udp', address: listener.address, port: listener.port },
            destination,
            connectionId: null,
          });
      });
    });
  }

  #udpFor(destination: TransportAddress): UdpListener {
    const family = familyOf(destination.address);
    const listener = this.#udp.find((l) => l.family === family);
    if (listener === undefined)
      throw new TransportError(TransportErrorCode.NoTransport, `no udp listener for IPv${family}`, { destination });
    return listener;
  }

  #listenerFor(protocol: TransportProtocol, family: 4 | 6): BoundListener | undefined {
    const all: BoundListener[] = protocol === 'udp' ? this.#udp : this.#streams;
    return all.find((l) => l.protocol === protocol && l.family === family) ?? all.find((l) => l.protocol === protocol);
  }

  /** §18.1.1 sent-by of a listener: the advertised host/port, else the bound (or, for a wildcard, a concrete) address. */
  #listenerSentBy(listener: BoundListener, connection: Connection | undefined): SentBy {
    const { advertisedHost, advertisedPort } = listener.options;
    const address =
      advertisedHost ??
      (isWildcard(listener.address)
        ? (connection?.local.address ?? concreteAddress(listener.family))
        : listener.address);
    return { host: hostOf(address), port: advertisedPort ?? listener.port };
  }

  /** The sent-by for a request on a connection: our listener of that protocol, else the connection's own end. */
  #connectionSentBy(connection: Connection): SentBy {
    const family = familyOf(connection.local.address) ?? 4;
    const listener = this.#listenerFor(connection.protocol, family);
    let sentBy: SentBy;
    if (listener !== undefined) sentBy = this.#listenerSentBy(listener, connection);
    else if (connection.protocol === 'ws' || connection.protocol === 'wss')
      sentBy = { host: this.#webSocketHost, port: undefined };
    else sentBy = { host: hostOf(connection.local.address), port: connection.local.port };
    if (this.#ownSentBys.size >= MAX_SENT_BYS) this.#ownSentBys.delete(this.#ownSentBys.values().next().value!);
    this.#ownSentBys.add(sentByKey(sentBy.host, sentBy.port, connection.protocol));
    return sentBy;
  }

  readonly #connectionEvents: ConnectionEvents = {
    onMessage: (connection, message) =>
      this.#receive(
        message,
        connection.remote,
        connection.local,
        connection.id,
        (bytes) => void connection.send(bytes).catch(() => undefined),
      ),
    onMalformed: (connection, error, fatal) => {
      this.#reject(error, connection.remote, (bytes) => void connection.send(bytes).catch(() => undefined));
      // A lost message boundary (or a size limit) ends the connection, after the answer is flushed.
      if (fatal)
        connection.close(
          {
            code: TransportErrorCode.ConnectionClosed,
            message: `closed after ${error.code}`,
            destination: connection.remote,
            connectionId: connection.id,
          },
          true,
        );
    },
    onClosed: (connection, failure) => {
      this.#logger.debug?.('connection closed', { id: connection.id, reason: failure?.message ?? 'closed' });
      this.#upcall(() => this.#user.onConnectionClosed?.(connection.id, failure));
    },
  };

  #onDatagram(listener: UdpListener, data: Buffer, remote: RemoteInfo): void {
    if (this.#state !== 'started') return;
    const source: TransportAddress = { protocol: 'udp', address: remote.address, port: remote.port };
    const reply = (bytes: Buffer) => void this.#sendDatagram(listener, bytes, source).catch(() => undefined);
    // RFC 5626 §8: STUN and SIP share the port; a STUN packet starts with two zero bits and
    // carries the magic cookie (RFC 7983 §7), and never reaches the SIP parser.
    if (isStunPacket(data)) return this.#stun.receive(data, source, reply);
    // A CRLF datagram (a peer's NAT refresh) is not a message either.
    if (isKeepAlive(data)) return;
    const local: TransportAddress = { protocol: 'udp', address: listener.address, port: listener.port };
    let message: SipMessage;
    try {
      message = parseMessage(data, this.#limits.message);
    } catch (error) {
      // A broken response is dropped; never answer a response (§18.1.2).
      if (looksLikeResponse(data)) return;
      this.#reject(error, source, reply);
      return;
    }
    this.#receive(message, source, local, null, reply);
  }

  /** Inbound message: validate, stamp (requests) or match (responses), then up to the user. */
  #receive(
    message: SipMessage,
    source: TransportAddress,
    local: TransportAddress,
    connectionId: string | null,
    reply: (bytes: Buffer) => void,
  ): void {
    try {
      if (message.kind === 'request') {
        validateRequest(message, this.#options.validation);
        stampReceived(message, source);
      } else {
        validateResponse(message);
        if (!responseIsOurs(message.topVia, this.#ownSentBys)) {
          this.#logger.debug?.('response for another sent-by dropped (RFC 3261 §18.1.2)', { source });
          return;
        }
      }
    } catch (error) {
      if (message.kind === 'request') this.#reject(error, source, reply);
      return;
    }
    const inbound: InboundMessage = { message, source, local, connectionId, receivedAt: this.#clock.now() };
    this.#upcall(() => this.#user.onMessage(inbound));
  }

  /** A malformed request: answered with the error's status when there is enough to build it, then reported. */
  #reject(error: unknown, source: TransportAddress, reply: (bytes: Buffer) => void): void {
    if (!(error instanceof SipParseError)) {
      this.#logger.warn?.('unexpected failure on inbound bytes', { error: String(error) });
      return;
    }
    const answer = errorResponseFor(error, this.#ownSentBys);
    if (answer !== undefined) reply(answer);
    this.#upcall(() => this.#user.onMalformed?.(error, source));
  }

  #upcall(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#logger.warn?.('transport user threw', { error: error instanceof Error ? error.message : String(error) });
    }
  }
}
