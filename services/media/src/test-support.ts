/**
 * Test support for the media service: a real embedded broker with the service on real mediasoup
 * workers, UDP peers on 127.0.0.1 that the test owns, RTP helpers, bounded waits.
 */
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context, ServiceBroker } from 'moleculer';
import { call, type MediaEndpointInfo, type MediaStreamParams } from '@talkbus/contracts';
import {
  G711Law,
  g711Decode,
  g711Encode,
  parseRtpPacket,
  serializeRtpPacket,
  toneAmplitude,
  type RtpPacket,
} from '@talkbus/rtp';
import { createBroker, loadConfig } from '@talkbus/runtime';
import { createMediaService, type MediaSettings } from './index.ts';

/** An event the test broker saw. */
export interface SeenEvent {
  name: string;
  payload: Record<string, unknown>;
}

/** A running media service. */
export interface MediaHarness {
  broker: ServiceBroker;
  dataDir: string;
  events: SeenEvent[];
  dispose(): Promise<void>;
}

let nextPortBase = 30000 + (process.pid % 100) * 200;

/** Starts a broker with the media service (one worker unless told) and an event recorder. */
export async function startMedia(settings: Partial<MediaSettings> = {}): Promise<MediaHarness> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'talkbus-media-'));
  const config = loadConfig({
    env: { TALKBUS_DATA_DIR: dataDir, TALKBUS_LOG_LEVEL: 'warn', TALKBUS_NODE_ID: 'media-test' },
  });
  const portMin = nextPortBase;
  nextPortBase += 200;
  const broker = createBroker(config, { logger: false, registry: { stopDelay: 0 } });
  broker.createService(
    createMediaService({
      config,
      settings: { workers: 1, portMin, portMax: portMin + 199, rtpCheckMs: 200, ...settings },
    }),
  );
  const events: SeenEvent[] = [];
  broker.createService({
    name: 'recorder',
    events: {
      'media.**'(ctx: Context) {
        events.push({ name: ctx.eventName ?? '', payload: structuredClone(ctx.params) as Record<string, unknown> });
      },
    },
  });
  await broker.start();
  return {
    broker,
    dataDir,
    events,
    async dispose() {
      await broker.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits for a condition, polling every 10 ms, for at most `ms`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Sleeps (for "nothing arrives during" checks only). */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A SIP peer's RTP socket: sends paced G.711 RTP and records what it receives. */
export class RtpPeer {
  readonly socket = dgram.createSocket('udp4');
  readonly received: RtpPacket[] = [];
  readonly ssrc = (Math.random() * 0xffffffff) >>> 0;
  #sequence = 1000;
  #timestamp = 5000;

  async bind(): Promise<this> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', () => resolve()));
    this.socket.on('message', (message) => {
      if (message.length >= 2 && message[1]! >= 192 && message[1]! <= 223) return; // RTCP (rtcp-mux)
      try {
        this.received.push(parseRtpPacket(Buffer.from(message)));
      } catch {
        // not RTP
      }
    });
    return this;
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Sends one 20 ms packet. */
  send(to: number, payloadType: number, payload: Buffer, options: { timestamp?: number; marker?: boolean } = {}): void {
    const packet = serializeRtpPacket({
      payloadType,
      marker: options.marker ?? false,
      sequenceNumber: this.#sequence++ & 0xffff,
      timestamp: options.timestamp ?? this.#timestamp,
      ssrc: this.ssrc,
      payload,
    });
    if (options.timestamp === undefined) this.#timestamp += 160;
    this.socket.send(packet, to, '127.0.0.1');
  }

  /** Sends `frames` 20 ms frames of a tone (G.711), paced at 20 ms. */
  async sendTone(
    to: number,
    frames: number,
    frequencies: readonly number[],
    law: G711Law = G711Law.Mulaw,
    amplitude = 8000,
  ): Promise<void> {
    let phase = 0;
    for (let frame = 0; frame < frames; frame++) {
      const pcm = new Int16Array(160);
      for (let sample = 0; sample < 160; sample++, phase++) {
        let value = 0;
        for (const frequency of frequencies) value += amplitude * Math.sin((2 * Math.PI * frequency * phase) / 8000);
        pcm[sample] = Math.round(value);
      }
      this.send(to, law === G711Law.Mulaw ? 0 : 8, Buffer.from(g711Encode(law, pcm)));
      await sleep(20);
    }
  }

  /** The audio received (payload type `payloadType`), decoded. */
  pcm(payloadType = 0, law: G711Law = G711Law.Mulaw): Int16Array {
    const frames = this.received
      .filter((packet) => packet.payloadType === payloadType)
      .map((packet) => g711Decode(law, packet.payload));
    const out = new Int16Array(frames.length * 160);
    frames.forEach((frame, index) => out.set(frame.subarray(0, 160), index * 160));
    return out;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** Amplitude of a frequency in the last `seconds` of PCM (Goertzel, from the rtp package). */
export function amplitudeOf(pcm: Int16Array, frequency: number, samples = 1600): number {
  const tail = pcm.subarray(Math.max(0, pcm.length - samples));
  return tail.length === 0 ? 0 : toneAmplitude(tail, frequency, { sampleRate: 8000 });
}

/** A negotiated PCMU (+ telephone-event 101) stream towards a test peer. */
export function pcmuStream(peer: RtpPeer, overrides: Partial<MediaStreamParams> = {}): MediaStreamParams {
  return {
    index: 0,
    kind: 'audio',
    accepted: true,
    direction: 'sendrecv',
    rtcpMux: true,
    remote: { address: '127.0.0.1', port: peer.port, ssrcs: [] },
    codecs: [{ name: 'PCMU', clockRate: 8000, channels: 1, payloadType: 0, localPayloadType: 0 }],
    telephoneEvent: { payloadType: 101, localPayloadType: 101, clockRate: 8000 },
    ...overrides,
  };
}

/** Creates and negotiates an endpoint towards a peer. */
export async function connectedEndpoint(
  broker: ServiceBroker,
  sessionId: string,
  peer: RtpPeer,
  overrides: Partial<MediaStreamParams> = {},
): Promise<MediaEndpointInfo> {
  await call(broker, 'media.endpoint.create', { sessionId, account: 'alice' });
  return call(broker, 'media.endpoint.update', { sessionId, streams: [pcmuStream(peer, overrides)] });
}

/**
 * Fails the test file at load when ffmpeg (the virtual video input) is missing: `npm run setup`
 * installs it, and a skipped test checks nothing.
 */
export function requireFfmpeg(): void {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore', timeout: 5000 });
  } catch (error) {
    throw new Error('ffmpeg is not installed; `npm run setup` installs it', { cause: error });
  }
}
