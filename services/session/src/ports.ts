/**
 * What a call actor needs of the world, as small interfaces (STYLE §1: a lower layer is reached
 * through an interface the upper layer names). The service binds them to the node's SIP user
 * agent and to the `media` service over the broker; unit tests bind them to fakes.
 *
 * Every port method starts work and returns; results come back to the actor as inputs (the
 * port is given the actor's `post`). A port method may throw or reject: the actor turns that
 * into an `effect.failed` input.
 */
import type { MediaEndpointInfo, MediaStreamParams, MediaVideoInput, MediaVideoInputInfo } from '@talkbus/contracts';
import type { CallInput, HeaderList } from './call-model.ts';

/** The SIP side of one call: its INVITE transaction(s) and, once confirmed, its dialog. */
export interface CallSipPort {
  /** Sends an INVITE (initial, after a 422, or to a 3xx contact). Reports provisional/answered/rejected. */
  invite(request: { target: string; sdp: string; headers: HeaderList }): void | Promise<void>;
  /** CANCELs the INVITE in progress (RFC 3261 §9.1; the UA waits for a provisional first). */
  cancel(): void | Promise<void>;
  /** Answers the incoming INVITE (1xx–6xx). Ignored once a final answer went out. */
  respond(status: number, options: { sdp?: string; headers?: HeaderList }): void | Promise<void>;
  /** Answers an in-dialog request the port reported with `requestId`. */
  respondRequest(
    requestId: string,
    status: number,
    options: { sdp?: string; headers?: HeaderList },
  ): void | Promise<void>;
  /** re-INVITE or UPDATE with an offer. Reports reofferAnswered/reofferRejected. */
  /** A MESSAGE in the dialog (RFC 3428); resolves to its final status. */
  message(request: { contentType: string; body: string }): Promise<number>;
  reoffer(request: { method: 'INVITE' | 'UPDATE'; sdp: string | null; headers: HeaderList }): void | Promise<void>;
  bye(headers?: HeaderList): void | Promise<void>;
  /** REFER (RFC 3515). Reports referAccepted/referRejected, then NOTIFYs. */
  refer(request: { referTo: string; headers: HeaderList }): void | Promise<void>;
  /** NOTIFY of the peer's REFER subscription with a sipfrag (RFC 3515 §2.4.4). */
  notify(request: { fragStatus: number; terminated: boolean }): void | Promise<void>;
  /** INFO (DTMF relay, guide §6.2.7). */
  info(request: { contentType: string; body: string }): void | Promise<void>;
  /** Dialog ids for Replaces (RFC 3891), once the dialog exists. */
  dialogIds(): { callId: string; localTag: string; remoteTag: string } | null;
  /** Frees what the port holds for the call. */
  close(): void;
}

/** The media side of one call: its endpoint in the `media` service. */
export interface CallMediaPort {
  create(options: { video: boolean }): Promise<MediaEndpointInfo>;
  update(streams: MediaStreamParams[]): Promise<void>;
  /** Adds a video transport to an endpoint made audio-only (`media.endpoint.update { video: true }`). */
  addVideo(): Promise<MediaEndpointInfo>;
  /** What the local side shows (`media.endpoint.video`: Mtc_SessStartVideo / StopVideo). */
  video(input: MediaVideoInput): Promise<MediaVideoInputInfo>;
  earlyMedia(mode: 'local-ringback' | 'network'): Promise<void>;
  dtmf(digits: string, durationMs: number): Promise<void>;
  mute(options: { mic?: boolean; speaker?: boolean }): Promise<void>;
  /** Joins or leaves the local mix with the account's other mixed calls. */
  mix(mixed: boolean): Promise<void>;
  close(): Promise<void>;
}

/** Where a call's effects that concern other calls or the app go. */
export interface CallServicePort {
  emit(event: string, payload: Record<string, unknown>): void;
  /** The peer's REFER: start a call to `referTo` that reports its progress to `fromSessionId`. */
  startReferredCall(fromSessionId: string, referTo: string, referredBy: string | null): void;
  /** Report a referred call's progress to the call whose REFER made it. */
  referredProgress(toSessionId: string, status: number): void;
  /** The call is over and has nothing left to do. */
  disposed(sessionId: string): void;
}

/** How inputs reach an actor. */
export type Post = (input: CallInput) => void;
