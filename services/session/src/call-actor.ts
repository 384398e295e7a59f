/**
 * One actor per call (ARCHITECTURE.md "Session"; STYLE §4): a mailbox that takes one input at a
 * time through the transition table, and runs the effects the table returns outside the
 * transition. Results of effects (media endpoint ready, SIP answers, timers) come back as inputs
 * through the same mailbox; nothing else changes the call's data.
 */
import {
  ErrorCode,
  TalkbusError,
  type MediaEndpointInfo,
  type MediaVideoInput,
  type MediaVideoInputInfo,
} from '@talkbus/contracts';
import type { MediaSession } from '@talkbus/sdp';
import type { Clock, TimerHandle } from '@talkbus/sip';
import type { CallData, CallEffect, CallInput, CallTimer } from './call-model.ts';
import type { CallConfig, TableContext } from './call-steps.ts';
import { transition } from './call-table.ts';
import { localTransport } from './media-session-factory.ts';
import type { CallMediaPort, CallServicePort, CallSipPort } from './ports.ts';

/** What an actor is made of. */
export interface CallActorOptions {
  data: CallData;
  config: CallConfig;
  clock: Clock;
  /** Epoch ms (the clock is monotonic; logs want wall time). */
  wallClock: () => number;
  random?: () => number;
  localUri: string;
  sip: CallSipPort;
  media: CallMediaPort;
  service: CallServicePort;
  /** Makes the offer/answer state once the endpoint is known. */
  mediaSession: (endpoint: MediaEndpointInfo) => MediaSession;
  /** Where a transition or effect that failed unexpectedly is reported. */
  onError?: (error: unknown, input: CallInput) => void;
}

interface Queued {
  input: CallInput;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** One call. */
export class CallActor {
  #data: CallData;
  readonly #options: CallActorOptions;
  readonly #queue: Queued[] = [];
  readonly #timers = new Map<CallTimer, TimerHandle>();
  #media: MediaSession | null = null;
  /** The endpoint has a video transport (made with video, or added by `media.addVideo`). */
  #videoTransport = false;
  #draining = false;
  #disposed = false;
  /** Media RPCs run in order (create before update before close). */
  #mediaChain: Promise<unknown> = Promise.resolve();

  constructor(options: CallActorOptions) {
    this.#options = options;
    this.#data = options.data;
  }

  /** The call's data (a snapshot; replaced on every transition). */
  get data(): CallData {
    return this.#data;
  }

  /** The offer/answer state, once the endpoint exists. */
  get media(): MediaSession | null {
    return this.#media;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Queues an input; resolves once its transition ran, rejects when the state refused it. */
  ask(input: CallInput): Promise<void> {
    if (this.#disposed) {
      return Promise.reject(
        new TalkbusError(ErrorCode.SESSION_ENDED, `Session ${this.#data.sessionId} has ended`, {
          sessionId: this.#data.sessionId,
        }),
      );
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      this.#drain();
    });
  }

