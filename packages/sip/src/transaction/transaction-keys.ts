/**
 * Matching keys (RFC 3261 §17.1.3, §17.2.3, §8.2.2.2, §13.3.1.4). Keys are strings so the
 * layer finds a transaction with one Map lookup. Branch values are tokens, compared
 * case-insensitively (§7.3.1: "Tokens are always case-insensitive").
 */
import type { SipMessage, SipRequest, SipResponse } from '../message/message.ts';
import { isRfc3261Branch, type Via } from '../message/values/via.ts';

/**
 * §17.1.3: "A response matches a client transaction under two conditions: 1. If the response
 * has the same value of the branch parameter in the top Via header field as the branch
 * parameter in the top Via header field of the request that created the transaction. 2. If the
 * method parameter in the CSeq header field matches the method of the request that created the
 * transaction. The method is needed since a CANCEL request constitutes a different transaction,
 * but shares the same value of the branch parameter."
 *
 * Sent-by is not part of client matching: the branch is ours and unique (§8.1.1.7), and the
 * transport checks the top Via's sent-by of every response before it gets here (§18.1.2).
 */
export function clientKey(message: SipMessage): string | undefined {
  const branch = message.topVia?.branch;
  const method = message.cseq?.method;
  if (branch === undefined || method === undefined) return undefined;
  return `${branch.toLowerCase()}|${method}`;
}

/** sent-by as written (host lower-cased): retransmissions carry the same top Via. */
function sentBy(via: Via): string {
  return `${via.host.toLowerCase()}:${via.port ?? ''}`;
}

/**
 * §17.2.3: "1. the branch parameter in the request is equal to the one in the top Via header
 * field of the request that created the transaction, and 2. the sent-by value in the top Via of
 * the request is equal to the one in the request that created the transaction, and 3. the
 * method of the request matches the one that created the transaction, except for ACK, where
 * the method of the request that created the transaction is INVITE."
 *
 * Undefined when the branch lacks the magic cookie: then {@link legacyServerKey} applies.
 * @param method the method to match (INVITE for an ACK, or for a CANCEL looking for its INVITE, §9.2)
 */
export function serverKey(request: SipRequest, method: string): string | undefined {
  const via = request.topVia;
  if (via === undefined || !isRfc3261Branch(via.branch)) return undefined;
  return `${via.branch!.toLowerCase()}|${sentBy(via)}|${method}`;
}

/**
 * §17.2.3, RFC 2543 fallback: "The INVITE request matches a transaction if the Request-URI, To
 * tag, From tag, Call-ID, CSeq, and top Via header field match those of the INVITE request which
 * created the transaction. … the ACK request matches a transaction if the Request-URI, From tag,
 * Call-ID, CSeq number (not the CSeq method), and top Via header field match those of the
 * INVITE request which created the transaction, and the To tag of the ACK matches the To tag of
 * the response sent by the server transaction."
 *
 * The key leaves the To tag out (the ACK's is compared with the response's, not the request's);
 * the layer compares it after the lookup.
 */
export function legacyServerKey(request: SipRequest, method: string): string {
  const via = request.topVia;
  const topVia = via === undefined ? '' : `${via.transport} ${sentBy(via)};${via.params.toString().toLowerCase()}`;
  return [
    '2543',
    request.requestUri,
    request.from?.tag ?? '',
    request.callId ?? '',
    request.cseq?.seq ?? '',
    method,
    topVia,
  ].join('\n');
}

/**
 * §8.2.2.2: "If the request has no tag in the To header field, the UAS core MUST check the
 * request against ongoing transactions. If the From tag, Call-ID, and CSeq exactly match those
 * associated with an ongoing transaction, but the request does not match that transaction
 * (based on the matching rules in Section 17.2.3), the UAS core SHOULD generate a 482 (Loop
 * Detected) response and pass it to the server transaction."
 */
export function mergeKey(request: SipRequest): string | undefined {
  const fromTag = request.from?.tag;
  const callId = request.callId;
  const cseq = request.cseq;
  if (fromTag === undefined || callId === undefined || cseq === undefined) return undefined;
  return `${fromTag}\n${callId}\n${cseq.seq}\n${cseq.method}`;
}

/**
 * Ties an ACK to the 2xx it acknowledges (§13.3.1.4, §12.2.1.1): same Call-ID, From tag and To
 * tag (the dialog) and the INVITE's CSeq number.
 */
export function ackKey(message: SipRequest | SipResponse): string | undefined {
  const callId = message.callId;
  const seq = message.cseq?.seq;
  if (callId === undefined || seq === undefined) return undefined;
  return `${callId}\n${seq}\n${message.from?.tag ?? ''}\n${message.to?.tag ?? ''}`;
}
