/**
 * The RTP Node makes for one call: what the local side says (silence, a tone, a looped WAV
 * file, the input device, or a local mix), with RFC 4733 key presses in between, one 20 ms
 * packet per pacer tick. The packets go into mediasoup through a DirectTransport producer.
 */
import { readFile } from 'node:fs/promises';
import {
  G711Law,
  TelephoneEventSender,
  TonePlayer,
  g711Encode,
  parseWav,
  serializeRtpPacket,
  telephoneEventCode,
  wavToPcm16,
  type ScheduledRtpPacket,
  type TonePlan,
} from '@talkbus/rtp';
import { ErrorCode, TalkbusError } from '@talkbus/contracts';

/** Samples in one 20 ms frame at 8 kHz. */
export const FRAME_SAMPLES = 160;

/** Where frames come from. */
export interface AudioSource {
  /** Fills `frame` with the next 20 ms of linear PCM. */
  read(frame: Int16Array): void;
}

/** Silence. */
export const silenceSource: AudioSource = { read: (frame) => void frame.fill(0) };

/** A tone plan, e.g. a test tone or a ringback cadence. */
export function toneSource(plan: TonePlan): AudioSource {
  const player = new TonePlayer(plan);
  return { read: (frame) => void player.read(frame) };
}

/** A continuous tone of 1–4 frequencies. */
export function steadyTone(frequencies: readonly number[], levelDbm0 = -10): TonePlan {
  return {
    name: `tone ${frequencies.join('+')} Hz`,
    segments: [{ frequencies, durationMs: Infinity }],
    repeat: 1,
    levelDbm0,
  };
}

/** Loads a WAV file (8 kHz mono) as a looped or one-shot source. */
export async function fileSource(path: string, loop: boolean): Promise<AudioSource> {
  let samples: Int16Array;
  try {
    const wav = parseWav(await readFile(path));
    if (wav.sampleRate !== 8000 || wav.channels !== 1)
      throw new Error(`${wav.sampleRate} Hz, ${wav.channels} channels; 8000 Hz mono needed`);
    samples = wavToPcm16(wav);
  } catch (err) {
    throw new TalkbusError(
      ErrorCode.MEDIA_FILE_UNREADABLE,
      `Cannot play ${path}: ${(err as Error).message}`,
      { path },
      { cause: err },
    );
  }
  let position = 0;
  return {
    read(frame) {
      for (let index = 0; index < frame.length; index++) {
        if (position >= samples.length) {
          if (!loop || samples.length === 0) {
            frame.fill(0, index);
            return;
          }
          position = 0;
        }
        frame[index] = samples[position++]!;
      }
    },
  };
}

/** What the sender needs to know each tick. */
export interface LocalAudioState {
  /** Mic muted (per call, or the input device muted): send silence. */
  muted: boolean;
  /** Input volume 0–100 (50 = unity gain… 100 = +6 dB). */
  volume: number;
}

/** A pending DTMF request. */
interface DtmfJob {
  packets: ScheduledRtpPacket[];
  done: () => void;
}

/** Packetizes one call's local audio. */
export class LocalAudioSender {
  readonly #law: G711Law;
  readonly #payloadType: number;
  readonly #ssrc: number;
  readonly #events: TelephoneEventSender | undefined;
  readonly #send: (packet: Buffer) => void;
  readonly #frame = new Int16Array(FRAME_SAMPLES);
  readonly #encoded = new Uint8Array(FRAME_SAMPLES);
  #sequence = Math.floor(Math.random() * 0x10000);
  #timestamp = Math.floor(Math.random() * 0x1_0000_0000);
  #jobs: DtmfJob[] = [];
  #current: DtmfJob | undefined;
  source: AudioSource = silenceSource;
  /** The next frame, already G.711 (the local mix's output for this call); used once. */
  nextEncoded: Uint8Array | undefined;
  packetsSent = 0;

  constructor(options: {
    law: G711Law;
    payloadType: number;
    ssrc: number;
    /** Router payload type of the DTMF carrier; undefined when events were not negotiated. */
    eventPayloadType: number | undefined;
    send: (packet: Buffer) => void;
  }) {
    this.#law = options.law;
    this.#payloadType = options.payloadType;
    this.#ssrc = options.ssrc;
    this.#send = options.send;
    this.#events =
      options.eventPayloadType === undefined
        ? undefined
        : new TelephoneEventSender({ payloadType: options.eventPayloadType, ssrc: options.ssrc });
  }

  /** Whether RFC 4733 events can be sent. */
  get canSendEvents(): boolean {
    return this.#events !== undefined;
  }

