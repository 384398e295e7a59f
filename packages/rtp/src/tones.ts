/**
 * Tone synthesis: plays a {@link TonePlan} as 16-bit PCM (or G.711) frames, sample-accurate
 * across frame boundaries, with continuous phase per frequency. Also builds the plan of a DTMF
 * key sequence (ITU-T Q.23 frequency pairs), the guide's §6.9.1 "按键铃音" key tones.
 */
import type { G711Law } from './g711.ts';
import type { TonePlan, ToneSegment } from './tone-plans.ts';
import { dtmfFrequencies } from './dtmf-keys.ts';
import { checkRange, RtpArgumentError, RtpErrorCode } from './errors.ts';
import { g711EncodeTable } from './g711.ts';

/**
 * Peak amplitude (16-bit scale) of a 0 dBm0 sine: G.711's overload point is +3.14 dBm0
 * (G.711 §3), i.e. 32768 / 10^(3.14 / 20).
 */
export const DBM0_PEAK_AMPLITUDE = 32768 / 10 ** (3.14 / 20);

/** Peak 16-bit amplitude of a sine at `levelDbm0`. */
export function amplitudeFromDbm0(levelDbm0: number): number {
  return DBM0_PEAK_AMPLITUDE * 10 ** (levelDbm0 / 20);
}

/** Options of {@link dtmfTonePlan}. */
export interface DtmfTonePlanOptions {
  /** Tone duration per key in ms; default 100 (Q.24 needs ≥ 40 ms to be recognised). */
  toneMs?: number;
  /** Silence between keys in ms; default 100. */
  pauseMs?: number;
  /** Level of each of the two frequencies in dBm0; default −10. */
  levelDbm0?: number;
}

/**
 * A plan that plays `keys` once as DTMF tones.
 *
 * @param keys DTMF keys, e.g. `"0123456789*#ABCD"`
 * @throws RtpArgumentError `INVALID_ARGUMENT` for a character that is not a key
 */
export function dtmfTonePlan(keys: string, options: DtmfTonePlanOptions = {}): TonePlan {
  const toneMs = options.toneMs ?? 100;
  const pauseMs = options.pauseMs ?? 100;
  const levelDbm0 = options.levelDbm0 ?? -10;
  const segments: ToneSegment[] = [];
  for (const key of keys) {
    // Q.23: one frequency of the low group plus one of the high group, summed.
    const [low, high] = dtmfFrequencies(key);
    segments.push({ frequencies: [low, high], durationMs: toneMs, levelDbm0 });
    if (pauseMs > 0) segments.push({ frequencies: [], durationMs: pauseMs });
  }
  return { name: `DTMF ${keys}`, segments, repeat: 1, levelDbm0 };
}

/** Options of {@link TonePlayer}. */
export interface TonePlayerOptions {
  /** Output sample rate in Hz; default 8000. */
  sampleRate?: number;
  /** Extra gain on the plan's level in dB (e.g. the output volume); default 0. */
  gainDb?: number;
}

/** Most frequencies a segment may sum. */
const MAX_FREQUENCIES = 4;

/**
 * Plays a tone plan frame by frame. Each {@link read} continues where the previous one ended,
 * so cadence timing is exact to the sample whatever the frame size.
 */
export class TonePlayer {
  readonly #plan: TonePlan;
  readonly #sampleRate: number;
  readonly #gain: number;
  #segmentIndex = 0;
  #cycle = 0;
  #samplesLeft = 0;
  #done = false;
  #frequencyCount = 0;
  readonly #phase = new Float64Array(MAX_FREQUENCIES);
  readonly #step = new Float64Array(MAX_FREQUENCIES);
  readonly #amplitude = new Float64Array(MAX_FREQUENCIES);
  #scratch: Int16Array = new Int16Array(0);

