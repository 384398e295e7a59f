/**
 * H.264 `profile-level-id` handling for offer/answer (RFC 6184 §8.1, §8.2.2).
 *
 * profile-level-id is three bytes in hex: profile_idc, profile-iop (the constraint_set flags)
 * and level_idc. Two H.264 formats are the same configuration when their *profiles* match and
 * their packetization-modes are equal; the level may differ (RFC 6184 §8.2.2: the level is
 * "downgradable", and with level-asymmetry-allowed each side states what it can receive).
 * The profile table follows the one in libwebrtc / mediasoup's h264-profile-level-id.
 */

/** H.264 profiles this layer distinguishes. */
export const H264Profile = {
  ConstrainedBaseline: 'constrained-baseline',
  Baseline: 'baseline',
  Main: 'main',
  ConstrainedHigh: 'constrained-high',
  High: 'high',
  PredictiveHigh444: 'predictive-high-444',
} as const;

/** One of the {@link H264Profile} values. */
export type H264Profile = (typeof H264Profile)[keyof typeof H264Profile];

/** A decoded profile-level-id. */
export interface H264ProfileLevel {
  /** The profile named by profile_idc and profile-iop. */
  readonly profile: H264Profile;
  /** level_idc (e.g. 31 for level 3.1); level 1b is reported as 9 (see {@link h264LevelOrder}). */
  readonly level: number;
}

/** RFC 6184 §8.1: profile-level-id when the parameter is absent (Baseline, level 1). */
export const DEFAULT_PROFILE_LEVEL_ID = '42000a';

// profile_idc plus a pattern over the 8 bits of profile-iop: 'x' any, '0'/'1' fixed.
// Constraint flags make e.g. 42e0 Constrained Baseline but 4200 plain Baseline.
const profilePatterns: ReadonlyArray<readonly [number, string, H264Profile]> = [
  [0x42, 'x1xx0000', H264Profile.ConstrainedBaseline],
  [0x4d, '1xxx0000', H264Profile.ConstrainedBaseline],
  [0x58, '11xx0000', H264Profile.ConstrainedBaseline],
  [0x42, 'x0xx0000', H264Profile.Baseline],
  [0x58, '10xx0000', H264Profile.Baseline],
  [0x4d, '0x0x0000', H264Profile.Main],
  [0x64, '00000000', H264Profile.High],
  [0x64, '00001100', H264Profile.ConstrainedHigh],
  [0xf4, '00000000', H264Profile.PredictiveHigh444],
];

function matchesPattern(iop: number, pattern: string): boolean {
  for (let bit = 0; bit < 8; bit++) {
    const want = pattern[bit];
    const has = (iop >> (7 - bit)) & 1;
    if (want !== 'x' && Number(want) !== has) return false;
  }
  return true;
}

/**
 * Decode a profile-level-id (6 hex digits). Returns undefined for a malformed value or a
 * profile outside {@link H264Profile}.
 */
export function parseProfileLevelId(value: string | undefined): H264ProfileLevel | undefined {
  const text = value ?? DEFAULT_PROFILE_LEVEL_ID;
  if (!/^[0-9a-fA-F]{6}$/.test(text)) return undefined;
  const number = Number.parseInt(text, 16);
  const profileIdc = number >> 16;
  const iop = (number >> 8) & 0xff;
  let level = number & 0xff;
  // RFC 6184 §8.1: level 1b is level_idc 11 with constraint_set3_flag in Baseline/Main/Extended.
  if (level === 11 && (iop & 0x10) !== 0 && (profileIdc === 0x42 || profileIdc === 0x4d || profileIdc === 0x58))
    level = 9;
  for (const [idc, pattern, profile] of profilePatterns) {
    if (idc === profileIdc && matchesPattern(iop, pattern)) return { profile, level };
  }
  return undefined;
}

/** Orders levels: level 1b (9) sits between 1 (10) and 1.1 (11). Returns a sortable number. */
export function h264LevelOrder(level: number): number {
  return level === 9 ? 10.5 : level;
}

/** Encode a profile and level back into 6 hex digits. */
export function writeProfileLevelId({ profile, level }: H264ProfileLevel): string {
  const [idc, iop] = (
    {
      'constrained-baseline': [0x42, 0xe0],
      baseline: [0x42, 0x00],
      main: [0x4d, 0x00],
      'constrained-high': [0x64, 0x0c],
      high: [0x64, 0x00],
      'predictive-high-444': [0xf4, 0x00],
    } as const
  )[profile];
  let iopOut: number = iop;
  let levelOut = level;
  if (level === 9) {
    // Level 1b: level_idc 11 plus constraint_set3 in Baseline/Main (RFC 6184 §8.1).
    levelOut = 11;
    iopOut |= 0x10;
  }
  return [idc, iopOut, levelOut].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** packetization-mode, 0 when absent (RFC 6184 §8.1). */
export function packetizationMode(parameters: Readonly<Record<string, string | number>>): number {
  const value = parameters['packetization-mode'];
  return value === undefined ? 0 : Number(value);
}

/**
 * Whether two H.264 formats describe the same configuration: equal packetization-mode and the
 * same profile; levels may differ (RFC 6184 §8.2.2).
 */
export function h264FormatsMatch(
  local: Readonly<Record<string, string | number>>,
  remote: Readonly<Record<string, string | number>>,
): boolean {
  if (packetizationMode(local) !== packetizationMode(remote)) return false;
  const a = parseProfileLevelId(stringParameter(local['profile-level-id']));
  const b = parseProfileLevelId(stringParameter(remote['profile-level-id']));
  return a !== undefined && b !== undefined && a.profile === b.profile;
}

/**
 * profile-level-id for the answer (RFC 6184 §8.2.2): the offer's profile at a level the
 * answerer can receive. With level-asymmetry-allowed=1 on both sides each states its own
 * receive level, so the local level is used; otherwise the lower of the two, because both
 * directions then share one level.
 *
 * @returns the hex string, or undefined when the profiles do not match
 */
export function answerProfileLevelId(
  local: Readonly<Record<string, string | number>>,
  offer: Readonly<Record<string, string | number>>,
): string | undefined {
  const localLevel = parseProfileLevelId(stringParameter(local['profile-level-id']));
  const offerLevel = parseProfileLevelId(stringParameter(offer['profile-level-id']));
  if (localLevel === undefined || offerLevel === undefined || localLevel.profile !== offerLevel.profile)
    return undefined;
  const asymmetry = Number(local['level-asymmetry-allowed']) === 1 && Number(offer['level-asymmetry-allowed']) === 1;
  const level =
    asymmetry || h264LevelOrder(localLevel.level) <= h264LevelOrder(offerLevel.level)
      ? localLevel.level
      : offerLevel.level;
  // Keep the offer's profile_idc and constraint flags verbatim; only the level changes.
  const offerText = stringParameter(offer['profile-level-id']) ?? DEFAULT_PROFILE_LEVEL_ID;
  const profileIdc = Number.parseInt(offerText.slice(0, 2), 16);
  let iop = Number.parseInt(offerText.slice(2, 4), 16);
  let levelIdc = level;
  if (level === 9) {
    iop |= 0x10;
    levelIdc = 11;
  } else if (offerLevel.level === 9) {
    iop &= ~0x10;
  }
  return [profileIdc, iop, levelIdc].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

function stringParameter(value: string | number | undefined): string | undefined {
  // sdp-transform turns an all-digit profile-level-id (e.g. 420010) into a number.
  return value === undefined ? undefined : String(value).padStart(6, '0');
}
