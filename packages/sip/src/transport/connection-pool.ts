/**
 * The stream connections of a transport layer: reuse by connection id and by (protocol, remote
 * address, port), one connect at a time per destination, the connection limit, inbound
 * adoption, and forgetting connections when they close.
 */
import type { Socket } from 'node:net';
import type { Clock } from '../clock.ts';
import { sipStreamCodec } from './connection-codec.ts';
import { Connection, type ConnectionEvents } from './connection.ts';
import { openSocket } from './outbound-connect.ts';
import { TransportError, TransportErrorCode } from './transport-error.ts';
import type { TlsOptions, TransportLimits, TransportLogger } from './transport-options.ts';
import type { SendTarget, TransportAddress, TransportProtocol } from './transport-types.ts';
import { hostOf, sentByKey } from './via-rules.ts';
import { webSocketCodec } from './websocket-codec.ts';

/** The key of a remote end: protocol, normalized address, port. */
export function remoteKey(address: TransportAddress): string {
  return `${address.protocol} ${sentByKey(address.address, address.port, address.protocol)}`;
}

/** What a {@link ConnectionPool} needs. */
export interface ConnectionPoolInit {
  clock: Clock;
  limits: TransportLimits;
  tls: TlsOptions | undefined;
  webSocketPath: string;
  /** False once the layer stops: inbound sockets are refused, late outbound ones closed. */
  accepting: () => boolean;
  /** The layer's handlers; the pool forgets a connection before passing `onClosed` on. */
  events: ConnectionEvents;
  logger: TransportLogger;
}

/** Open and opening connections. */
export class ConnectionPool {
  readonly #init: ConnectionPoolInit;
  readonly #connections = new Map<string, Connection>();
  readonly #byRemote = new Map<string, Connection>();
  readonly #connecting = new Map<string, Promise<Connection>>();
  readonly #events: ConnectionEvents;
  #nextId = 1;

  /** @param init clock, limits, TLS material and the layer's handlers */
  constructor(init: ConnectionPoolInit) {
    this.#init = init;
    this.#events = {
      onMessage: init.events.onMessage,
      onMalformed: init.events.onMalformed,
      onClosed: (connection, failure) => {
        this.#connections.delete(connection.id);
        const key = remoteKey(connection.remote);
        if (this.#byRemote.get(key) === connection) this.#byRemote.delete(key);
        init.events.onClosed(connection, failure);
      },
    };
  }

  /** Every open connection. */
  get all(): Connection[] {
    return [...this.#connections.values()];
  }

  /** A connection by id. */
  get(connectionId: string): Connection | undefined {
    return this.#connections.get(connectionId);
  }

  /** The open connection to a remote end, if any. */
  toRemote(remote: TransportAddress): Connection | undefined {
    const connection = this.#byRemote.get(remoteKey(remote));
    return connection?.open === true ? connection : undefined;
  }

  /** Closes every connection (the layer stops). */
  closeAll(): void {
    for (const connection of this.all) connection.close(null);
  }

  /**
   * An open connection for the target: by id, else by remote address, else (if allowed) a new one.
   * @throws TransportError CONNECTION_CLOSED, CONNECT_FAILED
   */
  async connectionFor(destination: TransportAddress, target: SendTarget, allowConnect: boolean): Promise<Connection> {
    let connection: Connection | undefined;
    if (target.connectionId !== undefined && target.connectionId !== null) {
      connection = this.#connections.get(target.connectionId);
      if (connection?.open !== true && !allowConnect) {
        throw new TransportError(TransportErrorCode.ConnectionClosed, `connection ${target.connectionId} is closed`, {
          destination,
          connectionId: target.connectionId,
        });
      }
    }
    if (connection?.open !== true) connection = this.#byRemote.get(remoteKey(destination));
    if (connection?.open !== true) {
      if (!allowConnect)
        throw new TransportError(
          TransportErrorCode.ConnectionClosed,
          `no open ${destination.protocol} connection to ${destination.address}:${destination.port}`,
          { destination },
        );
      const key = remoteKey(destination);
      let pending = this.#connecting.get(key);
      if (pending === undefined) {
        pending = this.#connect(destination, target.serverName);
        this.#connecting.set(key, pending);
        void pending.then(
          () => this.#connecting.delete(key),
          () => this.#connecting.delete(key),
        );
      }
      connection = await pending;
    }
    await connection.ready;
    return connection;
  }

  async #connect(destination: TransportAddress, serverName: string | undefined): Promise<Connection> {
    if (this.#connections.size + this.#connecting.size >= this.#init.limits.maxConnections) {
      throw new TransportError(
        TransportErrorCode.ConnectFailed,
        `connection limit (${this.#init.limits.maxConnections}) reached`,
        { destination },
      );
    }
    const connection = await openSocket(
      {
        destination,
        serverName,
        tls: this.#init.tls,
        clock: this.#init.clock,
        timeoutMs: this.#init.limits.connectTimeoutMs,
      },
      (socket) => this.#adopt(socket, destination.protocol, true),
    );
    if (!this.#init.accepting()) connection.close(null);
    await connection.ready;
    return connection;
  }

  /** An inbound socket from a listener: adopted, or destroyed when stopped or over the connection limit. */
  accept(protocol: TransportProtocol, socket: Socket): void {
    socket.on('error', () => undefined); // until adopted, and for sockets refused below
    if (
      !this.#init.accepting() ||
      this.#connections.size >= this.#init.limits.maxConnections ||
      socket.remoteAddress === undefined
    ) {
      this.#init.logger.warn?.('inbound connection refused', { protocol, open: this.#connections.size });
      socket.destroy();
      return;
    }
    this.#adopt(socket, protocol, false);
  }

  #adopt(socket: Socket, protocol: TransportProtocol, outbound: boolean): Connection {
    const limits = this.#init.limits;
    const webSocket = protocol === 'ws' || protocol === 'wss';
    const codec = webSocket
      ? webSocketCodec({
          role: outbound ? 'client' : 'server',
          limits: limits.message,
          maxHandshakeBytes: limits.maxHandshakeBytes,
          host: `${hostOf(socket.remoteAddress ?? '')}:${socket.remotePort ?? 0}`,
          path: this.#init.webSocketPath,
        })
      : sipStreamCodec(limits.message);
    const connection = new Connection({
      id: `${protocol}-${this.#nextId++}`,
      protocol,
      socket,
      outbound,
      clock: this.#init.clock,
      idleTimeoutMs: limits.idleTimeoutMs,
      maxWriteBufferBytes: limits.maxWriteBufferBytes,
      readyTimeoutMs: limits.connectTimeoutMs,
      codec,
      events: this.#events,
    });
    if (connection.open) {
      this.#connections.set(connection.id, connection);
      this.#byRemote.set(remoteKey(connection.remote), connection);
    }
    return connection;
  }
}
