/**
 * DTMF detection in 16-bit PCM with eight Goertzel filters (ITU-T Q.23 frequencies), in blocks
 * of 102 samples (12.75 ms at 8 kHz: short enough to see Q.24's 40 ms minimum tone in two
 * whole blocks; long enough that neighbouring frequencies, 73 Hz apart, fall near each other's
 * first null). A block is a hit for a key when:
 * - the strongest row and column tones are each above `minLevelDbm0`,
 * - their ratio is within the allowed twist (Q.24: the high tone up to `maxReverseTwistDb`
 *   above the low one, the low tone up to `maxNormalTwistDb` above the high one),
 * - each beats the other tones of its group by `minRelativePeakDb`,
 * - and together they hold most of the block's energy (`minToneEnergyRatio`), which is what
 *   rejects speech and music: their energy spreads over many frequencies.
 * A key starts after two consecutive hit blocks and ends after two consecutive blocks without it.
 */
import type { DtmfKey } from './dtmf-keys.ts';
import { DTMF_COLUMN_FREQUENCIES, DTMF_ROW_FREQUENCIES, dtmfKeyAt } from './dtmf-keys.ts';
import { checkRange } from './errors.ts';
import { goertzelCoefficient, goertzelPowerWith } from './goertzel.ts';
import { amplitudeFromDbm0 } from './tones.ts';

/** Options of {@link DtmfDetector}; defaults in brackets. */
export interface DtmfDetectorOptions {
  /** Sample rate in Hz [8000]. The block length scales with it. */
  sampleRate?: number;
  /** Minimum level of each of the two tones, in dBm0 [−30]. */
  minLevelDbm0?: number;
  /** Low (row) tone above the high (column) tone by at most this, in dB [8]. */
  maxNormalTwistDb?: number;
  /** High tone above the low tone by at most this, in dB [8]. */
  maxReverseTwistDb?: number;
  /** Each tone above the other tones of its group by at least this, in dB [8]. */
  minRelativePeakDb?: number;
  /** Share of the block's energy the two tones must hold, 0..1 [0.7]. */
  minToneEnergyRatio?: number;
}

/** One detected key press. */
export interface DtmfDigit {
  /** The key. */
  key: DtmfKey;
  /** Index of the first sample of the first block the key was heard in (since the detector began). */
  startSample: number;
  /** Duration in samples (whole blocks: a multiple of the block length). */
  durationSamples: number;
  /** Duration in ms. */
  durationMs: number;
}

/** Block length at 8 kHz, in samples. */
const BLOCK_AT_8K = 102;

/** Streaming DTMF detector: feed PCM in chunks of any length, get keys as they end. */
export class DtmfDetector {
  readonly #sampleRate: number;
  readonly #blockLength: number;
  readonly #block: Int16Array;
  #fill = 0;
  #blockStart = 0;
  readonly #coefficients: Float64Array;
  readonly #powers = new Float64Array(8);
  readonly #minTonePower: number;
  readonly #maxNormalTwist: number;
  readonly #maxReverseTwist: number;
  readonly #relativePeak: number;
  readonly #toneRatio: number;
  // Debounce state: the key of the last block, the key being held, and counters.
  #lastHit: DtmfKey | undefined;
  #current: DtmfKey | undefined;
  #currentStart = 0;
  #currentBlocks = 0;
  #misses = 0;

