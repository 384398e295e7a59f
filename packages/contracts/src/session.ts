/**
 * The session service's API (guide chapter 6): calls, one actor per call, and instant messages.
 *
 * - Actions (guide table 6-1, `Mtc_Sess*`): `session.call`, `session.answer`, `session.term`,
 *   `session.hold`/`unhold`, `session.update`, `session.transfer` (blind, `Mtc_SessUTrsf`),
 *   `session.attendedTransfer` (`Mtc_SessATrsf`), `session.divert` (`Mtc_SessDiv`),
 *   `session.dtmf`, mute, local mix and the getters; `im.send` (RFC 3428 MESSAGE).
 * - Events (guide table 6-2, `mtcCallCb*`): `call.*` in `events.ts`, each carrying
 *   {@link CallEventBase} (`sessionId`, `account`, the app's `cookie`).
 *
 * A session id names the call's home node (`<nodeID>~<id>`): any node can take an action for a
 * call and route it there (ARCHITECTURE.md, "Embedded and cluster").
 */
import { action } from './action.ts';
import { videoInputRule, type MediaVideoInputInfo } from './media.ts';
import { accountName } from './profile.ts';
import { t } from './schema.ts';

/** Separator between the home node and the local id in a session id. */
export const SESSION_ID_SEPARATOR = '~';

/** The home node a session id names, or null when the id has no node part. */
export function sessionHomeNode(sessionId: string): string | null {
  const at = sessionId.lastIndexOf(SESSION_ID_SEPARATOR);
  return at > 0 ? sessionId.slice(0, at) : null;
}

/**
 * A call's main state (guide §6.2): `outgoing` (INVITE sent, `mtcCallCbOutgoing`), `alerted`
 * (18x received, `mtcCallCbAlerted`), `incoming` (INVITE received, `mtcCallCbIncoming`),
 * `answering` (our 2xx sent, ACK awaited), `talking` (`mtcCallCbTalking`), `terminating` (BYE
 * or CANCEL sent), `ended` (`mtcCallCbTermed`).
 */
export const SESSION_STATES = [
  'outgoing',
  'alerted',
  'incoming',
  'answering',
  'talking',
  'terminating',
  'ended',
] as const;
/** One of {@link SESSION_STATES}. */
export type SessionState = (typeof SESSION_STATES)[number];

/**
 * Our hold of the call (guide §6.6): `holding` (re-INVITE with sendonly/inactive sent), `held`
 * (`mtcCallCbHoldOk`), `unholding` (re-INVITE with sendrecv sent). While one is pending no other
 * hold/unhold is taken (§6.6: "限制用户呼叫保持成功之前，不能解除呼叫保持").
 */
export const LOCAL_HOLD_STATES = ['none', 'holding', 'held', 'unholding'] as const;
/** One of {@link LOCAL_HOLD_STATES}. */
export type LocalHoldState = (typeof LOCAL_HOLD_STATES)[number];

/**
 * Our transfer of the call (guide §6.8): `referring` (REFER sent), `accepted` (2xx to REFER,
 * `mtcCallCbTrsfAcpt`), then `none` again once the subscription ends (`mtcCallCbTrsfTerm`).
 */
export const TRANSFER_STATES = ['none', 'referring', 'accepted'] as const;
/** One of {@link TRANSFER_STATES}. */
export type TransferState = (typeof TRANSFER_STATES)[number];

/**
 * Why the app ends a call (guide §6.2.3–§6.2.5, §6.7.1, `EN_MTC_CALL_TERM_REASON_*`):
 * NORMAL (BYE, CANCEL, or 480 for an unanswered incoming call), BUSY (486, may trigger CFB),
 * DECLINE (603, incoming call barring, may trigger CB).
 */
export const TERM_REQUEST_REASONS = ['NORMAL', 'BUSY', 'DECLINE'] as const;
/** One of {@link TERM_REQUEST_REASONS}. */
export type TermRequestReason = (typeof TERM_REQUEST_REASONS)[number];

/** Early media of an outgoing call (guide §6.9.2, `Mtc_SessGetEarlyMediaStatus`). */
export const EARLY_MEDIA_STATUSES = ['none', 'local-ringback', 'network'] as const;
/** One of {@link EARLY_MEDIA_STATUSES}. */
export type EarlyMediaStatus = (typeof EARLY_MEDIA_STATUSES)[number];

/** The operation a `call.error` reports on (guide table 6-2, `mtcCallCbError`). */
export const CALL_OPERATIONS = [
  'call',
  'answer',
  'hold',
  'unhold',
  'update',
  'transfer',
  'divert',
  'dtmf',
  'media',
  'refresh',
] as const;
/** One of {@link CALL_OPERATIONS}. */
export type CallOperation = (typeof CALL_OPERATIONS)[number];

/** How DTMF travelled (guide §6.2.7): RFC 4733 telephone events or SIP INFO. */
export type DtmfMethod = 'rfc4733' | 'info';

