/**
 * RFC 6455 §5 framing, just what SIP over WebSocket (RFC 7118) needs: text/binary messages
 * (fragmented or not), close, ping and pong. Bytes are consumed by index as in ws
 * `lib/receiver.js` (named states, `consume(n)`); every size is bounded before it is buffered.
 */
import { randomBytes } from 'node:crypto';

/** Frame opcodes (RFC 6455 §5.2). */
export const WebSocketOpcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;
/** One of {@link WebSocketOpcode}. */
export type WebSocketOpcode = (typeof WebSocketOpcode)[keyof typeof WebSocketOpcode];

/** Close codes used here (RFC 6455 §7.4.1). */
export const WebSocketCloseCode = {
  Normal: 1000,
  ProtocolError: 1002,
  InvalidData: 1007,
  MessageTooBig: 1009,
} as const;

/**
 * Builds one frame (FIN set). Clients mask (RFC 6455 §5.3: "a client MUST mask all frames that it
 * sends to the server"), servers do not.
 */
export function encodeFrame(opcode: WebSocketOpcode, payload: Buffer, mask: boolean): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const headerLength = 2 + lengthBytes + (mask ? 4 : 0);
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x80 | opcode;
  frame[1] = (mask ? 0x80 : 0) | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) frame.writeUInt16BE(length, 2);
  else if (lengthBytes === 8) frame.writeBigUInt64BE(BigInt(length), 2);
  if (!mask) {
    payload.copy(frame, headerLength);
    return frame;
  }
  const key = randomBytes(4);
  key.copy(frame, 2 + lengthBytes);
  for (let i = 0; i < length; i++) frame[headerLength + i] = payload[i]! ^ key[i & 3]!;
  return frame;
}

/** A close frame's payload: code and (short) reason. */
export function closePayload(code: number, reason = ''): Buffer {
  const text = Buffer.from(reason.slice(0, 100), 'utf8');
  const out = Buffer.allocUnsafe(2 + text.length);
  out.writeUInt16BE(code, 0);
  text.copy(out, 2);
  return out;
}

/** Where a {@link WebSocketReceiver} delivers frames. */
export interface WebSocketReceiverHandler {
  /** A complete data message (fragments joined). */
  onMessage(payload: Buffer, binary: boolean): void;
  onPing(payload: Buffer): void;
  onPong?(payload: Buffer): void;
  /** The peer sent a close frame. */
  onClose(code: number | undefined, reason: string): void;
  /** The peer broke the protocol; close with `closeCode`. The receiver ignores further input. */
  onError(closeCode: number, reason: string): void;
}

/** Options of {@link WebSocketReceiver}. */
export interface WebSocketReceiverOptions {
  /** Largest data message (all fragments), bytes. */
  maxMessageBytes: number;
  /** True on the server side: frames must be masked (RFC 6455 §5.1); false on a client: must not be. */
  expectMasked: boolean;
}

const State = { Header: 0, Length16: 1, Length64: 2, MaskKey: 3, Payload: 4, Failed: 5 } as const;
type State = (typeof State)[keyof typeof State];

/** Incremental frame parser for one connection. */
export class WebSocketReceiver {
  private readonly handler: WebSocketReceiverHandler;
  private readonly options: WebSocketReceiverOptions;
  private state: State = State.Header;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private fin = false;
  private opcode = 0;
  private masked = false;
  private payloadLength = 0;
  private maskKey: Buffer | undefined;
  /** Data message being reassembled from fragments. */
  private fragments: Buffer[] = [];
  private fragmentBytes = 0;
  private fragmentedOpcode = 0;

  /**
   * @param handler receives messages and control frames
   * @param options size bound and masking side
   */
  constructor(handler: WebSocketReceiverHandler, options: WebSocketReceiverOptions) {
    this.handler = handler;
    this.options = options;
  }

