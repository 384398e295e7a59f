/** Message builders for the transaction tests. Not exported from the package. */
import { parseMessage } from '../message/parser.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { createResponse } from '../message/response.ts';

/** Fields of {@link request}. */
export interface RequestFields {
  method?: string;
  uri?: string;
  branch?: string;
  sentBy?: string;
  transport?: string;
  callId?: string;
  fromTag?: string;
  toTag?: string;
  cseq?: number;
  cseqMethod?: string;
  route?: string[];
}

/** A request as text, then parsed (so tests go through the real parser). */
export function request(fields: RequestFields = {}): SipRequest {
  const method = fields.method ?? 'INVITE';
  const text =
    `${method} ${fields.uri ?? 'sip:bob@biloxi.example.com'} SIP/2.0\r\n` +
    `Via: SIP/2.0/${fields.transport ?? 'UDP'} ${fields.sentBy ?? 'pc33.atlanta.example.com:5060'}${fields.branch === '' ? '' : `;branch=${fields.branch ?? 'z9hG4bK776asdhds'}`}\r\n` +
    'Max-Forwards: 70\r\n' +
    (fields.route ?? []).map((r) => `Route: ${r}\r\n`).join('') +
    `To: Bob <sip:bob@biloxi.example.com>${fields.toTag === undefined ? '' : `;tag=${fields.toTag}`}\r\n` +
    `From: Alice <sip:alice@atlanta.example.com>;tag=${fields.fromTag ?? '1928301774'}\r\n` +
    `Call-ID: ${fields.callId ?? 'a84b4c76e66710@pc33.atlanta.example.com'}\r\n` +
    `CSeq: ${fields.cseq ?? 314159} ${fields.cseqMethod ?? method}\r\n` +
    'Contact: <sip:alice@pc33.atlanta.example.com>\r\n' +
    'Content-Length: 0\r\n\r\n';
  const message = parseMessage(Buffer.from(text));
  if (message.kind !== 'request') throw new Error('not a request');
  return message;
}

/** A response to `to` (through `createResponse`), with a To tag for non-100 responses. */
export function response(to: SipRequest, status: number, toTag = 'a6c85cf'): SipResponse {
  const made = createResponse(to, status, status > 100 ? { toTag } : {});
  if (made === undefined) throw new Error('cannot respond');
  return made;
}
