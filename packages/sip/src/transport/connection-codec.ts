/**
 * What sits between a connection's socket and SIP: the RFC 3261 §18.3 byte-stream framing for
 * TCP/TLS, or RFC 7118 WebSocket messages. A codec turns bytes into messages and messages into
 * bytes, and tells its connection when it is ready and when the peer broke the protocol.
 */
import type { SipParseError } from '../errors.ts';
import type { SipMessage } from '../message/message.ts';
import type { ParseOptions } from '../message/parser.ts';
import { StreamFramer } from '../message/stream-framer.ts';

/** What a codec reports to its connection. */
export interface CodecSink {
  /** A framed message (not validated yet). */
  message(message: SipMessage): void;
  /** A message that could not be framed or parsed; `fatal` when the stream cannot go on. */
  malformed(error: SipParseError, fatal: boolean): void;
  /** Bytes the codec itself sends (keep-alive pong, handshake, control frames). */
  write(bytes: Buffer): void;
  /** The connection now carries SIP (immediately for TCP/TLS; after the handshake for WebSocket). */
  ready(): void;
  /** The peer broke the transport protocol or closed it: close the connection. */
  fail(reason: string): void;
  /** A keep-alive pong (RFC 5626 §4.4.1) answered our ping. */
  pong?(): void;
}

/** One connection's codec. */
export interface ConnectionCodec {
  /** Called once the socket is connected (a WebSocket client sends its upgrade request here). */
  start(): void;
  /** Bytes off the socket. Never throws. */
  receive(chunk: Buffer): void;
  /** Wraps one serialized SIP message for the wire. */
  frame(message: Buffer): Buffer;
  /** Bytes to send before a graceful close (a WebSocket close frame), if any. */
  closing(): Buffer | undefined;
  /** The bytes of a keep-alive ping (RFC 5626 §4.4.1: a double CRLF); the next CRLF is its pong. */
  ping(): Buffer;
}

/** Makes the codec of a new connection. */
export type CodecFactory = (sink: CodecSink) => ConnectionCodec;

const CRLF = Buffer.from('\r\n', 'latin1');
/** RFC 5626 §4.4.1 ping. */
export const DOUBLE_CRLF = Buffer.from('\r\n\r\n', 'latin1');

/**
 * TCP/TLS: a {@link StreamFramer} per connection, bounded by the SIP size limits. RFC 5626
 * §4.4.1: "a server ... receiving a double-CRLF ... MUST respond with a single CRLF" (the pong).
 */
export function sipStreamCodec(limits: ParseOptions): CodecFactory {
  return (sink) => {
    // While our ping waits, the next CRLF is its pong: never answered (the framer would call two
    // pongs in a row a "ping"), and it clears the wait.
    let awaitingPong = false;
    const framer = new StreamFramer(
      {
        onMessage: (message) => sink.message(message),
        onError: (error, fatal) => sink.malformed(error, fatal),
        onKeepAlive: (kind) => {
          if (awaitingPong) {
            awaitingPong = false;
            sink.pong?.();
            return;
          }
          if (kind === 'ping') sink.write(CRLF);
        },
      },
      limits,
    );
    return {
      start: () => sink.ready(),
      receive: (chunk) => framer.push(chunk),
      frame: (message) => message,
      closing: () => undefined,
      ping: () => {
        awaitingPong = true;
        return DOUBLE_CRLF;
      },
    };
  };
}
