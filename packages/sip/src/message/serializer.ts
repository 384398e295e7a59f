/**
 * Serialization. Header values are written back exactly as held (unknown headers, folds and
 * all, round-trip byte for byte); Content-Length is always made to match the body (§18.3, and
 * §20.14: stream transports need it), at the position and spelling of the existing field.
 */
import type { WireField } from './headers.ts';
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
 * The whole message as bytes, written into one Buffer of the exact size. Runs of fields that
 * the parser kept by reference ({@link WireField}: untouched lines in canonical form, in their
 * original order) are copied from the received bytes in one go; the rest is encoded.
 */
export function serializeMessage(message: SipMessage, options?: SerializeOptions): Buffer {
  return serializeAsText(message, options) ?? serializeInParts(message, options);
}

/** True if every char of `text` is ASCII, so its UTF-8 and latin1 encodings are the same bytes. */
function isAsciiText(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

/**
 * The common case in one encoding call: the head is built as one string and written as
 * latin1. Untouched lines are cut from the decoded section text ({@link WireField.text}, the
 * latin1 decoding of the received bytes, so latin1 gives those bytes back exactly); text made
 * by code must be ASCII. Returns undefined otherwise ({@link serializeInParts} then encodes
 * piece by piece). Both write the same bytes.
 */
function serializeAsText(message: SipMessage, options: SerializeOptions | undefined): Buffer | undefined {
  // The parts are checked, not the joined line: reading a fresh concatenation char by char
  // first flattens it.
  let head: string;
  if (message.kind === 'request') {
    const uri = message.requestUri;
    if (!isAsciiText(message.method) || !isAsciiText(uri) || !isAsciiText(message.version)) return undefined;
    head = `${message.method} ${uri} ${message.version}\r\n`;
  } else {
    if (!isAsciiText(message.version) || !isAsciiText(message.reason)) return undefined;
    head = `${message.version} ${message.status} ${message.reason}\r\n`;
  }
  const fields: readonly WireField[] = message.headers.fields;
  const body = message.body;
  const lengthText = String(body.length);
  let wroteLength = false;
  // Untouched lines that follow each other in the same section text are cut out as one run.
  let runText: string | undefined;
  let runStart = 0;
  let runEnd = 0;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const source = field.source;
    let line: string;
    if (field.key === 'content-length') {
      if (wroteLength) continue;
      wroteLength = true;
      if (field.raw !== lengthText) {
        if (!isAsciiText(field.name)) return undefined;
        line = `${field.name}: ${lengthText}\r\n`;
      } else if (source === undefined || field.text === undefined) line = `${field.name}: ${lengthText}\r\n`;
      else line = '';
    } else if (source !== undefined && field.text !== undefined) line = '';
    else {
      // Encoded again: a folded line's raw value keeps its folds, so the bytes are the same.
      if (!isAsciiText(field.name) || !isAsciiText(field.raw)) return undefined;
      line = `${field.name}: ${field.raw}\r\n`;
    }
    if (line.length === 0) {
      const text = field.text!;
      // A canonical line is `name ": " raw CRLF` with the value at `at`.
      const at = field.at!;
      const start = at - field.name.length - 2;
      if (text === runText && start === runEnd) runEnd = at + field.raw.length + 2;
      else {
        if (runText !== undefined) head += runText.slice(runStart, runEnd);
        runText = text;
        runStart = start;
        runEnd = at + field.raw.length + 2;
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
  const out = Buffer.allocUnsafe(head.length + body.length);
  out.write(head, 0, 'latin1');
  body.copy(out, head.length);
  return out;
}

/** The general case: encodes the start line and new fields, copies runs of untouched lines. */
function serializeInParts(message: SipMessage, options: SerializeOptions | undefined): Buffer {
  const startLine =
    message.kind === 'request'
      ? `${message.method} ${message.requestUri} ${message.version}\r\n`
      : `${message.version} ${message.status} ${message.reason}\r\n`;
  const fields: readonly WireField[] = message.headers.fields;
  const body = message.body;
  const lengthText = String(body.length);
  // Pass 1: the size. Pass 2 makes the same decisions and writes.
  let size = Buffer.byteLength(startLine, 'utf8') + 2 + body.length;
  let wroteLength = false;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field.key === 'content-length') {
      if (wroteLength) continue;
      wroteLength = true;
      if (field.source !== undefined && field.raw === lengthText) size += field.end! - field.start!;
      else size += Buffer.byteLength(field.name, 'utf8') + 4 + lengthText.length;
      continue;
    }
    size +=
      field.source !== undefined
        ? field.end! - field.start!
        : Buffer.byteLength(field.name, 'utf8') + Buffer.byteLength(field.raw, 'utf8') + 4;
  }
  const addLength = !wroteLength && options?.addContentLength !== false;
  if (addLength) size += 18 + lengthText.length;

  const out = Buffer.allocUnsafe(size);
  let pos = out.write(startLine, 0, 'utf8');
  let runSource: Buffer | undefined;
  let runStart = 0;
  let runEnd = 0;
  wroteLength = false;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    let source = field.source;
    let text: string | undefined;
    if (field.key === 'content-length') {
      if (wroteLength) continue;
      wroteLength = true;
      if (field.raw !== lengthText) source = undefined;
      text = `${field.name}: ${lengthText}\r\n`;
    }
    if (source !== undefined) {
      if (source === runSource && field.start === runEnd) {
        runEnd = field.end!;
        continue;
      }
      if (runSource !== undefined) pos += runSource.copy(out, pos, runStart, runEnd);
      runSource = source;
      runStart = field.start!;
      runEnd = field.end!;
      continue;
    }
    if (runSource !== undefined) {
      pos += runSource.copy(out, pos, runStart, runEnd);
      runSource = undefined;
    }
    pos += out.write(text ?? `${field.name}: ${field.raw}\r\n`, pos, 'utf8');
  }
  if (runSource !== undefined) pos += runSource.copy(out, pos, runStart, runEnd);
  if (addLength) pos += out.write(`Content-Length: ${lengthText}\r\n`, pos, 'latin1');
  out[pos++] = 0x0d;
  out[pos++] = 0x0a;
  body.copy(out, pos);
  return out;
}
