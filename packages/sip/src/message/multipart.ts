/**
 * multipart bodies (RFC 2046 §5.1, used by SIP for SDP + ISUP, sipfrag, S/MIME; RFC 3261
 * §7.4, RFC 5621). Parts are cut from the body Buffer by byte search, so binary parts survive
 * (RFC 4475 §3.1.1.11 mpart01).
 *
 *   multipart-body = [preamble CRLF] dash-boundary CRLF body-part
 *                    *(CRLF dash-boundary CRLF body-part) CRLF dash-boundary "--" [CRLF epilogue]
 *
 * "The CRLF preceding the boundary delimiter line is conceptually attached to the boundary"
 * (§5.1.1), so it is not part of the previous part's content.
 */
import { randomBytes } from 'node:crypto';
import { SipErrorCode, SipParseError } from '../errors.ts';
import { DEFAULT_LIMITS, findHeaderEnd, parseHead } from './header-section.ts';
import { SipHeaders } from './headers.ts';
import { parseContentTypeValue, type ContentType } from './values/token-params.ts';

/** One body part. */
export interface BodyPart {
  /** The part's MIME headers (Content-Type, Content-Disposition, Content-ID, ...). */
  headers: SipHeaders;
  /** The part's content. */
  body: Buffer;
}

/** Most parts accepted in one body. */
export const MAX_PARTS = 64;

function invalid(detail: string): SipParseError {
  return new SipParseError(SipErrorCode.InvalidMultipart, detail, {
    status: 400,
    reasonPhrase: 'Bad Request (malformed multipart body)',
  });
}

/**
 * Splits a multipart body. `contentType` is the message's Content-Type (object or text); its
 * `boundary` parameter is required (1..70 chars, §5.1.1).
 * @throws SipParseError `INVALID_MULTIPART`
 */
export function parseMultipart(body: Buffer, contentType: ContentType | string): BodyPart[] {
  const type = typeof contentType === 'string' ? parseContentTypeValue(contentType) : contentType;
  if (type.type !== 'multipart') throw invalid(`${type.mediaType} is not multipart`);
  const boundary = type.params.get('boundary');
  if (typeof boundary !== 'string' || boundary.length === 0 || boundary.length > 70)
    throw invalid('missing or bad boundary');
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const parts: BodyPart[] = [];
  let pos = findDelimiter(body, delimiter, 0);
  if (pos < 0) throw invalid('no boundary delimiter');
  for (;;) {
    let after = pos + delimiter.length;
    // close-delimiter: "--" after the boundary.
    if (body[after] === 0x2d && body[after + 1] === 0x2d) return parts;
    // transport-padding (LWSP) then CRLF.
    while (body[after] === 0x20 || body[after] === 0x09) after++;
    if (body[after] === 0x0d && body[after + 1] === 0x0a) after += 2;
    else if (body[after] === 0x0a) after += 1;
    else throw invalid('boundary line not followed by CRLF');
    const next = findDelimiter(body, delimiter, after);
    if (next < 0) throw invalid('no closing boundary');
    // Strip the CRLF that belongs to the next delimiter.
    let end = next;
    if (end >= after + 2 && body[end - 2] === 0x0d && body[end - 1] === 0x0a) end -= 2;
    else if (end >= after + 1 && body[end - 1] === 0x0a) end -= 1;
    parts.push(parsePart(body.subarray(after, end)));
    if (parts.length > MAX_PARTS) throw invalid(`more than ${MAX_PARTS} parts`);
    pos = next;
  }
}

/** A delimiter only counts at the start of the body or of a line. */
function findDelimiter(body: Buffer, delimiter: Buffer, from: number): number {
  let pos = body.indexOf(delimiter, from);
  while (pos > 0 && body[pos - 1] !== 0x0a) pos = body.indexOf(delimiter, pos + 1);
  return pos;
}

function parsePart(part: Buffer): BodyPart {
  // A part with no headers starts with its empty line (§5.1.1: default Content-Type text/plain).
  if (part[0] === 0x0a || (part[0] === 0x0d && part[1] === 0x0a)) {
    return { headers: new SipHeaders(), body: part.subarray(part[0] === 0x0a ? 1 : 2) };
  }
  const end = findHeaderEnd(part, 0, DEFAULT_LIMITS.maxHeaderBytes);
  if (end < 0) throw invalid('part without an empty line after its headers');
  // Reuse the header-line scanner with a synthetic start line.
  const head = parseHead(
    Buffer.concat([PART_START_LINE, part.subarray(0, end)]),
    0,
    PART_START_LINE.length + end,
    DEFAULT_LIMITS,
  );
  if (head.error !== undefined) throw invalid(`bad part headers: ${head.error.message}`);
  return { headers: head.headers, body: part.subarray(end) };
}

const PART_START_LINE = Buffer.from('SIP/2.0 200 part\r\n', 'latin1');

/** Input of {@link buildMultipart}: a part's content type, body and extra headers. */
export interface BodyPartInit {
  /** Content-Type of the part, e.g. `application/sdp`. */
  contentType: string;
  /** Content. */
  body: Buffer | string;
  /** Further part headers (Content-Disposition, Content-ID...). */
  headers?: ReadonlyArray<readonly [name: string, value: string]>;
}

/**
 * Builds a `multipart/mixed` body. Returns the bytes and the Content-Type to put on the
 * message. The boundary is random unless given; it must not occur in any part.
 */
export function buildMultipart(
  parts: readonly BodyPartInit[],
  options: { boundary?: string; subtype?: string } = {},
): { body: Buffer; contentType: string } {
  const boundary = options.boundary ?? `talkbus-${randomBytes(12).toString('hex')}`;
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const content = typeof part.body === 'string' ? Buffer.from(part.body, 'utf8') : part.body;
    if (content.indexOf(delimiter) >= 0) throw invalid('boundary occurs inside a part');
    let head = `--${boundary}\r\nContent-Type: ${part.contentType}\r\n`;
    for (const [name, value] of part.headers ?? []) head += `${name}: ${value}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`, 'utf8'), content, Buffer.from('\r\n', 'latin1'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return { body: Buffer.concat(chunks), contentType: `multipart/${options.subtype ?? 'mixed'};boundary=${boundary}` };
}
