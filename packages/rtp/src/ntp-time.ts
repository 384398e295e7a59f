/**
 * NTP timestamps as RTCP carries them (RFC 3550 §4): 32-bit seconds since 1900-01-01 and a
 * 32-bit binary fraction. Sender reports carry the full 64 bits; report blocks echo the middle
 * 32 bits (LSR) and measure DLSR in units of 1/65536 s.
 */

/** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (Unix epoch). */
export const NTP_UNIX_OFFSET_SECONDS = 2_208_988_800;

/** A 64-bit NTP timestamp split in two unsigned 32-bit words. */
export interface NtpTimestamp {
  /** Whole seconds since 1900-01-01, modulo 2^32. */
  seconds: number;
  /** Fraction of a second in units of 2^-32 s. */
  fraction: number;
}

/**
 * Converts a wall-clock time to NTP format.
 *
 * @param unixMs milliseconds since 1970-01-01 (the caller's clock; nothing here reads time)
 */
export function ntpFromUnixMs(unixMs: number): NtpTimestamp {
  const wholeSeconds = Math.floor(unixMs / 1000);
  const remainderMs = unixMs - wholeSeconds * 1000;
  return {
    seconds: (wholeSeconds + NTP_UNIX_OFFSET_SECONDS) >>> 0,
    fraction: Math.min(0xffffffff, Math.round((remainderMs / 1000) * 0x1_0000_0000)) >>> 0,
  };
}

/** Converts an NTP timestamp (era 0, i.e. before 2036) to milliseconds since 1970-01-01. */
export function unixMsFromNtp(ntp: NtpTimestamp): number {
  return (ntp.seconds - NTP_UNIX_OFFSET_SECONDS) * 1000 + (ntp.fraction / 0x1_0000_0000) * 1000;
}

/**
 * The middle 32 bits of an NTP timestamp (RFC 3550 §6.4.1 "last SR timestamp (LSR)"): the low
 * 16 bits of the seconds and the high 16 bits of the fraction, in units of 1/65536 s.
 */
export function ntpMiddle32(ntp: NtpTimestamp): number {
  return (((ntp.seconds & 0xffff) << 16) | (ntp.fraction >>> 16)) >>> 0;
}
