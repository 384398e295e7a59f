/**
 * ITU-T G.711 µ-law and A-law, table-driven. The tables are built once at load from the
 * reference algorithm of ITU-T G.191 (STL `g711.c`: µ-law on the 14 most significant bits with
 * bias 33 and clipping at 8159; A-law on the 13 most significant bits), so the codec is
 * bit-exact with it; encode is then one table load per sample and decode another.
 *
 * Samples are signed 16-bit linear PCM (Int16Array); codes are octets (Uint8Array/Buffer) as
 * they travel in RTP payload types 0 (PCMU) and 8 (PCMA) (RFC 3551 §4.5.14).
 */
import { RtpArgumentError, RtpErrorCode } from './errors.ts';

/** The two G.711 laws. */
export const G711Law = {
  /** µ-law, PCMU, RTP payload type 0, WAV format tag 7. */
  Mulaw: 'mulaw',
  /** A-law, PCMA, RTP payload type 8, WAV format tag 6. */
  Alaw: 'alaw',
} as const;

/** One of {@link G711Law}. */
export type G711Law = (typeof G711Law)[keyof typeof G711Law];

/** µ-law code of linear 0 (positive zero). */
export const MULAW_SILENCE = 0xff;
/** A-law code of linear 0 (decodes to +8, the smallest positive step). */
export const ALAW_SILENCE = 0xd5;

// G.191 segment end points (in the units after the >> 2 / >> 3 shift).
const MULAW_SEGMENT_END = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff] as const;
const ALAW_SEGMENT_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff] as const;

function segmentOf(value: number, ends: readonly number[]): number {
  let segment = 0;
  while (segment < 8 && value > ends[segment]!) segment++;
  return segment;
}

function mulawFromLinear14(value14: number): number {
  // G.191 linear2ulaw, after `pcm_val >> 2`.
  let magnitude = value14;
  let mask = 0xff;
  if (magnitude < 0) {
    magnitude = -magnitude;
    mask = 0x7f;
  }
  if (magnitude > 8159) magnitude = 8159;
  magnitude += 33;
  const segment = segmentOf(magnitude, MULAW_SEGMENT_END);
  if (segment >= 8) return 0x7f ^ mask;
  return ((segment << 4) | ((magnitude >> (segment + 1)) & 0x0f)) ^ mask;
}

function alawFromLinear13(value13: number): number {
  // G.191 linear2alaw, after `pcm_val >> 3`.
  let magnitude = value13;
  let mask = 0xd5;
  if (magnitude < 0) {
    magnitude = -magnitude - 1;
    mask = 0x55;
  }
  const segment = segmentOf(magnitude, ALAW_SEGMENT_END);
  if (segment >= 8) return 0x7f ^ mask;
  const mantissa = segment < 2 ? (magnitude >> 1) & 0x0f : (magnitude >> segment) & 0x0f;
  return ((segment << 4) | mantissa) ^ mask;
}

function linearFromMulaw(code: number): number {
  const value = ~code & 0xff;
  const magnitude = ((((value & 0x0f) << 3) + 0x84) << ((value & 0x70) >> 4)) - 0x84;
  return (value & 0x80) !== 0 ? -magnitude : magnitude;
}

function linearFromAlaw(code: number): number {
  const value = code ^ 0x55;
  let magnitude = (value & 0x0f) << 4;
  const segment = (value & 0x70) >> 4;
  if (segment === 0) magnitude += 8;
  else magnitude = (magnitude + 0x108) << (segment - 1);
  return (value & 0x80) !== 0 ? magnitude : -magnitude;
}

/** µ-law encoder table, indexed by the 14-bit two's-complement value (sample >> 2) & 0x3fff. */
const MULAW_ENCODE = new Uint8Array(1 << 14);
/** A-law encoder table, indexed by (sample >> 3) & 0x1fff. */
const ALAW_ENCODE = new Uint8Array(1 << 13);
/** Decoder tables, indexed by code. */
const MULAW_DECODE = new Int16Array(256);
const ALAW_DECODE = new Int16Array(256);

