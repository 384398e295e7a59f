/**
 * The virtual video input of a call (what the local side shows; guide `Mtc_SessStartVideo` /
 * `Mtc_SessStopVideo`): ffmpeg encodes a test pattern (`testsrc`, 320×240 at 15 fps) or a looped
 * file to the negotiated codec and sends it as RTP into a PlainTransport of the call's video
 * router; the consumer towards the peer takes that producer:
 *
 *   ffmpeg ──RTP/RTCP──▶ PlainTransport (comedia, RTCP on its own port) ─▶ producer ─▶ consumer ─▶ peer's PlainTransport
 *
 * mediasoup sends with the router's payload type, which is the peer's number (router-codecs.ts).
 * ffmpeg answers no PLI, so it makes a key frame every second (GOP 15): a new consumer (which
 * waits for a key frame) starts within a second. Each ffmpeg is stopped by its PID (TERM, then
 * KILL) when the input stops, the endpoint closes or the service stops, and killed if Node exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { types } from 'mediasoup';
import { ErrorCode, TalkbusError, type MediaVideoInput, type MediaVideoInputInfo } from '@talkbus/contracts';
import type { Endpoint } from './endpoint.ts';
import type { PeerStream } from './peer-stream.ts';
import { capabilityOf, codecKey } from './router-codecs.ts';

/** ffmpeg processes still running, killed if Node exits without stopping them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The ffmpeg arguments for a source, codec, payload type, SSRC and RTP port. */
export function ffmpegArguments(
  input: MediaVideoInput,
  codec: 'VP8' | 'H264',
  rtp: { payloadType: number; ssrc: number; port: number; rtcpPort: number },
): string[] {
  const source =
    input.kind === 'file'
      ? ['-stream_loop', '-1', '-i', input.path!]
      : ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15'];
  const encoder =
    codec === 'H264'
      ? // Constrained baseline, no B-frames: what profile-level-id 42e01f and packetization-mode 1 promise.
        ['-c:v', 'libx264', '-tune', 'zerolatency', '-profile:v', 'baseline', '-preset', 'ultrafast']
      : ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-error-resilient', '1'];
  return [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-re'],
    ...source,
    ...['-an', ...encoder, '-pix_fmt', 'yuv420p', '-g', '15', '-bf', '0', '-b:v', '300k'],
    ...['-payload_type', String(rtp.payloadType), '-ssrc', String(rtp.ssrc), '-f', 'rtp'],
    `rtp://127.0.0.1:${rtp.port}?rtcpport=${rtp.rtcpPort}&pkt_size=1200`,
  ];
}

/** One endpoint's video input: the spec, and while video is negotiated, its ffmpeg and plumbing. */
export class VideoInput {
  readonly input: MediaVideoInput;
  readonly #ffmpeg: string;
  readonly #log: (level: 'warn' | 'error', message: string) => void;
  #child: ChildProcess | undefined;
  #transport: types.PlainTransport | undefined;
  #consumer: types.Consumer | undefined;
  #codec: { name: string; payloadType: number } | undefined;

  constructor(
    input: MediaVideoInput,
    options: { ffmpeg?: string; log: (level: 'warn' | 'error', message: string) => void },
  ) {
    this.input = input;
    this.#ffmpeg = options.ffmpeg ?? 'ffmpeg';
    this.#log = options.log;
  }

  /** PID of the running ffmpeg. */
  get pid(): number | undefined {
    return this.#child?.exitCode === null ? this.#child.pid : undefined;
  }

