/**
 * DTMF keys: their ITU-T Q.23 frequency pairs and their RFC 4733 §3.2 event codes. Shared by
 * the tone generator, the detector and the telephone-event code.
 */
import { RtpArgumentError, RtpErrorCode } from './errors.ts';

/** The sixteen DTMF keys in RFC 4733 event-code order (0–9, *, #, A–D = events 0–15). */
export const DTMF_KEYS = '0123456789*#ABCD';

/** One DTMF key. */
export type DtmfKey = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

/** ITU-T Q.23 §2 low-group (row) frequencies in Hz. */
export const DTMF_ROW_FREQUENCIES = [697, 770, 852, 941] as const;
/** ITU-T Q.23 §2 high-group (column) frequencies in Hz. */
export const DTMF_COLUMN_FREQUENCIES = [1209, 1336, 1477, 1633] as const;

/** Q.23 keypad layout: rows × columns. */
const KEYPAD = ['123A', '456B', '789C', '*0#D'] as const;

/** RFC 4733 §3.2: event 16 is hook flash (no DTMF frequencies). */
export const TELEPHONE_EVENT_FLASH = 16;

/** True when `text` is one DTMF key (case-sensitive: A–D upper case). */
export function isDtmfKey(text: string): text is DtmfKey {
  return text.length === 1 && DTMF_KEYS.includes(text);
}

/**
 * The Q.23 frequency pair of a key.
 *
 * @returns `[low, high]` in Hz
 * @throws RtpArgumentError `INVALID_ARGUMENT` for a character that is not a key
 */
export function dtmfFrequencies(key: string): [low: number, high: number] {
  for (let row = 0; row < 4; row++) {
    const column = KEYPAD[row]!.indexOf(key);
    if (key.length === 1 && column >= 0) return [DTMF_ROW_FREQUENCIES[row]!, DTMF_COLUMN_FREQUENCIES[column]!];
  }
  throw new RtpArgumentError(RtpErrorCode.InvalidArgument, `not a DTMF key: ${JSON.stringify(key)}`);
}

/** The key at a (row, column) of the Q.23 keypad, both 0..3. */
export function dtmfKeyAt(row: number, column: number): DtmfKey {
  return KEYPAD[row]![column] as DtmfKey;
}

/**
 * RFC 4733 event code of a key (0–15).
 *
 * @throws RtpArgumentError `INVALID_ARGUMENT` for a character that is not a key
 */
export function telephoneEventCode(key: string): number {
  const code = key.length === 1 ? DTMF_KEYS.indexOf(key) : -1;
  if (code < 0) throw new RtpArgumentError(RtpErrorCode.InvalidArgument, `not a DTMF key: ${JSON.stringify(key)}`);
  return code;
}

/** The key of an RFC 4733 event code, or undefined for codes other than 0–15. */
export function dtmfKeyOfEvent(event: number): DtmfKey | undefined {
  return event >= 0 && event < 16 ? (DTMF_KEYS[event] as DtmfKey) : undefined;
}
