/**
 * bench/rtp: throughput of @talkbus/rtp's hot paths, each beside a naive baseline run in the
 * same process (bench/rtp/naive.ts). Not a test. Run: `node bench/rtp/index.ts [ms-per-row]`
 * (default 300 ms of work per measurement; each figure is the best of {@link ROUNDS} rounds).
 *
 * Rows:
 * - G.711 encode/decode, Msamples/s: table-driven vs the G.191 formula per sample.
 * - RTP parse/serialize, packets/s, 172-octet PCMU packets: zero-copy parse and write into a
 *   reused Buffer vs DataView + copied payload and Buffer.concat.
 * - RTCP compound (SR + SDES) parse, packets/s.
 * - Mixer: µs per participant per 20 ms frame (N−1 mix, µ-law) for 3, 5 and 10 participants,
 *   vs formula decode/encode with fresh arrays.
 * - Goertzel: µs per 20 ms frame (160 samples) for one frequency vs a direct DFT bin; and the
 *   DTMF detector (8 filters + checks) per frame.
 * - Tone synthesis: µs per 20 ms frame of US dial tone (two continuous sines), PCM and µ-law.
 */
import { performance } from 'node:perf_hooks';
import {
  DtmfDetector,
  dtmfTonePlan,
  G711Law,
  G711Mixer,
  g711Decode,
  g711Encode,
  goertzelCoefficient,
  goertzelPowerWith,
  parseRtcpCompound,
  parseRtpPacket,
  serializeRtcpCompound,
  serializeRtpPacket,
  tonePlan,
  TonePlayer,
  ToneRegion,
  ToneType,
  writeRtpPacket,
} from '../../packages/rtp/src/index.ts';
import {
  naiveAlawEncode,
  naiveDftPower,
  naiveMixMinusOne,
  naiveMulawDecode,
  naiveMulawEncode,
  naiveParseRtp,
  naiveSerializeRtp,
} from './naive.ts';

const BUDGET_MS = Number(process.argv[2] ?? 300);
const ROUNDS = 3;
let sink = 0; // results flow here so the JIT cannot drop the work

/** Runs `work` (which does `units` of work per call) for about BUDGET_MS; best rate of ROUNDS. */
function rate(units: number, work: () => void): number {
  for (let warm = 0; warm < 50; warm++) work();
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < BUDGET_MS) {
      for (let batch = 0; batch < 20; batch++) work();
      calls += 20;
      elapsed = performance.now() - start;
    }
    best = Math.max(best, (calls * units) / (elapsed / 1000));
  }
  return best;
}

const rows: [string, string, string, string, string][] = [];
function row(name: string, unit: string, ours: number, baseline: number | undefined, digits = 1): void {
  const format = (value: number) =>
    value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const ratio = baseline === undefined ? '' : unit.startsWith('µs') ? baseline / ours : ours / baseline;
  rows.push([
    name,
    unit,
    format(ours),
    baseline === undefined ? '—' : format(baseline),
    ratio === '' ? '—' : `${ratio.toFixed(1)}×`,
  ]);
}

// Test signal: 1 s of speech-level noisy tone.
const pcm = Int16Array.from({ length: 8000 }, (_, index) =>
  Math.round(8000 * Math.sin(index / 5) + ((index * 7919) % 2001) - 1000),
);
const mulaw = g711Encode(G711Law.Mulaw, pcm);
const alaw = g711Encode(G711Law.Alaw, pcm);
const codes = new Uint8Array(pcm.length);
const samples = new Int16Array(pcm.length);

row(
  'G.711 µ-law encode',
  'Msamples/s',
  rate(pcm.length, () => {
    g711Encode(G711Law.Mulaw, pcm, codes);
    sink += codes[17]!;
  }) / 1e6,
  rate(pcm.length, () => {
    for (let index = 0; index < pcm.length; index++) codes[index] = naiveMulawEncode(pcm[index]!);
    sink += codes[17]!;
  }) / 1e6,
);
row(
  'G.711 A-law encode',
  'Msamples/s',
  rate(pcm.length, () => {
    g711Encode(G711Law.Alaw, pcm, codes);
    sink += codes[17]!;
  }) / 1e6,
  rate(pcm.length, () => {
    for (let index = 0; index < pcm.length; index++) codes[index] = naiveAlawEncode(pcm[index]!);
    sink += codes[17]!;
  }) / 1e6,
);
row(
  'G.711 µ-law decode',
  'Msamples/s',
  rate(mulaw.length, () => {
    g711Decode(G711Law.Mulaw, mulaw, samples);
    sink += samples[17]!;
  }) / 1e6,
  rate(mulaw.length, () => {
    for (let index = 0; index < mulaw.length; index++) samples[index] = naiveMulawDecode(mulaw[index]!);
    sink += samples[17]!;
  }) / 1e6,
);
row(
  'G.711 A-law decode',
  'Msamples/s',
  rate(alaw.length, () => {
    g711Decode(G711Law.Alaw, alaw, samples);
    sink += samples[17]!;
  }) / 1e6,
  undefined,
);

