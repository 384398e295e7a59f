/**
 * ffmpeg (the Debian package, 5.1) for video recordings and snapshots: the SDP file that tells
 * it where the taps' RTP arrives and how it is coded, free UDP port pairs for it, the command
 * lines per file type, and stopping it so the file is finalized.
 *
 * Stopping, checked against ffmpeg 5.1: `q` on stdin and one SIGINT are only seen between
 * packets, and a call that ended sends none, so ffmpeg would wait in its read forever; a second
 * SIGINT interrupts the read but also the trailer's writes (an MP4 without `moov`). What ends
 * the input cleanly is an RTCP BYE on every stream (RFC 3550 §6.6; `rtsp.c` counts BYEs and
 * answers EOF when each stream had one), sent as a compound RR + BYE because the demuxer drops
 * RTCP shorter than 12 octets. So: `q`, BYE on each RTCP port, then SIGINT and SIGKILL after
 * bounded waits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import type { MediaTapCodec, RecorderImageFileType, RecorderVideoFileType } from '@talkbus/contracts';

/** One m-line of the SDP ffmpeg reads: where RTP arrives (RTCP on `port + 1`) and its codec. */
export interface SdpStream {
  kind: 'audio' | 'video';
  port: number;
  codec: MediaTapCodec;
}

/**
 * The SDP (RFC 4566) for ffmpeg's RTP demuxer: one m-line per stream, the tap's payload type,
 * rtpmap and fmtp. RTCP goes to port + 1 (RFC 3605's default), as the taps are told.
 */
export function sdpFor(ip: string, streams: readonly SdpStream[]): string {
  const family = ip.includes(':') ? 'IP6' : 'IP4';
  const lines = ['v=0', `o=- 0 0 IN ${family} ${ip}`, 's=talkbus recorder', `c=IN ${family} ${ip}`, 't=0 0'];
  for (const stream of streams) {
    const { payloadType, mimeType, clockRate, channels, parameters } = stream.codec;
    const name = mimeType.slice(mimeType.indexOf('/') + 1);
    lines.push(`m=${stream.kind} ${stream.port} RTP/AVP ${payloadType}`);
    lines.push(`a=rtpmap:${payloadType} ${name}/${clockRate}${channels && channels > 1 ? `/${channels}` : ''}`);
    const fmtp = Object.entries(parameters).map(([key, value]) => `${key}=${value}`);
    if (fmtp.length > 0) lines.push(`a=fmtp:${payloadType} ${fmtp.join(';')}`);
    lines.push('a=recvonly');
  }
  return lines.join('\r\n') + '\r\n';
}

/** Input options shared by recordings and snapshots: an SDP file over UDP RTP. */
export function sdpInputArgs(sdpPath: string): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'warning',
    '-nostats',
    '-protocol_whitelist',
    'file,udp,rtp',
    // Stream parameters come from the first key frame. ffmpeg opens the output only after this
    // probe, and a stop (RTCP BYE) during it leaves an empty file: keep it short (1 s).
    '-analyzeduration',
    '1000000',
    '-probesize',
    '5000000',
    '-reorder_queue_size',
    '64',
    '-f',
    'sdp',
    '-i',
    sdpPath,
  ];
}

/** Output options of a video file type: MP4/MKV = H.264 (+ AAC), WebM = VP8 (+ Opus). */
export function videoOutputArgs(options: {
  fileType: RecorderVideoFileType;
  width: number | undefined;
  height: number | undefined;
  withAudio: boolean;
  path: string;
}): string[] {
  const { fileType, width, height, withAudio } = options;
  const scale =
    width !== undefined || height !== undefined
      ? ['-vf', `scale=${width ?? -2}:${height ?? -2}`]
      : ['-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2'];
  const video =
    fileType === 'webm'
      ? ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1M', '-g', '60']
      : ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-crf', '23', '-g', '60'];
  const audio = withAudio
    ? fileType === 'webm'
      ? ['-c:a', 'libopus', '-ar', '48000', '-b:a', '32k']
      : ['-c:a', 'aac', '-b:a', '64k']
    : ['-an'];
  const format = fileType === 'mkv' ? 'matroska' : fileType;
  return [
    '-map',
    '0:v:0',
    ...(withAudio ? ['-map', '0:a:0'] : []),
    ...scale,
    '-pix_fmt',
    'yuv420p',
    ...video,
    ...audio,
    '-f',
    format,
    '-y',
    options.path,
  ];
}

