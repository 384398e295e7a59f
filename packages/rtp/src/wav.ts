/**
 * WAV (RIFF WAVE) files with 16-bit PCM (format tag 1), A-law (tag 6) or µ-law (tag 7)
 * samples: header layout, in-memory encoding, and a tolerant reader. G.711 files carry an
 * 18-octet `fmt ` chunk (cbSize = 0) and a `fact` chunk with the sample count, as the
 * Microsoft RIFF spec asks of every non-PCM format.
 *
 * The reader accepts what a recorder cut short by a crash leaves behind: a `data` chunk whose
 * declared size runs past the end of the file (read what is there, whole sample frames only),
 * and the 0 / 0xFFFFFFFF placeholder sizes of streaming writers.
 */
import type { G711Law } from './g711.ts';
import { checkRange, WavErrorCode, WavFormatError } from './errors.ts';
import { g711Decode, g711Encode } from './g711.ts';

/** Sample formats a WAV file may hold here. */
export const WavFormat = {
  /** Signed 16-bit little-endian PCM, format tag 1. */
  Pcm16: 'pcm16',
  /** G.711 µ-law, 8 bits, format tag 7. */
  Mulaw: 'mulaw',
  /** G.711 A-law, 8 bits, format tag 6. */
  Alaw: 'alaw',
} as const;

/** One of {@link WavFormat}. */
export type WavFormat = (typeof WavFormat)[keyof typeof WavFormat];

/** WAVE format tags (RFC 2361 / mmreg.h). */
export const WAVE_FORMAT_TAG = { pcm16: 1, alaw: 6, mulaw: 7 } as const satisfies Record<WavFormat, number>;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** What a WAV file holds. */
export interface WavInfo {
  /** Sample format. */
  format: WavFormat;
  /** Samples per second per channel, in Hz (8000 for telephony). */
  sampleRate: number;
  /** Interleaved channels; default 1 where optional. */
  channels: number;
}

/** A parsed WAV file. */
export interface WavFile extends WavInfo {
  /** The sample octets (a view into the parsed Buffer), whole frames only. */
  data: Buffer;
  /** Sample frames (samples per channel) in `data`. */
  frameCount: number;
  /** The `fact` chunk's sample count, when present. */
  factSampleCount: number | undefined;
  /** True when the data chunk was shorter than its header declared (a cut-short file). */
  truncated: boolean;
}

/** Where a header's size fields live, for writers that update them in place. */
export interface WavHeaderLayout {
  /** The header octets up to and including the `data` chunk header. */
  header: Buffer;
  /** Offset of the RIFF chunk size (always 4). */
  riffSizeOffset: number;
  /** Offset of the `data` chunk size. */
  dataSizeOffset: number;
  /** Offset of the `fact` sample count; undefined for PCM. */
  factOffset: number | undefined;
}

/** Octets per sample of a format (2 for PCM16, 1 for G.711). */
export function bytesPerSample(format: WavFormat): number {
  return format === WavFormat.Pcm16 ? 2 : 1;
}

/**
 * Builds the header of a WAV file whose data chunk holds `dataLength` octets.
 *
 * @throws RtpArgumentError `OUT_OF_RANGE` for channels outside 1..16 or a bad rate/length
 */
