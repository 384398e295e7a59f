/**
 * Credentials on the requests that are never challenged (RFC 3261 §22.1): CANCEL and ACK.
 *
 * - CANCEL cannot be resubmitted with credentials, so it carries the same Authorization and
 *   Proxy-Authorization as the INVITE it cancels (§22.1; §9.1 builds it from that INVITE).
 * - The ACK for a non-2xx is built by the INVITE client transaction from the INVITE (§17.1.1.3)
 *   and goes hop by hop to the same proxies: it copies the INVITE's credentials.
 * - The ACK for a 2xx is an end-to-end request of the dialog (§13.2.2.4): it is authorized like
 *   any in-dialog request, from the cached challenges, with method ACK and its own Request-URI.
 */
import type { SipRequest } from '../message/message.ts';
import type { DigestClient } from './digest-client.ts';

const CREDENTIAL_HEADERS = ['Authorization', 'Proxy-Authorization'] as const;

/**
 * Replaces `to`'s Authorization/Proxy-Authorization fields with copies of `from`'s, verbatim
 * and in order. Mutates and returns `to`.
 */
export function copyCredentials(from: SipRequest, to: SipRequest): SipRequest {
  for (const name of CREDENTIAL_HEADERS) {
    to.headers.remove(name);
    for (const field of from.headers.getFields(name)) to.headers.append(name, field.raw);
  }
  return to;
}

/** Gives a CANCEL the credentials of the INVITE it cancels (§22.1). Mutates and returns `cancel`. */
export function authorizeCancel(cancel: SipRequest, invite: SipRequest): SipRequest {
  return copyCredentials(invite, cancel);
}

/** Options of {@link authorizeAck}. */
export interface AuthorizeAckOptions {
  /** Status of the final response being acknowledged. */
  status: number;
  /** The account's client, for the ACK of a 2xx (its cached challenges). */
  client: DigestClient;
}

/**
 * Credentials for an ACK: a copy of the INVITE's for a non-2xx (§17.1.1.3), fresh ones from the
 * client's cache for a 2xx (§13.2.2.4, an in-dialog request). Mutates and returns `ack`.
 */
export function authorizeAck(ack: SipRequest, invite: SipRequest, options: AuthorizeAckOptions): SipRequest {
  if (options.status >= 200 && options.status < 300) return options.client.authorize(ack);
  return copyCredentials(invite, ack);
}