  /** Feeds bytes from the socket. Never throws. */
  push(chunk: Buffer): void {
    if (this.state === State.Failed) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.step());
  }

  /** Runs one parse state; false when it needs more bytes or the receiver failed. */
  private step(): boolean {
    switch (this.state) {
      case State.Header:
        if (this.buffered < 2) return false;
        this.readHeader();
        return true;
      case State.Length16:
      case State.Length64: {
        const bytes = this.state === State.Length16 ? 2 : 8;
        if (this.buffered < bytes) return false;
        this.readLength(bytes);
        return true;
      }
      case State.MaskKey:
        if (this.buffered < 4) return false;
        this.maskKey = Buffer.from(this.consume(4));
        this.state = State.Payload;
        return true;
      case State.Payload:
        if (this.buffered < this.payloadLength) return false;
        this.readPayload();
        return true;
      default:
        return false;
    }
  }

  /** Takes exactly `n` buffered bytes (callers check `buffered` first). */
  private consume(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    this.buffered -= n;
    if (first.length === n) return this.chunks.shift()!;
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.chunks[0]!;
      const take = Math.min(head.length, n - filled);
      head.copy(out, filled, 0, take);
      filled += take;
      if (take === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(take);
    }
    return out;
  }

  private fail(code: number, reason: string): void {
    this.state = State.Failed;
    this.chunks = [];
    this.fragments = [];
    this.handler.onError(code, reason);
  }

  private readHeader(): void {
    const header = this.consume(2);
    const b0 = header[0]!;
    const b1 = header[1]!;
    if ((b0 & 0x70) !== 0) return this.fail(WebSocketCloseCode.ProtocolError, 'RSV bits set without an extension');
    this.fin = (b0 & 0x80) !== 0;
    this.opcode = b0 & 0x0f;
    this.masked = (b1 & 0x80) !== 0;
    const length7 = b1 & 0x7f;
    if (this.masked !== this.options.expectMasked) {
      return this.fail(
        WebSocketCloseCode.ProtocolError,
        this.masked ? 'masked frame from a server' : 'unmasked frame from a client',
      );
    }
    const control = this.opcode >= 0x8;
    if (control) {
      // §5.5: "All control frames MUST have a payload length of 125 bytes or less and MUST NOT be fragmented."
      if (this.opcode > WebSocketOpcode.Pong)
        return this.fail(WebSocketCloseCode.ProtocolError, `unknown opcode ${this.opcode}`);
      if (!this.fin || length7 > 125) return this.fail(WebSocketCloseCode.ProtocolError, 'bad control frame');
    } else if (this.opcode > WebSocketOpcode.Binary) {
      return this.fail(WebSocketCloseCode.ProtocolError, `unknown opcode ${this.opcode}`);
    } else if (this.opcode === WebSocketOpcode.Continuation && this.fragmentedOpcode === 0) {
      return this.fail(WebSocketCloseCode.ProtocolError, 'continuation without a first fragment');
    } else if (this.opcode !== WebSocketOpcode.Continuation && this.fragmentedOpcode !== 0) {
      return this.fail(WebSocketCloseCode.ProtocolError, 'new message inside a fragmented one');
    }
    if (length7 === 126) this.state = State.Length16;
    else if (length7 === 127) this.state = State.Length64;
    else this.setLength(length7);
  }

  private readLength(bytes: 2 | 8): void {
    const raw = this.consume(bytes);
    if (bytes === 2) return this.setLength(raw.readUInt16BE(0));
    const high = raw.readUInt32BE(0);
    const low = raw.readUInt32BE(4);
    if (high !== 0) return this.fail(WebSocketCloseCode.MessageTooBig, 'frame above 4 GiB');
    this.setLength(low);
  }

  private setLength(length: number): void {
    if (this.opcode < 0x8 && this.fragmentBytes + length > this.options.maxMessageBytes) {
      return this.fail(WebSocketCloseCode.MessageTooBig, `message above ${this.options.maxMessageBytes} bytes`);
    }
    this.payloadLength = length;
    this.state = this.masked ? State.MaskKey : State.Payload;
  }

  private readPayload(): void {
    let payload = this.consume(this.payloadLength);
    if (this.masked && this.maskKey !== undefined && payload.length > 0) {
      const key = this.maskKey;
      payload = Buffer.from(payload);
      for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ key[i & 3]!;
    }
    this.state = State.Header;
    this.frame(payload);
  }

  private frame(payload: Buffer): void {
    switch (this.opcode) {
      case WebSocketOpcode.Ping:
        return this.handler.onPing(payload);
      case WebSocketOpcode.Pong:
        return this.handler.onPong?.(payload);
      case WebSocketOpcode.Close: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : undefined;
        this.state = State.Failed;
        return this.handler.onClose(code, payload.subarray(2).toString('utf8'));
      }
    }
    if (this.opcode !== WebSocketOpcode.Continuation) this.fragmentedOpcode = this.opcode;
    if (!this.fin) {
      this.fragments.push(payload);
      this.fragmentBytes += payload.length;
      return;
    }
    const whole = this.fragments.length === 0 ? payload : Buffer.concat([...this.fragments, payload]);
    const binary = this.fragmentedOpcode === WebSocketOpcode.Binary;
    this.fragments = [];
    this.fragmentBytes = 0;
    this.fragmentedOpcode = 0;
    this.handler.onMessage(whole, binary);
  }
}
