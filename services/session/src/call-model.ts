/**
 * The call actor's vocabulary (STYLE §3, §4): what a call knows ({@link CallData}), what can
 * happen to it ({@link CallInput}: app actions, SIP, media, timers) and what it asks the world to
 * do ({@link CallEffect}). The transition table (`call-table.ts`) maps state × input → next
 * state + effects; the actor (`call-actor.ts`) runs the effects and feeds their results back as
 * inputs.
 */
import type {
  CallerId,
  CallOperation,
  DtmfMethod,
  EarlyMediaStatus,
  EventMap,
  LocalHoldState,
  MediaStreamParams,
  SessionState,
  TermReason,
  TermRequestReason,
  TransferState,
} from '@talkbus/contracts';

/** What a re-offer we sent is for. */
export type OfferPurpose = 'hold' | 'unhold' | 'update' | 'refresh';

/** Our outstanding re-INVITE (or UPDATE), or the one waiting out a 491 (RFC 3261 §14.1). */
export interface PendingOffer {
  purpose: OfferPurpose;
  video: boolean;
}

/** RFC 4028 session timer of a confirmed dialog. */
export interface SessionTimer {
  /** Session interval, seconds. */
  interval: number;
  /** Who refreshes: we (re-INVITE at half the interval) or the peer (we BYE when it expires). */
  refresher: 'local' | 'remote';
}

/** Dialog identifiers, as Replaces (RFC 3891) names them. */
export interface DialogIds {
  callId: string;
  localTag: string;
  remoteTag: string;
}

/** Everything the table reads and writes about one call. Replaced, never mutated in place. */
export interface CallData {
  readonly sessionId: string;
  readonly account: string;
  readonly direction: 'incoming' | 'outgoing';
  cookie: string | null;
  phase: SessionState;
  /** Request-URI of our INVITE (changes when a 3xx is followed). */
  target: string;
  peerUri: string;
  peerId: CallerId;
  peerIsFocus: boolean;
  localHold: LocalHoldState;
  remoteHeld: boolean;
  /** Video is part of the call (or offered, while incoming). */
  video: boolean;
  /** Our re-offer in flight. */
  offer: PendingOffer | null;
  /** A re-offer refused with 491, to retry when the glare timer fires. */
  glare: PendingOffer | null;
  transfer: TransferState;
  /** A transfer of this call (ours or the peer's) succeeded: the call ends as TRSFED. */
  transferred: boolean;
  transferTarget: string | null;
  earlyMedia: EarlyMediaStatus;
  alerted: boolean;
  offerAnswerDone: boolean;
  /** The endpoint exists (media.create answered). */
  mediaReady: boolean;
  /** The incoming INVITE's offer (null for an offerless INVITE). */
  remoteOffer: string | null;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  termReason: TermReason | null;
  sipStatus: number | null;
  timer: SessionTimer | null;
  /** Session-Expires we ask for, seconds (raised by a 422's Min-SE). */
  requestedInterval: number;
  /** The peer's Allow lists UPDATE (RFC 3311): we refresh by UPDATE, else by re-INVITE (RFC 4028 §9). */
  peerAllowsUpdate: boolean;
  redirects: number;
  micMuted: boolean;
  speakerMuted: boolean;
  mixed: boolean;
  /** This call was made by a REFER received in that session (we report progress there). */
  referredFrom: string | null;
  referredBy: string | null;
  /** This call replaces that session (INVITE with Replaces, RFC 3891). */
  replaces: string | null;
  /** A REFER of the peer on this call: NOTIFYs still to send. */
  referSubscription: boolean;
  /** Incoming while another call of the account talks: call waiting (guide §6.5). */
  waiting: boolean;
  /**
   * The call's video policy: a peer's re-INVITE adding video is accepted (true) or answered with
   * port 0 (guide §6.3). True once the app called, answered or updated with video.
   */
  acceptVideo: boolean;
  /** A video transport being added to the endpoint before an offer or answer can name its port. */
  videoPending: VideoPending | null;
}

/** What waits for the endpoint's new video transport: our `session.update`, or the peer's offer. */
export type VideoPending = { for: 'update' } | { for: 'peer'; offer: Extract<SipInput, { type: 'sip.reoffer' }> };

/** Inputs from the app (the session actions), each answered by the actor. */
export type AppInput =
  | { type: 'app.start' }
  | { type: 'app.answer'; video: boolean; cookie?: string; acceptVideo?: boolean }
  | { type: 'app.term'; reason: TermRequestReason }
  | { type: 'app.hold' }
  | { type: 'app.unhold' }
  | { type: 'app.update'; video: boolean }
  | { type: 'app.transfer'; referTo: string; targetSessionId?: string }
  | { type: 'app.divert'; uri: string }
  | { type: 'app.dtmf'; digits: string; durationMs: number; mode: 'auto' | 'rfc4733' | 'info' }
  | { type: 'app.mute'; mic?: boolean; speaker?: boolean }
  | { type: 'app.mix'; mixed: boolean }
  /** `im.send` with a sessionId: a MESSAGE in the call's dialog; `reply` gets the final status. */
  | { type: 'app.message'; contentType: string; body: string; reply: (status: number) => void };

