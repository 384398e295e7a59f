/**
 * Framing SIP over a byte stream (TCP, TLS): RFC 3261 §18.3 — the header section ends at the
 * first empty line, and the body is exactly Content-Length octets, which stream transports
 * MUST send (§20.14). CRLFs between messages are skipped (§7.5) and reported as RFC 5626
 * §4.4.1 keep-alives.
 *
 * Work is O(bytes): chunks are kept in a list while the empty line is searched for with a
 * small byte state machine, joined once, and body bytes are copied once into a buffer of the
 * announced size (compare ws `lib/receiver.js`, which consumes exactly what it needs). Both
 * buffers are bounded by {@link SipLimits}.
 */
import { SipErrorCode, SipParseError } from '../errors.ts';
import { partialHeaders } from './error-response.ts';
import { parseHead, type Head, type SipLimits } from './header-section.ts';
import type { SipMessage } from './message.ts';
import { buildMessage, resolveLimits, withHeaders, type ParseOptions } from './parser.ts';

/** RFC 5626 §4.4.1 keep-alive kinds. */
export type KeepAliveKind = 'ping' | 'pong';

/** Where a {@link StreamFramer} delivers what it finds. Called synchronously from `push`. */
export interface StreamFramerHandler {
  /** A complete message. Header values are not validated yet (see `validateMessage`). */
  onMessage(message: SipMessage): void;
  /**
   * A rejected message. `fatal: false` — the message was framed but is malformed; the stream
   * goes on (answer `error.status` if set). `fatal: true` — the message boundary is lost
   * (bad/missing/multiple Content-Length, size limits): answer if `status` is set, then close
   * the connection; the framer ignores further input.
   */
  onError(error: SipParseError, fatal: boolean): void;
  /**
   * Keep-alive between messages: `pong` for the first CRLF of a run (what a client waits for),
   * `ping` when a second CRLF completes a double-CRLF (a server answers it with one CRLF).
   */
  onKeepAlive?(kind: KeepAliveKind): void;
}

/** Parse states, named as in ws's receiver. */
const State = {
  /** Between messages, skipping CRLF. */
  Idle: 0,
  /** Collecting the header section. */
  Head: 1,
  /** Collecting Content-Length body bytes. */
  Body: 2,
  /** A fatal error happened; input is ignored. */
  Failed: 3,
} as const;
type State = (typeof State)[keyof typeof State];

/** Incremental framer for one stream connection. */
export class StreamFramer {
  private readonly handler: StreamFramerHandler;
  private readonly limits: SipLimits;
  private state: State = State.Idle;
  /** Idle: LFs seen in the current keep-alive run (0 or 1). */
  private idleLineFeeds = 0;
  /** Head: chunks so far and their total length. */
  private headChunks: Buffer[] = [];
  private headBytes = 0;
  /** Head: end-of-section matcher: 0 plain, 1 after LF, 2 after LF CR. */
  private matcher = 0;
  /** Body: the parsed head, target buffer and fill level. */
  private head: Head | undefined;
  private body: Buffer = Buffer.alloc(0);
  private bodyFilled = 0;

  /**
   * @param handler receives messages, errors and keep-alives
   * @param options size limits (defaults: 32 KiB headers, 32 KiB body, 256 headers)
   */
  constructor(handler: StreamFramerHandler, options?: ParseOptions) {
    this.handler = handler;
    this.limits = resolveLimits(options);
  }

  /** True after a fatal error: the connection should be closed. */
  get failed(): boolean {
    return this.state === State.Failed;
  }

  /** Bytes held for an unfinished message. */
  get buffered(): number {
    return this.state === State.Body ? this.bodyFilled : this.headBytes;
  }

