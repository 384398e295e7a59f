/**
 * A new call's data, and the read-outs of table 6-1's getters.
 */
import type { CallerId, SessionInfo } from '@talkbus/contracts';
import type { CallData } from './call-model.ts';

/** What a new call starts from. */
export interface NewCall {
  sessionId: string;
  account: string;
  direction: 'incoming' | 'outgoing';
  /** Outgoing: the Request-URI. Incoming: our Contact. */
  target: string;
  peerUri: string;
  peerId?: CallerId;
  cookie?: string | null;
  video: boolean;
  startedAt: number;
  sessionInterval: number;
  /** Incoming: the INVITE's SDP (null: offerless INVITE). */
  remoteOffer?: string | null;
  /** Incoming: the session timer the INVITE asked for, as we will answer it. */
  timer?: CallData['timer'];
  referredFrom?: string | null;
  referredBy?: string | null;
  replaces?: string | null;
  /** Incoming while another call talks (guide §6.5). */
  waiting?: boolean;
  /** Incoming: the INVITE's Allow lists UPDATE. */
  peerAllowsUpdate?: boolean;
  /** Accept the peer adding video later (default: `video`). */
  acceptVideo?: boolean;
}

/** The data a call's actor starts with. */
export function newCallData(call: NewCall): CallData {
  return {
    sessionId: call.sessionId,
    account: call.account,
    direction: call.direction,
    cookie: call.cookie ?? null,
    phase: call.direction === 'outgoing' ? 'outgoing' : 'incoming',
    target: call.target,
    peerUri: call.peerUri,
    peerId: call.peerId ?? { uri: call.peerUri, displayName: null, source: 'from', restricted: false },
    peerIsFocus: false,
    localHold: 'none',
    remoteHeld: false,
    video: call.video,
    acceptVideo: call.acceptVideo ?? call.video,
    videoPending: null,
    offer: null,
    glare: null,
    transfer: 'none',
    transferred: false,
    transferTarget: null,
    earlyMedia: 'none',
    alerted: false,
    offerAnswerDone: false,
    mediaReady: false,
    remoteOffer: call.remoteOffer ?? null,
    startedAt: call.startedAt,
    answeredAt: null,
    endedAt: null,
    termReason: null,
    sipStatus: null,
    timer: call.timer ?? null,
    requestedInterval: call.sessionInterval,
    peerAllowsUpdate: call.peerAllowsUpdate ?? false,
    redirects: 0,
    micMuted: false,
    speakerMuted: false,
    mixed: false,
    referredFrom: call.referredFrom ?? null,
    referredBy: call.referredBy ?? null,
    replaces: call.replaces ?? null,
    referSubscription: false,
    waiting: call.waiting ?? false,
  };
}

/** Table 6-1's getters, from a call's data. */
export function sessionInfo(data: CallData, homeNode: string): SessionInfo {
  return {
    sessionId: data.sessionId,
    account: data.account,
    cookie: data.cookie,
    direction: data.direction,
    state: data.phase,
    peerUri: data.peerUri,
    peerId: data.peerId,
    hasTalk: data.phase === 'talking',
    hasHold: data.localHold === 'held' || data.localHold === 'unholding',
    hasHeld: data.remoteHeld,
    localHold: data.localHold,
    transfer: data.transfer,
    hasVideo: data.video,
    hasOfferAnswer: data.offerAnswerDone,
    earlyMedia: data.earlyMedia,
    peerIsFocus: data.peerIsFocus,
    micMuted: data.micMuted,
    speakerMuted: data.speakerMuted,
    mixed: data.mixed,
    startedAt: data.startedAt,
    answeredAt: data.answeredAt,
    homeNode,
  };
}
