/**
 * The UAS core's request checks (RFC 3261 §8.2), in the order the RFC gives them, run on every
 * request before it reaches a dialog or the application. Syntax (400), version (505) and the
 * Request-URI scheme (416) were checked by the transport's `validateRequest`; they are checked
 * again here for transports that do not validate. Merged requests (482) are the transaction
 * layer's. The result is the rejection to send, or undefined to go on.
 */
import { SipParseError } from '../errors.ts';
import type { SipRequest } from '../message/message.ts';
import type { AnyServerTransaction } from '../transaction/transaction-user.ts';
import { unsupportedRequirements, validateRequest } from '../message/validate.ts';

/** What the checks need to know about this UA. */
export interface UasPolicy {
  /** Methods the UA handles (Allow). */
  allow: readonly string[];
  /** Option tags it supports (Supported). */
  supported: readonly string[];
  /** Body types it accepts (Accept), lower-case `type/subtype`. */
  accept: readonly string[];
  /** Request-URI schemes it serves. */
  schemes: readonly string[];
  /**
   * Option tags a new INVITE must list in Supported or Require, else 421 (RFC 3261 §21.4.16):
   * `100rel` when `reliableProvisionals` is `required` (RFC 3262 §3), else none.
   */
  requiredExtensions: readonly string[];
}

/** A rejection: the status, its reason and the headers §8.2 asks for. */
export interface UasRejection {
  status: number;
  reason?: string;
  headers: Array<[string, string]>;
}

/** True if `accept` (an Accept header's media ranges) admits `mediaType`. */
function accepts(ranges: readonly string[], mediaType: string): boolean {
  const [type] = mediaType.split('/');
  return ranges.some((range) => {
    const bare = range.split(';')[0]!.trim().toLowerCase();
    return bare === '*/*' || bare === mediaType || bare === `${type}/*`;
  });
}

/**
 * Runs the §8.2 checks. Never throws: a header that breaks its grammar becomes a 400.
 */
export function checkUasRequest(request: SipRequest, policy: UasPolicy): UasRejection | undefined {
  try {
    return check(request, policy);
  } catch (error) {
    if (error instanceof SipParseError) return { status: error.status ?? 400, reason: error.reasonPhrase, headers: [] };
    return { status: 500, headers: [] };
  }
}

function check(request: SipRequest, policy: UasPolicy): UasRejection | undefined {
  validateRequest(request, { supportedSchemes: policy.schemes });
  // §8.2.1: "If the UAS does not support the method of a request, it MUST generate a 405
  // (Method Not Allowed) response … The UAS MUST also add an Allow header field to the 405".
  if (!policy.allow.includes(request.method)) return { status: 405, headers: [['Allow', policy.allow.join(', ')]] };
  // Max-Forwards 0 (§16.3 step 3 for an element that would forward; RFC 4475 §3.3.11 lets an
  // endpoint act on OPTIONS itself, which §11 answers): 483 Too Many Hops for anything else.
  if (request.maxForwards === 0 && request.method !== 'OPTIONS') return { status: 483, headers: [] };
  // §8.2.2.3: "If a UAS does not understand an option-tag listed in a Require header field, it
  // MUST respond by generating a response with status code 420 (Bad Extension). The UAS MUST add
  // an Unsupported header field, and list in it those options it does not understand".
  const unknown = unsupportedRequirements(request, policy.supported);
  if (unknown.length > 0) return { status: 420, headers: [['Unsupported', unknown.join(', ')]] };
  // §21.4.16: 421 Extension Required when "this extension is not listed in a Supported header
  // field in the request. Responses with this status code MUST contain a Require header field
  // listing the required extensions." New INVITEs only: only they get reliable 1xx (uas-invite.ts).
  if (request.method === 'INVITE' && request.to?.tag === undefined && policy.requiredExtensions.length > 0) {
    const listed = new Set([...request.supported, ...request.require].map((tag) => tag.toLowerCase()));
    const missing = policy.requiredExtensions.filter((tag) => !listed.has(tag.toLowerCase()));
    if (missing.length > 0) return { status: 421, headers: [['Require', missing.join(', ')]] };
  }
  // §8.2.3: "If a UAS does not understand the content type, encoding, or language of a body it
  // MUST reject it with a 415 (Unsupported Media Type) response. The response MUST contain an
  // Accept header field listing the types of all bodies it understands, in the event the
  // request contained bodies of types not supported by the UAS. If the request contained
  // content encodings not understood by the UAS, the response MUST contain an Accept-Encoding
  // header field listing the encodings understood by the UAS."
  if (request.body.length > 0) {
    const encodings = request.headers
      .values('content-encoding')
      .map((value) => value.toLowerCase())
      .filter((value) => value !== 'identity');
    if (encodings.length > 0) return { status: 415, headers: [['Accept-Encoding', 'identity']] };
    const type = request.contentType?.mediaType;
    if (type !== undefined && !policy.accept.includes(type))
      return { status: 415, headers: [['Accept', policy.accept.join(', ')]] };
  }
  // RFC 4475 §3.3.15 sdp01: an INVITE whose Accept excludes the session description type we
  // would answer with "could respond with a 406 Not Acceptable" (§21.4.7).
  if (request.method === 'INVITE' && request.headers.has('accept')) {
    const ranges = request.headers.values('accept');
    if (ranges.length > 0 && !accepts(ranges, 'application/sdp'))
      return { status: 406, headers: [['Accept', 'application/sdp']] };
  }
  return undefined;
}

/** Replies on a server transaction, never throwing (it may have been answered or be gone). */
export function safeReply(
  transaction: AnyServerTransaction,
  status: number,
  options: { reason?: string | undefined; headers?: Array<[string, string]> } = {},
): void {
  try {
    transaction.reply(status, {
      ...(options.reason === undefined ? {} : { reason: options.reason }),
      headers: options.headers ?? [],
    });
  } catch {
    // answered already, or terminated
  }
}
