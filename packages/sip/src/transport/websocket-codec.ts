/**
 * SIP over WebSocket (RFC 7118): the opening handshake, then "each SIP message MUST be carried
 * within a single WebSocket message" (§5.2). Messages are parsed like datagrams (the frame gives
 * the boundary). Text frames are sent (§5.2 allows both; a body that is not UTF-8 goes binary,
 * since a text frame must be valid UTF-8, RFC 6455 §5.6).
 */
import { isUtf8 } from 'node:buffer';
import { SipParseError } from '../errors.ts';
import { isKeepAlive, parseMessage, type ParseOptions } from '../message/parser.ts';
import { DOUBLE_CRLF, type CodecFactory } from './connection-codec.ts';
import {
  closePayload,
  encodeFrame,
  WebSocketCloseCode,
  WebSocketOpcode,
  WebSocketReceiver,
} from './websocket-frames.ts';
import {
  answerUpgrade,
  checkUpgradeResponse,
  httpHeadEnd,
  newWebSocketKey,
  parseHttpHead,
  upgradeRequest,
} from './websocket-handshake.ts';

/** Options of {@link webSocketCodec}. */
export interface WebSocketCodecOptions {
  /** `server` answers the upgrade; `client` sends it. */
  role: 'server' | 'client';
  /** SIP size limits; a WebSocket message may hold at most their sum. */
  limits: ParseOptions & { maxHeaderBytes: number; maxBodyBytes: number };
  /** Largest HTTP handshake head, bytes. */
  maxHandshakeBytes: number;
  /** Client: the Host header and request path. */
  host?: string;
  path?: string;
}

const CRLF = Buffer.from('\r\n', 'latin1');

/** The codec of one WebSocket connection. */
export function webSocketCodec(options: WebSocketCodecOptions): CodecFactory {
  return (sink) => {
    const client = options.role === 'client';
    const key = client ? newWebSocketKey() : '';
    let handshake: Buffer[] | undefined = [];
    let handshakeBytes = 0;
    let closeSent = false;
    const send = (opcode: WebSocketOpcode, payload: Buffer) => encodeFrame(opcode, payload, client);
    const receiver = new WebSocketReceiver(
      {
        onMessage(payload) {
          // RFC 5626 §4.4.1 over a WebSocket message: a double CRLF is answered with one CRLF.
          if (isKeepAlive(payload)) {
            if (payload.length >= 4) sink.write(send(WebSocketOpcode.Text, CRLF));
            else sink.pong?.(); // a single CRLF answers our ping
            return;
          }
          try {
            sink.message(parseMessage(payload, options.limits));
          } catch (error) {
            if (error instanceof SipParseError) sink.malformed(error, false);
            else sink.fail(`unexpected parser failure: ${String(error)}`);
          }
        },
        onPing: (payload) => sink.write(send(WebSocketOpcode.Pong, payload)),
        onClose(code) {
          // RFC 6455 §5.5.1: answer a close with a close, then drop the TCP connection.
          if (!closeSent) {
            closeSent = true;
            sink.write(
              send(
                WebSocketOpcode.Close,
                code === undefined ? Buffer.alloc(0) : closePayload(WebSocketCloseCode.Normal),
              ),
            );
          }
          sink.fail(`peer closed the WebSocket (${code ?? 'no code'})`);
        },
        onError(closeCode, reason) {
          closeSent = true;
          sink.write(send(WebSocketOpcode.Close, closePayload(closeCode, reason)));
          sink.fail(`WebSocket protocol error: ${reason}`);
        },
      },
      { maxMessageBytes: options.limits.maxHeaderBytes + options.limits.maxBodyBytes, expectMasked: !client },
    );

    function receiveHandshake(chunk: Buffer): void {
      handshake!.push(chunk);
      handshakeBytes += chunk.length;
      const bytes = Buffer.concat(handshake!, handshakeBytes);
      const end = httpHeadEnd(bytes);
      if (end < 0) {
        if (handshakeBytes > options.maxHandshakeBytes) sink.fail('WebSocket handshake too large');
        return;
      }
      handshake = undefined;
      const head = parseHttpHead(bytes.subarray(0, end - 4));
      if (client) {
        const problem = checkUpgradeResponse(head, key);
        if (problem !== undefined) return sink.fail(`WebSocket upgrade refused: ${problem}`);
      } else {
        const decision = answerUpgrade(head);
        sink.write(decision.response);
        if (!decision.accepted) return sink.fail(`WebSocket upgrade refused: ${decision.reason}`);
      }
      sink.ready();
      if (end < bytes.length) receiver.push(bytes.subarray(end));
    }

    return {
      start() {
        if (client) sink.write(upgradeRequest({ host: options.host ?? 'localhost', path: options.path ?? '/', key }));
      },
      receive(chunk) {
        if (handshake !== undefined) receiveHandshake(chunk);
        else receiver.push(chunk);
      },
      frame: (message) => send(isUtf8(message) ? WebSocketOpcode.Text : WebSocketOpcode.Binary, message),
      ping: () => send(WebSocketOpcode.Text, DOUBLE_CRLF),
      closing() {
        if (closeSent || handshake !== undefined) return undefined;
        closeSent = true;
        return send(WebSocketOpcode.Close, closePayload(WebSocketCloseCode.Normal));
      },
    };
  };
}
