/**
 * Cadenced tone plans per region: what the local side of a call hears for each ring type.
 *
 * The ring types are those of the product guide, §6.9.1 本地铃音 (local tones), "事件铃音"
 * (event tones, `MtcCliConstants.EN_MTC_RING_TYPE`):
 * - `EN_MTC_RING_RING` 收到语音呼叫 (incoming voice call) → {@link ToneType.Ring}
 * - `EN_MTC_RING_RING_BACK` 发起呼叫 (outgoing call, far end alerting) → {@link ToneType.Ringback}
 * - `EN_MTC_RING_TERM` 呼叫结束 (call ended) → {@link ToneType.CallEnded}
 * - `EN_MTC_RING_CALL_FAILED` 呼叫失败 (call failed) → {@link ToneType.CallFailed}
 *
 * plus busy, call waiting and dial tone, which the guide does not list but a soft phone needs.
 * The guide's "按键铃音" (key tones, `EN_MTC_TONE_TYPE`) are the DTMF keys: see
 * `dtmfTonePlan` in `tones.ts`.
 *
 * Frequencies and cadences of the network tones follow ITU-T E.180 Supplement 2 and national
 * plans: CN (YD/T 1135 / GB 3380: 450 Hz), US (ANSI T1.401 "precise tone plan"), EU (CEPT
 * T/CS 20-15 / ETSI TR 101 041: 425 Hz). The incoming ring is not a network tone (the network
 * rings the bell with 25 Hz AC); talkbus plays an electronic ringer — 1000/1250 Hz alternating
 * every 50 ms — in the cadence of the region's ringing signal, so it sounds unlike ringback and
 * unlike the call-waiting tone (a short single-frequency burst).
 */

/** One step of a cadence: the frequencies sounding together for a while. */
export interface ToneSegment {
  /** Frequencies in Hz summed during the segment; empty for silence. */
  frequencies: readonly number[];
  /** Duration in ms; `Infinity` for a continuous tone. */
  durationMs: number;
  /** Level of each frequency in dBm0, overriding the plan's. */
  levelDbm0?: number;
}

/** A cadence played `repeat` times. */
export interface TonePlan {
  /** Readable name, e.g. `CN ringback`. */
  name: string;
  /** The cadence: segments in order. */
  segments: readonly ToneSegment[];
  /** How many times the cadence plays; `Infinity` until stopped. */
  repeat: number;
  /** Level of each frequency in dBm0 (e.g. −13). */
  levelDbm0: number;
}

/** Tone regions of the table. */
export const ToneRegion = {
  /** China, the guide's market (450 Hz tones). */
  China: 'CN',
  /** United States / North America (precise tone plan). */
  UnitedStates: 'US',
  /** Europe / ITU-T E.180 recommended values (425 Hz, CEPT). */
  Europe: 'EU',
} as const;

/** One of {@link ToneRegion}. */
export type ToneRegion = (typeof ToneRegion)[keyof typeof ToneRegion];

/** The tones of the table (see the file comment for the guide's §6.9.1 names). */
export const ToneType = {
  /** §6.9.1 EN_MTC_RING_RING: incoming call, the local ringer. */
  Ring: 'ring',
  /** §6.9.1 EN_MTC_RING_RING_BACK: outgoing call, far end alerting. */
  Ringback: 'ringback',
  /** §6.9.1 EN_MTC_RING_TERM: the call ended. */
  CallEnded: 'call-ended',
  /** §6.9.1 EN_MTC_RING_CALL_FAILED: the call failed. */
  CallFailed: 'call-failed',
  /** Far end busy. */
  Busy: 'busy',
  /** A second call is waiting (heard during a call, so short and sparse). */
  CallWaiting: 'call-waiting',
  /** Dial tone, continuous. */
  Dial: 'dial',
} as const;

/** One of {@link ToneType}. */
export type ToneType = (typeof ToneType)[keyof typeof ToneType];

const tone = (frequencies: readonly number[], durationMs: number): ToneSegment => ({ frequencies, durationMs });
const silence = (durationMs: number): ToneSegment => ({ frequencies: [], durationMs });