  /**
   * @param plan the cadence to play
   * @param options sample rate and gain
   * @throws RtpArgumentError `INVALID_ARGUMENT` for a plan without a segment of at least one
   *   sample, or with more than 4 frequencies in a segment
   */
  constructor(plan: TonePlan, options: TonePlayerOptions = {}) {
    this.#plan = plan;
    this.#sampleRate = options.sampleRate ?? 8000;
    checkRange('sampleRate', this.#sampleRate, 1000, 192_000);
    this.#gain = 10 ** ((options.gainDb ?? 0) / 20);
    const audible = plan.segments.some((segment) => segment.durationMs * this.#sampleRate >= 500); // ≥ 0.5 sample
    const malformed = plan.segments.some(
      (segment) => !(segment.durationMs >= 0) || segment.frequencies.length > MAX_FREQUENCIES,
    );
    if (!audible || malformed) {
      // A cadence of zero length would make read() loop forever on a repeating plan.
      throw new RtpArgumentError(
        RtpErrorCode.InvalidArgument,
        `tone plan ${plan.name}: empty, a negative duration, or too many frequencies`,
      );
    }
    this.#done = !(plan.repeat > 0);
    this.#enter(0);
  }

  #enter(index: number): void {
    const segment = this.#plan.segments[index]!;
    this.#segmentIndex = index;
    this.#samplesLeft = Number.isFinite(segment.durationMs)
      ? Math.round((segment.durationMs * this.#sampleRate) / 1000)
      : Number.POSITIVE_INFINITY;
    this.#frequencyCount = segment.frequencies.length;
    const amplitude = amplitudeFromDbm0(segment.levelDbm0 ?? this.#plan.levelDbm0) * this.#gain;
    for (let index = 0; index < this.#frequencyCount; index++) {
      // Phase stays continuous across segments: no click when a warble changes frequency.
      this.#step[index] = (2 * Math.PI * segment.frequencies[index]!) / this.#sampleRate;
      this.#amplitude[index] = amplitude;
    }
  }

  #advance(): void {
    let next = this.#segmentIndex + 1;
    if (next >= this.#plan.segments.length) {
      next = 0;
      this.#cycle++;
      if (this.#cycle >= this.#plan.repeat) {
        this.#done = true;
        return;
      }
    }
    this.#enter(next);
  }

  /** True once a plan with a finite `repeat` has played out. */
  get done(): boolean {
    return this.#done;
  }

  /**
   * Fills `output` with the next samples. After the plan ends the rest is silence.
   *
   * @param output destination, e.g. 160 samples for a 20 ms frame at 8 kHz
   * @returns how many samples belonged to the plan (less than `output.length` at its end)
   */
  read(output: Int16Array): number {
    let position = 0;
    const length = output.length;
    while (position < length && !this.#done) {
      if (this.#samplesLeft === 0) {
        this.#advance();
        continue;
      }
      const run = Math.min(length - position, this.#samplesLeft);
      const end = position + run;
      output.fill(0, position, end);
      for (let index = 0; index < this.#frequencyCount; index++) {
        let phase = this.#phase[index]!;
        const step = this.#step[index]!;
        const amplitude = this.#amplitude[index]!;
        for (let sample = position; sample < end; sample++) {
          output[sample] = Math.max(-32768, Math.min(32767, output[sample]! + Math.round(amplitude * Math.sin(phase))));
          phase += step;
        }
        this.#phase[index] = phase % (2 * Math.PI);
      }
      this.#samplesLeft -= run;
      position = end;
    }
    // Step past a segment that ended exactly here, so `done` is true as soon as the plan is out.
    while (this.#samplesLeft === 0 && !this.#done) this.#advance();
    output.fill(0, position);
    return position;
  }

  /**
   * Like {@link read}, G.711-encoded: one octet per sample.
   *
   * @param law µ-law or A-law
   * @param output destination, e.g. a 160-octet RTP payload
   * @returns how many samples belonged to the plan
   */
  readG711(law: G711Law, output: Uint8Array): number {
    if (this.#scratch.length !== output.length) this.#scratch = new Int16Array(output.length);
    const played = this.read(this.#scratch);
    const { table, shift } = g711EncodeTable(law);
    const mask = table.length - 1;
    for (let index = 0; index < output.length; index++) output[index] = table[(this.#scratch[index]! >> shift) & mask]!;
    return played;
  }

  /** Starts the plan over. */
  reset(): void {
    this.#cycle = 0;
    this.#done = !(this.#plan.repeat > 0);
    this.#phase.fill(0);
    this.#enter(0);
  }
}
