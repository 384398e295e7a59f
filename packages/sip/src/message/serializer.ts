/**
 * Serialization. Header values are written back exactly as held (unknown headers, folds and
 * all, round-trip byte for byte); Content-Length is always made to match the body (§18.3, and
 * §20.14: stream transports need it), at the position and spelling of the existing field.
 */
import type { SipMessage } from './message.ts';

/** Options of {@link serializeMessage}. */
export interface SerializeOptions {
  /**
   * Write `Content-Length` when the message has none. Default true (§18.1.1 streams need it;
   * on UDP it is a SHOULD).
   */
  addContentLength?: boolean;
}

/** The start line, headers and blank line as one string. */
export function serializeHead(message: SipMessage, options: SerializeOptions = {}): string {
  let out =
    message.kind === 'request'
      ? `${message.method} ${message.requestUri} ${message.version}\r\n`
      : `${message.version} ${message.status} ${message.reason}\r\n`;
  let wroteLength = false;
  const length = message.body.length;
  for (const field of message.headers.fields) {
    if (field.key === 'content-length') {
      if (wroteLength) continue;
      wroteLength = true;
      out += `${field.name}: ${length}\r\n`;
      continue;
    }
    out += `${field.name}: ${field.raw}\r\n`;
  }
  if (!wroteLength && options.addContentLength !== false) out += `Content-Length: ${length}\r\n`;
  return `${out}\r\n`;
}

/** The whole message as bytes. */
export function serializeMessage(message: SipMessage, options?: SerializeOptions): Buffer {
  const head = serializeHead(message, options);
  const headLength = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLength + message.body.length);
  out.write(head, 0, 'utf8');
  message.body.copy(out, headLength);
  return out;
}
