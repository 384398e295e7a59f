/**
 * Every event talkbus emits, with its payload type. Event names are `<domain>.<what>`; the
 * guide's callbacks map onto them (see ARCHITECTURE.md, "Services").
 */
import type { LicensePayload } from './license.ts';
import type { CallLogEntry, ImLogEntry, TermReason } from './profile.ts';
import type { ProvisioningKey } from './provisioning.ts';
import type { RecorderStoppedEvent } from './recorder.ts';
import type {
  ClientLocalLoginOkEvent,
  ClientLocalLogoutEvent,
  ClientLoginFailedEvent,
  ClientRegFailedEvent,
  ClientRegOkEvent,
  ClientServerLoginOkEvent,
  ClientServerLogoutEvent,
} from './registrar.ts';
import type { CallEventBase, CallOperation, CallerId, DtmfMethod, EarlyMediaStatus } from './session.ts';

/** `call.termed`: a call ended (guide `mtcCallCbTermed`); carries what the call log needs. */
export interface CallTermedEvent {
  sessionId: string;
  account: string;
  cookie: string | null;
  direction: 'incoming' | 'outgoing';
  peerUri: string;
  peerName: string | null;
  video: boolean;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number;
  reason: TermReason;
  sipStatus: number | null;
  /** Caller ID (guide §6.2.6), when the session service knows it. */
  peerId?: CallerId;
  /** Where the call went when `reason` is TRSFED, REDIRECT or REPLACE. */
  transferTarget?: string | null;
}

/** `call.incoming` (`mtcCallCbIncoming`, §6.2.2, §6.5, §6.12.1). */
export interface CallIncomingEvent extends CallEventBase {
  peerUri: string;
  peerId: CallerId;
  video: boolean;
  /** Another call of the account is talking: call waiting (§6.5). */
  waiting: boolean;
  /** The session this call replaces (INVITE with Replaces, RFC 3891), if any. */
  replaces: string | null;
  /** Referred-By of a call a REFER made (RFC 3892), if any. */
  referredBy: string | null;
}

/** `call.alerted` (`mtcCallCbAlerted`, §6.2.1, §6.9.2): 18x received. */
export interface CallAlertedEvent extends CallEventBase {
  sipStatus: number;
  /** 180 without SDP: local ringback; 18x with SDP: the network's early media. */
  earlyMedia: EarlyMediaStatus;
}

/** `call.refered` (`mtcCallCbRefered`): the peer transfers us; `sessionId` is the new call. */
export interface CallReferedEvent extends CallEventBase {
  /** The call the REFER came in. */
  referredFrom: string;
  referTo: string;
  referredBy: string | null;
}

/** `call.redirect` (`mtcCallCbRedirect`, §6.12.4): a 3xx moved the call. */
export interface CallRedirectEvent extends CallEventBase {
  sipStatus: number;
  contacts: string[];
  /** Whether talkbus follows the first contact (a new INVITE in the same session). */
  following: boolean;
}

/** `call.trsfTerm` (`mtcCallCbTrsfTerm`, §6.8): our transfer's subscription ended. */
export interface CallTransferTermEvent extends CallEventBase {
  success: boolean;
  /** Final status from the NOTIFY sipfrag, or the REFER's failure status. */
  sipStatus: number | null;
}

/** `call.error` (`mtcCallCbError`): an operation on the call failed; the call goes on. */
export interface CallErrorEvent extends CallEventBase {
  operation: CallOperation;
  /** A talkbus error code. */
  code: string;
  sipStatus: number | null;
  message: string;
}

/** `im.sent` / `im.received`: an instant message (RFC 3428) went out or came in. */
export interface ImEvent {
  account: string;
  messageId: string;
  peerUri: string;
  contentType: string;
  body: string;
  at: number;
  status: 'sent' | 'delivered' | 'failed' | 'received';
  /** The call whose dialog carried the MESSAGE (RFC 3428 §2 in-dialog); absent outside a dialog. */
  sessionId?: string;
}

/** Event name → payload. */
export interface EventMap {
  // license (guide §3.1, table 3-2)
  'license.activated': {
    activated: boolean;
    reason: string | null;
    license: LicensePayload | null;
    path: string | null;
  };
  'license.deviceDeactivated': { deactivated: boolean; reason: string | null };

