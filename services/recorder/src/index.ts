/**
 * @talkbus/service-recorder — the `recorder` Moleculer service: call recording, video recording
 * and snapshots (guide chapter 7, table 7-1). It gets a call's RTP from the media service's taps
 * over loopback UDP (the same whether it runs in the media node or another) and writes files into
 * the account's folder (`profile.path`).
 *
 * Actions: exactly the contract's `recorderActions`. Event: `recorder.stopped`. Consumes
 * `media.rtpStarted` and `call.talking` (account-wide recordings take new calls in),
 * `media.tapClosed` and `call.termed` (a call's recordings end with it).
 */
import { rm } from 'node:fs/promises';
import type { Context, Logger, ServiceSchema } from 'moleculer';
import {
  ErrorCode,
  recorderActions,
  TalkbusError,
  type Caller,
  type EventMap,
  type RecordingKind,
  type RecordingResult,
} from '@talkbus/contracts';
import {
  actionsFrom,
  emit,
  systemClock,
  type Clock,
  type Handlers,
  type ServiceContext,
  type ServiceFactory,
} from '@talkbus/runtime';
import { mediaLink } from './media-link.ts';
import { defaultName, prepareFile, resolveRecordingPath } from './paths.ts';
import { recordingKey, RecorderCore } from './recorder-core.ts';
import { takeSnapshot, type VideoContext } from './video-recording.ts';

export { AudioTrack, type TrackPacket, type TrackStats } from './audio-track.ts';
export { RecorderCore } from './recorder-core.ts';

/** Settings of the recorder; defaults in brackets. */
export interface RecorderSettings {
  /** Address the taps send to: our sockets and ffmpeg's ['127.0.0.1']. */
  listenIp: string;
  /** ffmpeg and ffprobe binaries ['ffmpeg', 'ffprobe', from PATH]. */
  ffmpegPath: string;
  ffprobePath: string;
  /** Each bounded wait when stopping ffmpeg (BYE, SIGINT, SIGKILL), ms [3000]. */
  stopGraceMs: number;
  /** How long a video recording or snapshot waits for the first video, ms [3000]. */
  codecWaitMs: number;
  /** How long a snapshot may take in all, ms [6000]. */
  snapshotTimeoutMs: number;
  /** The audio writing tick, ms [20]. */
  tickMs: number;
}

/** What the recorder service takes: the node's context, plus overrides for tests and tools. */
export interface RecorderServiceContext extends ServiceContext {
  settings?: Partial<RecorderSettings>;
  clock?: Clock;
  /** Called with the core once started (benchmarks read packet counters). */
  onCore?: (core: RecorderCore) => void;
}

const AUDIO_EXTENSION = 'wav';

