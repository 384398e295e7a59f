/**
 * One TCP, TLS or WebSocket connection: the socket, its codec, the idle timer, the bounded write
 * buffer and the close upcall. All time goes through the {@link Clock} (STYLE §5); no socket
 * event can throw out of here.
 */
import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../clock.ts';
import type { SipParseError } from '../errors.ts';
import type { SipMessage } from '../message/message.ts';
import type { CodecFactory, ConnectionCodec } from './connection-codec.ts';
import { TransportError, TransportErrorCode } from './transport-error.ts';
import type { TransportAddress, TransportFailure, TransportProtocol } from './transport-types.ts';

/** What a connection reports to the transport layer. */
export interface ConnectionEvents {
  onMessage(connection: Connection, message: SipMessage): void;
  onMalformed(connection: Connection, error: SipParseError, fatal: boolean): void;
  /** Called once, when the connection stops being usable. */
  onClosed(connection: Connection, failure: TransportFailure | null): void;
}

/** What a {@link Connection} is made from. */
export interface ConnectionInit {
  id: string;
  protocol: TransportProtocol;
  socket: Socket;
  /** True for connections we opened. */
  outbound: boolean;
  clock: Clock;
  /** Close after this long with no traffic and no retained transaction, ms. */
  idleTimeoutMs: number;
  /** Refuse a send while this many bytes wait in the socket, bytes. */
  maxWriteBufferBytes: number;
  /** Close when the codec is not ready (WebSocket handshake) within this time, ms. */
  readyTimeoutMs: number;
  codec: CodecFactory;
  events: ConnectionEvents;
}

/** How long a graceful close waits for the peer before destroying the socket, ms. */
const CLOSE_GRACE_MS = 2000;

/** A live stream connection. */
export class Connection {
  readonly id: string;
  readonly protocol: TransportProtocol;
  readonly outbound: boolean;
  readonly local: TransportAddress;
  readonly remote: TransportAddress;
  /** Resolves when the connection carries SIP; rejects if it closes first. */
  readonly ready: Promise<void>;
  readonly #socket: Socket;
  readonly #clock: Clock;
  readonly #init: ConnectionInit;
  readonly #codec: ConnectionCodec;
  #open = true;
  #isReady = false;
  #retained = 0;
  #lastActivity: number;
  #idleTimer: TimerHandle | undefined;
  #readyTimer: TimerHandle | undefined;
  #resolveReady!: () => void;
  #rejectReady!: (error: TransportError) => void;
  /** Rejects the pings in flight when the connection closes. */
  readonly #closers: Array<() => void> = [];
  /** Keep-alive pings waiting for their pong (RFC 5626 §4.4.1). */
  readonly #pings: Array<{ sentAt: number; resolve: (roundTripMs: number) => void; timer: TimerHandle }> = [];

