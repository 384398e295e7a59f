/**
 * An audio recording (guide table 7-1 mic / play / call): one WAV file fed by one or more
 * sources, each a side of a call that the media service taps to a UDP socket of ours.
 *
 *   media tap ──RTP (G.711)──▶ socket ─▶ AudioTrack (timeline by timestamp) ─┐
 *   media tap ──RTP──────────▶ socket ─▶ AudioTrack ─────────────────────────┼─▶ sum, clip ─▶ WavFileWriter
 *
 * {@link AudioRecording.advance} runs on the service's 20 ms tick and writes up to
 * {@link WRITE_DELAY_MS} behind real time, so a packet delayed by network jitter still lands in
 * its place. The file grows by real elapsed time: lost packets and gaps are silence. The WAV
 * header is rewritten after every flush (`WavFileWriter`), so a crash leaves a valid file.
 */
import dgram from 'node:dgram';
import type { RecorderAudioFileType } from '@talkbus/contracts';
import {
  G711Law,
  g711DecodeTable,
  isRtcpPacket,
  parseRtpPacket,
  WavFileWriter,
  WavFormat,
  type WavFormat as WavFormatType,
} from '@talkbus/rtp';
import { AudioTrack, type TrackStats } from './audio-track.ts';

/** How far behind real time the file is written, ms (room for network jitter). */
export const WRITE_DELAY_MS = 60;
const SAMPLES_PER_MS = 8;
/** The most written in one call of `advance` (after a stall the rest follows next tick). */
const MAX_CHUNK = 8000;

/** The WAV sample format of an audio file type (guide EN_MTC_MFILE_WAV_*). */
export function wavFormatOf(fileType: RecorderAudioFileType): WavFormatType {
  return fileType === 'wav-pcmu' ? WavFormat.Mulaw : fileType === 'wav-pcma' ? WavFormat.Alaw : WavFormat.Pcm16;
}

/** The G.711 law of a codec by MIME type, or undefined for a codec the recorder cannot decode. */
export function lawOfMime(mimeType: string): G711Law | undefined {
  const name = mimeType.toLowerCase();
  return name === 'audio/pcmu' ? G711Law.Mulaw : name === 'audio/pcma' ? G711Law.Alaw : undefined;
}

/** One side of one call: a socket that a media tap sends to, and its track. */
export class AudioSource {
  readonly key: string;
  readonly sessionId: string;
  readonly socket = dgram.createSocket('udp4');
  readonly track = new AudioTrack();
  tapId: string | undefined;
  /** Payload type → law, learnt from the tap's codec (static 0/8 until told otherwise). */
  readonly laws = new Map<number, G711Law>([
    [0, G711Law.Mulaw],
    [8, G711Law.Alaw],
  ]);
  /**
   * Called (at most once a second per payload type) for a payload type with no known law: the
   * tap's source changed or its codec was not known when it was made. The service asks the tap.
   */
  onUnknownPayloadType: ((payloadType: number) => void) | undefined;
  readonly #askedAt = new Map<number, number>();
  #decoded = new Int16Array(160);

