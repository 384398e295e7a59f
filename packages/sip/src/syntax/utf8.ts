/**
 * UTF-8 text from the wire (RFC 3261 §7.3.1: TEXT-UTF8 values, a Reason-Phrase): decoded once,
 * and checked strictly only when the decoder had to replace something.
 */
import { isUtf8 } from 'node:buffer';

/**
 * `buf[start, end)` decoded as UTF-8, or undefined when those bytes are not UTF-8. The decoder
 * writes U+FFFD for every malformed sequence (overlong forms and surrogates included), so text
 * without one came from valid bytes; text with one is checked (the bytes may hold U+FFFD itself).
 */
export function decodeUtf8(buf: Buffer, start: number, end: number): string | undefined {
  const text = buf.toString('utf8', start, end);
  return text.indexOf('\uFFFD') < 0 || isUtf8(buf.subarray(start, end)) ? text : undefined;
}
