/**
 * What the local side of a call hears: RTP Node reads from a DirectTransport consumer of the
 * peer's producer. RFC 4733 events (on the DTMF carrier, see `router-codecs.ts`) become
 * `media.dtmfReceived`; audio goes to the output (nowhere, or a WAV file) and to a local mix.
 */
import type { G711Law } from '@talkbus/rtp';
import {
  TelephoneEventReceiver,
  WavFileWriter,
  WavFormat,
  g711Decode,
  parseRtpPacket,
  type TelephoneEventReport,
} from '@talkbus/rtp';
import { FRAME_SAMPLES } from './local-audio.ts';

/** Options of {@link AudioOutput}. */
export interface AudioOutputOptions {
  law: G711Law | undefined;
  /** Router payload type of the DTMF carrier, if negotiated. */
  eventPayloadType: number | undefined;
  now(): number;
  onDtmf(report: TelephoneEventReport): void;
}

/** Decodes, de-duplicates events, writes WAV. One per negotiated audio stream. */
export class AudioOutput {
  readonly #options: AudioOutputOptions;
  readonly #events = new TelephoneEventReceiver();
  readonly #pcm = new Int16Array(FRAME_SAMPLES);
  /** G.711 frames not yet taken by a mix (bounded: a mix takes one per tick). */
  readonly frames: Uint8Array[] = [];
  /** Collect frames for a local mix. */
  mixing = false;
  packets = 0;

  constructor(options: AudioOutputOptions) {
    this.#options = options;
  }

  /** One RTP packet from the tap consumer; returns decoded PCM for the sink, if audio. */
  receive(data: Buffer): Int16Array | undefined {
    let packet;
    try {
      packet = parseRtpPacket(data);
    } catch {
      return undefined;
    }
    this.packets++;
    if (packet.payloadType === this.#options.eventPayloadType) {
      try {
        for (const report of this.#events.receive(packet, this.#options.now()))
          if (report.kind === 'end') this.#options.onDtmf(report);
      } catch {
        // A malformed event block is dropped (RFC 4733 §2.5.2.1: ignore what cannot be parsed).
      }
      return undefined;
    }
    const law = this.#options.law;
    if (!law || packet.payload.length !== FRAME_SAMPLES) return undefined;
    if (this.mixing) {
      if (this.frames.length >= 5) this.frames.shift(); // keep latency bounded (100 ms)
      this.frames.push(Uint8Array.from(packet.payload));
    }
    return g711Decode(law, packet.payload, this.#pcm);
  }

  /** Closes events whose end packets never came. */
  poll(): void {
    for (const report of this.#events.poll(this.#options.now()))
      if (report.kind === 'end') this.#options.onDtmf(report);
  }
}

/** A WAV sink for what the local side hears (8 kHz PCM16 mono). */
export class WavSink {
  readonly path: string;
  #writer: Promise<WavFileWriter>;
  #chain: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(path: string) {
    this.path = path;
    this.#writer = WavFileWriter.create(path, { format: WavFormat.Pcm16, sampleRate: 8000, channels: 1 });
    this.#writer.catch(() => undefined);
  }

  /** Queues a frame (copied). */
  write(pcm: Int16Array, gain: number): void {
    if (this.#closed) return;
    const frame = Int16Array.from(pcm, (sample) => Math.max(-32768, Math.min(32767, Math.round(sample * gain))));
    this.#chain = this.#chain.then(async () => (await this.#writer).writeSamples(frame)).catch(() => undefined);
  }

  /** Writes what is queued and closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#chain;
    await (await this.#writer.catch(() => undefined))?.close().catch(() => undefined);
  }
}
