/**
 * Building blocks of the transition table: the context a transition reads, the step it returns,
 * and the steps many rows share (ending a call, the session timer, event payloads).
 */
import {
  ErrorCode,
  TalkbusError,
  mediaStreamFromNegotiated,
  type CallTermedEvent,
  type MediaStreamParams,
  type TermReason,
} from '@talkbus/contracts';
import type { MediaSession } from '@talkbus/sdp';
import type {
  CallData,
  CallEffect,
  CallEventName,
  CallInput,
  CallTimer,
  HeaderList,
  SessionExpiresValue,
  SessionTimer,
} from './call-model.ts';

/** Timers and limits of calls. Seconds where SIP names seconds, else milliseconds. */
export interface CallConfig {
  /** Unanswered incoming call → 480 after this (guide §6.4.3), ms. */
  noAnswerMs: number;
  /** Session-Expires we ask for and insert, seconds (RFC 4028; guide §6.10). */
  sessionInterval: number;
  /** Our Min-SE, seconds (RFC 4028 §5: never below 90 on the wire unless configured for tests). */
  minSE: number;
  /** 3xx responses followed before giving up (guide §6.12.4). */
  maxRedirects: number;
  /** How long a transfer's NOTIFY is awaited after the call ended (guide §6.8.1 note), ms. */
  transferWaitMs: number;
}

/** RFC values (and the guide's 60 s no-answer default, provisioning `noAnswerTimeout`). */
export const DEFAULT_CALL_CONFIG: CallConfig = {
  noAnswerMs: 60_000,
  sessionInterval: 1800,
  minSE: 90,
  maxRedirects: 5,
  transferWaitMs: 32_000,
};

/** What a transition reads besides the call's data. */
export interface TableContext {
  /** The call's offer/answer state; null until the media endpoint exists. */
  readonly media: MediaSession | null;
  readonly config: CallConfig;
  /** Epoch ms. */
  now(): number;
  /** [0, 1): glare back-off (RFC 3261 §14.1). */
  random(): number;
  /** Our AOR, for Referred-By and Diversion. */
  readonly localUri: string;
  /** The endpoint has a video transport, so an offer or answer can carry video. */
  readonly videoTransport: boolean;
}

/** A transition's outcome: the next data and the effects, in order. */
export interface Step {
  data: CallData;
  effects: CallEffect[];
}

/** One row of the table. */
export type Transition<I extends CallInput = CallInput> = (data: CallData, input: I, ctx: TableContext) => Step;

/** A step with changes and effects. */
export function step(data: CallData, patch: Partial<CallData>, ...effects: CallEffect[]): Step {
  return { data: { ...data, ...patch }, effects };
}

/** An effect emitting a `call.*` event with the call's base fields. */
export function emit(data: CallData, event: CallEventName, extra: Record<string, unknown> = {}): CallEffect {
  return {
    kind: 'emit',
    event,
    payload: { sessionId: data.sessionId, account: data.account, cookie: data.cookie, ...extra },
  };
}

/** The error an action gets when the call's state does not allow it. */
export function wrongState(data: CallData, what: string): TalkbusError {
  if (data.phase === 'ended')
    return new TalkbusError(ErrorCode.SESSION_ENDED, `Session ${data.sessionId} has ended`, {
      sessionId: data.sessionId,
    });
  return new TalkbusError(ErrorCode.SESSION_WRONG_STATE, `Cannot ${what} while the call is ${data.phase}`, {
    sessionId: data.sessionId,
    state: data.phase,
  });
}

/** The error an action gets while a re-offer or transfer is pending (guide §6.6). */
export function busy(data: CallData, what: string): TalkbusError {
  return new TalkbusError(ErrorCode.SESSION_BUSY, `Cannot ${what}: a previous request is still pending`, {
    sessionId: data.sessionId,
  });
}

/** The media service's view of what was negotiated. */
export function negotiatedStreams(ctx: TableContext): MediaStreamParams[] {
  const negotiated = ctx.media?.negotiated ?? [];
  return negotiated
    .filter((media) => media.kind === 'audio' || media.kind === 'video')
    .slice(0, 4)
    .map(mediaStreamFromNegotiated);
}

/** `media.update` with what was negotiated, when anything was. */
export function updateMedia(ctx: TableContext): CallEffect[] {
  const streams = negotiatedStreams(ctx);
  return streams.length > 0 ? [{ kind: 'media.update', streams }] : [];
}

const ALL_TIMERS: readonly CallTimer[] = ['noAnswer', 'refresh', 'expire', 'glare', 'transferWait'];