  constructor(key: string, sessionId: string, arrival: () => number) {
    this.key = key;
    this.sessionId = sessionId;
    this.socket.on('message', (message) => this.#receive(message, arrival()));
    this.socket.on('error', () => undefined);
  }

  /** Binds the socket on `ip`, an ephemeral port; answers the port. */
  async bind(ip: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(0, ip, () => {
        this.socket.off('error', reject);
        resolve();
      });
    });
    return this.socket.address().port;
  }

  #receive(message: Buffer, arrival: number): void {
    if (isRtcpPacket(message)) return;
    let packet;
    try {
      packet = parseRtpPacket(message);
    } catch {
      return; // not RTP: ignore, as any RTP receiver must
    }
    const law = this.laws.get(packet.payloadType);
    if (law === undefined) {
      const asked = this.#askedAt.get(packet.payloadType);
      if (asked === undefined || arrival - asked >= 8000) {
        this.#askedAt.set(packet.payloadType, arrival);
        this.onUnknownPayloadType?.(packet.payloadType);
      }
      return;
    }
    const payload = packet.payload;
    if (this.#decoded.length !== payload.length) this.#decoded = new Int16Array(payload.length);
    const table = law === G711Law.Mulaw ? MULAW : ALAW;
    for (let index = 0; index < payload.length; index++) this.#decoded[index] = table[payload[index]!]!;
    this.track.push(
      {
        ssrc: packet.ssrc,
        sequenceNumber: packet.sequenceNumber,
        timestamp: packet.timestamp,
        samples: this.#decoded,
      },
      arrival,
    );
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

const MULAW = g711DecodeTable(G711Law.Mulaw);
const ALAW = g711DecodeTable(G711Law.Alaw);

/** A WAV recording of the sum of its sources; see the file comment. */
export class AudioRecording {
  readonly writer: WavFileWriter;
  readonly sources = new Map<string, AudioSource>();
  /** When the recording started, on the service clock (ms). */
  readonly startMs: number;
  #written = 0;
  #sum = new Int32Array(MAX_CHUNK);
  #out = new Int16Array(MAX_CHUNK);
  #failure: Error | undefined;
  /** Stats of sources that left (so totals survive a call that ended). */
  readonly #gone: TrackStats = { received: 0, lost: 0, late: 0, reanchors: 0 };

  constructor(writer: WavFileWriter, startMs: number) {
    this.writer = writer;
    this.startMs = startMs;
  }

  /** Opens the WAV file: 8 kHz mono in the file type's format, flushed every 0.5 s of audio. */
  static async create(path: string, fileType: RecorderAudioFileType, startMs: number): Promise<AudioRecording> {
    const format = wavFormatOf(fileType);
    const writer = await WavFileWriter.create(path, {
      format,
      sampleRate: 8000,
      channels: 1,
      flushBytes: format === WavFormat.Pcm16 ? 8000 : 4000,
    });
    return new AudioRecording(writer, startMs);
  }

  /** The timeline position (samples) of a time on the service clock. */
  positionAt(nowMs: number): number {
    return Math.max(0, Math.floor((nowMs - this.startMs) * SAMPLES_PER_MS));
  }

  /** Adds a source; it starts where the file is now (silence before it). */
  add(source: AudioSource): void {
    source.track.startAt(this.#written);
    this.sources.set(source.key, source);
  }

  /** Removes a source; its packets no longer count. */
  remove(key: string): AudioSource | undefined {
    const source = this.sources.get(key);
    if (!source) return undefined;
    this.sources.delete(key);
    const stats = source.track.stats;
    this.#gone.received += stats.received;
    this.#gone.lost += stats.lost;
    this.#gone.late += stats.late;
    this.#gone.reanchors += stats.reanchors;
    source.close();
    return source;
  }

  /** Writes what is due at `nowMs`: everything up to `WRITE_DELAY_MS` before it, or all when `final`. */
  advance(nowMs: number, final = false): void {
    if (this.#failure) return;
    const due = this.positionAt(final ? nowMs : nowMs - WRITE_DELAY_MS);
    while (this.#written < due) {
      const count = Math.min(MAX_CHUNK, due - this.#written);
      const sum = this.#sum;
      sum.fill(0, 0, count);
      for (const source of this.sources.values()) source.track.mixInto(sum, count);
      const out = this.#out;
      for (let index = 0; index < count; index++) {
        const value = sum[index]!;
        out[index] = value > 32767 ? 32767 : value < -32768 ? -32768 : value;
      }
      this.#written += count;
      // The writer copies (encodes) synchronously; its flushes are queued in order.
      this.writer.writeSamples(out.subarray(0, count)).catch((err: unknown) => (this.#failure ??= err as Error));
    }
  }

  /** A write that failed (disk full, file removed), if any. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Length written so far, ms. */
  get durationMs(): number {
    return Math.round(this.#written / SAMPLES_PER_MS);
  }

  /** Packet counters over every source, present and gone. */
  get stats(): TrackStats {
    const total = { ...this.#gone };
    for (const source of this.sources.values()) {
      const stats = source.track.stats;
      total.received += stats.received;
      total.lost += stats.lost;
      total.late += stats.late;
      total.reanchors += stats.reanchors;
    }
    return total;
  }

  /** Writes the rest up to `nowMs`, closes the sockets and the file. */
  async finish(nowMs: number): Promise<void> {
    this.advance(nowMs, true);
    for (const key of [...this.sources.keys()]) this.remove(key);
    await this.writer.close();
  }
}