  /** Queues an input whose outcome nobody waits for (SIP, media, timers). */
  post = (input: CallInput): void => {
    if (this.#disposed) return;
    this.ask(input).catch((error: unknown) => this.#options.onError?.(error, input));
  };

  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#queue.length > 0 && !this.#disposed) {
        const { input, resolve, reject } = this.#queue.shift()!;
        let effects: CallEffect[];
        try {
          const next = transition(this.#data, input, this.#context());
          this.#data = next.data;
          effects = next.effects;
        } catch (error) {
          reject(error);
          continue;
        }
        for (const effect of effects) this.#run(effect);
        resolve();
      }
      if (this.#disposed) {
        for (const queued of this.#queue.splice(0)) {
          queued.reject(new TalkbusError(ErrorCode.SESSION_ENDED, `Session ${this.#data.sessionId} has ended`));
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  #context(): TableContext {
    const options = this.#options;
    return {
      media: this.#media,
      config: options.config,
      now: options.wallClock,
      random: options.random ?? Math.random,
      localUri: options.localUri,
      videoTransport: this.#videoTransport,
    };
  }

  /** Runs one effect. SIP sends start synchronously; media RPCs are chained; failures come back. */
  #run(effect: CallEffect): void {
    const { sip, service } = this.#options;
    const guard = (operation: 'call' | 'media' | 'transfer' | 'dtmf', work: () => unknown): void => {
      try {
        const result = work();
        if (result instanceof Promise) result.catch((error: unknown) => this.#failed(operation, error));
      } catch (error) {
        this.#failed(operation, error);
      }
    };
    switch (effect.kind) {
      case 'sip.invite':
        return guard('call', () => sip.invite(effect));
      case 'sip.cancel':
        return guard('call', () => sip.cancel());
      case 'sip.respond':
        return guard('call', () => sip.respond(effect.status, effect));
      case 'sip.respondRequest':
        return guard('call', () => sip.respondRequest(effect.requestId, effect.status, effect));
      case 'sip.reoffer':
        return guard('call', () => sip.reoffer(effect));
      case 'sip.bye':
        return guard('call', () => sip.bye(effect.headers));
      case 'sip.refer':
        return guard('transfer', () => sip.refer(effect));
      case 'sip.notify':
        return guard('transfer', () => sip.notify(effect));
      case 'sip.info':
        return guard('dtmf', () => sip.info(effect));
      case 'sip.message':
        // The status goes back to `im.send`'s caller; the call's state does not depend on it.
        return void sip.message(effect).then(effect.reply, () => effect.reply(408));
      case 'media.create':
        return this.#mediaStep(async (media) => {
          try {
            const endpoint = await media.create({ video: effect.video });
            this.#media = this.#options.mediaSession(endpoint);
            this.#videoTransport = endpoint.video !== null;
          } catch (error) {
            this.post({ type: 'media.failed', message: (error as Error).message });
            return;
          }
          this.post({ type: 'media.ready' });
        });
      case 'media.addVideo':
        return this.#mediaStep(async (media) => {
          try {
            const endpoint = await media.addVideo();
            if (!endpoint.video) throw new Error('the media endpoint has no video transport');
            // The next offer or answer names the new port (RFC 3264 §8: a stream added by a re-offer).
            this.#media?.setTransport(localTransport(endpoint));
            this.#videoTransport = true;
          } catch (error) {
            this.post({ type: 'media.videoFailed', message: (error as Error).message });
            return;
          }
          this.post({ type: 'media.videoAdded' });
        });
      case 'media.update':
        return this.#mediaStep((media) => media.update(effect.streams), 'media');
      case 'media.earlyMedia':
        return this.#mediaStep((media) => media.earlyMedia(effect.mode), 'media');
      case 'media.dtmf':
        return this.#mediaStep((media) => media.dtmf(effect.digits, effect.durationMs), 'dtmf');
      case 'media.mute':
        return this.#mediaStep(
          (media) =>
            media.mute({
              ...(effect.mic !== undefined ? { mic: effect.mic } : {}),
              ...(effect.speaker !== undefined ? { speaker: effect.speaker } : {}),
            }),
          'media',
        );
      case 'media.mix':
        return this.#mediaStep((media) => media.mix(effect.mixed), 'media');
      case 'media.close':
        return this.#mediaStep((media) => media.close(), null);
      case 'timer.start':
        return this.#startTimer(effect.timer, effect.ms);
      case 'timer.cancel':
        return this.#cancelTimer(effect.timer);
      case 'emit':
        return service.emit(effect.event, effect.payload);
      case 'service.referredCall':
        return service.startReferredCall(this.#data.sessionId, effect.referTo, effect.referredBy);
      case 'service.referredProgress':
        return service.referredProgress(effect.sessionId, effect.status);
      case 'service.replace':
        return;
      case 'dispose':
        return this.#dispose();
    }
  }

  #mediaStep(work: (media: CallMediaPort) => Promise<unknown>, operation: 'media' | 'dtmf' | null = null): void {
    const media = this.#options.media;
    this.#mediaChain = this.#mediaChain.then(() =>
      work(media).catch((error: unknown) => {
        if (operation) this.#failed(operation, error);
      }),
    );
  }

  #failed(operation: 'call' | 'media' | 'transfer' | 'dtmf', error: unknown): void {
    const err = error as { type?: string; code?: unknown; message?: string; status?: number };
    this.post({
      type: 'effect.failed',
      operation,
      code: typeof err.type === 'string' ? err.type : 'INTERNAL',
      message: err.message ?? String(error),
      sipStatus: typeof err.status === 'number' ? err.status : null,
    });
  }

  #startTimer(timer: CallTimer, ms: number): void {
    this.#cancelTimer(timer);
    const input = { type: `timer.${timer}` } as CallInput;
    this.#timers.set(
      timer,
      this.#options.clock.setTimeout(() => {
        this.#timers.delete(timer);
        this.post(input);
      }, ms),
    );
  }

  #cancelTimer(timer: CallTimer): void {
    const handle = this.#timers.get(timer);
    if (handle !== undefined) this.#options.clock.clearTimeout(handle);
    this.#timers.delete(timer);
  }

  #dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const timer of [...this.#timers.keys()]) this.#cancelTimer(timer);
    this.#options.sip.close();
    this.#options.service.disposed(this.#data.sessionId);
  }

  /** The dialog's ids (for Replaces, RFC 3891), once the dialog exists. */
  dialogIds(): { callId: string; localTag: string; remoteTag: string } | null {
    return this.#disposed ? null : this.#options.sip.dialogIds();
  }

  /**
   * What the local side shows (`session.video`: Mtc_SessStartVideo / StopVideo): a test pattern
   * or looped file, or none. It changes no call state, so it bypasses the table, but runs in
   * order with the call's other media RPCs (after the update that wires the video stream).
   */
  video(input: MediaVideoInput): Promise<MediaVideoInputInfo> {
    const { phase, sessionId } = this.#data;
    if (this.#disposed || phase === 'ended')
      return Promise.reject(new TalkbusError(ErrorCode.SESSION_ENDED, `Session ${sessionId} has ended`, { sessionId }));
    const result = this.#mediaChain.then(() => this.#options.media.video(input));
    this.#mediaChain = result.catch(() => undefined);
    return result;
  }

  /** Resolves once the media RPCs started so far have settled (tests, shutdown). */
  settled(): Promise<unknown> {
    return this.#mediaChain;
  }
}