  /** @param init socket, codec, limits and the upcalls */
  constructor(init: ConnectionInit) {
    this.id = init.id;
    this.protocol = init.protocol;
    this.outbound = init.outbound;
    this.#init = init;
    this.#socket = init.socket;
    this.#clock = init.clock;
    this.#lastActivity = init.clock.now();
    this.local = { protocol: init.protocol, address: init.socket.localAddress ?? '', port: init.socket.localPort ?? 0 };
    this.remote = {
      protocol: init.protocol,
      address: init.socket.remoteAddress ?? '',
      port: init.socket.remotePort ?? 0,
    };
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => undefined);
    this.#codec = init.codec({
      message: (message) => init.events.onMessage(this, message),
      malformed: (error, fatal) => init.events.onMalformed(this, error, fatal),
      write: (bytes) => this.#write(bytes),
      ready: () => {
        this.#isReady = true;
        if (this.#readyTimer !== undefined) this.#clock.clearTimeout(this.#readyTimer);
        this.#resolveReady();
      },
      fail: (reason) => this.close(this.#failure(TransportErrorCode.ConnectionClosed, reason), true),
      pong: () => this.#pong(),
    });
    const socket = this.#socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (!this.#open) return;
      this.#lastActivity = this.#clock.now();
      this.#codec.receive(chunk);
    });
    socket.on('error', (error) =>
      this.close(this.#failure(TransportErrorCode.ConnectionClosed, `socket error: ${error.message}`)),
    );
    socket.on('close', () =>
      this.close(this.#isReady ? null : this.#failure(TransportErrorCode.ConnectionClosed, 'closed before ready')),
    );
    socket.on('end', () => this.close(null, true));
    this.#readyTimer = this.#clock.setTimeout(() => {
      this.#readyTimer = undefined;
      if (!this.#isReady) this.close(this.#failure(TransportErrorCode.ConnectFailed, 'handshake timed out'));
    }, init.readyTimeoutMs);
    this.#armIdle(init.idleTimeoutMs);
    this.#codec.start();
  }

  /** False once closed (or closing). */
  get open(): boolean {
    return this.#open;
  }

  /** Bytes waiting in the socket. */
  get pendingWriteBytes(): number {
    return this.#socket.writableLength;
  }

  /**
   * Writes one serialized SIP message. Resolves when the socket took it.
   * @throws TransportError CONNECTION_CLOSED, or SEND_FAILED when the write buffer is full
   */
  send(message: Buffer): Promise<void> {
    if (!this.#open) return Promise.reject(this.#error(TransportErrorCode.ConnectionClosed, 'connection closed'));
    // Backpressure is bounded: a peer that does not read gets no more than maxWriteBufferBytes queued.
    if (this.#socket.writableLength + message.length > this.#init.maxWriteBufferBytes) {
      return Promise.reject(
        this.#error(TransportErrorCode.SendFailed, `write buffer above ${this.#init.maxWriteBufferBytes} bytes`),
      );
    }
    this.#lastActivity = this.#clock.now();
    const framed = this.#codec.frame(message);
    return new Promise((resolve, reject) => {
      this.#socket.write(framed, (error) => {
        if (error) reject(this.#error(TransportErrorCode.SendFailed, `write failed: ${error.message}`, error));
        else resolve();
      });
    });
  }

  /**
   * Sends a keep-alive ping (RFC 5626 §4.4.1: a double CRLF; over WebSocket in a text message)
   * and resolves with the round trip once the pong (one CRLF) arrives. §4.4.1: "If a pong is not
   * received within 10 seconds after sending a ping …, the UA MUST consider the flow failed":
   * after `pongTimeoutMs` the connection is closed with a failure (`onConnectionClosed` reports
   * it) and the promise rejects.
   * @throws TransportError CONNECTION_CLOSED (closed, no pong in time), SEND_FAILED (write buffer full)
   */
  keepAlive(pongTimeoutMs: number): Promise<number> {
    if (!this.#open || !this.#isReady)
      return Promise.reject(this.#error(TransportErrorCode.ConnectionClosed, 'connection not open'));
    const ping = this.#codec.ping();
    if (this.#socket.writableLength + ping.length > this.#init.maxWriteBufferBytes)
      return Promise.reject(this.#error(TransportErrorCode.SendFailed, 'write buffer full'));
    return new Promise<number>((resolve, reject) => {
      const failed = () => {
        const index = this.#pings.findIndex((p) => p.timer === timer);
        if (index >= 0) this.#pings.splice(index, 1);
        const message = `no keep-alive pong within ${pongTimeoutMs} ms (RFC 5626 §4.4.1)`;
        reject(this.#error(TransportErrorCode.ConnectionClosed, message));
        this.close(this.#failure(TransportErrorCode.ConnectionClosed, message));
      };
      const timer = this.#clock.setTimeout(failed, pongTimeoutMs);
      this.#pings.push({ sentAt: this.#clock.now(), resolve, timer });
      this.#closers.push(() => {
        this.#clock.clearTimeout(timer);
        reject(this.#error(TransportErrorCode.ConnectionClosed, 'connection closed before the pong'));
      });
      this.#lastActivity = this.#clock.now();
      this.#write(ping);
    });
  }

  /** Keeps the connection from idle close until the returned release function is called. */
  retain(): () => void {
    this.#retained++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#retained--;
      this.#lastActivity = this.#clock.now();
    };
  }

  /**
   * Closes the connection; `onClosed` is called once. `graceful` flushes what is queued (an error
   * response, a WebSocket close frame) before the socket goes, bounded by a grace period.
   */
  close(failure: TransportFailure | null = null, graceful = false): void {
    if (!this.#open) return;
    this.#open = false;
    if (this.#idleTimer !== undefined) this.#clock.clearTimeout(this.#idleTimer);
    if (this.#readyTimer !== undefined) this.#clock.clearTimeout(this.#readyTimer);
    this.#pings.length = 0;
    for (const closer of this.#closers.splice(0)) closer();
    this.#rejectReady(
      new TransportError(
        failure?.code ?? TransportErrorCode.ConnectionClosed,
        failure?.message ?? 'connection closed',
        { connectionId: this.id, destination: this.remote },
      ),
    );
    const socket = this.#socket;
    if (graceful && !socket.destroyed) {
      const goodbye = this.#codec.closing();
      if (goodbye !== undefined) socket.write(goodbye);
      socket.end();
      const timer = this.#clock.setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
      socket.once('close', () => this.#clock.clearTimeout(timer));
    } else socket.destroy();
    this.#init.events.onClosed(this, failure);
  }

  /** One pong answers every ping in flight (a pong carries no id; any proves the flow alive). */
  #pong(): void {
    const now = this.#clock.now();
    this.#lastActivity = now;
    for (const ping of this.#pings.splice(0)) {
      this.#clock.clearTimeout(ping.timer);
      ping.resolve(now - ping.sentAt);
    }
    this.#closers.length = 0;
  }

  #write(bytes: Buffer): void {
    if (this.#socket.destroyed || this.#socket.writableEnded) return;
    this.#socket.write(bytes);
  }

  /** The idle timer checks the last activity when it fires, so traffic does not reschedule it. */
  #armIdle(delay: number): void {
    this.#idleTimer = this.#clock.setTimeout(() => {
      this.#idleTimer = undefined;
      if (!this.#open) return;
      const idleFor = this.#clock.now() - this.#lastActivity;
      if (this.#retained === 0 && idleFor >= this.#init.idleTimeoutMs) {
        this.close(null, true);
        return;
      }
      this.#armIdle(this.#retained > 0 ? this.#init.idleTimeoutMs : this.#init.idleTimeoutMs - idleFor);
    }, delay);
  }

  #failure(code: TransportFailure['code'], message: string): TransportFailure {
    return { code, message, destination: this.remote, connectionId: this.id };
  }

  #error(code: TransportFailure['code'], message: string, cause?: unknown): TransportError {
    return new TransportError(code, message, { destination: this.remote, connectionId: this.id, cause });
  }
}
