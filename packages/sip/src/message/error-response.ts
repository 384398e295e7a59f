/**
 * Answers for requests the parser or validator rejected, built from whatever headers could be
 * read (RFC 4475 §3.3.1 insuf: "Ideally, it will respond with a 400"; §18.3 / RFC 3261 §21.5.14:
 * 513 for a message too large). {@link createResponse} insists on Via, From, To, Call-ID and
 * CSeq; here only Via is needed, since it alone routes a response back (§18.2.2), and the others
 * are copied when present. Cold path: runs only for broken input.
 */
import { SipHeaders, type HeaderField } from './headers.ts';
import { parseHead, type SipLimits } from './header-section.ts';
import { SipResponse } from './message.ts';
import { defaultReasonPhrase } from './reason-phrases.ts';
import { createResponse, type CreateResponseOptions } from './response.ts';

/** Header keys copied into an error response when present, in the order they are written. */
const COPIED = ['via', 'from', 'to', 'call-id', 'cseq'] as const;

/**
 * A response to a request that could only be partly read: like {@link createResponse} when all
 * of Via, From, To, Call-ID and CSeq are there; otherwise with the Via values and whichever of
 * the others exist (a To tag added when To is there). Undefined without a Via: nothing routes it.
 */
export function createErrorResponse(
  partial: { headers: SipHeaders },
  status: number,
  options: CreateResponseOptions = {},
): SipResponse | undefined {
  const full = createResponse(partial, status, options);
  if (full !== undefined) return full;
  const all = partial.headers.fields;
  if (!all.some((field) => field.key === 'via')) return undefined;
  const fields: HeaderField[] = [];
  for (const key of COPIED) {
    const copied = all.filter((field) => field.key === key);
    if (copied.length === 0) continue;
    if (key === 'via') {
      fields.push(...copied);
      continue;
    }
    const first = copied[0]!;
    // §8.2.6.2: a To tag on every response but 100 (the request had none, or it would have one).
    if (key === 'to' && options.toTag !== undefined && status > 100 && !/;\s*tag\s*=/i.test(first.raw))
      fields.push({ name: first.name, key, raw: `${first.raw};tag=${options.toTag}` });
    else fields.push(first);
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

/**
 * The header fields of a header section cut short at a size limit: the whole lines among
 * `chunks` up to `limits.maxHeaderBytes`, parsed as if the section ended there. Used by the
 * stream framer so a 513 can still be routed by the Via. Undefined when no line is complete or
 * the start line is unreadable.
 */
export function partialHeaders(chunks: readonly Buffer[], limits: SipLimits): SipHeaders | undefined {
  const bytes = Buffer.concat(chunks).subarray(0, limits.maxHeaderBytes);
  const lastLine = bytes.lastIndexOf(0x0a);
  if (lastLine < 0) return undefined;
  const section = Buffer.concat([bytes.subarray(0, lastLine + 1), Buffer.from('\r\n', 'latin1')]);
  try {
    const head = parseHead(section, 0, section.length, limits);
    return head.startLine === undefined ? undefined : head.headers;
  } catch {
    return undefined;
  }
}
