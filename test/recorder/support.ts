/**
 * Support for the recorder's cross-process tests: a node with the profile, media (real
 * mediasoup) and recorder services and an account, SIP peers' RTP sockets the test owns on
 * 127.0.0.1, ffmpeg senders of test patterns, WAV and image measures. Every wait is bounded and
 * every process is stopped by PID.
 */
import dgram from 'node:dgram';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context, ServiceBroker } from 'moleculer';
import { call, type MediaStreamParams } from '@talkbus/contracts';
import {
  G711Law,
  g711Encode,
  isRtcpPacket,
  parseWav,
  serializeRtpPacket,
  toneAmplitude,
  wavToPcm16,
  type WavFile,
} from '@talkbus/rtp';
import { createBroker, loadConfig } from '@talkbus/runtime';
import { createMediaService } from '@talkbus/service-media';
import { createProfileService } from '@talkbus/service-profile';
import { createRecorderService, type RecorderCore, type RecorderSettings } from '@talkbus/service-recorder';
import { startChild, type Child } from '../support/process.ts';

/** An event the test saw. */
export interface SeenEvent {
  name: string;
  payload: Record<string, unknown>;
}

/** A running node with an account `alice`. */
export interface RecorderNode {
  broker: ServiceBroker;
  dataDir: string;
  /** alice's folder. */
  folder: string;
  events: SeenEvent[];
  core(): RecorderCore;
  dispose(): Promise<void>;
}

let nextPortBase = 32000 + (process.pid % 50) * 200;

