/**
 * G.711 mixing for the media service's local mix (a 3-way conference in TypeScript): decode
 * each participant's frame, sum in 32 bits, clip to 16 bits, encode. {@link G711Mixer.mixMinusOne}
 * gives every participant the sum of the others (it must not hear itself); {@link mixG711}
 * the sum of all, e.g. for a recording. Buffers are reused across frames: no allocation per
 * frame once the mixer has seen its largest participant count.
 */
import type { G711Law } from './g711.ts';
import { checkRange, RtpArgumentError, RtpErrorCode } from './errors.ts';
import { g711DecodeTable, g711EncodeTable } from './g711.ts';

/** Options of {@link G711Mixer}. */
export interface G711MixerOptions {
  /** The law of every input and output. */
  law: G711Law;
  /** Samples per frame; default 160 (20 ms at 8 kHz). */
  frameSamples?: number;
}

/** A reusable mixer for frames of one law and size. */
export class G711Mixer {
  readonly #frameSamples: number;
  readonly #decode: Int16Array;
  readonly #encode: Uint8Array;
  readonly #shift: number;
  readonly #sum: Int32Array;
  #decoded: Int16Array[] = [];

  /** @param options law and frame size */
  constructor(options: G711MixerOptions) {
    this.#frameSamples = options.frameSamples ?? 160;
    checkRange('frameSamples', this.#frameSamples, 1, 48_000);
    this.#decode = g711DecodeTable(options.law);
    const { table, shift } = g711EncodeTable(options.law);
    this.#encode = table;
    this.#shift = shift;
    this.#sum = new Int32Array(this.#frameSamples);
  }

  /** Samples per frame. */
  get frameSamples(): number {
    return this.#frameSamples;
  }

  #check(frame: Uint8Array | undefined, what: string): void {
    if (frame !== undefined && frame.length !== this.#frameSamples) {
      throw new RtpArgumentError(
        RtpErrorCode.InvalidArgument,
        `${what} has ${frame.length} octets, the mixer's frame is ${this.#frameSamples}`,
      );
    }
  }

  /** Decodes and sums `inputs` into #sum; keeps each decoded frame for mixMinusOne. */
  #accumulate(inputs: readonly (Uint8Array | undefined)[]): void {
    const frameSamples = this.#frameSamples;
    const decode = this.#decode;
    const sum = this.#sum;
    sum.fill(0);
    while (this.#decoded.length < inputs.length) this.#decoded.push(new Int16Array(frameSamples));
    for (let input = 0; input < inputs.length; input++) {
      const frame = inputs[input];
      const decoded = this.#decoded[input]!;
      this.#check(frame, `input ${input}`);
      if (frame === undefined) {
        decoded.fill(0);
        continue;
      }
      for (let index = 0; index < frameSamples; index++) {
        const sample = decode[frame[index]!]!;
        decoded[index] = sample;
        sum[index]! += sample;
      }
    }
  }

  #encodeClipped(output: Uint8Array, subtract: Int16Array | undefined): void {
    const sum = this.#sum;
    const encode = this.#encode;
    const shift = this.#shift;
    const mask = encode.length - 1;
    for (let index = 0; index < this.#frameSamples; index++) {
      let value = subtract === undefined ? sum[index]! : sum[index]! - subtract[index]!;
      if (value > 32767) value = 32767;
      else if (value < -32768) value = -32768;
      output[index] = encode[(value >> shift) & mask]!;
    }
  }

  /**
   * The sum of all inputs (e.g. for a recording of the conference).
   *
   * @param inputs one frame per participant; undefined for a participant with nothing to say
   * @param output destination frame (`frameSamples` octets); a new Buffer when omitted
   * @throws RtpArgumentError `INVALID_ARGUMENT` for a frame of the wrong length
   */
  mix(inputs: readonly (Uint8Array | undefined)[], output?: Uint8Array): Uint8Array {
    const target = output ?? Buffer.allocUnsafe(this.#frameSamples);
    this.#check(target, 'output');
    this.#accumulate(inputs);
    this.#encodeClipped(target, undefined);
    return target;
  }

  /**
   * What each participant hears: the sum of everyone else (N−1 mix), clipped and encoded.
   *
   * @param inputs one frame per participant; undefined for a silent one
   * @param outputs one destination frame per participant, same order and length as `inputs`
   * @throws RtpArgumentError `INVALID_ARGUMENT` for a wrong length or count
   */
  mixMinusOne(inputs: readonly (Uint8Array | undefined)[], outputs: readonly Uint8Array[]): void {
    if (outputs.length !== inputs.length) {
      throw new RtpArgumentError(RtpErrorCode.InvalidArgument, `${inputs.length} inputs but ${outputs.length} outputs`);
    }
    for (let output = 0; output < outputs.length; output++) this.#check(outputs[output], `output ${output}`);
    this.#accumulate(inputs);
    for (let participant = 0; participant < outputs.length; participant++) {
      this.#encodeClipped(outputs[participant]!, this.#decoded[participant]);
    }
  }
}

/**
 * Sums G.711 frames of equal length with clipping (a one-off convenience over {@link G711Mixer}).
 *
 * @param law the law of inputs and output
 * @param inputs frames of equal length
 * @returns the mixed frame
 */
export function mixG711(law: G711Law, inputs: readonly Uint8Array[]): Buffer {
  const frameSamples = inputs[0]?.length ?? 0;
  if (frameSamples === 0) return Buffer.alloc(0);
  return new G711Mixer({ law, frameSamples }).mix(inputs) as Buffer;
}