/** A caller ID (guide §6.2.6): from P-Asserted-Identity, else From; hidden when Privacy asks. */
export interface CallerId {
  /** The identity's URI; null when the peer's identity is restricted (Privacy: id / user). */
  uri: string | null;
  /** Display name, null when none or restricted. */
  displayName: string | null;
  /** Where it came from. */
  source: 'p-asserted-identity' | 'from';
  /** Whether the peer asked to hide its identity (RFC 3323 / RFC 3325 Privacy header). */
  restricted: boolean;
}

/** Everything the getters of table 6-1 answer, in one object. */
export interface SessionInfo {
  sessionId: string;
  account: string;
  /** The app's value binding the call to its window (guide §6.2.1 `dwCookie`). */
  cookie: string | null;
  direction: 'incoming' | 'outgoing';
  state: SessionState;
  /** The peer's URI from From (incoming) or To (outgoing) (`Mtc_SessGetPeerUri`). */
  peerUri: string;
  /** Caller ID (`Mtc_SessGetPeerId`, §6.2.6). */
  peerId: CallerId;
  /** `Mtc_SessHasTalk`: talking (answered, not ended). */
  hasTalk: boolean;
  /** `Mtc_SessHasHold`: we hold the call (hold acknowledged). */
  hasHold: boolean;
  /** `Mtc_SessHasHeld`: the peer holds the call. */
  hasHeld: boolean;
  localHold: LocalHoldState;
  transfer: TransferState;
  /** `Mtc_SessHasVideo`: the call has (or offers, while incoming) a video stream. */
  hasVideo: boolean;
  /** `Mtc_SessHasOfferAnswer`: an SDP offer/answer exchange has completed. */
  hasOfferAnswer: boolean;
  /** `Mtc_SessGetEarlyMediaStatus` (§6.9.2). */
  earlyMedia: EarlyMediaStatus;
  /** `Mtc_SessPeerIsFocus`: the peer's Contact has `isfocus` (RFC 4579 conference focus). */
  peerIsFocus: boolean;
  micMuted: boolean;
  speakerMuted: boolean;
  /** In the local mix (`Mtc_SessSetMixVoice`). */
  mixed: boolean;
  /** Epoch ms: INVITE sent or received. */
  startedAt: number;
  /** Epoch ms of the answer, null before. */
  answeredAt: number | null;
  /** The node the call lives on. */
  homeNode: string;
}

/** What every `call.*` event carries (ARCHITECTURE.md: `sessionId`, `account`, cookie). */
export interface CallEventBase {
  sessionId: string;
  account: string;
  cookie: string | null;
}

const sessionId = t.string({ min: 3, max: 160 });
const sessionRef = { sessionId };
const uri = t.string({ min: 1, max: 512, trim: true });
const cookie = t.string({ max: 256 });

