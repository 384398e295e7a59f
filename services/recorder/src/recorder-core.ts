/**
 * The recorder without Moleculer: recordings in progress by key (one per kind and call, or per
 * kind and account when no call is named), the 20 ms writing tick, and what happens when calls
 * come and go.
 */
import { randomUUID } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import {
  ErrorCode,
  TalkbusError,
  type EventMap,
  type MediaTapDirection,
  type MediaTapInfo,
  type RecorderAudioFileType,
  type RecorderVideoFileType,
  type RecordingInfo,
  type RecordingKind,
  type RecordingResult,
  type RecordingStopReason,
} from '@talkbus/contracts';
import { AudioRecording, AudioSource, lawOfMime } from './audio-recording.ts';
import type { TrackStats } from './audio-track.ts';
import type { Clock, TimerHandle } from '@talkbus/runtime';
import type { MediaLink } from './media-link.ts';
import { VideoRecording, type VideoContext } from './video-recording.ts';

/** The sides of a call each audio kind records (guide table 7-1). */
export const AUDIO_DIRECTIONS: Record<'mic' | 'play' | 'call', readonly MediaTapDirection[]> = {
  mic: ['send'],
  play: ['receive'],
  call: ['send', 'receive'],
};

/** The key that makes a second recording of the same kind an error. */
export function recordingKey(kind: RecordingKind, sessionId: string | null, account: string): string {
  return sessionId === null ? `${kind}:account:${account}` : `${kind}:session:${sessionId}`;
}

interface AudioEntry {
  type: 'audio';
  info: RecordingInfo;
  recording: AudioRecording;
  directions: readonly MediaTapDirection[];
  taps: Map<string, MediaTapInfo>;
}
interface VideoEntry {
  type: 'video';
  info: RecordingInfo;
  recording: VideoRecording;
}
type Entry = AudioEntry | VideoEntry;

type Publish = <N extends keyof EventMap>(name: N, payload: EventMap[N]) => void;

/** The recorder's state; see the file comment. */
export class RecorderCore {
  readonly #entries = new Map<string, Entry>();
  /** Keys being started: a second start of the same key is refused before the first is done. */
  readonly #starting = new Set<string>();
  readonly #stopping = new Map<string, Promise<RecordingResult>>();
  readonly #clock: Clock;
  readonly #video: VideoContext;
  readonly #publish: Publish;
  readonly #tickMs: number;
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(options: { clock: Clock; video: VideoContext; publish: Publish; tickMs: number }) {
    this.#clock = options.clock;
    this.#video = options.video;
    this.#publish = options.publish;
    this.#tickMs = options.tickMs;
    this.#schedule();
  }

