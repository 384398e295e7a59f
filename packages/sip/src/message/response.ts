/**
 * Building a response to a request (RFC 3261 §8.2.6.1-2): "the From field of the response
 * MUST equal the From header field of the request. The Call-ID ... MUST equal ... The CSeq
 * ... MUST equal ... The Via header field values in the response MUST equal the Via header
 * field values in the request and MUST maintain the same ordering." To is copied, and a tag
 * is added unless the request's To already has one or the response is 100 Trying.
 */
import { SipHeaders, type HeaderField } from './headers.ts';
import { SipResponse } from './message.ts';
import { defaultReasonPhrase } from './reason-phrases.ts';

/** Options of {@link createResponse}. */
export interface CreateResponseOptions {
  /** Reason-Phrase; default from {@link defaultReasonPhrase}. */
  reason?: string;
  /**
   * To tag to add when the request's To has none (§8.2.6.2). Ignored for 100 Trying, which
   * never creates a dialog. Generate one per dialog (e.g. `randomBytes(8).toString('hex')`).
   */
  toTag?: string;
  /** Extra headers appended after the copied ones. */
  headers?: ReadonlyArray<readonly [name: string, value: string]>;
  /** Body. */
  body?: Buffer | string;
}

/** Keys copied from request to response, in the order they are written. */
const COPIED = ['via', 'from', 'to', 'call-id', 'cseq'] as const;

/**
 * Builds a response to `request`. Works from the header list alone, so it also answers a
 * request the parser rejected: pass `{ headers: error.headers }` from a {@link SipParseError}.
 * Returns undefined when the headers needed to route a response (Via, and for a useful one
 * From/To/Call-ID/CSeq) are not all there; such a request can only be dropped.
 */
export function createResponse(
  request: { headers: SipHeaders },
  status: number,
  options: CreateResponseOptions = {},
): SipResponse | undefined {
  const fields: HeaderField[] = [];
  for (const key of COPIED) {
    const copied = request.headers.fields.filter((f) => f.key === key);
    if (copied.length === 0) return undefined;
    if (key === 'to' && options.toTag !== undefined && status > 100) {
      const raw = copied[0]!.raw;
      const hasTag = /;\s*tag\s*=/i.test(stripQuotedAndBracketed(raw));
      fields.push(hasTag ? copied[0]! : { name: copied[0]!.name, key, raw: `${raw};tag=${options.toTag}` });
      continue;
    }
    fields.push(...(key === 'via' ? copied : copied.slice(0, 1)));
  }
  // §8.2.6.1: a 100 Trying copies any Timestamp of the request.
  if (status === 100) {
    const timestamp = request.headers.fields.find((f) => f.key === 'timestamp');
    if (timestamp !== undefined) fields.push(timestamp);
  }
  for (const [name, value] of options.headers ?? []) fields.push(SipHeaders.field(name, value));
  const init: ConstructorParameters<typeof SipResponse>[0] = {
    status,
    reason: options.reason ?? defaultReasonPhrase(status),
    headers: new SipHeaders(fields),
  };
  if (options.body !== undefined) init.body = options.body;
  return new SipResponse(init);
}

/** Blanks out quoted strings and <...> so a `;tag=` inside a display name or URI is not seen. */
function stripQuotedAndBracketed(raw: string): string {
  return raw.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/<[^>]*>/g, '<>');
}
