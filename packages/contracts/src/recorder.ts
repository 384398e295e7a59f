/**
 * The recorder service's API: guide chapter 7 (table 7-1, 音视频录制和存储接口), one start/stop
 * pair per kind of recording and the two snapshots.
 *
 * | guide (table 7-1)                                      | action                                  |
 * | ------------------------------------------------------ | --------------------------------------- |
 * | `Mtc_SessRecMicStart` / `Mtc_SessRecMicStop`           | `recorder.mic.start` / `.stop`          |
 * | `Mtc_SessRecPlayStart` / `Mtc_SessRecPlayStop`         | `recorder.play.start` / `.stop`         |
 * | `Mtc_SessRecCallStart` / `Mtc_SessRecCallStop`         | `recorder.call.start` / `.stop`         |
 * | `Mtc_SessRecRecvVideoStart` / `…Stop`                  | `recorder.recvVideo.start` / `.stop`    |
 * | `Mtc_SessRecSendVideoStart` / `…Stop`                  | `recorder.sendVideo.start` / `.stop`    |
 * | `Mtc_SessRenderSnapshot`                               | `recorder.renderSnapshot`               |
 * | `Mtc_SessCaptureSnapshot`                              | `recorder.captureSnapshot`              |
 *
 * The guide's `dwSessId` is `sessionId`; its "invalid id → the mix" (RecPlay) is an omitted
 * `sessionId` here (an unknown one is an error). Without a session the recording covers every
 * call of `account`, joining calls as they start. `pcFileName` is `path`, relative to the
 * account's folder (`profile.path`) or absolute inside it; omitted, a name under `recordings/`.
 * `ucFileType` is `fileType`: {@link RECORDER_AUDIO_FILE_TYPES} / {@link RECORDER_VIDEO_FILE_TYPES}
 * for `EN_MTC_MFILE_TYPE`, {@link RECORDER_IMAGE_FILE_TYPES} for `EN_MTC_CALL_IMG_TYPE`.
 */
import { action } from './action.ts';
import { accountName } from './profile.ts';
import { t } from './schema.ts';

/** Audio file types, guide `EN_MTC_MFILE_TYPE` (`EN_MTC_MFILE_WAV_PCMU`, …): 8 kHz mono WAV. */
export const RECORDER_AUDIO_FILE_TYPES = ['wav-pcmu', 'wav-pcma', 'wav-pcm16'] as const;
/** One of {@link RECORDER_AUDIO_FILE_TYPES}. */
export type RecorderAudioFileType = (typeof RECORDER_AUDIO_FILE_TYPES)[number];

/** Video file types, guide `EN_MTC_MFILE_TYPE`: MP4 (H.264 + AAC), WebM (VP8 + Opus), MKV (H.264 + AAC). */
export const RECORDER_VIDEO_FILE_TYPES = ['mp4', 'webm', 'mkv'] as const;
/** One of {@link RECORDER_VIDEO_FILE_TYPES}. */
export type RecorderVideoFileType = (typeof RECORDER_VIDEO_FILE_TYPES)[number];

/** Image types, guide `EN_MTC_CALL_IMG_TYPE` (`EN_MTC_CALL_IMG_JPEG`, …). */
export const RECORDER_IMAGE_FILE_TYPES = ['jpeg', 'png'] as const;
/** One of {@link RECORDER_IMAGE_FILE_TYPES}. */
export type RecorderImageFileType = (typeof RECORDER_IMAGE_FILE_TYPES)[number];

/** The kinds of recording, one per start/stop pair of table 7-1. */
export const RECORDING_KINDS = ['mic', 'play', 'call', 'recvVideo', 'sendVideo'] as const;
/** One of {@link RECORDING_KINDS}. */
export type RecordingKind = (typeof RECORDING_KINDS)[number];

/** Why a recording stopped (`recorder.stopped`). */
export const RECORDING_STOP_REASONS = ['stopped', 'call-ended', 'shutdown', 'failed'] as const;
/** One of {@link RECORDING_STOP_REASONS}. */
export type RecordingStopReason = (typeof RECORDING_STOP_REASONS)[number];

/** A recording in progress, as start actions and `recorder.list` report it. */
export interface RecordingInfo {
  recordingId: string;
  kind: RecordingKind;
  account: string;
  /** The call recorded; null: every call of the account. */
  sessionId: string | null;
  fileType: RecorderAudioFileType | RecorderVideoFileType;
  /** Absolute path of the file. */
  path: string;
  /** Epoch ms. */
  startedAt: number;
}