  /** Feeds bytes received on the connection. Never throws for any input. */
  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length && this.state !== State.Failed) {
      if (this.state === State.Idle) pos = this.skipIdle(chunk, pos);
      else if (this.state === State.Head) pos = this.readHead(chunk, pos);
      else pos = this.readBody(chunk, pos);
    }
  }

  private skipIdle(chunk: Buffer, start: number): number {
    let pos = start;
    while (pos < chunk.length) {
      const c = chunk[pos]!;
      if (c === 0x0a) {
        if (this.idleLineFeeds === 0) {
          this.idleLineFeeds = 1;
          this.handler.onKeepAlive?.('pong');
        } else {
          this.idleLineFeeds = 0;
          this.handler.onKeepAlive?.('ping');
        }
      } else if (c !== 0x0d) {
        this.idleLineFeeds = 0;
        this.state = State.Head;
        this.matcher = 0;
        return pos;
      }
      pos++;
    }
    return pos;
  }

  /** Finds the empty line: LF LF or LF CR LF, possibly across chunks. Returns the offset past it, or -1. */
  private findEnd(chunk: Buffer, start: number): number {
    let pos = start;
    for (;;) {
      while (this.matcher !== 0 && pos < chunk.length) {
        const c = chunk[pos++]!;
        if (c === 0x0a) return pos;
        this.matcher = this.matcher === 1 && c === 0x0d ? 2 : 0;
      }
      if (pos >= chunk.length) return -1;
      const lf = chunk.indexOf(0x0a, pos);
      if (lf < 0) return -1;
      this.matcher = 1;
      pos = lf + 1;
    }
  }

  private readHead(chunk: Buffer, start: number): number {
    const end = this.findEnd(chunk, start);
    const stop = end < 0 ? chunk.length : end;
    if (this.headBytes + (stop - start) > this.limits.maxHeaderBytes) {
      const tooLarge = new SipParseError(
        SipErrorCode.HeadersTooLarge,
        `header section above ${this.limits.maxHeaderBytes} bytes`,
        { status: 513, reasonPhrase: 'Message Too Large' },
      );
      // The whole lines read so far: with a readable Via the transport still answers 513 (§21.5.14).
      tooLarge.headers = partialHeaders([...this.headChunks, chunk.subarray(start, stop)], this.limits);
      this.fail(tooLarge);
      return chunk.length;
    }
    this.headChunks.push(chunk.subarray(start, stop));
    this.headBytes += stop - start;
    if (end < 0) return chunk.length;
    const headBuf = this.headChunks.length === 1 ? this.headChunks[0]! : Buffer.concat(this.headChunks, this.headBytes);
    this.headChunks = [];
    this.headBytes = 0;
    const head = parseHead(headBuf, 0, headBuf.length, this.limits);
    if (head.framingError !== undefined) {
      this.fail(withHeaders(head.framingError, head));
      return chunk.length;
    }
    if (head.contentLength === undefined) {
      const missing = new SipParseError(SipErrorCode.MissingContentLength, 'no Content-Length on a stream transport', {
        status: 400,
        reasonPhrase: 'Bad Request (missing Content-Length)',
        header: 'Content-Length',
      });
      this.fail(withHeaders(missing, head));
      return chunk.length;
    }
    this.head = head;
    this.body = head.contentLength === 0 ? Buffer.alloc(0) : Buffer.allocUnsafe(head.contentLength);
    this.bodyFilled = 0;
    this.state = State.Body;
    if (head.contentLength === 0) this.finish();
    return stop;
  }

  private readBody(chunk: Buffer, start: number): number {
    const wanted = this.body.length - this.bodyFilled;
    const take = Math.min(wanted, chunk.length - start);
    chunk.copy(this.body, this.bodyFilled, start, start + take);
    this.bodyFilled += take;
    if (this.bodyFilled === this.body.length) this.finish();
    return start + take;
  }

  private finish(): void {
    const head = this.head!;
    const body = this.body;
    this.head = undefined;
    this.body = Buffer.alloc(0);
    this.bodyFilled = 0;
    this.state = State.Idle;
    if (head.error !== undefined) {
      this.handler.onError(withHeaders(head.error, head), false);
      return;
    }
    this.handler.onMessage(buildMessage(head, body));
  }

  private fail(error: SipParseError): void {
    this.state = State.Failed;
    this.headChunks = [];
    this.headBytes = 0;
    this.head = undefined;
    this.body = Buffer.alloc(0);
    this.handler.onError(error, true);
  }
}