  get #media(): MediaLink {
    return this.#video.media;
  }

  /** Recordings in progress. */
  list(): RecordingInfo[] {
    return [...this.#entries.values()].map((entry) => ({ ...entry.info }));
  }

  /** Packet counters of an audio recording (bench, tests). */
  audioStats(recordingId: string): TrackStats | undefined {
    for (const entry of this.#entries.values())
      if (entry.type === 'audio' && entry.info.recordingId === recordingId) return entry.recording.stats;
    return undefined;
  }

  /** Reserves a key; `RECORDER_ALREADY_RECORDING` when taken. */
  #reserve(key: string, kind: RecordingKind, sessionId: string | null): void {
    if (this.#closed) throw new TalkbusError(ErrorCode.SHUTTING_DOWN, 'The recorder is stopping');
    if (this.#entries.has(key) || this.#starting.has(key) || this.#stopping.has(key)) {
      throw new TalkbusError(
        ErrorCode.RECORDER_ALREADY_RECORDING,
        `A ${kind} recording already runs for ${sessionId === null ? 'these calls' : `session ${sessionId}`}`,
        { kind, sessionId },
      );
    }
    this.#starting.add(key);
  }

  /**
   * Starts an audio recording of one call (`sessionIds` = [it]) or of the account's calls.
   * `preparePath` runs once the kind is reserved (so a refused start never touches a file) and
   * answers the file's path.
   */
  async startAudio(options: {
    kind: 'mic' | 'play' | 'call';
    account: string;
    sessionId: string | null;
    sessionIds: () => Promise<readonly string[]>;
    fileType: RecorderAudioFileType;
    preparePath: () => Promise<string>;
  }): Promise<RecordingInfo> {
    const key = recordingKey(options.kind, options.sessionId, options.account);
    this.#reserve(key, options.kind, options.sessionId);
    try {
      const sessionIds = await options.sessionIds();
      const path = await this.#preparePath(options.preparePath);
      const recording = await AudioRecording.create(path, options.fileType, this.#clock.now());
      const entry: AudioEntry = {
        type: 'audio',
        info: this.#info(options.kind, { ...options, path }),
        recording,
        directions: AUDIO_DIRECTIONS[options.kind],
        taps: new Map(),
      };
      try {
        for (const sessionId of sessionIds) await this.#addSession(entry, sessionId, options.sessionId !== null);
      } catch (err) {
        await this.#closeAudio(entry);
        await rm(path, { force: true });
        throw err;
      }
      this.#entries.set(key, entry);
      return { ...entry.info };
    } finally {
      this.#starting.delete(key);
    }
  }

  /** Starts a video recording of one direction of a call. */
  async startVideo(options: {
    kind: 'recvVideo' | 'sendVideo';
    account: string;
    sessionId: string;
    fileType: RecorderVideoFileType;
    width: number | undefined;
    height: number | undefined;
    withAudio: boolean;
    preparePath: () => Promise<string>;
  }): Promise<RecordingInfo> {
    const key = recordingKey(options.kind, options.sessionId, options.account);
    this.#reserve(key, options.kind, options.sessionId);
    try {
      const path = await this.#preparePath(options.preparePath);
      const recording = await VideoRecording.start(this.#video, {
        ...options,
        path,
        direction: options.kind === 'recvVideo' ? 'receive' : 'send',
      }).catch(async (err: unknown) => {
        // A start that failed leaves no empty file behind.
        await rm(path, { force: true });
        throw err;
      });
      const entry: VideoEntry = { type: 'video', info: this.#info(options.kind, { ...options, path }), recording };
      this.#entries.set(key, entry);
      // ffmpeg ending on its own (crash, bad stream) ends the recording.
      void recording.ffmpeg.exited.then(() => {
        if (this.#entries.get(key) === entry)
          void this.stop(key, 'failed', `ffmpeg exited: ${recording.ffmpeg.stderr.trim().slice(-300)}`);
      });
      return { ...entry.info };
    } finally {
      this.#starting.delete(key);
    }
  }

  /** Resolves and creates the file; a file another running recording writes is refused. */
  async #preparePath(prepare: () => Promise<string>): Promise<string> {
    const path = await prepare.call(undefined);
    if ([...this.#entries.values()].some((entry) => entry.info.path === path)) {
      throw new TalkbusError(ErrorCode.RECORDER_ALREADY_RECORDING, `Another recording writes ${path}`, {
        path,
        field: 'path',
      });
    }
    return path;
  }

  #info(
    kind: RecordingKind,
    options: { account: string; sessionId: string | null; fileType: RecordingInfo['fileType']; path: string },
  ): RecordingInfo {
    return {
      recordingId: randomUUID(),
      kind,
      account: options.account,
      sessionId: options.sessionId,
      fileType: options.fileType,
      path: options.path,
      startedAt: Date.now(),
    };
  }

  /** Taps each direction of a call into an audio recording. `strict`: a codec it cannot decode is an error. */
  async #addSession(entry: AudioEntry, sessionId: string, strict: boolean): Promise<void> {
    for (const direction of entry.directions) {
      const key = `${sessionId}/${direction}`;
      if (entry.recording.sources.has(key)) continue;
      const recording = entry.recording;
      const source = new AudioSource(key, sessionId, () => recording.positionAt(this.#clock.now()));
      recording.add(source);
      let tap: MediaTapInfo;
      try {
        const port = await source.bind(this.#video.ip);
        tap = await this.#media.createTap({
          sessionId,
          kind: 'audio',
          direction,
          target: { ip: this.#video.ip, port },
        });
      } catch (err) {
        recording.remove(key);
        throw err;
      }
      source.tapId = tap.tapId;
      entry.taps.set(key, tap);
      source.onUnknownPayloadType = () =>
        void this.#media
          .getTap(tap)
          .then((now) => {
            const law = now.codec ? lawOfMime(now.codec.mimeType) : undefined;
            if (now.codec && law !== undefined) source.laws.set(now.codec.payloadType, law);
          })
          .catch(() => undefined);
      if (tap.codec) {
        const law = lawOfMime(tap.codec.mimeType);
        if (law === undefined) {
          recording.remove(key);
          entry.taps.delete(key);
          await this.#media.closeTap(tap);
          if (strict)
            throw new TalkbusError(
              ErrorCode.MEDIA_CODEC_NOT_G711,
              `Session ${sessionId} uses ${tap.codec.mimeType}; WAV recordings take G.711 calls`,
              { sessionId },
            );
          continue;
        }
        source.laws.set(tap.codec.payloadType, law);
      }
    }
  }

  /** A call of the account has started: account-wide audio recordings take it in. */
  callStarted(sessionId: string, account: string): void {
    for (const entry of this.#entries.values()) {
      if (entry.type !== 'audio' || entry.info.sessionId !== null || entry.info.account !== account) continue;
      void this.#addSession(entry, sessionId, false).catch(() => undefined);
    }
  }

  /** A call ended (its endpoint or the call itself): its recordings stop, account-wide ones let it go. */
  callEnded(sessionId: string, reason: 'call-ended' | 'shutdown' = 'call-ended'): void {
    for (const [key, entry] of [...this.#entries]) {
      if (entry.info.sessionId === sessionId) {
        void this.stop(key, reason);
        continue;
      }
      if (entry.type !== 'audio') continue;
      for (const [sourceKey, tap] of [...entry.taps]) {
        if (tap.sessionId !== sessionId) continue;
        entry.taps.delete(sourceKey);
        entry.recording.remove(sourceKey);
        void this.#media.closeTap(tap);
      }
    }
  }

  /** The recording of a key, stopped; `stopped: false` when there was none. */
  async stop(key: string, reason: RecordingStopReason, message: string | null = null): Promise<RecordingResult> {
    const pending = this.#stopping.get(key);
    if (pending) return pending;
    const entry = this.#entries.get(key);
    if (!entry) return { stopped: false, path: null, durationMs: 0, bytes: 0 };
    this.#entries.delete(key);
    const run = this.#finish(entry, reason, message);
    this.#stopping.set(key, run);
    try {
      return await run;
    } finally {
      this.#stopping.delete(key);
    }
  }

  async #finish(entry: Entry, reason: RecordingStopReason, message: string | null): Promise<RecordingResult> {
    let durationMs: number;
    let bytes: number;
    if (entry.type === 'audio') {
      await this.#closeAudio(entry);
      durationMs = entry.recording.durationMs;
      bytes = (await stat(entry.info.path).catch(() => ({ size: 0 }))).size;
    } else {
      durationMs = Date.now() - entry.recording.startedAt;
      bytes = await entry.recording.stop();
    }
    const failure = entry.type === 'audio' ? entry.recording.failure : undefined;
    this.#publish('recorder.stopped', {
      recordingId: entry.info.recordingId,
      kind: entry.info.kind,
      account: entry.info.account,
      sessionId: entry.info.sessionId,
      path: entry.info.path,
      fileType: entry.info.fileType,
      durationMs,
      bytes,
      reason: failure ? 'failed' : reason,
      message: failure ? failure.message : message,
    });
    return { stopped: true, path: entry.info.path, durationMs, bytes };
  }

  async #closeAudio(entry: AudioEntry): Promise<void> {
    const taps = [...entry.taps.values()];
    entry.taps.clear();
    await entry.recording.finish(this.#clock.now()).catch(() => undefined);
    await Promise.all(taps.map((tap) => this.#media.closeTap(tap)));
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = this.#clock.setTimeout(() => {
      const now = this.#clock.now();
      for (const [key, entry] of this.#entries) {
        if (entry.type !== 'audio') continue;
        entry.recording.advance(now);
        if (entry.recording.failure) void this.stop(key, 'failed', entry.recording.failure.message);
      }
      this.#schedule();
    }, this.#tickMs);
  }

  /** Stops every recording (service stopping); bounded by the video stop waits. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    await Promise.allSettled([...this.#entries.keys()].map((key) => this.stop(key, 'shutdown')));
  }
}