/** What a stop action answers; `stopped: false` when no such recording was running. */
export interface RecordingResult {
  stopped: boolean;
  path: string | null;
  /** Length of the recording in ms. */
  durationMs: number;
  /** File size in octets. */
  bytes: number;
}

/** What a snapshot action answers. */
export interface SnapshotResult {
  path: string;
  fileType: RecorderImageFileType;
  bytes: number;
  width: number;
  height: number;
}

/** `recorder.stopped`: a recording ended and its file is complete. */
export interface RecorderStoppedEvent {
  recordingId: string;
  kind: RecordingKind;
  account: string;
  sessionId: string | null;
  path: string;
  fileType: RecorderAudioFileType | RecorderVideoFileType;
  durationMs: number;
  bytes: number;
  reason: RecordingStopReason;
  /** For `failed`: what went wrong. */
  message: string | null;
}

const sessionId = t.string({ min: 1, max: 128 });
const filePath = t.string({ min: 1, max: 1024 });
const dimension = t.integer({ min: 16, max: 4096, convert: true });

/** Audio start: session optional (the account's calls mixed when omitted). */
const audioStart = {
  sessionId: t.optional(sessionId),
  account: t.optional(accountName),
  path: t.optional(filePath),
  fileType: t.optional(t.enum(RECORDER_AUDIO_FILE_TYPES)),
};
const audioStop = { sessionId: t.optional(sessionId), account: t.optional(accountName) };
const videoStart = {
  sessionId,
  path: t.optional(filePath),
  fileType: t.optional(t.enum(RECORDER_VIDEO_FILE_TYPES)),
  /** Output size in pixels (guide iWidth/iHeight); omitted: the received size. */
  width: t.optional(dimension),
  height: t.optional(dimension),
  /** Guide bWithAudio: record the same direction's audio too (default false). */
  withAudio: t.optional(t.boolean()),
};
const snapshot = {
  sessionId,
  path: t.optional(filePath),
  fileType: t.optional(t.enum(RECORDER_IMAGE_FILE_TYPES)),
};

/** Actions of the `recorder` service (guide table 7-1). */
export const recorderActions = {
  micStart: action<RecordingInfo>()(
    'recorder.mic.start',
    audioStart,
    'Records what the local side says, of one call or of every call of the account (Mtc_SessRecMicStart)',
  ),
  micStop: action<RecordingResult>()('recorder.mic.stop', audioStop, 'Stops the microphone recording'),
  playStart: action<RecordingInfo>()(
    'recorder.play.start',
    audioStart,
    'Records what the local side hears of one call, or of every call mixed (Mtc_SessRecPlayStart)',
  ),
  playStop: action<RecordingResult>()('recorder.play.stop', audioStop, 'Stops the speaker recording'),
  callStart: action<RecordingInfo>()(
    'recorder.call.start',
    audioStart,
    'Records a whole call, both directions mixed; every call when no session (Mtc_SessRecCallStart)',
  ),
  callStop: action<RecordingResult>()('recorder.call.stop', audioStop, 'Stops the call recording'),
  recvVideoStart: action<RecordingInfo>()(
    'recorder.recvVideo.start',
    videoStart,
    'Records the received video, optionally with audio (Mtc_SessRecRecvVideoStart)',
  ),
  recvVideoStop: action<RecordingResult>()(
    'recorder.recvVideo.stop',
    { sessionId },
    'Stops the received video recording',
  ),
  sendVideoStart: action<RecordingInfo>()(
    'recorder.sendVideo.start',
    videoStart,
    'Records the sent video, optionally with audio (Mtc_SessRecSendVideoStart)',
  ),
  sendVideoStop: action<RecordingResult>()('recorder.sendVideo.stop', { sessionId }, 'Stops the sent video recording'),
  renderSnapshot: action<SnapshotResult>()(
    'recorder.renderSnapshot',
    snapshot,
    'Saves one frame of the remote video as an image (Mtc_SessRenderSnapshot)',
  ),
  captureSnapshot: action<SnapshotResult>()(
    'recorder.captureSnapshot',
    snapshot,
    'Saves one frame of the local (sent) video as an image (Mtc_SessCaptureSnapshot)',
  ),
  list: action<{ recordings: RecordingInfo[] }>()('recorder.list', {}, 'Recordings in progress on this node'),
} as const;