/** Starts profile + media + recorder in one broker (the recorder's taps still go over loopback UDP). */
export async function startRecorderNode(settings: Partial<RecorderSettings> = {}): Promise<RecorderNode> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'talkbus-recorder-'));
  const config = loadConfig({
    env: { TALKBUS_DATA_DIR: dataDir, TALKBUS_LOG_LEVEL: 'warn', TALKBUS_NODE_ID: 'recorder-test' },
  });
  const portMin = nextPortBase;
  nextPortBase += 200;
  const broker = createBroker(config, {
    logger: process.env['TALKBUS_TEST_VERBOSE'] ? { type: 'Console', options: { level: 'warn' } } : false,
    registry: { stopDelay: 0 },
  });
  let core: RecorderCore | undefined;
  broker.createService(createProfileService({ config }));
  broker.createService(
    createMediaService({ config, settings: { workers: 1, portMin, portMax: portMin + 199, rtpCheckMs: 100 } }),
  );
  broker.createService(createRecorderService({ config, settings, onCore: (made) => (core = made) }));
  const events: SeenEvent[] = [];
  broker.createService({
    name: 'test-events',
    events: {
      'recorder.**'(ctx: Context) {
        events.push({ name: ctx.eventName ?? '', payload: structuredClone(ctx.params) as Record<string, unknown> });
      },
      'media.**'(ctx: Context) {
        events.push({ name: ctx.eventName ?? '', payload: structuredClone(ctx.params) as Record<string, unknown> });
      },
    },
  });
  await broker.start();
  await call(broker, 'profile.create', { account: 'alice' });
  const { path: folder } = await call(broker, 'profile.path', { account: 'alice' });
  return {
    broker,
    dataDir,
    folder,
    events,
    core: () => core!,
    async dispose() {
      await broker.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits for a condition, polling every 10 ms, for at most `ms`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Sleeps (to let real time pass in a recording). */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A SIP peer's RTP socket that sends paced G.711 tones and keeps what arrives. */
export class TonePeer {
  readonly socket = dgram.createSocket('udp4');
  readonly ssrc = (Math.random() * 0xffffffff) >>> 0;
  readonly rtcp: Buffer[] = [];
  #sequence = 100;
  #timestamp = 1000;
  #phase = 0;

  async bind(): Promise<this> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', () => resolve()));
    this.socket.on('message', (message) => {
      if (isRtcpPacket(message)) this.rtcp.push(message);
    });
    return this;
  }

  get port(): number {
    return this.socket.address().port;
  }

  /**
   * Sends `frames` 20 ms PCMU frames of `frequency` Hz, paced by the wall clock; frames whose
   * index is in `drop` are not sent (lost) but their sequence numbers and timestamps are used.
   */
  async sendTone(to: number, frames: number, frequency: number, drop: ReadonlySet<number> = new Set()): Promise<void> {
    const start = Date.now();
    for (let frame = 0; frame < frames; frame++) {
      const pcm = new Int16Array(160);
      for (let sample = 0; sample < 160; sample++, this.#phase++)
        pcm[sample] = Math.round(8000 * Math.sin((2 * Math.PI * frequency * this.#phase) / 8000));
      const packet = serializeRtpPacket({
        payloadType: 0,
        marker: false,
        sequenceNumber: this.#sequence++ & 0xffff,
        timestamp: this.#timestamp,
        ssrc: this.ssrc,
        payload: Buffer.from(g711Encode(G711Law.Mulaw, pcm)),
      });
      this.#timestamp = (this.#timestamp + 160) >>> 0;
      if (!drop.has(frame)) this.socket.send(packet, to, '127.0.0.1');
      const due = start + (frame + 1) * 20;
      await sleep(Math.max(0, due - Date.now()));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** A negotiated stream towards a peer (PCMU, or a video codec). */
export function streamTo(
  port: number,
  overrides: Partial<MediaStreamParams> & Pick<MediaStreamParams, 'kind'> = { kind: 'audio' },
): MediaStreamParams {
  return {
    index: overrides.kind === 'video' ? 1 : 0,
    accepted: true,
    direction: 'sendrecv',
    rtcpMux: true,
    remote: { address: '127.0.0.1', port, ssrcs: [] },
    codecs: [{ name: 'PCMU', clockRate: 8000, channels: 1, payloadType: 0, localPayloadType: 0 }],
    ...overrides,
  };
}

/** Reads a WAV file and its samples as PCM16. */
export async function readWav(file: string): Promise<{ wav: WavFile; pcm: Int16Array; durationMs: number }> {
  const wav = parseWav(await readFile(file));
  const pcm = wavToPcm16(wav);
  return { wav, pcm, durationMs: (wav.frameCount / wav.sampleRate) * 1000 };
}

/** Amplitude of `frequency` in the window [fromMs, toMs) of 8 kHz PCM (Goertzel). */
export function amplitudeIn(pcm: Int16Array, frequency: number, fromMs: number, toMs: number): number {
  const start = Math.max(0, Math.round(fromMs * 8));
  const end = Math.min(pcm.length, Math.round(toMs * 8));
  if (end - start < 80) return 0;
  return toneAmplitude(pcm.subarray(start, end), frequency, { sampleRate: 8000 });
}

/** Where `frequency` is present, per 20 ms window: the first and last window's start, ms. */
export function toneSpan(pcm: Int16Array, frequency: number, threshold = 2000): { from: number; to: number } | null {
  let from = -1;
  let to = -1;
  for (let at = 0; at + 160 <= pcm.length; at += 160) {
    if (toneAmplitude(pcm.subarray(at, at + 160), frequency, { sampleRate: 8000 }) > threshold) {
      if (from < 0) from = at / 8;
      to = at / 8 + 20;
    }
  }
  return from < 0 ? null : { from, to };
}

/** ffmpeg sending a test pattern over RTP from `localPort` to `port` (stopped by PID in `stop`). */
export function ffmpegSender(options: {
  source: string;
  codec: 'h264' | 'vp8';
  payloadType: number;
  ssrc: number;
  port: number;
  localPort: number;
  seconds: number;
}): Child {
  const codec =
    options.codec === 'h264'
      ? ['-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '5']
      : ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '600k', '-g', '5'];
  const url = `rtp://127.0.0.1:${options.port}?localrtpport=${options.localPort}&localrtcpport=${options.localPort + 1}&pkt_size=1200`;
  return startChild('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi'],
    ...[
      '-i',
      `${options.source}${options.source.includes('=') ? ':' : '='}size=320x240:rate=15`,
      '-t',
      String(options.seconds),
      '-pix_fmt',
      'yuv420p',
    ],
    ...codec,
    ...['-payload_type', String(options.payloadType), '-ssrc', String(options.ssrc), '-f', 'rtp', url],
  ]);
}

/** ffprobe's view of a media file: streams (codec, size) and the duration in seconds. */
export function probe(file: string): Promise<{
  streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
  duration: number;
}> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffprobe',
      [
        '-v',
        'error',
        '-show_entries',
        'stream=codec_type,codec_name,width,height:format=duration',
        '-of',
        'json',
        file,
      ],
      { timeout: 10_000 },
      (err, stdout) => {
        if (err) return reject(err);
        const parsed = JSON.parse(stdout) as { streams: never[]; format: { duration?: string } };
        resolve({ streams: parsed.streams, duration: Number(parsed.format.duration ?? NaN) });
      },
    );
  });
}

/** An image decoded to RGB24 (ffmpeg), with its size. */
export function rgbOf(file: string, width: number, height: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffmpeg',
      ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-'],
      { encoding: 'buffer', timeout: 10_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });
}

/** A free UDP port pair (port, port + 1) on 127.0.0.1 a moment ago. */
export async function freeUdpPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 40000 + 2 * Math.floor(Math.random() * 10000);
    const sockets = [dgram.createSocket('udp4'), dgram.createSocket('udp4')];
    const ok = await Promise.all(
      sockets.map(
        (socket, index) =>
          new Promise<boolean>((resolve) => {
            socket.once('error', () => resolve(false));
            socket.bind(port + index, '127.0.0.1', () => resolve(true));
          }),
      ),
    );
    await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
    if (ok.every(Boolean)) return port;
  }
  throw new Error('no free UDP port pair');
}