/** Inputs from the SIP side (the node's user agent, through the SIP port). */
export type SipInput =
  | { type: 'sip.provisional'; status: number; sdp: string | null }
  | {
      type: 'sip.answered';
      sdp: string | null;
      /** The 2xx's Session-Expires (RFC 4028 §7.2): the negotiated interval and refresher. */
      sessionExpires: SessionExpiresValue | null;
      isFocus: boolean;
      /** The 2xx's Allow lists UPDATE (RFC 3311): refreshes go by UPDATE. */
      allowsUpdate?: boolean;
    }
  | { type: 'sip.rejected'; status: number; contacts: string[]; minSE: number | null }
  | { type: 'sip.ack'; sdp: string | null }
  | { type: 'sip.cancelled' }
  | { type: 'sip.bye' }
  | {
      type: 'sip.reoffer';
      requestId: string;
      method: 'INVITE' | 'UPDATE';
      sdp: string | null;
      sessionExpires: SessionExpiresValue | null;
    }
  | { type: 'sip.reofferAnswered'; sdp: string | null; sessionExpires: SessionExpiresValue | null }
  | { type: 'sip.reofferRejected'; status: number }
  | { type: 'sip.refer'; requestId: string; referTo: string; referredBy: string | null }
  | { type: 'sip.referAccepted' }
  | { type: 'sip.referRejected'; status: number }
  | { type: 'sip.notify'; requestId: string; fragStatus: number | null; terminated: boolean }
  | { type: 'sip.info'; requestId: string; key: string | null; durationMs: number }
  | { type: 'sip.dialogGone'; status: number }
  /** A MESSAGE in the call's dialog (RFC 3428). */
  | { type: 'sip.message'; requestId: string; contentType: string; body: string };

/** A Session-Expires value as read from a message (RFC 4028 §4). */
export interface SessionExpiresValue {
  interval: number;
  refresher: 'uac' | 'uas' | null;
}

/** Inputs from the media service and the service around the actor. */
export type OtherInput =
  | { type: 'media.ready' }
  | { type: 'media.failed'; message: string }
  /** The endpoint has a video transport now (`media.addVideo`), or could not get one. */
  | { type: 'media.videoAdded' }
  | { type: 'media.videoFailed'; message: string }
  | { type: 'media.dtmf'; key: string; durationMs: number }
  | { type: 'media.rtpTimeout' }
  | { type: 'timer.noAnswer' }
  | { type: 'timer.refresh' }
  | { type: 'timer.expire' }
  | { type: 'timer.glare' }
  | { type: 'timer.transferWait' }
  | { type: 'effect.failed'; operation: CallOperation; code: string; message: string; sipStatus: number | null }
  | { type: 'referred.progress'; status: number }
  | { type: 'replaced.by'; sessionId: string }
  | { type: 'account.logout' };

/** Anything the actor's mailbox takes. */
export type CallInput = AppInput | SipInput | OtherInput;
/** Input type names. */
export type CallInputType = CallInput['type'];

/** Timers a call runs (through the actor's clock). */
export type CallTimer = 'noAnswer' | 'refresh' | 'expire' | 'glare' | 'transferWait';

/** Extra headers of a request or response, name → value. */
export type HeaderList = Record<string, string>;

/** Effects: what a transition asks the actor to do once it returns. */
export type CallEffect =
  // SIP (through the SIP port)
  | { kind: 'sip.invite'; target: string; sdp: string; headers: HeaderList }
  | { kind: 'sip.cancel' }
  | { kind: 'sip.respond'; status: number; sdp?: string; headers?: HeaderList }
  | { kind: 'sip.respondRequest'; requestId: string; status: number; sdp?: string; headers?: HeaderList }
  /** `sdp` null: an UPDATE without a body, a pure session refresh (RFC 4028 §9). */
  | { kind: 'sip.reoffer'; method: 'INVITE' | 'UPDATE'; sdp: string | null; headers: HeaderList }
  | { kind: 'sip.bye'; headers?: HeaderList }
  | { kind: 'sip.refer'; referTo: string; headers: HeaderList }
  | { kind: 'sip.notify'; fragStatus: number; terminated: boolean }
  | { kind: 'sip.info'; contentType: string; body: string }
  /** A MESSAGE in the dialog; `reply` gets its final status (408 when it could not be sent). */
  | { kind: 'sip.message'; contentType: string; body: string; reply: (status: number) => void }
  // media (through the media port)
  | { kind: 'media.create'; video: boolean }
  | { kind: 'media.update'; streams: MediaStreamParams[] }
  /** Adds a video transport to an endpoint made audio-only; reports media.videoAdded/videoFailed. */
  | { kind: 'media.addVideo' }
  | { kind: 'media.earlyMedia'; mode: 'local-ringback' | 'network' }
  | { kind: 'media.dtmf'; digits: string; durationMs: number }
  | { kind: 'media.mute'; mic?: boolean; speaker?: boolean }
  | { kind: 'media.mix'; mixed: boolean }
  | { kind: 'media.close' }
  // time
  | { kind: 'timer.start'; timer: CallTimer; ms: number }
  | { kind: 'timer.cancel'; timer: CallTimer }
  // events and the other calls of the node
  | { kind: 'emit'; event: CallEventName | 'im.received'; payload: Record<string, unknown> }
  | { kind: 'service.referredCall'; referTo: string; referredBy: string | null }
  | { kind: 'service.referredProgress'; sessionId: string; status: number }
  | { kind: 'service.replace'; sessionId: string }
  | { kind: 'dispose' };

/** The `call.*` events a call emits. */
export type CallEventName = Extract<keyof EventMap, `call.${string}`>;

/** The DTMF method `dtmfMode` asks for, given what the call negotiated (guide §6.2.7). */
export function dtmfMethod(mode: 'auto' | 'rfc4733' | 'info', telephoneEvent: boolean): DtmfMethod {
  if (mode === 'info') return 'info';
  if (mode === 'rfc4733') return 'rfc4733';
  return telephoneEvent ? 'rfc4733' : 'info';
}