/** Makes the `recorder` service for a node. */
export function createRecorderService(context: RecorderServiceContext): ServiceSchema {
  const settings: RecorderSettings = {
    listenIp: '127.0.0.1',
    ffmpegPath: 'ffmpeg',
    ffprobePath: 'ffprobe',
    stopGraceMs: 3000,
    codecWaitMs: 3000,
    snapshotTimeoutMs: 6000,
    tickMs: 20,
    ...context.settings,
  };
  const clock = context.clock ?? systemClock;
  let core: RecorderCore | undefined;
  let video: VideoContext | undefined;
  let broker: Caller | undefined;
  let logger: Logger | undefined;

  const running = () => {
    if (!core || !video || !broker) throw new TalkbusError(ErrorCode.SHUTTING_DOWN, 'The recorder is not running');
    return { core, video, broker };
  };

  /** The account and the call a start names: the call's account, or the account given. */
  async function target(sessionId: string | undefined, account: string | undefined) {
    const { video: link } = running();
    if (sessionId !== undefined) {
      const endpoint = await link.media.endpoint(sessionId);
      if (account !== undefined && account !== endpoint.account) {
        throw new TalkbusError(ErrorCode.INVALID_PARAMETER, `Session ${sessionId} belongs to another account`, {
          field: 'account',
        });
      }
      return { account: endpoint.account, sessionId, endpoint };
    }
    if (account === undefined) {
      throw new TalkbusError(ErrorCode.INVALID_PARAMETER, "Give 'sessionId' or 'account'", { field: 'account' });
    }
    return { account, sessionId: null, endpoint: undefined };
  }

  async function filePath(
    account: string,
    given: string | undefined,
    kind: string,
    sessionId: string | null,
    ext: string,
  ) {
    const resolved = await resolveRecordingPath(
      running().broker,
      account,
      given,
      defaultName(kind, sessionId, ext, new Date()),
    );
    await prepareFile(resolved);
    return resolved;
  }

  const startAudio =
    (kind: 'mic' | 'play' | 'call') =>
    async (params: {
      sessionId?: string;
      account?: string;
      path?: string;
      fileType?: 'wav-pcmu' | 'wav-pcma' | 'wav-pcm16';
    }) => {
      const { core: recorder, video: link } = running();
      const at = await target(params.sessionId, params.account);
      return recorder.startAudio({
        kind,
        account: at.account,
        sessionId: at.sessionId,
        sessionIds: async () =>
          at.sessionId !== null
            ? [at.sessionId]
            : (await link.media.endpointsOf(at.account)).filter((e) => e.audio).map((e) => e.sessionId),
        fileType: params.fileType ?? 'wav-pcm16',
        preparePath: () => filePath(at.account, params.path, kind, at.sessionId, AUDIO_EXTENSION),
      });
    };

  const stopAudio = (kind: 'mic' | 'play' | 'call') => async (params: { sessionId?: string; account?: string }) => {
    const { core: recorder } = running();
    if (params.sessionId === undefined && params.account === undefined)
      throw new TalkbusError(ErrorCode.INVALID_PARAMETER, "Give 'sessionId' or 'account'", { field: 'account' });
    const key = recordingKey(kind, params.sessionId ?? null, params.account ?? '');
    return recorder.stop(key, 'stopped');
  };

  const startVideo =
    (kind: 'recvVideo' | 'sendVideo') =>
    async (params: {
      sessionId: string;
      path?: string;
      fileType?: 'mp4' | 'webm' | 'mkv';
      width?: number;
      height?: number;
      withAudio?: boolean;
    }) => {
      const { core: recorder } = running();
      const at = await target(params.sessionId, undefined);
      requireVideo(at.endpoint!.video, params.sessionId);
      const fileType = params.fileType ?? 'mp4';
      return recorder.startVideo({
        kind,
        account: at.account,
        sessionId: params.sessionId,
        fileType,
        width: params.width,
        height: params.height,
        withAudio: params.withAudio ?? false,
        preparePath: () => filePath(at.account, params.path, kind, params.sessionId, fileType),
      });
    };

  const stopVideo =
    (kind: RecordingKind) =>
    async (params: { sessionId: string }): Promise<RecordingResult> =>
      running().core.stop(recordingKey(kind, params.sessionId, ''), 'stopped');

  const snapshot =
    (direction: 'receive' | 'send') =>
    async (params: { sessionId: string; path?: string; fileType?: 'jpeg' | 'png' }) => {
      const { video: link } = running();
      const at = await target(params.sessionId, undefined);
      requireVideo(at.endpoint!.video, params.sessionId);
      const fileType = params.fileType ?? 'jpeg';
      const kind = direction === 'receive' ? 'render' : 'capture';
      const path = await filePath(at.account, params.path, kind, params.sessionId, fileType === 'jpeg' ? 'jpg' : 'png');
      const image = await takeSnapshot(link, {
        sessionId: params.sessionId,
        direction,
        fileType,
        path,
        timeoutMs: settings.snapshotTimeoutMs,
      }).catch(async (err: unknown) => {
        await rm(path, { force: true }); // no empty image left behind
        throw err;
      });
      return { path, fileType, ...image };
    };

  const handlers: Handlers<typeof recorderActions> = {
    micStart: startAudio('mic'),
    micStop: stopAudio('mic'),
    playStart: startAudio('play'),
    playStop: stopAudio('play'),
    callStart: startAudio('call'),
    callStop: stopAudio('call'),
    recvVideoStart: startVideo('recvVideo'),
    recvVideoStop: stopVideo('recvVideo'),
    sendVideoStart: startVideo('sendVideo'),
    sendVideoStop: stopVideo('sendVideo'),
    renderSnapshot: snapshot('receive'),
    captureSnapshot: snapshot('send'),
    list: async () => ({ recordings: running().core.list() }),
  };

  return {
    name: 'recorder',
    actions: actionsFrom(recorderActions, handlers),
    events: {
      'media.rtpStarted'(ctx: Context<EventMap['media.rtpStarted']>) {
        if (ctx.params.kind === 'audio') core?.callStarted(ctx.params.sessionId, ctx.params.account);
      },
      'call.talking'(ctx: Context<EventMap['call.talking']>) {
        core?.callStarted(ctx.params.sessionId, ctx.params.account);
      },
      'media.tapClosed'(ctx: Context<EventMap['media.tapClosed']>) {
        // The media service stopping closes every tap: the recordings end as a shutdown.
        core?.callEnded(ctx.params.sessionId, ctx.params.reason === 'shutdown' ? 'shutdown' : 'call-ended');
      },
      'call.termed'(ctx: Context<EventMap['call.termed']>) {
        core?.callEnded(ctx.params.sessionId);
      },
    },

    created() {
      logger = this.logger;
    },

    async started() {
      const serviceBroker = this.broker;
      broker = serviceBroker;
      video = {
        media: mediaLink(serviceBroker),
        ip: settings.listenIp,
        ffmpegPath: settings.ffmpegPath,
        ffprobePath: settings.ffprobePath,
        codecWaitMs: settings.codecWaitMs,
        stopGraceMs: settings.stopGraceMs,
        log: (message) => logger?.warn(message),
      };
      core = new RecorderCore({
        clock,
        video,
        tickMs: settings.tickMs,
        publish: (name, payload) =>
          void emit(serviceBroker, name, payload).catch((err: unknown) =>
            logger?.warn(`Could not emit ${name}: ${(err as Error).message}`),
          ),
      });
      context.onCore?.(core);
    },

    async stopped() {
      const recorder = core;
      core = undefined;
      await recorder?.close();
    },
  };
}

/** `RECORDER_NO_VIDEO` for a call without a video stream. */
function requireVideo(video: unknown, sessionId: string): void {
  if (!video) {
    throw new TalkbusError(ErrorCode.RECORDER_NO_VIDEO, `Session ${sessionId} has no video`, {
      sessionId,
      field: 'sessionId',
    });
  }
}

createRecorderService satisfies ServiceFactory;
