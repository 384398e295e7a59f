/**
 * Serialization. Header values are written back exactly as held (unknown headers, folds and
 * all, round-trip byte for byte); Content-Length is always made to match the body (§18.3, and
 * §20.14: stream transports need it), at the position and spelling of the existing field.
 */
import { hasWordAt } from '../syntax/charset.ts';
import { WireField } from './headers.ts';
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

/**
 * The whole message as bytes, written into one Buffer of the exact size: the head is built as
 * one string and encoded once as UTF-8. Untouched lines in canonical form ({@link WireField})
 * are cut from the decoded section text in runs; those lines are ASCII (the parser gives a
 * field a `text` only when its value has no high byte, and names are tokens), so UTF-8 writes
 * back exactly the received bytes. Every other value is a JS string — a received non-ASCII
 * value was decoded from valid UTF-8 — so UTF-8 also writes back what came in, and what code
 * set is sent as UTF-8 (§7.3.1 TEXT-UTF8).
 */
export function serializeMessage(message: SipMessage, options?: SerializeOptions): Buffer {
  let head =
    message.kind === 'request'
      ? `${message.method} ${message.requestUri} ${message.version}\r\n`
      : `${message.version} ${message.status} ${message.reason}\r\n`;
  const fields = message.headers.fields;
  const body = message.body;
  const lengthText = String(body.length);
  let wroteLength = false;
  // Untouched lines that follow each other in the same section text are cut out as one run.
  let runText: string | undefined;
  let runStart = 0;
  let runEnd = 0;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const wire = field instanceof WireField && field.canonical ? field : undefined;
    let line: string | undefined;
    if (field.key === 'content-length') {
      if (wroteLength) continue;
      wroteLength = true;
      if (
        wire === undefined ||
        wire.end - wire.start !== lengthText.length ||
        !hasWordAt(wire.text, wire.start, lengthText)
      )
        line = `${field.name}: ${lengthText}\r\n`;
    } else if (wire === undefined) {
      // A folded line's raw value keeps its folds, so a canonical one comes out as it came in.
      line = `${field.name}: ${field.raw}\r\n`;
    }
    if (line === undefined) {
      // A canonical line is `name ": " value CRLF` around the value.
      const start = wire!.start - field.name.length - 2;
      const end = wire!.end + 2;
      if (wire!.text === runText && start === runEnd) runEnd = end;
      else {
        if (runText !== undefined) head += runText.slice(runStart, runEnd);
        runText = wire!.text;
        runStart = start;
        runEnd = end;
      }
      continue;
    }
    if (runText !== undefined) {
      head += runText.slice(runStart, runEnd);
      runText = undefined;
    }
    head += line;
  }
  if (runText !== undefined) head += runText.slice(runStart, runEnd);
  if (!wroteLength && options?.addContentLength !== false) head += `Content-Length: ${lengthText}\r\n`;
  head += '\r\n';
  const headBytes = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headBytes + body.length);
  out.write(head, 0, headBytes === head.length ? 'latin1' : 'utf8');
  body.copy(out, headBytes);
  return out;
}