/** Actions of the `session` service, and `im.send`. */
export const sessionActions = {
  call: action<{ sessionId: string }>()(
    'session.call',
    {
      account: accountName,
      uri,
      audio: t.optional(t.boolean()),
      video: t.optional(t.boolean()),
      /** Accept the peer adding video by re-INVITE (default: `video`); else its video gets port 0. */
      acceptVideo: t.optional(t.boolean()),
      cookie: t.optional(cookie),
    },
    'Calls a SIP or tel URI, audio and/or video (Mtc_SessCall, guide §6.2.1, §6.3.1, §6.11)',
  ),
  answer: action<{ sessionId: string }>()(
    'session.answer',
    {
      ...sessionRef,
      audio: t.optional(t.boolean()),
      video: t.optional(t.boolean()),
      /** Accept the peer adding video by re-INVITE later (default: answered with video). */
      acceptVideo: t.optional(t.boolean()),
      cookie: t.optional(cookie),
    },
    'Answers an incoming call, audio and/or video (Mtc_SessAnswer, guide §6.2.2, §6.3.2)',
  ),
  term: action<{ sessionId: string; state: SessionState }>()(
    'session.term',
    { ...sessionRef, reason: t.optional(t.enum(TERM_REQUEST_REASONS)) },
    'Ends, cancels or rejects a call: NORMAL, BUSY (486) or DECLINE (603) (Mtc_SessTerm, §6.2.3-§6.2.5)',
  ),
  hold: action<{ sessionId: string; localHold: LocalHoldState }>()(
    'session.hold',
    sessionRef,
    'Holds the call by re-INVITE; call.holdOk when done (Mtc_SessHold, §6.6)',
  ),
  unhold: action<{ sessionId: string; localHold: LocalHoldState }>()(
    'session.unhold',
    sessionRef,
    'Resumes a held call; call.unholdOk when done (Mtc_SessUnhold, §6.6)',
  ),
  update: action<{ sessionId: string }>()(
    'session.update',
    { ...sessionRef, video: t.boolean() },
    'Adds or removes video by re-INVITE; call.modifyAcpt when accepted (Mtc_SessUpdate)',
  ),
  video: action<MediaVideoInputInfo>()(
    'session.video',
    { ...sessionRef, input: videoInputRule },
    'Starts (pattern or looped file) or stops (none) sending video: media.endpoint.video (Mtc_SessStartVideo/StopVideo)',
  ),
  transfer: action<{ sessionId: string }>()(
    'session.transfer',
    { ...sessionRef, uri },
    'Blind transfer by REFER; call.trsfAcpt, call.trsfTerm (Mtc_SessUTrsf, §6.8.1)',
  ),
  attendedTransfer: action<{ sessionId: string }>()(
    'session.attendedTransfer',
    { ...sessionRef, targetSessionId: sessionId },
    'Attended transfer: REFER with Replaces for the other call (Mtc_SessATrsf, §6.8.2)',
  ),
  divert: action<{ sessionId: string }>()(
    'session.divert',
    { ...sessionRef, uri },
    'Deflects an incoming call: 302 with Contact and Diversion (Mtc_SessDiv, §6.4.5)',
  ),
  dtmf: action<{ sent: string; method: DtmfMethod }>()(
    'session.dtmf',
    {
      ...sessionRef,
      digits: t.string({
        min: 1,
        max: 32,
        pattern: /^[0-9*#A-Da-d]+$/,
        patternMessage: "The '{field}' field must be DTMF keys 0-9 * # A-D.",
      }),
      durationMs: t.optional(t.integer({ min: 40, max: 5000, convert: true })),
    },
    "Sends DTMF by RFC 4733 or SIP INFO per the account's dtmfMode (Mtc_SessDtmf, §6.2.7)",
  ),
  setMicMute: action<{ muted: boolean }>()(
    'session.setMicMute',
    { ...sessionRef, muted: t.boolean() },
    'Microphone mute of one call (Mtc_SessSetMicMute)',
  ),
  getMicMute: action<{ muted: boolean }>()('session.getMicMute', sessionRef, 'Mtc_SessGetMicMute'),
  setSpeakerMute: action<{ muted: boolean }>()(
    'session.setSpeakerMute',
    { ...sessionRef, muted: t.boolean() },
    'Speaker mute of one call (Mtc_SessSetSpkMute)',
  ),
  getSpeakerMute: action<{ muted: boolean }>()('session.getSpeakerMute', sessionRef, 'Mtc_SessGetSpkMute'),
  setMix: action<{ mixed: boolean; mixId: string | null }>()(
    'session.setMix',
    { ...sessionRef, mixed: t.boolean() },
    'Adds the call to, or removes it from, the local mix (Mtc_SessSetMixVoice)',
  ),

  get: action<SessionInfo>()('session.get', sessionRef, 'Every getter of table 6-1 at once'),
  list: action<{ sessions: SessionInfo[] }>()(
    'session.list',
    { account: t.optional(accountName) },
    'The calls of this node, or of one account',
  ),
  state: action<{ state: SessionState }>()('session.state', sessionRef, 'Mtc_SessGetState'),
  peerUri: action<{ peerUri: string }>()('session.peerUri', sessionRef, 'Mtc_SessGetPeerUri (From/To)'),
  peerId: action<CallerId>()('session.peerId', sessionRef, 'Mtc_SessGetPeerId: PAI or From, honouring Privacy'),
  hasTalk: action<{ value: boolean }>()('session.hasTalk', sessionRef, 'Mtc_SessHasTalk'),
  hasHold: action<{ value: boolean }>()('session.hasHold', sessionRef, 'Mtc_SessHasHold'),
  hasHeld: action<{ value: boolean }>()('session.hasHeld', sessionRef, 'Mtc_SessHasHeld'),
  hasVideo: action<{ value: boolean }>()('session.hasVideo', sessionRef, 'Mtc_SessHasVideo'),
  hasOfferAnswer: action<{ value: boolean }>()('session.hasOfferAnswer', sessionRef, 'Mtc_SessHasOfferAnswer'),
  earlyMediaStatus: action<{ earlyMedia: EarlyMediaStatus }>()(
    'session.earlyMediaStatus',
    sessionRef,
    'Mtc_SessGetEarlyMediaStatus (§6.9.2)',
  ),
  peerIsFocus: action<{ value: boolean }>()('session.peerIsFocus', sessionRef, 'Mtc_SessPeerIsFocus'),
  audioLossRatio: action<{ lossRatio: number }>()(
    'session.audioLossRatio',
    sessionRef,
    'Mtc_SessAudioLostRatio: received audio lost, 0..1',
  ),
  cookie: action<{ cookie: string | null }>()('session.cookie', sessionRef, 'Mtc_SessGetCookie'),
} as const;

/** Actions of the `im` service (RFC 3428 MESSAGE; the profile service logs `im.*` events). */
export const imActions = {
  send: action<{ messageId: string; status: 'delivered' | 'failed'; sipStatus: number | null }>()(
    'im.send',
    {
      account: accountName,
      uri,
      body: t.string({ max: 65536 }),
      contentType: t.optional(t.string({ min: 3, max: 128, pattern: /^[\w.+-]+\/[\w.+-]+(;.*)?$/ })),
      sessionId: t.optional(sessionId),
    },
    'Sends an instant message by SIP MESSAGE, in the call\u2019s dialog when sessionId is given',
  ),
} as const;
