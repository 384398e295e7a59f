/**
 * Video recordings (guide table 7-1 `Mtc_SessRecRecvVideoStart`/`SendVideoStart`) and snapshots
 * (`Mtc_SessRenderSnapshot`/`CaptureSnapshot`) through ffmpeg:
 *
 *   media tap (video) ──RTP──▶ ffmpeg :port   ┐  SDP file: payload types and fmtp the taps
 *   media tap (audio) ──RTP──▶ ffmpeg :port'  ┘  report (the router's), RTCP on port + 1
 *
 * The taps are made first (their codec decides the SDP), then ffmpeg; key frames are requested
 * again once ffmpeg listens, since what the taps sent before that was lost (mediasoup forwards
 * video to a new consumer only from a key frame).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ErrorCode,
  TalkbusError,
  type MediaTapDirection,
  type MediaTapInfo,
  type RecorderImageFileType,
  type RecorderVideoFileType,
} from '@talkbus/contracts';
import {
  FfmpegProcess,
  freePortPairs,
  sdpFor,
  sdpInputArgs,
  snapshotArgs,
  videoOutputArgs,
  type SdpStream,
} from './ffmpeg.ts';
import type { MediaLink } from './media-link.ts';

/** What video recordings and snapshots need of the service. */
export interface VideoContext {
  media: MediaLink;
  /** Where ffmpeg listens (the taps send there). */
  ip: string;
  ffmpegPath: string;
  ffprobePath: string;
  /** How long to wait for a tap's codec (the source's first packets), ms. */
  codecWaitMs: number;
  /** Bounded waits of a stop: each of q/BYE, SIGINT, SIGKILL, ms. */
  stopGraceMs: number;
  log(message: string): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls a tap until it reports a codec (its source sends), for at most `ms`. */
async function codecOf(context: VideoContext, tap: MediaTapInfo, ms: number): Promise<MediaTapInfo | undefined> {
  const deadline = Date.now() + ms;
  for (let current = tap; ; current = await context.media.getTap(current)) {
    if (current.codec) return current;
    if (Date.now() >= deadline) return undefined;
    await sleep(50);
  }
}

/** Taps for one direction of a call to fresh ffmpeg ports; video must come, audio may not. */
async function openTaps(
  context: VideoContext,
  sessionId: string,
  direction: MediaTapDirection,
  withAudio: boolean,
): Promise<{ taps: MediaTapInfo[]; streams: SdpStream[] }> {
  const kinds: ('video' | 'audio')[] = withAudio ? ['video', 'audio'] : ['video'];
  const ports = await freePortPairs(context.ip, kinds.length);
  const taps: MediaTapInfo[] = [];
  try {
    for (const [index, kind] of kinds.entries()) {
      taps.push(
        await context.media.createTap({
          sessionId,
          kind,
          direction,
          target: { ip: context.ip, port: ports[index]!, rtcpPort: ports[index]! + 1 },
          requestKeyFrame: true,
        }),
      );
    }
    const ready = await Promise.all(taps.map((tap) => codecOf(context, tap, context.codecWaitMs)));
    if (!ready[0]) {
      throw new TalkbusError(
        ErrorCode.RECORDER_NO_VIDEO,
        `Session ${sessionId}: no ${direction === 'send' ? 'sent' : 'received'} video within ${context.codecWaitMs} ms`,
        { sessionId },
      );
    }
    const streams: SdpStream[] = [];
    const kept: MediaTapInfo[] = [];
    ready.forEach((tap, index) => {
      if (tap?.codec) {
        kept.push(tap);
        streams.push({ kind: kinds[index]!, port: ports[index]!, codec: tap.codec });
      } else {
        context.log(`Session ${sessionId}: no ${direction} audio; recording video only`);
        void context.media.closeTap(taps[index]!);
      }
    });
    return { taps: kept, streams };
  } catch (err) {
    await Promise.all(taps.map((tap) => context.media.closeTap(tap)));
    throw err;
  }
}

/** Asks for key frames at these delays after ffmpeg started, ms. */
const KEY_FRAME_DELAYS = [250, 750, 1500];

/** A video recording in progress. */
export class VideoRecording {
  readonly #context: VideoContext;
  readonly ffmpeg: FfmpegProcess;
  readonly taps: MediaTapInfo[];
  readonly path: string;
  readonly startedAt: number;
  readonly withAudio: boolean;
  readonly #sdpPath: string;
  #stopping: Promise<void> | undefined;