  /** Queues key presses; resolves when the last end packet went out (or the sender closed). */
  sendDigits(digits: string, durationMs: number, gapMs: number): Promise<void> {
    const events = this.#events;
    if (!events)
      return Promise.reject(
        new TalkbusError(ErrorCode.MEDIA_NOT_NEGOTIATED, 'telephone-event was not negotiated on this call'),
      );
    return new Promise((resolve) => {
      const keys = [...digits.toUpperCase()];
      keys.forEach((key, index) => {
        const job: DtmfJob = { packets: [], done: index === keys.length - 1 ? resolve : () => undefined };
        // Built when the job starts, from the stream's timestamp and sequence number then.
        (job as DtmfJob & { key: string; durationMs: number; gapTicks: number }).key = key;
        Object.assign(job, { durationMs, gapTicks: Math.max(2, Math.round(gapMs / 20)) });
        this.#jobs.push(job);
      });
    });
  }

  /** One 20 ms tick: sends an audio packet, or the next RFC 4733 packet of a key press. */
  tick(state: LocalAudioState): void {
    // mediasoup creates a producer's stream from a packet of its media codec only: events sent
    // before the first audio packet would be dropped, so a key press waits for audio to flow.
    if (this.#current === undefined && this.#jobs.length > 0 && this.packetsSent >= 2) this.#startJob();
    const job = this.#current;
    if (job) {
      const next = job.packets.shift();
      if (next) {
        const packet = { ...next.packet, sequenceNumber: this.#sequence };
        this.#emit(serializeRtpPacket(packet));
        this.#timestamp = (this.#timestamp + FRAME_SAMPLES) >>> 0;
        return;
      }
      const gap = job as DtmfJob & { gapTicks: number };
      if (gap.gapTicks-- > 0) {
        this.#audio(state, true);
        if (gap.gapTicks === 0) {
          this.#current = undefined;
          job.done();
        }
        return;
      }
    }
    this.#audio(state, false);
  }

  #startJob(): void {
    const job = this.#jobs.shift() as DtmfJob & { key: string; durationMs: number };
    job.packets = this.#events!.press({
      event: telephoneEventCode(job.key),
      durationMs: job.durationMs,
      timestamp: this.#timestamp,
      sequenceNumber: this.#sequence,
    });
    this.#current = job;
  }

  #audio(state: LocalAudioState, silent: boolean): void {
    const mixed = this.nextEncoded;
    this.nextEncoded = undefined;
    if (mixed && !silent) {
      this.#emit(this.#packet(Buffer.from(mixed)));
      return;
    }
    const frame = this.#frame;
    this.source.read(frame);
    if (silent || state.muted || state.volume === 0) frame.fill(0);
    else if (state.volume !== 50) {
      // 0–100 maps to -∞…+6 dB with 50 as unity gain.
      const gain = state.volume <= 50 ? state.volume / 50 : 1 + (state.volume - 50) / 50;
      for (let index = 0; index < frame.length; index++)
        frame[index] = Math.max(-32768, Math.min(32767, Math.round(frame[index]! * gain)));
    }
    g711Encode(this.#law, frame, this.#encoded);
    this.#emit(this.#packet(Buffer.from(this.#encoded)));
  }

  #packet(payload: Buffer): Buffer {
    const packet = serializeRtpPacket({
      payloadType: this.#payloadType,
      marker: this.packetsSent === 0,
      sequenceNumber: this.#sequence,
      timestamp: this.#timestamp,
      ssrc: this.#ssrc,
      payload,
    });
    this.#timestamp = (this.#timestamp + FRAME_SAMPLES) >>> 0;
    return packet;
  }

  /** The next frame of the local input, G.711-encoded, with mute and volume applied. */
  readInput(state: LocalAudioState, output: Uint8Array): void {
    const frame = this.#frame;
    this.source.read(frame);
    if (state.muted || state.volume === 0) frame.fill(0);
    g711Encode(this.#law, frame, output);
  }

  #emit(packet: Buffer): void {
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.packetsSent++;
    this.#send(packet);
  }

  /** Drops pending key presses (their promises resolve). */
  close(): void {
    this.#current?.done();
    for (const job of this.#jobs) job.done();
    this.#jobs = [];
    this.#current = undefined;
  }
}

/** The G.711 law of a codec name, or undefined for another codec. */
export function g711LawOf(name: string): G711Law | undefined {
  const upper = name.toUpperCase();
  return upper === 'PCMU' ? G711Law.Mulaw : upper === 'PCMA' ? G711Law.Alaw : undefined;
}