/** Electronic ringer: `onMs` of 1000/1250 Hz alternating every 50 ms, then `offMs` silence. */
function ringer(onMs: number, offMs: number): ToneSegment[] {
  const segments: ToneSegment[] = [];
  for (let elapsed = 0; elapsed < onMs; elapsed += 50)
    segments.push(tone([(elapsed / 50) % 2 === 0 ? 1000 : 1250], 50));
  segments.push(silence(offMs));
  return segments;
}

type RegionTable = Record<ToneType, Omit<TonePlan, 'name'>>;

const CN_BUSY = [tone([450], 350), silence(350)];
const US_BUSY = [tone([480, 620], 500), silence(500)];
const EU_BUSY = [tone([425], 500), silence(500)];

/** The region table. Levels in dBm0 per frequency. */
const TONE_PLANS: Record<ToneRegion, RegionTable> = {
  CN: {
    ring: { segments: ringer(1000, 4000), repeat: Infinity, levelDbm0: -13 },
    ringback: { segments: [tone([450], 1000), silence(4000)], repeat: Infinity, levelDbm0: -13 },
    // Hanging up: three cycles of busy tone, then quiet.
    'call-ended': { segments: CN_BUSY, repeat: 3, levelDbm0: -13 },
    // Congestion tone 450 Hz 0.7/0.7 s, three cycles.
    'call-failed': { segments: [tone([450], 700), silence(700)], repeat: 3, levelDbm0: -13 },
    busy: { segments: CN_BUSY, repeat: Infinity, levelDbm0: -13 },
    'call-waiting': { segments: [tone([450], 400), silence(4000)], repeat: Infinity, levelDbm0: -13 },
    dial: { segments: [tone([450], Infinity)], repeat: 1, levelDbm0: -13 },
  },
  US: {
    ring: { segments: ringer(2000, 4000), repeat: Infinity, levelDbm0: -13 },
    ringback: { segments: [tone([440, 480], 2000), silence(4000)], repeat: Infinity, levelDbm0: -19 },
    'call-ended': { segments: US_BUSY, repeat: 3, levelDbm0: -24 },
    // Reorder ("fast busy") 480+620 Hz 0.25/0.25 s, three seconds.
    'call-failed': { segments: [tone([480, 620], 250), silence(250)], repeat: 6, levelDbm0: -24 },
    busy: { segments: US_BUSY, repeat: Infinity, levelDbm0: -24 },
    // 440 Hz, 300 ms, repeated every 10 s.
    'call-waiting': { segments: [tone([440], 300), silence(9700)], repeat: Infinity, levelDbm0: -13 },
    dial: { segments: [tone([350, 440], Infinity)], repeat: 1, levelDbm0: -13 },
  },
  EU: {
    ring: { segments: ringer(1000, 4000), repeat: Infinity, levelDbm0: -13 },
    ringback: { segments: [tone([425], 1000), silence(4000)], repeat: Infinity, levelDbm0: -13 },
    'call-ended': { segments: EU_BUSY, repeat: 3, levelDbm0: -13 },
    // ITU-T E.180 §6 special information tone: 950, 1400, 1800 Hz, 330 ms each, 1 s silence.
    'call-failed': {
      segments: [tone([950], 330), tone([1400], 330), tone([1800], 330), silence(1000)],
      repeat: 2,
      levelDbm0: -13,
    },
    busy: { segments: EU_BUSY, repeat: Infinity, levelDbm0: -13 },
    'call-waiting': {
      segments: [tone([425], 200), silence(200), tone([425], 200), silence(4400)],
      repeat: Infinity,
      levelDbm0: -13,
    },
    dial: { segments: [tone([425], Infinity)], repeat: 1, levelDbm0: -13 },
  },
};

/**
 * The tone plan of a ring type in a region.
 *
 * @param region one of {@link ToneRegion}
 * @param type one of {@link ToneType}
 */
export function tonePlan(region: ToneRegion, type: ToneType): TonePlan {
  return { name: `${region} ${type}`, ...TONE_PLANS[region][type] };
}

/** The regions the table covers. */
export function toneRegions(): ToneRegion[] {
  return Object.keys(TONE_PLANS) as ToneRegion[];
}