  // profile (guide §5.1, §5.2): data changes; secrets never appear, only the keys that changed
  'profile.created': { account: string };
  'profile.deleted': { account: string };
  'profile.opened': { account: string; homeNode: string };
  'profile.closed': { account: string };
  'profile.changed': { account: string; keys: ProvisioningKey[] };
  'profile.contactsChanged': { account: string; op: 'add' | 'update' | 'remove'; id: string };
  'profile.callLogAdded': { account: string; entry: CallLogEntry };
  'profile.imLogAdded': { account: string; entry: ImLogEntry };

  // media (guide §6.9, table 6-1): per call endpoint, addressed by sessionId
  'media.rtpStarted': {
    sessionId: string;
    account: string;
    kind: 'audio' | 'video';
    ssrc: number;
    payloadType: number;
  };
  'media.rtpTimeout': { sessionId: string; account: string; kind: 'audio' | 'video'; silentForMs: number };
  'media.dtmfReceived': {
    sessionId: string;
    account: string;
    key: string;
    event: number;
    durationMs: number;
    method: 'rfc4733';
  };
  'media.endpointFailed': {
    sessionId: string;
    account: string;
    reason: 'worker-died' | 'transport-closed';
    message: string;
  };

  /** A tap ended without `media.tap.close`: its call's endpoint closed. */
  'media.tapClosed': { tapId: string; sessionId: string; account: string; reason: 'endpoint-closed' | 'shutdown' };

  // session (guide chapter 6, table 6-2): one event per mtcCallCb* callback
  'call.incoming': CallIncomingEvent;
  'call.outgoing': CallEventBase & { peerUri: string; video: boolean };
  'call.alerted': CallAlertedEvent;
  'call.talking': CallEventBase & { video: boolean };
  'call.termed': CallTermedEvent;
  'call.held': CallEventBase;
  'call.unheld': CallEventBase;
  'call.holdOk': CallEventBase;
  'call.unholdOk': CallEventBase;
  'call.modified': CallEventBase & { video: boolean };
  'call.modifyAcpt': CallEventBase & { video: boolean };
  'call.refered': CallReferedEvent;
  'call.redirect': CallRedirectEvent;
  'call.replaced': CallEventBase & { replacedBy: string };
  'call.trsfAcpt': CallEventBase;
  'call.trsfTerm': CallTransferTermEvent;
  'call.error': CallErrorEvent;
  'call.dtmf': CallEventBase & { key: string; method: DtmfMethod; durationMs: number };
  'im.sent': ImEvent;
  'im.received': ImEvent;

  // registrar-client (guide §5.3, table 5-10): one event per mtcCliCb* callback
  'client.regOk': ClientRegOkEvent;
  'client.regFailed': ClientRegFailedEvent;
  'client.localLoginOk': ClientLocalLoginOkEvent;
  'client.serverLoginOk': ClientServerLoginOkEvent;
  'client.loginFailed': ClientLoginFailedEvent;
  'client.localLogout': ClientLocalLogoutEvent;
  'client.serverLogout': ClientServerLogoutEvent;

  // recorder (guide chapter 7): a recording's file is complete
  'recorder.stopped': RecorderStoppedEvent;
}

/** An event name. */
export type EventName = keyof EventMap;

/** The event names, for help texts and `talkbus watch`. */
export const eventNames = [
  'license.activated',
  'license.deviceDeactivated',
  'profile.created',
  'profile.deleted',
  'profile.opened',
  'profile.closed',
  'profile.changed',
  'profile.contactsChanged',
  'profile.callLogAdded',
  'profile.imLogAdded',
  'media.rtpStarted',
  'media.rtpTimeout',
  'media.dtmfReceived',
  'media.endpointFailed',
  'call.incoming',
  'call.outgoing',
  'call.alerted',
  'call.talking',
  'call.termed',
  'call.held',
  'call.unheld',
  'call.holdOk',
  'call.unholdOk',
  'call.modified',
  'call.modifyAcpt',
  'call.refered',
  'call.redirect',
  'call.replaced',
  'call.trsfAcpt',
  'call.trsfTerm',
  'call.error',
  'call.dtmf',
  'im.sent',
  'im.received',
  'client.regOk',
  'client.regFailed',
  'client.localLoginOk',
  'client.serverLoginOk',
  'client.loginFailed',
  'client.localLogout',
  'client.serverLogout',
  'media.tapClosed',
  'recorder.stopped',
] as const satisfies readonly EventName[];
