/**
 * Headers shaped `value *( SEMI generic-param )`, and token lists: Event and
 * Subscription-State (RFC 6665 §8.2), Session-Expires and Min-SE (RFC 4028 §4-5), Replaces
 * (RFC 3891 §6.1), Reason (RFC 3326 §2), Retry-After (RFC 3261 §20.33), Content-Type
 * (§20.15), Privacy (RFC 3323 §4.2), and Require/Supported/Allow/Unsupported/Allow-Events.
 */
import { badHeader } from '../../errors.ts';
import { parseParams, type Params } from '../../syntax/params.ts';
import { splitList, ValueScanner } from '../../syntax/scanner.ts';
import { unfold, type HeaderField } from '../headers.ts';
import { parseDeltaSeconds } from './numbers.ts';

/** A `value;params` header. */
export interface ValueWithParams {
  /** The leading value (token, number or Call-ID). */
  value: string;
  /** Parameters after it. */
  params: Params;
}

/** Event (RFC 6665 §8.2.1): package[.template] with `id`. */
export interface EventHeader extends ValueWithParams {
  /** `id` parameter. */
  id: string | undefined;
}

/** Subscription-State (RFC 6665 §8.2.3). */
export interface SubscriptionState extends ValueWithParams {
  /** `active`, `pending`, `terminated` or an extension, lower-cased. */
  state: string;
  /** `expires` seconds. */
  expires: number | undefined;
  /** `reason` (deactivated, probation, rejected, timeout, giveup, noresource, invariant). */
  reason: string | undefined;
  /** `retry-after` seconds. */
  retryAfter: number | undefined;
}

/** Session-Expires (RFC 4028 §4). */
export interface SessionExpires {
  /** Session interval, seconds. */
  seconds: number;
  /** `refresher` (`uac`/`uas`), lower-cased. */
  refresher: string | undefined;
  /** All parameters. */
  params: Params;
}

/** Replaces (RFC 3891 §6.1). */
export interface Replaces {
  /** Call-ID of the dialog to replace. */
  callId: string;
  /** to-tag */
  toTag: string;
  /** from-tag */
  fromTag: string;
  /** early-only flag */
  earlyOnly: boolean;
}

/** One Reason value (RFC 3326 §2). */
export interface Reason {
  /** Protocol: `SIP`, `Q.850`, ... */
  protocol: string;
  /** `cause` number. */
  cause: number | undefined;
  /** `text`, unquoted. */
  text: string | undefined;
  /** All parameters. */
  params: Params;
}

/** Retry-After (RFC 3261 §20.33). */
export interface RetryAfter {
  /** Seconds (clamped to 2**32-1, RFC 4475 §3.1.2.5). */
  seconds: number;
  /** The comment, without parentheses. */
  comment: string | undefined;
  /** `duration` seconds. */
  duration: number | undefined;
  /** All parameters. */
  params: Params;
}

/** Content-Type (§20.15): `type/subtype;params`, type and subtype lower-cased. */
export interface ContentType {
  /** `application` */
  type: string;
  /** `sdp` */
  subtype: string;
  /** `type/subtype` lower-cased. */
  mediaType: string;
  /** Parameters (`boundary`, `charset`). */
  params: Params;
}

function firstValue(fields: HeaderField[]): string | undefined {
  return fields.length === 0 ? undefined : unfold(fields[0]!.raw);
}

/** Parses `token *(;param)` (the value may also be a Call-ID word when `word` is set). */
export function parseValueWithParams(text: string, header: string, options: { word?: boolean } = {}): ValueWithParams {
  const scanner = new ValueScanner(text, header);
  scanner.skipSws();
  const value = options.word === true ? scanner.until((c) => c === 0x3b || c <= 0x20 || c === 0x7f) : scanner.token();
  if (value.length === 0) throw scanner.fail('expected a value');
  const params = parseParams(scanner);
  return { value, params };
}

/** Event. */
export function parseEvent(fields: HeaderField[]): EventHeader | undefined {
  const text = firstValue(fields);
  if (text === undefined) return undefined;
  const parsed = parseValueWithParams(text, 'Event');
  return { ...parsed, id: parsed.params.get('id') ?? undefined };
}

/** Subscription-State. */
export function parseSubscriptionState(fields: HeaderField[]): SubscriptionState | undefined {
  const text = firstValue(fields);
  if (text === undefined) return undefined;
  const parsed = parseValueWithParams(text, 'Subscription-State');
  const number = (name: string): number | undefined => {
    const value = parsed.params.get(name);
    return typeof value === 'string' ? parseDeltaSeconds(value, 'Subscription-State') : undefined;
  };
  return {
    ...parsed,
    state: parsed.value.toLowerCase(),
    expires: number('expires'),
    reason: parsed.params.get('reason')?.toLowerCase(),
    retryAfter: number('retry-after'),
  };
}