export function createWavHeader(info: WavInfo, dataLength: number): WavHeaderLayout {
  checkRange('channels', info.channels, 1, 16);
  checkRange('sampleRate', info.sampleRate, 1, 1_000_000);
  checkRange('dataLength', dataLength, 0, 0xffffffff - 64);
  const pcm = info.format === WavFormat.Pcm16;
  const blockAlign = info.channels * bytesPerSample(info.format);
  const fmtLength = pcm ? 16 : 18;
  const headerLength = 12 + 8 + fmtLength + (pcm ? 0 : 12) + 8;
  const header = Buffer.alloc(headerLength);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(headerLength - 8 + dataLength + (dataLength & 1), 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(fmtLength, 16);
  header.writeUInt16LE(WAVE_FORMAT_TAG[info.format], 20);
  header.writeUInt16LE(info.channels, 22);
  header.writeUInt32LE(info.sampleRate, 24);
  header.writeUInt32LE(info.sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(bytesPerSample(info.format) * 8, 34);
  let offset = 36;
  let factOffset: number | undefined;
  if (!pcm) {
    header.writeUInt16LE(0, 36); // cbSize: no extra format bytes
    header.write('fact', 38, 'latin1');
    header.writeUInt32LE(4, 42);
    factOffset = 46;
    header.writeUInt32LE(Math.floor(dataLength / blockAlign), 46);
    offset = 50;
  }
  header.write('data', offset, 'latin1');
  header.writeUInt32LE(dataLength, offset + 4);
  return { header, riffSizeOffset: 4, dataSizeOffset: offset + 4, factOffset };
}

/** Encodes a whole WAV file in memory; `data` holds sample octets in the file's format. */
export function encodeWav(info: WavInfo, data: Uint8Array): Buffer {
  const { header } = createWavHeader(info, data.length);
  return Buffer.concat([header, data, Buffer.alloc(data.length & 1)]);
}

/** Little-endian octets of PCM samples (a copy). */
export function pcm16ToBytes(samples: Int16Array): Buffer {
  const bytes = Buffer.allocUnsafe(samples.length * 2);
  for (let index = 0; index < samples.length; index++) bytes.writeInt16LE(samples[index]!, index * 2);
  return bytes;
}

/** Encodes 16-bit PCM as a WAV file of the given format (G.711-encoding when asked). */
export function encodeWavFromPcm(info: WavInfo, samples: Int16Array): Buffer {
  const data = info.format === WavFormat.Pcm16 ? pcm16ToBytes(samples) : g711Encode(info.format, samples);
  return encodeWav(info, data);
}

function parseFormat(data: Buffer, offset: number, size: number): WavInfo {
  if (size < 16) throw new WavFormatError(WavErrorCode.MissingFormat, `fmt chunk of ${size} octets`);
  let tag = data.readUInt16LE(offset);
  const channels = data.readUInt16LE(offset + 2);
  const sampleRate = data.readUInt32LE(offset + 4);
  const blockAlign = data.readUInt16LE(offset + 12);
  const bits = data.readUInt16LE(offset + 14);
  if (tag === WAVE_FORMAT_EXTENSIBLE && size >= 40) tag = data.readUInt16LE(offset + 24); // SubFormat GUID
  let format: WavFormat;
  if (tag === 1 && bits === 16) format = WavFormat.Pcm16;
  else if (tag === 7 && bits === 8) format = WavFormat.Mulaw;
  else if (tag === 6 && bits === 8) format = WavFormat.Alaw;
  else throw new WavFormatError(WavErrorCode.UnsupportedFormat, `format tag ${tag} with ${bits} bits per sample`);
  if (channels === 0 || sampleRate === 0 || blockAlign !== channels * bytesPerSample(format)) {
    throw new WavFormatError(
      WavErrorCode.BadFormat,
      `${channels} channels, ${sampleRate} Hz, block align ${blockAlign}`,
    );
  }
  return { format, sampleRate, channels };
}

/**
 * Parses a WAV file. Safe on any bytes: everything malformed is a {@link WavFormatError}.
 *
 * @param file the whole file (or what there is of it)
 * @throws WavFormatError `NOT_WAVE`, `MISSING_FORMAT`, `MISSING_DATA`, `UNSUPPORTED_FORMAT`, `BAD_FORMAT`
 */
export function parseWav(file: Buffer): WavFile {
  if (file.length < 12 || file.toString('latin1', 0, 4) !== 'RIFF' || file.toString('latin1', 8, 12) !== 'WAVE') {
    throw new WavFormatError(WavErrorCode.NotWave, 'not a RIFF WAVE file');
  }
  const riffSize = file.readUInt32LE(4);
  let info: WavInfo | undefined;
  let factSampleCount: number | undefined;
  let offset = 12;
  while (offset + 8 <= file.length) {
    const id = file.toString('latin1', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    const available = file.length - body;
    if (id === 'fmt ') {
      if (size > available) throw new WavFormatError(WavErrorCode.MissingFormat, 'fmt chunk cut short');
      info = parseFormat(file, body, size);
    } else if (id === 'fact' && size >= 4 && available >= 4) {
      factSampleCount = file.readUInt32LE(body);
    } else if (id === 'data') {
      if (info === undefined) throw new WavFormatError(WavErrorCode.MissingFormat, 'data chunk before fmt chunk');
      const blockAlign = info.channels * bytesPerSample(info.format);
      // Streaming writers leave 0 or 0xFFFFFFFF in the sizes until they finish: read to the end.
      const placeholder = size === 0xffffffff || (size === 0 && (riffSize === 0 || riffSize === 0xffffffff));
      const truncated = !placeholder && size > available;
      const length = placeholder || truncated ? available : size;
      const whole = length - (length % blockAlign);
      return {
        ...info,
        data: file.subarray(body, body + whole),
        frameCount: whole / blockAlign,
        factSampleCount,
        truncated,
      };
    }
    offset = body + size + (size & 1);
  }
  if (info === undefined) throw new WavFormatError(WavErrorCode.MissingFormat, 'no fmt chunk');
  throw new WavFormatError(WavErrorCode.MissingData, 'no data chunk');
}

/** The samples of a parsed file as 16-bit PCM (decoding G.711; channels stay interleaved). */
export function wavToPcm16(file: WavFile): Int16Array {
  if (file.format !== WavFormat.Pcm16) return g711Decode(file.format as G711Law, file.data);
  const samples = new Int16Array(file.data.length / 2);
  for (let index = 0; index < samples.length; index++) samples[index] = file.data.readInt16LE(index * 2);
  return samples;
}
