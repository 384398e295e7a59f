/**
 * Every event talkbus emits, with its payload type. Event names are `<domain>.<what>`; the
 * guide's callbacks map onto them (see ARCHITECTURE.md, "Services").
 */
import type { LicensePayload } from './license.ts';
import type { CallLogEntry, ImLogEntry, TermReason } from './profile.ts';
import type { ProvisioningKey } from './provisioning.ts';

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
  'media.rtpStarted': { sessionId: string; account: string; kind: 'audio' | 'video'; ssrc: number; payloadType: number };
  'media.rtpTimeout': { sessionId: string; account: string; kind: 'audio' | 'video'; silentForMs: number };
  'media.dtmfReceived': { sessionId: string; account: string; key: string; event: number; durationMs: number; method: 'rfc4733' };
  'media.endpointFailed': { sessionId: string; account: string; reason: 'worker-died' | 'transport-closed'; message: string };

  // session (guide chapter 6); the full set arrives with the session service
  'call.termed': CallTermedEvent;
  'im.sent': ImEvent;
  'im.received': ImEvent;
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
  'call.termed',
  'im.sent',
  'im.received',
] as const satisfies readonly EventName[];
