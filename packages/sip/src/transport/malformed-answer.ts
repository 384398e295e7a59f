/**
 * What to send back for bytes that did not make a valid request (ARCHITECTURE: "malformed SIP
 * gets the right 4xx/5xx (or is dropped, for garbage)"). Pure, so it is unit-tested without sockets.
 */
import { randomBytes } from 'node:crypto';
import type { SipParseError } from '../errors.ts';
import { createErrorResponse } from '../message/error-response.ts';
import { serializeMessage } from '../message/serializer.ts';
import { parseVias } from '../message/values/via.ts';
import { responseIsOurs } from './via-rules.ts';

/** True when a datagram starts like a Status-Line (a response: never answered, §18.1.2). */
export function looksLikeResponse(data: Buffer): boolean {
  let start = 0;
  while (start < data.length && (data[start] === 0x0d || data[start] === 0x0a)) start++;
  return data.toString('latin1', start, start + 4) === 'SIP/';
}

/**
 * The error response for a rejected request, as bytes: the error's status and reason
 * (§8.2.6, RFC 4475 §3.3), built from the headers that could be read, with a To tag
 * (§8.2.6.2). Undefined when there is nothing to answer: no status (garbage, or a framing error
 * that lost the message), no Via to route a response by, or a top Via that is our own
 * sent-by (then it was a broken *response* to one of our requests, which is dropped).
 */
export function errorResponseFor(error: SipParseError, ownSentBys: ReadonlySet<string>): Buffer | undefined {
  const headers = error.headers;
  if (error.status === undefined || headers === undefined) return undefined;
  try {
    if (responseIsOurs(parseVias(headers.getFields('via'))[0], ownSentBys)) return undefined;
  } catch {
    // An unparsable Via: createResponse below copies it as it is; the answer goes to the source.
  }
  // RFC 4475 §3.3.1 (insuf): a Via is enough to route the answer, even without From/To/Call-ID.
  const response = createErrorResponse({ headers }, error.status, {
    reason: error.reasonPhrase,
    toTag: randomBytes(5).toString('hex'),
  });
  return response === undefined ? undefined : serializeMessage(response);
}
