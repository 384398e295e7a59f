/**
 * The Goertzel algorithm: the power of one frequency in a block of samples, one multiply-add
 * per sample, without an FFT. For a sine of peak amplitude A exactly at the frequency, the
 * power over N samples is (A·N/2)², so {@link toneAmplitude} gives A back.
 */
import { checkRange } from './errors.ts';

/** The recurrence coefficient 2·cos(2πf/fs) for a frequency (Hz) at a sample rate (Hz). */
export function goertzelCoefficient(frequencyHz: number, sampleRate: number): number {
  return 2 * Math.cos((2 * Math.PI * frequencyHz) / sampleRate);
}

/**
 * |X(f)|² of `samples[start, start + length)` with a precomputed coefficient.
 *
 * @param samples PCM samples (any numeric array; Int16Array on the hot path)
 * @param coefficient from {@link goertzelCoefficient}
 * @param start first sample; default 0
 * @param length number of samples; default to the end
 */
export function goertzelPowerWith(
  samples: ArrayLike<number>,
  coefficient: number,
  start = 0,
  length = samples.length - start,
): number {
  let previous = 0;
  let beforePrevious = 0;
  const end = start + length;
  for (let index = start; index < end; index++) {
    const current = samples[index]! + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  return previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious;
}

/** Options of {@link goertzelPower} and {@link toneAmplitude}. */
export interface GoertzelOptions {
  /** Sample rate in Hz; default 8000. */
  sampleRate?: number;
  /** First sample; default 0. */
  start?: number;
  /** Number of samples; default to the end of the array. */
  length?: number;
}

/**
 * |X(f)|² of a block at `frequencyHz` (unnormalised: grows with the square of the length).
 *
 * @param samples PCM samples
 * @param frequencyHz the frequency to measure, in Hz
 */
export function goertzelPower(samples: ArrayLike<number>, frequencyHz: number, options: GoertzelOptions = {}): number {
  const sampleRate = options.sampleRate ?? 8000;
  checkRange('sampleRate', sampleRate, 1, 1_000_000);
  const start = options.start ?? 0;
  const length = options.length ?? samples.length - start;
  checkRange('start', start, 0, samples.length);
  checkRange('length', length, 0, samples.length - start);
  return goertzelPowerWith(samples, goertzelCoefficient(frequencyHz, sampleRate), start, length);
}

/**
 * Estimated peak amplitude (16-bit units) of the sine at `frequencyHz` in the block:
 * 2·√power / N. Accurate when the block holds many periods of the tone.
 */
export function toneAmplitude(samples: ArrayLike<number>, frequencyHz: number, options: GoertzelOptions = {}): number {
  const start = options.start ?? 0;
  const length = options.length ?? samples.length - start;
  if (length <= 0) return 0;
  return (2 * Math.sqrt(Math.max(0, goertzelPower(samples, frequencyHz, options)))) / length;
}

/** Sum of squares of `samples[start, start + length)` (the block's energy). */
export function blockEnergy(samples: ArrayLike<number>, start = 0, length = samples.length - start): number {
  let energy = 0;
  const end = start + length;
  for (let index = start; index < end; index++) energy += samples[index]! * samples[index]!;
  return energy;
}

/**
 * Root-mean-square level of a block, in 16-bit units (a sine of amplitude A has RMS A/√2).
 */
export function blockRms(samples: ArrayLike<number>, start = 0, length = samples.length - start): number {
  return length <= 0 ? 0 : Math.sqrt(blockEnergy(samples, start, length) / length);
}
