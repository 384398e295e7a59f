/**
 * Numeric headers: CSeq (§20.16), Max-Forwards (§20.22), delta-seconds (Expires §20.19,
 * Min-Expires §20.23), RSeq and RAck (RFC 3262 §7).
 */
import { badHeader, SipErrorCode, SipParseError } from '../../errors.ts';
import { CHAR_CLASS, internedAt, SIP_METHODS as METHODS, TOKEN } from '../../syntax/charset.ts';
import { ValueScanner } from '../../syntax/scanner.ts';
import { unfold, valueSpan, type HeaderField } from '../headers.ts';

/** A CSeq value. */
export interface CSeq {
  /** Sequence number, 0..2**31-1. */
  seq: number;
  /** Method, case-sensitive. */
  method: string;
}

/** An RAck value (RFC 3262 §7.2). */
export interface RAck {
  /** The RSeq of the reliable provisional response being acknowledged. */
  rseq: number;
  /** CSeq number of the request it answered. */
  cseq: number;
  /** CSeq method of that request. */
  method: string;
}

/** Largest delta-seconds value; bigger values are treated as this one. */
export const MAX_DELTA_SECONDS = 0xffffffff;

function digitsAt(scanner: ValueScanner, what: string): string {
  const digits = scanner.digits();
  if (digits.length === 0) throw scanner.fail(`expected ${what}`);
  return digits;
}

/** Reads 1*DIGIT as a number, or undefined if it exceeds `max`. Leading zeros are fine ("0009"). */
function boundedNumber(digits: string, max: number): number | undefined {
  // Up to 15 digits are exact in a double whatever the leading zeros: no string work needed.
  if (digits.length <= 15) {
    const value = Number(digits);
    return value > max ? undefined : value;
  }
  const trimmed = digits.replace(/^0+(?=\d)/, '');
  if (trimmed.length > 16) return undefined;
  const value = Number(trimmed);
  return value > max ? undefined : value;
}

function first(fields: HeaderField[]): string | undefined {
  return fields.length === 0 ? undefined : unfold(fields[0]!.raw);
}

/**
 * The common shape `1*DIGIT SP token` in `text[start, end)`, with at most 10 digits below
 * 2**31; undefined for anything else, which {@link parseCSeq} then reads with the full grammar
 * (same result for the text this accepts). Common methods come back interned.
 */
function parseCommonCSeq(text: string, start: number, end: number): CSeq | undefined {
  let seq = 0;
  let pos = start;
  while (pos < end) {
    const c = text.charCodeAt(pos);
    if (c < 0x30 || c > 0x39) break;
    seq = seq * 10 + (c - 0x30);
    pos++;
  }
  const digits = pos - start;
  if (digits === 0 || digits > 10 || seq > 0x7fffffff || pos + 1 >= end || text.charCodeAt(pos) !== 0x20)
    return undefined;
  const methodStart = ++pos;
  while (pos < end) {
    const c = text.charCodeAt(pos);
    if (c >= 256 || (CHAR_CLASS[c]! & TOKEN) === 0) return undefined;
    pos++;
  }
  return { seq, method: internedAt(text, methodStart, end, METHODS) };
}

/**
 * CSeq = 1*DIGIT LWS Method. §8.1.1.5: the number "MUST be expressible as a 32-bit unsigned
 * integer and MUST be less than 2**31" (RFC 4475 §3.1.2.4 scalar02, §3.1.2.5 scalarlg).
 */
export function parseCSeq(field: HeaderField): CSeq {
  // Read in place (see WireField.text): folds and all, they are SWS.
  const { text, start, end } = valueSpan(field);
  const common = parseCommonCSeq(text, start, end);
  if (common !== undefined) return common;
  const scanner = new ValueScanner(text, 'CSeq', start, end);
  scanner.skipSws();
  const seq = boundedNumber(digitsAt(scanner, 'sequence number'), 0x7fffffff);
  if (seq === undefined) {
    throw new SipParseError(SipErrorCode.InvalidCSeq, 'CSeq number not below 2**31', {
      status: 400,
      reasonPhrase: 'Bad CSeq Header',
      header: 'CSeq',
    });
  }
  if (!scanner.skipSws()) throw badHeader('CSeq', 'expected LWS before method', SipErrorCode.InvalidCSeq);
  const method = scanner.token();
  if (method.length === 0) throw badHeader('CSeq', 'missing method', SipErrorCode.InvalidCSeq);
  scanner.skipSws();
  if (!scanner.atEnd()) throw badHeader('CSeq', 'trailing text', SipErrorCode.InvalidCSeq);
  return { seq, method };
}

/** Max-Forwards = 1*DIGIT, 0..255 (§20.22; RFC 4475 §3.1.2.4 has 300). */
export function parseMaxForwards(field: HeaderField): number {
  const raw = field.raw;
  // 1 to 3 digits, the way every peer writes it.
  if (raw.length <= 3) {
    let value = 0;
    for (let i = 0; i < raw.length; i++) {
      const c = raw.charCodeAt(i);
      value = c >= 0x30 && c <= 0x39 ? value * 10 + (c - 0x30) : 256;
    }
    if (raw.length > 0 && value <= 255) return value;
  }
  const trimmed = unfold(raw).trim();
  const value = /^\d+$/.test(trimmed) ? boundedNumber(trimmed, 255) : undefined;
  if (value === undefined) {
    throw new SipParseError(SipErrorCode.InvalidMaxForwards, 'Max-Forwards is not in 0..255', {
      status: 400,
      reasonPhrase: 'Bad Max-Forwards Header',
      header: 'Max-Forwards',
    });
  }
  return value;
}

/**
 * delta-seconds = 1*DIGIT. Values above 2**32-1 are taken as 2**32-1 rather than rejected
 * (RFC 4475 §3.1.2.4 discusses an Expires of 10**100: the element may clamp it).
 */
export function parseDeltaSeconds(text: string, header: string): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) throw badHeader(header, 'expected delta-seconds');
  return boundedNumber(trimmed, MAX_DELTA_SECONDS) ?? MAX_DELTA_SECONDS;
}

/** Expires / Min-Expires. */
export function parseDeltaHeader(fields: HeaderField[], header: string): number | undefined {
  const text = first(fields);
  return text === undefined ? undefined : parseDeltaSeconds(text, header);
}

/** RSeq = response-num, 1..2**32-1 (RFC 3262 §7.1). */
export function parseRSeq(fields: HeaderField[]): number | undefined {
  const text = first(fields);
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  const value = /^\d+$/.test(trimmed) ? boundedNumber(trimmed, MAX_DELTA_SECONDS) : undefined;
  if (value === undefined || value === 0) throw badHeader('RSeq', 'expected 1..2**32-1');
  return value;
}

/** RAck = response-num LWS CSeq-num LWS Method (RFC 3262 §7.2). */
export function parseRAck(fields: HeaderField[]): RAck | undefined {
  const text = first(fields);
  if (text === undefined) return undefined;
  const scanner = new ValueScanner(text, 'RAck');
  scanner.skipSws();
  const rseq = boundedNumber(digitsAt(scanner, 'response number'), MAX_DELTA_SECONDS);
  if (!scanner.skipSws()) throw scanner.fail('expected LWS');
  const cseq = boundedNumber(digitsAt(scanner, 'CSeq number'), 0x7fffffff);
  if (!scanner.skipSws()) throw scanner.fail('expected LWS');
  const method = scanner.requireToken('method');
  scanner.expectEnd();
  if (rseq === undefined || rseq === 0 || cseq === undefined) throw badHeader('RAck', 'number out of range');
  return { rseq, cseq, method };
}
