/**
 * Requests a client derives from the one it sent: the ACK for a non-2xx final response
 * (§17.1.1.3) and CANCEL (§9.1). Both copy header fields as raw text, so what goes out equals,
 * byte for byte, what the original request carried.
 */
import { SipHeaders, unfold, type HeaderField } from '../message/headers.ts';
import { SipRequest, type SipResponse } from '../message/message.ts';
import { splitList } from '../syntax/scanner.ts';
import { TransactionError, TransactionErrorCode } from './transaction-errors.ts';

/** The top Via *value* of a request (the first element of the first Via field). */
function topViaValue(request: SipRequest): string {
  const field = request.headers.getFields('via')[0];
  const first = field === undefined ? undefined : splitList(unfold(field.raw))[0]?.trim();
  if (first === undefined || first.length === 0)
    throw new TransactionError(TransactionErrorCode.InvalidRequest, 'request has no Via');
  return first;
}

function one(request: { headers: SipHeaders }, key: string, what: string): HeaderField {
  const field = request.headers.getFields(key)[0];
  if (field === undefined) throw new TransactionError(TransactionErrorCode.InvalidRequest, `${what} missing`);
  return field;
}

function cseqNumber(request: SipRequest): number {
  const cseq = request.cseq;
  if (cseq === undefined) throw new TransactionError(TransactionErrorCode.InvalidRequest, 'CSeq missing');
  return cseq.seq;
}

/**
 * §17.1.1.3: "The ACK request constructed by the client transaction MUST contain values for the
 * Call-ID, From, and Request-URI that are equal to the values of those header fields in the
 * request passed to the transport by the client transaction … The To header field in the ACK
 * MUST equal the To header field in the response being acknowledged … The ACK MUST contain a
 * single Via header field, and this MUST be equal to the top Via header field of the original
 * request. The CSeq header field in the ACK MUST contain the same value for the sequence number
 * … but the method parameter MUST be equal to 'ACK'. If the INVITE request … had Route header
 * fields, those header fields MUST appear in the ACK."
 *
 * @param invite the INVITE as sent (its top Via carries the sent-by the transport filled in)
 * @param response the 3xx–6xx being acknowledged
 */
export function createNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  const fields: HeaderField[] = [
    SipHeaders.field('Via', topViaValue(invite)),
    one(response, 'to', 'To of the response'),
    one(invite, 'from', 'From'),
    one(invite, 'call-id', 'Call-ID'),
    SipHeaders.field('CSeq', `${cseqNumber(invite)} ACK`),
    ...invite.headers.getFields('route'),
    SipHeaders.field('Max-Forwards', '70'),
  ];
  return new SipRequest({ method: 'ACK', uri: invite.requestUri, headers: new SipHeaders(fields) });
}

/**
 * §9.1: "The Request-URI, Call-ID, To, the numeric part of CSeq, and From header fields in the
 * CANCEL request MUST be identical to those in the request being cancelled, including tags. A
 * CANCEL constructed by a client MUST have only a single Via header field value matching the top
 * Via value in the request being cancelled. … If the request being cancelled contains a Route
 * header field, the CANCEL request MUST include that Route header field's values."
 *
 * This only builds the message; whether it may be sent (a provisional response has arrived,
 * §9.1) is checked by `InviteClientTransaction.createCancel()` and `TransactionLayer.cancel()`.
 * @param request the INVITE being cancelled, as sent
 * @param reason an optional Reason header value (RFC 3326), e.g. `SIP;cause=200;text="Call completed elsewhere"`
 */
export function createCancel(request: SipRequest, reason?: string): SipRequest {
  if (request.method !== 'INVITE') {
    throw new TransactionError(
      TransactionErrorCode.CancelNotAllowed,
      '§9.1: a CANCEL SHOULD NOT be sent for a request other than INVITE',
    );
  }
  const fields: HeaderField[] = [
    SipHeaders.field('Via', topViaValue(request)),
    one(request, 'to', 'To'),
    one(request, 'from', 'From'),
    one(request, 'call-id', 'Call-ID'),
    SipHeaders.field('CSeq', `${cseqNumber(request)} CANCEL`),
    ...request.headers.getFields('route'),
    SipHeaders.field('Max-Forwards', '70'),
  ];
  if (reason !== undefined) fields.push(SipHeaders.field('Reason', reason));
  return new SipRequest({ method: 'CANCEL', uri: request.requestUri, headers: new SipHeaders(fields) });
}