/** Session-Expires or Min-SE (the latter has no refresher). */
export function parseSessionExpires(fields: HeaderField[], header = 'Session-Expires'): SessionExpires | undefined {
  const text = firstValue(fields);
  if (text === undefined) return undefined;
  const parsed = parseValueWithParams(text, header);
  const refresher = parsed.params.get('refresher');
  if (refresher === null) throw badHeader(header, 'refresher without a value');
  return {
    seconds: parseDeltaSeconds(parsed.value, header),
    refresher: refresher?.toLowerCase(),
    params: parsed.params,
  };
}

/** Replaces: `callid;to-tag=..;from-tag=..[;early-only]`, both tags required. */
export function parseReplaces(fields: HeaderField[]): Replaces | undefined {
  const text = firstValue(fields);
  if (text === undefined) return undefined;
  const parsed = parseValueWithParams(text, 'Replaces', { word: true });
  const toTag = parsed.params.get('to-tag');
  const fromTag = parsed.params.get('from-tag');
  if (typeof toTag !== 'string' || typeof fromTag !== 'string')
    throw badHeader('Replaces', 'to-tag and from-tag are required');
  return { callId: parsed.value, toTag, fromTag, earlyOnly: parsed.params.has('early-only') };
}

/** Reason (a list). */
export function parseReasons(fields: HeaderField[]): Reason[] {
  const out: Reason[] = [];
  for (const field of fields) {
    for (const part of splitList(unfold(field.raw))) {
      if (part.trim().length === 0) continue;
      const parsed = parseValueWithParams(part, 'Reason');
      const cause = parsed.params.get('cause');
      out.push({
        protocol: parsed.value,
        cause: typeof cause === 'string' && /^\d{1,9}$/.test(cause) ? Number(cause) : undefined,
        text: parsed.params.get('text') ?? undefined,
        params: parsed.params,
      });
    }
  }
  return out;
}

/** Retry-After = delta-seconds [ comment ] *( SEMI retry-param ). */
export function parseRetryAfter(fields: HeaderField[]): RetryAfter | undefined {
  const text = firstValue(fields);
  if (text === undefined) return undefined;
  const scanner = new ValueScanner(text, 'Retry-After');
  scanner.skipSws();
  const seconds = parseDeltaSeconds(
    scanner.until((c) => c < 0x30 || c > 0x39),
    'Retry-After',
  );
  scanner.skipSws();
  const comment = scanner.peek() === 0x28 ? scanner.comment() : undefined;
  const params = parseParams(scanner);
  const duration = params.get('duration');
  return {
    seconds,
    comment,
    duration: typeof duration === 'string' ? parseDeltaSeconds(duration, 'Retry-After') : undefined,
    params,
  };
}

/** Content-Type = m-type SLASH m-subtype *(SEMI m-parameter). */
export function parseContentTypeValue(text: string, header = 'Content-Type'): ContentType {
  const scanner = new ValueScanner(text, header);
  scanner.skipSws();
  const type = scanner.requireToken('media type').toLowerCase();
  scanner.skipSws();
  scanner.expect(0x2f, '"/"');
  scanner.skipSws();
  const subtype = scanner.requireToken('media subtype').toLowerCase();
  const params = parseParams(scanner);
  return { type, subtype, mediaType: `${type}/${subtype}`, params };
}

/** Content-Type header. */
export function parseContentType(fields: HeaderField[]): ContentType | undefined {
  const text = firstValue(fields);
  return text === undefined ? undefined : parseContentTypeValue(text);
}

/**
 * A comma list of tokens (Require, Supported, Allow, Unsupported, Proxy-Require,
 * Allow-Events). Empty elements are skipped (`Supported:` with no value is valid).
 */
export function parseTokenList(fields: HeaderField[], header: string): string[] {
  const out: string[] = [];
  for (const field of fields) {
    for (const part of splitList(unfold(field.raw))) {
      const token = part.trim();
      if (token.length === 0) continue;
      const scanner = new ValueScanner(token, header);
      // Allow-Events elements are event types (token with dots); all are tokens.
      scanner.requireToken('option tag');
      if (!scanner.atEnd()) throw scanner.fail('expected a token');
      out.push(token);
    }
  }
  return out;
}

/** Privacy = priv-value *(";" priv-value) (RFC 3323 §4.2), lower-cased. */
export function parsePrivacy(fields: HeaderField[]): string[] {
  const out: string[] = [];
  for (const field of fields) {
    for (const part of unfold(field.raw).split(/[;,]/)) {
      const value = part.trim();
      if (value.length === 0) continue;
      if (!/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(value)) throw badHeader('Privacy', 'expected tokens');
      out.push(value.toLowerCase());
    }
  }
  return out;
}
