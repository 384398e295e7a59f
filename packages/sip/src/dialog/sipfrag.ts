/**
 * message/sipfrag bodies (RFC 3420) of the NOTIFYs of a REFER's implicit subscription
 * (RFC 3515 §2.4.4-2.4.5): each NOTIFY carries the Status-Line of the referred request's latest
 * response, e.g. `SIP/2.0 200 OK`.
 */
import { defaultReasonPhrase } from '../message/reason-phrases.ts';

/** The content type of a REFER NOTIFY body (RFC 3515 §2.4.5). */
export const SIPFRAG_CONTENT_TYPE = 'message/sipfrag;version=2.0';

/** A Status-Line read from a sipfrag. */
export interface SipfragStatus {
  status: number;
  reason: string;
}

/** A sipfrag body holding one Status-Line (RFC 3515 §2.4.5: "at minimum, the Status-Line"). */
export function createSipfrag(status: number, reason: string = defaultReasonPhrase(status)): string {
  return `SIP/2.0 ${status} ${reason}\r\n`;
}

/** Reads the Status-Line of a sipfrag body; undefined when it does not start with one. Never throws. */
export function parseSipfrag(body: Buffer | string): SipfragStatus | undefined {
  const text = (typeof body === 'string' ? body : body.toString('utf8', 0, Math.min(body.length, 1024))).trimStart();
  const match = /^SIP\/2\.0 ([1-6]\d\d)(?: ([^\r\n]*))?/.exec(text);
  if (match === null) return undefined;
  return { status: Number(match[1]), reason: match[2] ?? '' };
}

/** Options for `Dialog.notify` reporting a REFER's progress (RFC 3515 §2.4.4). */
export interface ReferNotifyOptions {
  event: string;
  subscriptionState: string;
  body: string;
  contentType: string;
}

/**
 * The NOTIFY for the implicit subscription of a REFER: Event `refer`, a sipfrag of `status`, and
 * Subscription-State `active` for 1xx, `terminated;reason=noresource` for final statuses
 * (RFC 3515 §2.4.4, RFC 6665 §4.1.3).
 * @param expires seconds left of an active subscription (default 60)
 */
export function referNotify(status: number, reason?: string, expires = 60): ReferNotifyOptions {
  return {
    event: 'refer',
    subscriptionState: status < 200 ? `active;expires=${expires}` : 'terminated;reason=noresource',
    body: createSipfrag(status, reason),
    contentType: SIPFRAG_CONTENT_TYPE,
  };
}
