/**
 * Datagram parsing (one UDP packet = one message, RFC 3261 §18.3) and the common step that
 * turns a framed head + body into a {@link SipMessage}.
 */
import { SipErrorCode, SipParseError } from '../errors.ts';
import {
  DEFAULT_LIMITS,
  findHeaderEnd,
  parseHead,
  scanDatagramHead,
  skipLeadingCrlf,
  type Head,
  type SipLimits,
} from './header-section.ts';
import { SipRequest, SipResponse, type SipMessage } from './message.ts';

/** Options of {@link parseMessage}: the size limits (defaults in {@link DEFAULT_LIMITS}). */
export type ParseOptions = Partial<SipLimits>;

/** Bytes decoded for the one-pass scan of a datagram; most header sections are well below. */
const SCAN_WINDOW = 4096;

const EMPTY_BODY = Buffer.alloc(0);

/** Fills in defaults. */
export function resolveLimits(options: ParseOptions | undefined): SipLimits {
  if (options === undefined) return DEFAULT_LIMITS;
  return {
    maxHeaderBytes: options.maxHeaderBytes ?? DEFAULT_LIMITS.maxHeaderBytes,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes,
    maxHeaderCount: options.maxHeaderCount ?? DEFAULT_LIMITS.maxHeaderCount,
  };
}

/** Attaches what was read so far to an error, so a response can still be built (§8.2.6). */
export function withHeaders(error: SipParseError, head: Head): SipParseError {
  error.headers ??= head.headers;
  return error;
}

/** Builds the message object from a head without errors and its body. */
export function buildMessage(head: Head, body: Buffer): SipMessage {
  const line = head.startLine!;
  if (line.kind === 'request') {
    return new SipRequest({ method: line.method, uri: line.uri, headers: head.headers, body, version: line.version });
  }
  return new SipResponse({
    status: line.status,
    reason: line.reason,
    headers: head.headers,
    body,
    version: line.version,
  });
}

/** True if `input` holds only CR and LF bytes: a keep-alive (RFC 5626 §4.4.1), not a message. */
export function isKeepAlive(input: Buffer): boolean {
  return input.length > 0 && skipLeadingCrlf(input, 0) === input.length;
}

/**
 * Parses one message from a datagram (or any complete buffer). Framing follows §18.3: the body
 * is Content-Length octets and any further octets are discarded (RFC 4475 §3.1.1.8 dblreq);
 * without Content-Length the body runs to the end of the datagram.
 *
 * Only the start line, header names and Content-Length are examined here; header values are
 * parsed when read (see {@link validateRequest} for the checks a UAS makes).
 *
 * @throws SipParseError — and nothing else, whatever the bytes
 */
export function parseMessage(input: Buffer | string, options?: ParseOptions): SipMessage {
  const limits = resolveLimits(options);
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const start = skipLeadingCrlf(buf, 0);
  if (start >= buf.length) throw new SipParseError(SipErrorCode.EmptyMessage, 'no message, only CRLF or nothing');
  // One pass over the first few KiB finds the blank line and cuts the fields; a longer or
  // unterminated section takes the framing pass first, which also enforces maxHeaderBytes.
  const scanned = scanDatagramHead(buf, start, Math.min(limits.maxHeaderBytes, SCAN_WINDOW), limits);
  let head: Head;
  let end: number;
  if (scanned !== undefined) {
    head = scanned.head;
    end = scanned.end;
  } else {
    end = findHeaderEnd(buf, start, start + limits.maxHeaderBytes);
    if (end < 0) {
      if (buf.length - start > limits.maxHeaderBytes) {
        throw new SipParseError(SipErrorCode.HeadersTooLarge, `header section above ${limits.maxHeaderBytes} bytes`, {
          status: 513,
          reasonPhrase: 'Message Too Large',
        });
      }
      throw new SipParseError(SipErrorCode.IncompleteMessage, 'no empty line after the header section');
    }
    head = parseHead(buf, start, end, limits);
  }
  if (head.error !== undefined) throw withHeaders(head.error, head);
  if (head.framingError !== undefined) throw withHeaders(head.framingError, head);
  let body: Buffer;
  if (head.contentLength === undefined) {
    body = buf.subarray(end);
    if (body.length > limits.maxBodyBytes) {
      throw withHeaders(
        new SipParseError(SipErrorCode.BodyTooLarge, `body above ${limits.maxBodyBytes} bytes`, {
          status: 413,
          reasonPhrase: 'Request Entity Too Large',
        }),
        head,
      );
    }
  } else {
    if (end + head.contentLength > buf.length) {
      // §18.3: a datagram shorter than its Content-Length is rejected (RFC 4475 §3.1.2.2 clerr).
      throw withHeaders(
        new SipParseError(
          SipErrorCode.ContentLengthExceedsBody,
          `Content-Length ${head.contentLength} but ${buf.length - end} body bytes`,
          {
            status: 400,
            reasonPhrase: 'Bad Request (Content-Length larger than body)',
            header: 'Content-Length',
          },
        ),
        head,
      );
    }
    // A Buffer view costs more than the rest of a small response's parse: share the empty one.
    body = head.contentLength === 0 ? EMPTY_BODY : buf.subarray(end, end + head.contentLength);
  }
  return buildMessage(head, body);
}