/** The reason a final failure status maps to (guide table 6-16). */
export function reasonOfStatus(status: number): TermReason {
  if (status === 486 || status === 600) return 'BUSY';
  if (status === 603) return 'DECLINE';
  if (status === 404 || status === 604) return 'NOT_FOUND';
  if (status === 408) return 'TIMEOUT';
  if (status === 480) return 'UNAVAILABLE';
  if (status === 487) return 'CANCEL';
  if (status >= 300 && status < 400) return 'REDIRECT';
  return 'FAILED';
}

/** The `call.termed` payload (what the profile service logs). */
export function termedPayload(data: CallData): CallTermedEvent {
  return {
    sessionId: data.sessionId,
    account: data.account,
    cookie: data.cookie,
    direction: data.direction,
    peerUri: data.peerUri,
    peerName: data.peerId.displayName,
    video: data.video,
    startedAt: data.startedAt,
    answeredAt: data.answeredAt,
    endedAt: data.endedAt ?? data.startedAt,
    reason: data.termReason ?? 'FAILED',
    sipStatus: data.sipStatus,
    peerId: data.peerId,
    transferTarget: data.transferTarget,
  };
}

/**
 * Ends the call: timers off, media closed, `call.termed`, and the actor disposed, unless a
 * transfer's NOTIFY is still awaited (guide §6.8.1: trsfTerm may come after termed).
 */
export function end(
  data: CallData,
  ctx: TableContext,
  reason: TermReason,
  sipStatus: number | null,
  ...before: CallEffect[]
): Step {
  const ended: CallData = {
    ...data,
    phase: 'ended',
    termReason: data.transferred && (reason === 'BYE' || reason === 'NORMAL') ? 'TRSFED' : reason,
    sipStatus,
    endedAt: ctx.now(),
    offer: null,
    glare: null,
  };
  const effects: CallEffect[] = [...before];
  // A referred call that never got answered: the final status goes back to the referrer.
  if (data.answeredAt === null && data.direction === 'outgoing')
    effects.push(...reportToReferrer(data, sipStatus ?? 487));
  for (const timer of ALL_TIMERS) effects.push({ kind: 'timer.cancel', timer });
  if (data.mediaReady) effects.push({ kind: 'media.close' });
  effects.push({ kind: 'emit', event: 'call.termed', payload: { ...termedPayload(ended) } });
  if (ended.transfer === 'accepted' || ended.transfer === 'referring') {
    effects.push({ kind: 'timer.start', timer: 'transferWait', ms: ctx.config.transferWaitMs });
  } else effects.push({ kind: 'dispose' });
  return { data: ended, effects };
}

/**
 * Progress of a call a REFER made, for the call whose REFER it was (RFC 3515 §2.4.4: NOTIFY with
 * the sipfrag of each response).
 */
export function reportToReferrer(data: CallData, status: number): CallEffect[] {
  return data.referredFrom ? [{ kind: 'service.referredProgress', sessionId: data.referredFrom, status }] : [];
}

/**
 * Session timer headers of an INVITE we send (RFC 4028 §7.1). The UA adds its own Supported line
 * (100rel, replaces); this one only adds `timer`, which the UA leaves to us (its timer is off).
 */
export function timerRequestHeaders(data: CallData, ctx: TableContext): HeaderList {
  return {
    Supported: 'timer',
    'Session-Expires': String(data.requestedInterval),
    'Min-SE': String(ctx.config.minSE),
  };
}

/**
 * The session timer from a request or response (RFC 4028 §7.2, §9). `weAreUac`: we sent the
 * request this Session-Expires came with (or its response). Absent: we refresh ourselves at the
 * interval we asked for, so a vanished peer is noticed either way (guide §6.10).
 */
export function timerFrom(value: SessionExpiresValue | null, weAreUac: boolean, fallback: number): SessionTimer {
  if (!value) return { interval: fallback, refresher: 'local' };
  const refresher = value.refresher ?? (weAreUac ? 'uac' : 'uas');
  return { interval: value.interval, refresher: (refresher === 'uac') === weAreUac ? 'local' : 'remote' };
}

/** Arms the session timer: refresh at half the interval, or BYE before it expires (RFC 4028 §10). */
export function armTimer(timer: SessionTimer): CallEffect[] {
  const cancel: CallEffect[] = [
    { kind: 'timer.cancel', timer: 'refresh' },
    { kind: 'timer.cancel', timer: 'expire' },
  ];
  if (timer.refresher === 'local')
    return [...cancel, { kind: 'timer.start', timer: 'refresh', ms: timer.interval * 500 }];
  const margin = Math.min(32, timer.interval / 3);
  return [...cancel, { kind: 'timer.start', timer: 'expire', ms: (timer.interval - margin) * 1000 }];
}
