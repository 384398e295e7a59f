/**
 * The error classes of @talkbus/rtp. Bytes that come off the network or out of a file are
 * rejected with {@link RtpParseError} or {@link WavFormatError}; a caller's own mistake (a
 * payload type of 300, an unknown DTMF key) with {@link RtpArgumentError}. Nothing else is
 * thrown on garbage input: parse functions must be safe on any bytes (ARCHITECTURE.md, "Bad
 * input never crashes a process").
 */

/** Readable error codes. Callers branch on `code`, never on the message text. */
export const RtpErrorCode = {
  /** Fewer bytes than the fixed part of the packet needs (RFC 3550 §5.1: 12 octets for RTP). */
  Truncated: 'TRUNCATED',
  /** The version field is not 2 (RFC 3550 §5.1, §6.4.1). */
  BadVersion: 'BAD_VERSION',
  /** The CSRC list or the header extension runs past the end of the packet (RFC 3550 §5.3.1). */
  BadHeaderLength: 'BAD_HEADER_LENGTH',
  /** The padding count is 0 or larger than what follows the header (RFC 3550 §5.1 P bit). */
  BadPadding: 'BAD_PADDING',
  /** An RTCP length field does not fit the compound packet (RFC 3550 §6.4.1 length, A.2). */
  BadRtcpLength: 'BAD_RTCP_LENGTH',
  /** An RTCP packet's body disagrees with its count/type (e.g. report blocks past the end). */
  BadRtcpBody: 'BAD_RTCP_BODY',
  /** A compound RTCP packet that breaks RFC 3550 §6.1 / A.2 (first packet not SR/RR, padding
   * on a packet other than the last). Only checked when asked for (`strict`). */
  BadCompound: 'BAD_COMPOUND',
  /** A telephone-event payload shorter than 4 octets (RFC 4733 §2.3). */
  BadTelephoneEvent: 'BAD_TELEPHONE_EVENT',
  /** A value outside its field's range, passed by the caller (e.g. payload type 128). */
  OutOfRange: 'OUT_OF_RANGE',
  /** An argument the API does not accept (unknown DTMF key, wrong frame length…). */
  InvalidArgument: 'INVALID_ARGUMENT',
} as const;

/** One of the {@link RtpErrorCode} values. */
export type RtpErrorCode = (typeof RtpErrorCode)[keyof typeof RtpErrorCode];

/** Readable codes of {@link WavFormatError}. */
export const WavErrorCode = {
  /** The file does not start with `RIFF` … `WAVE` (or is shorter than 12 bytes). */
  NotWave: 'NOT_WAVE',
  /** No `fmt ` chunk before the `data` chunk, or one shorter than 16 bytes. */
  MissingFormat: 'MISSING_FORMAT',
  /** No `data` chunk. */
  MissingData: 'MISSING_DATA',
  /** A format other than 16-bit PCM (tag 1), A-law (tag 6) or µ-law (tag 7), 8-bit. */
  UnsupportedFormat: 'UNSUPPORTED_FORMAT',
  /** Inconsistent `fmt ` fields (0 channels, 0 Hz, block align that does not match). */
  BadFormat: 'BAD_FORMAT',
  /** A writer used after `close()`. */
  Closed: 'CLOSED',
} as const;

/** One of the {@link WavErrorCode} values. */
export type WavErrorCode = (typeof WavErrorCode)[keyof typeof WavErrorCode];

/** A malformed RTP, RTCP or RFC 4733 packet. `offset` is where in the input the fault lies. */
export class RtpParseError extends Error {
  override readonly name = 'RtpParseError';
  /** Stable, readable code. */
  readonly code: RtpErrorCode;
  /** Byte offset in the input at which parsing stopped. */
  readonly offset: number;

  /**
   * @param code one of {@link RtpErrorCode}
   * @param message human-readable detail (not for branching)
   * @param offset byte offset of the fault
   */
  constructor(code: RtpErrorCode, message: string, offset = 0) {
    super(message);
    this.code = code;
    this.offset = offset;
  }
}

/** A caller passed a value the API cannot use (out of its field's range, unknown key…). */
export class RtpArgumentError extends Error {
  override readonly name = 'RtpArgumentError';
  /** Stable, readable code: {@link RtpErrorCode.OutOfRange} or {@link RtpErrorCode.InvalidArgument}. */
  readonly code: RtpErrorCode;

  /**
   * @param code one of {@link RtpErrorCode}
   * @param message human-readable detail
   */
  constructor(code: RtpErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** A WAV file that cannot be read, or a writer misused. */
export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
  /** Stable, readable code. */
  readonly code: WavErrorCode;

  /**
   * @param code one of {@link WavErrorCode}
   * @param message human-readable detail
   * @param options `cause` when wrapping another error
   */
  constructor(code: WavErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** Throws {@link RtpArgumentError} `OUT_OF_RANGE` unless `value` is an integer in [min, max]. */
export function checkRange(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RtpArgumentError(RtpErrorCode.OutOfRange, `${what} must be an integer in ${min}..${max}, got ${value}`);
  }
}