/** Output options of a snapshot: the first key frame, decoded, as one image. */
export function snapshotArgs(sdpPath: string, fileType: RecorderImageFileType, path: string): string[] {
  const input = sdpInputArgs(sdpPath);
  // Decode key frames only: the first picture out is whole, never the grey of a missing reference.
  input.splice(input.indexOf('-f'), 0, '-skip_frame', 'nokey');
  const codec = fileType === 'png' ? ['-c:v', 'png'] : ['-c:v', 'mjpeg', '-q:v', '2'];
  return [...input, '-map', '0:v:0', '-frames:v', '1', ...codec, '-update', '1', '-f', 'image2', '-y', path];
}

/** Finds `count` pairs (port, port + 1) free on `ip` now; ffmpeg binds them a moment later. */
export async function freePortPairs(ip: string, count: number): Promise<number[]> {
  const pairs: number[] = [];
  const held: dgram.Socket[] = [];
  const bind = (port: number) =>
    new Promise<dgram.Socket | undefined>((resolve) => {
      const socket = dgram.createSocket(ip.includes(':') ? 'udp6' : 'udp4');
      socket.once('error', () => {
        socket.close();
        resolve(undefined);
      });
      socket.bind(port, ip, () => resolve(socket));
    });
  try {
    for (let attempt = 0; pairs.length < count && attempt < 50; attempt++) {
      const first = await bind(0);
      if (!first) continue;
      held.push(first);
      const port = first.address().port;
      if (port >= 65535) continue;
      const second = await bind(port + 1);
      if (!second) continue;
      held.push(second);
      pairs.push(port);
    }
  } finally {
    await Promise.all(held.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
  }
  if (pairs.length < count) throw new Error(`no free UDP port pair on ${ip}`);
  return pairs;
}

/** A running ffmpeg. */
export class FfmpegProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | string>;
  #stderr = '';
  #gone = false;

  /** Where ffmpeg's RTCP sockets listen (`ip`, one port per stream), for the BYE that ends it. */
  readonly rtcp: { ip: string; ports: number[] };

  constructor(binary: string, args: string[], rtcp: { ip: string; ports: number[] } = { ip: '127.0.0.1', ports: [] }) {
    this.rtcp = rtcp;
    this.child = spawn(binary, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.child.stdin?.on('error', () => undefined);
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-8000);
    });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        this.#stderr += `\n${err.message}`;
        this.#gone = true;
        resolve('spawn-failed');
      });
      this.child.once('exit', (code, signal) => {
        this.#gone = true;
        resolve(code ?? signal ?? -1);
      });
    });
  }

  /** Its process id (undefined when it could not start). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether it has exited. */
  get gone(): boolean {
    return this.#gone;
  }

  /** The end of what it wrote to stderr. */
  get stderr(): string {
    return this.#stderr;
  }

  /**
   * Stops it so the output is finalized: `q` on stdin (ffmpeg's own key), SIGINT after
   * `graceMs`, SIGKILL after as long again. Resolves with how it exited.
   */
  async stop(graceMs: number): Promise<number | string> {
    if (this.#gone) return this.exited;
    this.child.stdin?.end('q');
    await sendBye(this.rtcp.ip, this.rtcp.ports);
    const escalate = (signal: NodeJS.Signals, ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          if (!this.#gone && this.child.pid !== undefined) this.child.kill(signal);
          resolve();
        }, ms);
        void this.exited.then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    await escalate('SIGINT', graceMs);
    await escalate('SIGKILL', graceMs);
    return this.exited;
  }
}

/** RTCP RR (no report blocks) + BYE from a made-up SSRC: 16 octets, RFC 3550 §6.4.2 and §6.6. */
const BYE = Buffer.from([
  0x80, 0xc9, 0x00, 0x01, 0x7a, 0x6c, 0x6b, 0x62, 0x81, 0xcb, 0x00, 0x01, 0x7a, 0x6c, 0x6b, 0x62,
]);

/** Sends the RR + BYE compound to each port. */
async function sendBye(ip: string, ports: readonly number[]): Promise<void> {
  if (ports.length === 0) return;
  const socket = dgram.createSocket(ip.includes(':') ? 'udp6' : 'udp4');
  socket.on('error', () => undefined);
  try {
    await Promise.all(ports.map((port) => new Promise<void>((resolve) => socket.send(BYE, port, ip, () => resolve()))));
  } finally {
    socket.close();
  }
}