  /** (Re)starts on the stream's current router; nothing while video is not negotiated. */
  async start(stream: PeerStream): Promise<void> {
    await this.stop();
    const codec = stream.params?.accepted ? stream.params.codecs[0] : undefined;
    if (!codec || stream.params?.remote.port === 0) return;
    const name = codec.name.toUpperCase();
    if (name !== 'VP8' && name !== 'H264')
      throw new TalkbusError(ErrorCode.MEDIA_UNSUPPORTED, `No video input for ${codec.name} (VP8 and H264 only)`, {
        field: 'input',
      });
    const capability = capabilityOf(stream.router.rtpCapabilities.codecs ?? [], codecKey('video', name, 90000)!)!;
    const transport = await stream.router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
      rtcpListenInfo: { protocol: 'udp', ip: '127.0.0.1' },
      // ffmpeg sends RTCP from another socket than RTP (often first): with rtcp-mux, comedia would
      // latch onto the RTCP socket and drop every RTP packet. Each tuple is latched on its own port.
      rtcpMux: false,
      comedia: true,
    });
    this.#transport = transport;
    const ssrc = 1 + Math.floor(Math.random() * 0x7ffffffe); // ffmpeg's -ssrc is a signed int
    const payloadType = capability.preferredPayloadType!;
    const producer = await transport.produce({
      kind: 'video',
      rtpParameters: {
        codecs: [
          { mimeType: capability.mimeType, payloadType, clockRate: 90000, parameters: capability.parameters ?? {} },
        ],
        encodings: [{ ssrc }],
      },
    });
    this.#consumer = await stream.transport.consume({
      producerId: producer.id,
      rtpCapabilities: stream.consumeCapabilities(),
      paused: !stream.sends,
    });
    this.#codec = { name, payloadType: this.#consumer.rtpParameters.codecs[0]!.payloadType };
    const args = ffmpegArguments(this.input, name, {
      payloadType,
      ssrc,
      port: transport.tuple.localPort,
      rtcpPort: transport.rtcpTuple!.localPort,
    });
    const child = spawn(this.#ffmpeg, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-2000)));
    child.once('error', (err) => this.#log('warn', `video input: cannot run ffmpeg: ${err.message}`));
    child.once('exit', (code, signal) => {
      running.delete(child);
      if (this.#child === child)
        this.#log('warn', `video input: ffmpeg exited (${code ?? signal}) ${errors.trim().split('\n').at(-1) ?? ''}`);
    });
    running.add(child);
    this.#child = child;
  }

  /** Pauses or resumes what goes to the peer (hold: sendonly/inactive stops video too). */
  async applyDirection(sends: boolean): Promise<void> {
    const consumer = this.#consumer;
    if (!consumer || consumer.closed) return;
    if (sends && consumer.paused) await consumer.resume();
    else if (!sends && !consumer.paused) await consumer.pause();
  }

  /** Stops ffmpeg (TERM, KILL after 1 s; resolves once it exited) and closes the plumbing. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    this.#codec = undefined;
    for (const closable of [this.#consumer, this.#transport]) if (closable && !closable.closed) closable.close();
    this.#consumer = undefined;
    this.#transport = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
    await exited;
    clearTimeout(timer);
  }

  /** The input as `media.endpoint.video` reports it. */
  info(sessionId: string): MediaVideoInputInfo {
    return {
      sessionId,
      input: this.input,
      pid: this.pid ?? null,
      codec: this.#codec?.name ?? null,
      payloadType: this.#codec?.payloadType ?? null,
    };
  }
}

/**
 * `media.endpoint.video`: replaces the endpoint's video input (the old ffmpeg stops first); it
 * runs now when video is negotiated, else from the negotiation on. `none` stops it.
 */
export async function setVideoInput(
  endpoint: Endpoint,
  input: MediaVideoInput,
  log: (level: 'warn' | 'error', message: string) => void,
): Promise<MediaVideoInputInfo> {
  if (!endpoint.video)
    throw new TalkbusError(ErrorCode.MEDIA_NOT_NEGOTIATED, `Session ${endpoint.sessionId} has no video stream`, {
      sessionId: endpoint.sessionId,
    });
  if (input.kind === 'file' && !input.path)
    throw new TalkbusError(ErrorCode.INVALID_PARAMETER, "The 'input.path' field is required for a file input", {
      field: 'input.path',
    });
  await endpoint.videoInput?.stop();
  endpoint.videoInput = undefined;
  if (input.kind === 'none') return { sessionId: endpoint.sessionId, input, pid: null, codec: null, payloadType: null };
  const videoInput = new VideoInput(input, { log });
  endpoint.videoInput = videoInput;
  await videoInput.start(endpoint.video);
  return videoInput.info(endpoint.sessionId);
}