for (let index = 0; index < 1 << 14; index++) MULAW_ENCODE[index] = mulawFromLinear14((index << 18) >> 18);
for (let index = 0; index < 1 << 13; index++) ALAW_ENCODE[index] = alawFromLinear13((index << 19) >> 19);
for (let code = 0; code < 256; code++) {
  MULAW_DECODE[code] = linearFromMulaw(code);
  ALAW_DECODE[code] = linearFromAlaw(code);
}

/** Encodes one 16-bit sample to µ-law. */
export function mulawEncodeSample(sample: number): number {
  return MULAW_ENCODE[(sample >> 2) & 0x3fff]!;
}

/** Decodes one µ-law code to a 16-bit sample (range ±32124). */
export function mulawDecodeSample(code: number): number {
  return MULAW_DECODE[code & 0xff]!;
}

/** Encodes one 16-bit sample to A-law. */
export function alawEncodeSample(sample: number): number {
  return ALAW_ENCODE[(sample >> 3) & 0x1fff]!;
}

/** Decodes one A-law code to a 16-bit sample (range ±32256). */
export function alawDecodeSample(code: number): number {
  return ALAW_DECODE[code & 0xff]!;
}

function checkLengths(what: string, input: number, output: number): void {
  if (output < input) {
    throw new RtpArgumentError(RtpErrorCode.InvalidArgument, `${what}: output holds ${output} samples, need ${input}`);
  }
}

/**
 * Encodes 16-bit PCM to G.711. One octet per sample; writes into `output` when given (no
 * allocation), else into a new Buffer.
 *
 * @param law µ-law or A-law
 * @param samples linear PCM samples
 * @param output optional destination, at least `samples.length` octets
 * @returns the octets written (`output` itself, or a subarray of it when longer)
 */
export function g711Encode(law: G711Law, samples: Int16Array, output?: Uint8Array): Uint8Array {
  const length = samples.length;
  const target = output ?? Buffer.allocUnsafe(length);
  checkLengths('g711Encode', length, target.length);
  if (law === G711Law.Mulaw) {
    for (let index = 0; index < length; index++) target[index] = MULAW_ENCODE[(samples[index]! >> 2) & 0x3fff]!;
  } else {
    for (let index = 0; index < length; index++) target[index] = ALAW_ENCODE[(samples[index]! >> 3) & 0x1fff]!;
  }
  return target.length === length ? target : target.subarray(0, length);
}

/**
 * Decodes G.711 octets to 16-bit PCM; writes into `output` when given (no allocation).
 *
 * @param law µ-law or A-law
 * @param codes G.711 octets (e.g. an RTP payload)
 * @param output optional destination, at least `codes.length` samples
 * @returns the samples written (`output` itself, or a subarray of it when longer)
 */
export function g711Decode(law: G711Law, codes: Uint8Array, output?: Int16Array): Int16Array {
  const length = codes.length;
  const target = output ?? new Int16Array(length);
  checkLengths('g711Decode', length, target.length);
  const table = law === G711Law.Mulaw ? MULAW_DECODE : ALAW_DECODE;
  for (let index = 0; index < length; index++) target[index] = table[codes[index]!]!;
  return target.length === length ? target : target.subarray(0, length);
}

/** The decoder table of a law (256 samples indexed by code); read-only by convention. */
export function g711DecodeTable(law: G711Law): Int16Array {
  return law === G711Law.Mulaw ? MULAW_DECODE : ALAW_DECODE;
}

/**
 * The encoder table of a law and the right shift that indexes it: code = table[(sample >>
 * shift) & (table.length - 1)]. For hot loops (the mixer); read-only by convention.
 */
export function g711EncodeTable(law: G711Law): { table: Uint8Array; shift: number } {
  return law === G711Law.Mulaw ? { table: MULAW_ENCODE, shift: 2 } : { table: ALAW_ENCODE, shift: 3 };
}

/** The code of silence for a law: 0xFF (µ-law) or 0xD5 (A-law). */
export function g711SilenceCode(law: G711Law): number {
  return law === G711Law.Mulaw ? MULAW_SILENCE : ALAW_SILENCE;
}

/** The RTP static payload type of a law (RFC 3551 Table 4): 0 for PCMU, 8 for PCMA. */
export function g711PayloadType(law: G711Law): number {
  return law === G711Law.Mulaw ? 0 : 8;
}
