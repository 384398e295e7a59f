/**
 * Naive baselines for bench/rtp: the textbook way of doing what @talkbus/rtp does with tables
 * and preallocated buffers. Correct (G.711 here is the Sun/G.191 reference algorithm run per
 * sample), just not tuned; the bench runs both in the same process.
 */

const MULAW_SEGMENT_END = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const ALAW_SEGMENT_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function segment(value: number, ends: number[]): number {
  for (let index = 0; index < ends.length; index++) if (value <= ends[index]!) return index;
  return 8;
}

/** G.191 linear2ulaw, per sample. */
export function naiveMulawEncode(sample: number): number {
  let value = sample >> 2;
  let mask = 0xff;
  if (value < 0) {
    value = -value;
    mask = 0x7f;
  }
  if (value > 8159) value = 8159;
  value += 33;
  const seg = segment(value, MULAW_SEGMENT_END);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((value >> (seg + 1)) & 0xf)) ^ mask;
}

/** G.191 ulaw2linear, per sample. */
export function naiveMulawDecode(code: number): number {
  const value = ~code & 0xff;
  const magnitude = ((((value & 0x0f) << 3) + 0x84) << ((value & 0x70) >> 4)) - 0x84;
  return (value & 0x80) !== 0 ? -magnitude : magnitude;
}

/** G.191 linear2alaw, per sample. */
export function naiveAlawEncode(sample: number): number {
  let value = sample >> 3;
  let mask = 0xd5;
  if (value < 0) {
    value = -value - 1;
    mask = 0x55;
  }
  const seg = segment(value, ALAW_SEGMENT_END);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | (seg < 2 ? (value >> 1) & 0xf : (value >> seg) & 0xf)) ^ mask;
}

/** RTP parse the obvious way: DataView reads, a copied payload, an object per packet. */
export function naiveParseRtp(data: Buffer): {
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
} {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const csrcCount = view.getUint8(0) & 0x0f;
  let offset = 12 + csrcCount * 4;
  if ((view.getUint8(0) & 0x10) !== 0) offset += 4 + view.getUint16(offset + 2) * 4;
  return {
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    payload: Buffer.from(data.subarray(offset)),
  };
}

/** RTP serialize the obvious way: a header Buffer concatenated with the payload. */
export function naiveSerializeRtp(packet: {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  payload: Uint8Array;
}): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = packet.payloadType;
  header.writeUInt16BE(packet.sequenceNumber, 2);
  header.writeUInt32BE(packet.timestamp, 4);
  header.writeUInt32BE(packet.ssrc, 8);
  return Buffer.concat([header, packet.payload]);
}

/** N−1 mix the obvious way: decode by formula into fresh arrays, sum others per output. */
export function naiveMixMinusOne(inputs: Uint8Array[]): Uint8Array[] {
  const decoded = inputs.map((frame) => Array.from(frame, naiveMulawDecode));
  return inputs.map((_, participant) => {
    const out = new Uint8Array(inputs[0]!.length);
    for (let index = 0; index < out.length; index++) {
      let sum = 0;
      for (let other = 0; other < inputs.length; other++) if (other !== participant) sum += decoded[other]![index]!;
      out[index] = naiveMulawEncode(Math.max(-32768, Math.min(32767, sum)));
    }
    return out;
  });
}

/** One DFT bin by direct correlation with cos/sin (what Goertzel replaces). */
export function naiveDftPower(samples: Int16Array, frequency: number, sampleRate: number): number {
  let real = 0;
  let imaginary = 0;
  for (let index = 0; index < samples.length; index++) {
    const angle = (2 * Math.PI * frequency * index) / sampleRate;
    real += samples[index]! * Math.cos(angle);
    imaginary -= samples[index]! * Math.sin(angle);
  }
  return real * real + imaginary * imaginary;
}