  /** @param options thresholds; see {@link DtmfDetectorOptions} */
  constructor(options: DtmfDetectorOptions = {}) {
    this.#sampleRate = options.sampleRate ?? 8000;
    checkRange('sampleRate', this.#sampleRate, 4000, 192_000);
    this.#blockLength = Math.round((BLOCK_AT_8K * this.#sampleRate) / 8000);
    this.#block = new Int16Array(this.#blockLength);
    this.#coefficients = Float64Array.from([...DTMF_ROW_FREQUENCIES, ...DTMF_COLUMN_FREQUENCIES], (frequency) =>
      goertzelCoefficient(frequency, this.#sampleRate),
    );
    // A sine of peak A gives Goertzel power (A·N/2)².
    const minAmplitude = amplitudeFromDbm0(options.minLevelDbm0 ?? -30);
    this.#minTonePower = ((minAmplitude * this.#blockLength) / 2) ** 2;
    this.#maxNormalTwist = 10 ** ((options.maxNormalTwistDb ?? 8) / 10);
    this.#maxReverseTwist = 10 ** ((options.maxReverseTwistDb ?? 8) / 10);
    this.#relativePeak = 10 ** ((options.minRelativePeakDb ?? 8) / 10);
    this.#toneRatio = options.minToneEnergyRatio ?? 0.7;
  }

  /** Samples per analysis block (102 at 8 kHz). */
  get blockLength(): number {
    return this.#blockLength;
  }

  /**
   * Feeds PCM.
   *
   * @param samples the next samples of the stream
   * @returns keys that ended within these samples, in order
   */
  process(samples: Int16Array): DtmfDigit[] {
    const digits: DtmfDigit[] = [];
    let index = 0;
    while (index < samples.length) {
      const take = Math.min(samples.length - index, this.#blockLength - this.#fill);
      this.#block.set(samples.subarray(index, index + take), this.#fill);
      this.#fill += take;
      index += take;
      if (this.#fill === this.#blockLength) {
        this.#step(this.#classify(), digits);
        this.#fill = 0;
        this.#blockStart += this.#blockLength;
      }
    }
    return digits;
  }

  /** Ends a key still held at the end of the stream; returns it, if any. */
  flush(): DtmfDigit[] {
    const digits: DtmfDigit[] = [];
    if (this.#current !== undefined) digits.push(this.#finish());
    this.#lastHit = undefined;
    return digits;
  }

  #classify(): DtmfKey | undefined {
    const block = this.#block;
    const length = this.#blockLength;
    for (let filter = 0; filter < 8; filter++) {
      this.#powers[filter] = goertzelPowerWith(block, this.#coefficients[filter]!, 0, length);
    }
    let row = 0;
    let column = 4;
    for (let filter = 1; filter < 4; filter++) if (this.#powers[filter]! > this.#powers[row]!) row = filter;
    for (let filter = 5; filter < 8; filter++) if (this.#powers[filter]! > this.#powers[column]!) column = filter;
    const rowPower = this.#powers[row]!;
    const columnPower = this.#powers[column]!;
    if (rowPower < this.#minTonePower || columnPower < this.#minTonePower) return undefined;
    if (rowPower > columnPower * this.#maxNormalTwist || columnPower > rowPower * this.#maxReverseTwist)
      return undefined;
    for (let filter = 0; filter < 8; filter++) {
      if (filter === row || filter === column) continue;
      const peak = filter < 4 ? rowPower : columnPower;
      if (this.#powers[filter]! * this.#relativePeak > peak) return undefined;
    }
    let energy = 0;
    for (let index = 0; index < length; index++) energy += block[index]! * block[index]!;
    // Tone energy over the block is 2·power/N (see the Goertzel note on amplitude).
    if (((rowPower + columnPower) * 2) / length < this.#toneRatio * energy) return undefined;
    return dtmfKeyAt(row, column - 4);
  }

  #step(hit: DtmfKey | undefined, digits: DtmfDigit[]): void {
    if (this.#current !== undefined) {
      if (hit === this.#current) {
        this.#currentBlocks += 1 + this.#misses;
        this.#misses = 0;
      } else if (++this.#misses >= 2 || (hit !== undefined && hit === this.#lastHit)) {
        // Two blocks without the key (or a different key confirmed twice) end it.
        digits.push(this.#finish());
      }
    }
    if (this.#current === undefined && hit !== undefined && hit === this.#lastHit) {
      this.#current = hit;
      this.#currentStart = this.#blockStart - this.#blockLength;
      this.#currentBlocks = 2;
      this.#misses = 0;
    }
    this.#lastHit = hit;
  }

  #finish(): DtmfDigit {
    const durationSamples = this.#currentBlocks * this.#blockLength;
    const digit: DtmfDigit = {
      key: this.#current!,
      startSample: this.#currentStart,
      durationSamples,
      durationMs: (durationSamples * 1000) / this.#sampleRate,
    };
    this.#current = undefined;
    this.#misses = 0;
    return digit;
  }
}

/**
 * Decodes all DTMF keys in a PCM buffer (a convenience over {@link DtmfDetector}).
 *
 * @returns the keys in order, e.g. `"0123456789*#ABCD"`
 */
export function detectDtmfKeys(samples: Int16Array, options: DtmfDetectorOptions = {}): string {
  const detector = new DtmfDetector(options);
  return [...detector.process(samples), ...detector.flush()].map((digit) => digit.key).join('');
}