  private constructor(
    context: VideoContext,
    ffmpeg: FfmpegProcess,
    taps: MediaTapInfo[],
    filePath: string,
    sdpPath: string,
  ) {
    this.#context = context;
    this.ffmpeg = ffmpeg;
    this.taps = taps;
    this.path = filePath;
    this.#sdpPath = sdpPath;
    this.startedAt = Date.now();
    this.withAudio = taps.some((tap) => tap.kind === 'audio');
    for (const delay of KEY_FRAME_DELAYS) {
      setTimeout(() => {
        if (!this.#stopping && !ffmpeg.gone) void context.media.keyFrame(taps[0]!);
      }, delay).unref();
    }
  }

  /**
   * Starts recording one direction of a call's video into `filePath`.
   *
   * @throws TalkbusError `RECORDER_NO_VIDEO` when no video comes within `codecWaitMs`;
   *   `RECORDER_ENCODER_FAILED` when ffmpeg cannot start
   */
  static async start(
    context: VideoContext,
    options: {
      sessionId: string;
      direction: MediaTapDirection;
      fileType: RecorderVideoFileType;
      width: number | undefined;
      height: number | undefined;
      withAudio: boolean;
      path: string;
    },
  ): Promise<VideoRecording> {
    const { taps, streams } = await openTaps(context, options.sessionId, options.direction, options.withAudio);
    const sdpPath = path.join(tmpdir(), `talkbus-recorder-${randomUUID()}.sdp`);
    await writeFile(sdpPath, sdpFor(context.ip, streams));
    const args = [...sdpInputArgs(sdpPath), ...videoOutputArgs({ ...options, withAudio: streams.length > 1 })];
    const ffmpeg = new FfmpegProcess(context.ffmpegPath, args, {
      ip: context.ip,
      ports: streams.map((stream) => stream.port + 1),
    });
    const early = await Promise.race([ffmpeg.exited, sleep(100).then(() => undefined)]);
    if (early !== undefined) {
      await Promise.all(taps.map((tap) => context.media.closeTap(tap)));
      await rm(sdpPath, { force: true });
      throw new TalkbusError(ErrorCode.RECORDER_ENCODER_FAILED, `ffmpeg did not start: ${ffmpeg.stderr.trim()}`, {
        exit: early,
      });
    }
    return new VideoRecording(context, ffmpeg, taps, options.path, sdpPath);
  }

  /** Finalizes the file (ffmpeg ends on RTCP BYE, bounded), closes the taps; answers the file size. */
  async stop(): Promise<number> {
    this.#stopping ??= (async () => {
      const exit = await this.ffmpeg.stop(this.#context.stopGraceMs);
      if (exit !== 0) this.#context.log(`ffmpeg for ${this.path} ended with ${exit}: ${this.ffmpeg.stderr.trim()}`);
      await Promise.all(this.taps.map((tap) => this.#context.media.closeTap(tap)));
      await rm(this.#sdpPath, { force: true });
    })();
    await this.#stopping;
    return (await stat(this.path).catch(() => ({ size: 0 }))).size;
  }
}

/** The size of an image or video's first video stream (ffprobe). */
export function probeSize(ffprobePath: string, file: string): Promise<{ width: number; height: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      ffprobePath,
      ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file],
      { timeout: 5000 },
      (err, stdout) => {
        if (err) return reject(err);
        const [width, height] = stdout.trim().split(',').map(Number);
        resolve({ width: width ?? 0, height: height ?? 0 });
      },
    );
  });
}

/**
 * One frame of a call's video as JPEG or PNG (the first key frame after the request).
 *
 * @throws TalkbusError `RECORDER_NO_VIDEO` when no video comes; `RECORDER_ENCODER_FAILED` when
 *   ffmpeg gives no image within `timeoutMs`
 */
export async function takeSnapshot(
  context: VideoContext,
  options: {
    sessionId: string;
    direction: MediaTapDirection;
    fileType: RecorderImageFileType;
    path: string;
    timeoutMs: number;
  },
): Promise<{ bytes: number; width: number; height: number }> {
  const { taps, streams } = await openTaps(context, options.sessionId, options.direction, false);
  const sdpPath = path.join(tmpdir(), `talkbus-snapshot-${randomUUID()}.sdp`);
  let ffmpeg: FfmpegProcess | undefined;
  try {
    await writeFile(sdpPath, sdpFor(context.ip, streams));
    ffmpeg = new FfmpegProcess(context.ffmpegPath, snapshotArgs(sdpPath, options.fileType, options.path), {
      ip: context.ip,
      ports: streams.map((stream) => stream.port + 1),
    });
    const running = ffmpeg;
    const deadline = Date.now() + options.timeoutMs;
    // Key frame requests until the picture is there: the first ones may precede ffmpeg's sockets.
    while (!running.gone && Date.now() < deadline) {
      void context.media.keyFrame(taps[0]!);
      await Promise.race([running.exited, sleep(400)]);
    }
    const exit = running.gone ? await running.exited : await running.stop(500);
    const size = (await stat(options.path).catch(() => ({ size: 0 }))).size;
    if (exit !== 0 || size === 0) {
      throw new TalkbusError(
        ErrorCode.RECORDER_ENCODER_FAILED,
        `No ${options.fileType} snapshot of session ${options.sessionId} within ${options.timeoutMs} ms: ${running.stderr.trim().slice(-300)}`,
        { sessionId: options.sessionId, exit },
      );
    }
    return { bytes: size, ...(await probeSize(context.ffprobePath, options.path)) };
  } finally {
    if (ffmpeg && !ffmpeg.gone) await ffmpeg.stop(500);
    await Promise.all(taps.map((tap) => context.media.closeTap(tap)));
    await rm(sdpPath, { force: true });
  }
}
