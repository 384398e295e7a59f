/**
 * Dial-string formatting: what the product guide's `Mtc_UriFormat` does (MTC VoIP SDK guide
 * §6.11 "拨号 URI", reference/mtc-voip-sdk-guide.zh.txt):
 *
 * - §6.11.1.1 local-login mode (no registrar): the user types an IP address or a domain, and
 *   the URI is `sip:unknown@<ip>` (e.g. `sip:unknown@192.168.0.78`) or `sip:unknown@<domain>`
 *   (e.g. `sip:unknown@sip.juphoon.com`).
 * - §6.11.1.2 server-login mode: the user types a number, and the URI is `sip:<phone>@<domain>`
 *   with the account's domain (e.g. `sip:13486651032@sip.juphoon.com`).
 * - §6.11.2 tel URI: `tel:<phone>` (e.g. `tel:13486651032`).
 *
 * On top of the guide: visual separators (`-` `.` `(` `)` and spaces) are removed from numbers
 * (RFC 3966 §5.1.1), a complete sip:/sips:/tel: URI is returned as given, and `user@host` is
 * taken as an address.
 */
import { isIPv6 } from 'node:net';
import { SipErrorCode, SipParseError } from '../errors.ts';
import { escapeUser } from './sip-uri.ts';
import { hostKind } from './host.ts';
import { stripVisualSeparators } from './tel-uri.ts';
import { parseUri, schemeLength } from './uri.ts';

/** How the account is logged in (guide §6.11.1). */
export const DialMode = {
  /** Local login: calls go straight to an IP address or domain, no registrar. */
  LocalLogin: 'localLogin',
  /** Server login: numbers are resolved in the account's domain. */
  Server: 'server',
} as const;
/** One of {@link DialMode}. */
export type DialMode = (typeof DialMode)[keyof typeof DialMode];

/** Options of {@link formatDialUri}. */
export interface DialUriOptions {
  /** Login mode (guide §6.11.1.1 vs §6.11.1.2). */
  mode: DialMode;
  /** The account's SIP domain; required in server mode unless `scheme` is `tel`. */
  domain?: string;
  /** Server mode only: build `tel:<phone>` (guide §6.11.2) instead of `sip:<phone>@<domain>`. Default `sip`. */
  scheme?: 'sip' | 'tel';
  /** tel only: phone-context added to local (non-`+`) numbers (RFC 3966 §5.1.5). Default none, as in the guide. */
  phoneContext?: string;
}

const PHONE_NUMBER = /^\+?[0-9*#]+$/;

function invalid(input: string, why: string): SipParseError {
  return new SipParseError(SipErrorCode.InvalidDialString, `${why}: ${JSON.stringify(input)}`);
}

/** The user in local-login URIs (guide §6.11.1.1). */
export const LOCAL_LOGIN_USER = 'unknown';

/**
 * Turns what a user typed into a SIP or tel URI string, per guide §6.11.
 * @throws SipParseError `INVALID_DIAL_STRING` when nothing callable can be made of `input`
 */
export function formatDialUri(input: string, options: DialUriOptions): string {
  const text = input.trim();
  if (text.length === 0) throw invalid(input, 'empty dial string');
  const schemeLen = schemeLength(text);
  const scheme = text.slice(0, schemeLen).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips' || scheme === 'tel') {
    try {
      parseUri(text);
    } catch (error) {
      throw new SipParseError(SipErrorCode.InvalidDialString, `not a valid URI: ${JSON.stringify(input)}`, {
        cause: error,
      });
    }
    return text;
  }
  const at = text.lastIndexOf('@');
  if (at >= 0) {
    const user = text.slice(0, at);
    const host = hostFor(text.slice(at + 1));
    if (user.length === 0 || host === undefined) throw invalid(input, 'bad address');
    return `sip:${escapeUser(userFor(user))}@${host}`;
  }
  if (options.mode === DialMode.LocalLogin) {
    // §6.11.1.1: a valid IP address or domain becomes sip:unknown@<it>.
    const host = hostFor(text);
    if (host === undefined) throw invalid(input, 'local-login mode needs an IP address or domain');
    return `sip:${LOCAL_LOGIN_USER}@${host}`;
  }
  const number = stripVisualSeparators(text);
  const isNumber = PHONE_NUMBER.test(number);
  if (options.scheme === 'tel') {
    // §6.11.2: tel:<phone>.
    if (!isNumber) throw invalid(input, 'tel URIs need a phone number');
    const context =
      !number.startsWith('+') && options.phoneContext !== undefined ? `;phone-context=${options.phoneContext}` : '';
    return `tel:${number}${context}`;
  }
  // §6.11.1.2: sip:<phone>@<domain>; a non-numeric entry is taken as a user name.
  const domain = options.domain === undefined ? undefined : hostFor(options.domain);
  if (domain === undefined) throw invalid(input, 'server mode needs a valid domain');
  return `sip:${escapeUser(isNumber ? number : text)}@${domain}`;
}

function userFor(user: string): string {
  const number = stripVisualSeparators(user);
  return PHONE_NUMBER.test(number) ? number : user;
}

/** `host[:port]` as a URI hostport, or undefined. Bare IPv6 gets its brackets. */
function hostFor(text: string): string | undefined {
  if (isIPv6(text)) return `[${text}]`;
  let host = text;
  let port = '';
  const bracketEnd = text.startsWith('[') ? text.indexOf(']') : -1;
  const colon = text.indexOf(':', bracketEnd < 0 ? 0 : bracketEnd);
  if (colon >= 0) {
    host = text.slice(0, colon);
    port = text.slice(colon + 1);
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535 || Number(port) === 0) return undefined;
    port = `:${port}`;
  }
  return hostKind(host) === undefined ? undefined : `${host}${port}`;
}
