/**
 * Our session-level SDP lines (v=, o=, s=, c=, t=) around the m-lines, the o= version rule, and
 * the small helpers a {@link MediaSession} uses to name refusals and new streams.
 */
import type { Refusal } from './answer.ts';
import { SdpError, SdpErrorCode, SdpWarning } from './errors.ts';
import type { LocalConfig } from './local-config.ts';
import type { MediaSlot } from './media-slot.ts';
import type { MediaDescription, SessionDescription } from './parse.ts';
import { writeSdp } from './parse.ts';

/** Inputs of {@link writeLocalDescription}. */
export interface LocalDescriptionInput {
  /** Local options (address, username, session name). */
  readonly config: LocalConfig;
  /** o= sess-id. */
  readonly sessionId: string;
  /** o= sess-version of the first SDP. */
  readonly firstVersion: number;
  /** The last SDP we sent and its version, if any. */
  readonly previous: { readonly sdp: string; readonly version: number } | undefined;
  /** The m-lines. */
  readonly media: MediaDescription[];
}

/**
 * Write our SDP with the o= version rule of RFC 3264 §8: "the version in the origin field MUST
 * increment by one from the previous SDP" when anything changed, and "If the version in the
 * origin line does not increment, the SDP MUST be identical to the SDP with that version number."
 * The c= line sits at session level (RFC 4566 §5.7) and applies to every m-line.
 */
export function writeLocalDescription(input: LocalDescriptionInput): {
  sdp: string;
  description: SessionDescription;
  version: number;
} {
  const { config, sessionId, previous, media } = input;
  const build = (version: number): SessionDescription => ({
    version: 0,
    origin: {
      username: config.username,
      sessionId,
      sessionVersion: version,
      netType: 'IN',
      ipVer: config.ipVersion,
      address: config.transport.address,
    },
    name: config.sessionName,
    connection: { version: config.ipVersion, ip: config.transport.address },
    timing: { start: 0, stop: 0 },
    media,
  });
  let version = previous?.version ?? input.firstVersion;
  let description = build(version);
  let sdp = writeSdp(description);
  if (previous !== undefined && sdp !== previous.sdp) {
    version += 1;
    description = build(version);
    sdp = writeSdp(description);
  }
  return { sdp, description, version };
}

/**
 * The 488 for an offer none of whose streams we accept: NoCommonCodec (Warning 305) when the
 * first refusal with a reason was about codecs, NoAcceptableMedia with that refusal's warning
 * otherwise (RFC 3261 §21.4.26: 488 "SHOULD include a Warning header field").
 */
export function refusalError(refusals: readonly Refusal[]): SdpError {
  const reason = refusals.find((refusal) => refusal.warning !== undefined);
  if (reason === undefined) {
    return new SdpError(SdpErrorCode.NoAcceptableMedia, 'the offer has no active stream', {
      warning: SdpWarning.MediaTypeNotAvailable,
    });
  }
  const code = reason.reason === 'codec' ? SdpErrorCode.NoCommonCodec : SdpErrorCode.NoAcceptableMedia;
  const reasons = refusals.map((refusal) => refusal.reason).join(', ');
  return new SdpError(code, `no offered stream is acceptable (${reasons})`, {
    warning: reason.warning ?? SdpWarning.MediaTypeNotAvailable,
  });
}

/** A mid not used by any slot, for a stream added to a session that uses mids (RFC 5888). */
export function freshMid(slots: readonly MediaSlot[]): string {
  let candidate = slots.length;
  while (slots.some((slot) => slot.mid === String(candidate))) candidate++;
  return String(candidate);
}

/**
 * A random o= sess-id (RFC 4566 §5.2: a numeric string): 62 bits in decimal, so peers that read
 * it as a signed 64-bit integer cope.
 */
export function randomSessionId(randomBytes: (size: number) => Uint8Array): string {
  const bytes = Buffer.from(randomBytes(8));
  return (bytes.readBigUInt64BE() >> 2n).toString();
}