// RTP: 20 ms PCMU packets.
const packetInit = {
  payloadType: 0,
  sequenceNumber: 1,
  timestamp: 160,
  ssrc: 0x12345678,
  payload: mulaw.subarray(0, 160),
};
const wire = serializeRtpPacket(packetInit);
const target = Buffer.allocUnsafe(1500);
row(
  'RTP parse (172 B)',
  'Mpackets/s',
  rate(1, () => {
    sink += parseRtpPacket(wire).sequenceNumber;
  }) / 1e6,
  rate(1, () => {
    sink += naiveParseRtp(wire).sequenceNumber;
  }) / 1e6,
  2,
);
row(
  'RTP serialize (172 B)',
  'Mpackets/s',
  rate(1, () => {
    packetInit.sequenceNumber = (packetInit.sequenceNumber + 1) & 0xffff;
    sink += writeRtpPacket(packetInit, target);
  }) / 1e6,
  rate(1, () => {
    packetInit.sequenceNumber = (packetInit.sequenceNumber + 1) & 0xffff;
    sink += naiveSerializeRtp(packetInit).length;
  }) / 1e6,
  2,
);
const compound = serializeRtcpCompound([
  {
    kind: 'sender-report',
    ssrc: 1,
    ntpSeconds: 1,
    ntpFraction: 2,
    rtpTimestamp: 3,
    packetCount: 4,
    octetCount: 5,
    reports: [
      {
        ssrc: 2,
        fractionLost: 0,
        cumulativeLost: 0,
        highestSequence: 9,
        jitter: 1,
        lastSenderReport: 0,
        delaySinceLastSenderReport: 0,
      },
    ],
    extension: Buffer.alloc(0),
  },
  { kind: 'source-description', chunks: [{ ssrc: 1, items: [{ type: 1, text: 'talkbus@bench' }] }] },
]);
row(
  'RTCP SR+SDES parse',
  'Mpackets/s',
  rate(1, () => {
    sink += parseRtcpCompound(compound).length;
  }) / 1e6,
  undefined,
  2,
);

// Mixer: N−1 mix of µ-law frames, cost per participant per 20 ms frame.
for (const participants of [3, 5, 10]) {
  const mixer = new G711Mixer({ law: G711Law.Mulaw });
  const inputs = Array.from({ length: participants }, (_, index) => mulaw.subarray(index * 160, index * 160 + 160));
  const outputs = inputs.map(() => new Uint8Array(160));
  const ours = 1e6 / rate(participants, () => mixer.mixMinusOne(inputs, outputs));
  const naive = 1e6 / rate(participants, () => (sink += naiveMixMinusOne(inputs)[0]![5]!));
  row(`mixer N−1, ${participants} participants`, 'µs/participant/frame', ours, naive, 2);
}

// Goertzel and DTMF detection on 20 ms frames.
const frame = pcm.subarray(0, 160);
const coefficient = goertzelCoefficient(1000, 8000);
row(
  'Goertzel, 1 frequency',
  'µs/frame (160 samples)',
  1e6 / rate(1, () => (sink += goertzelPowerWith(frame, coefficient))),
  1e6 / rate(1, () => (sink += naiveDftPower(frame, 1000, 8000))),
  3,
);
const dtmfPcm = new Int16Array(8000);
new TonePlayer(dtmfTonePlan('1234567890')).read(dtmfPcm);
const detector = new DtmfDetector();
let dtmfOffset = 0;
row(
  'DTMF detector (8 filters)',
  'µs/frame (160 samples)',
  1e6 /
    rate(1, () => {
      sink += detector.process(dtmfPcm.subarray(dtmfOffset, dtmfOffset + 160)).length;
      dtmfOffset = (dtmfOffset + 160) % 8000;
    }),
  undefined,
  3,
);
const player = new TonePlayer(tonePlan(ToneRegion.UnitedStates, ToneType.Dial));
const toneFrame = new Int16Array(160);
const toneCodes = new Uint8Array(160);
row(
  'tone synthesis, US dial (2 sines)',
  'µs/frame (160 samples)',
  1e6 / rate(1, () => (sink += player.read(toneFrame))),
  undefined,
  3,
);
row(
  'tone synthesis → µ-law',
  'µs/frame (160 samples)',
  1e6 / rate(1, () => (sink += player.readG711(G711Law.Mulaw, toneCodes))),
  undefined,
  3,
);

const header: [string, string, string, string, string] = [
  'operation',
  'unit',
  '@talkbus/rtp',
  'naive baseline',
  'speed-up',
];
const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((entry) => entry[column]!.length)));
const line = (cells: string[]) =>
  `| ${cells.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(' | ')} |`;
console.log(`Node ${process.version}, ${BUDGET_MS} ms per measurement, best of ${ROUNDS}\n`);
console.log(line(header));
console.log(
  `|${widths.map((width, column) => (column < 2 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`,
);
for (const entry of rows) console.log(line(entry));
if (sink === 0.5) console.log(sink);
