/**
 * What a dialog needs from the UA core above it (STYLE §1: the dialog layer calls upward only
 * through this interface, which `SipUserAgent` implements). The core owns the transaction layer,
 * the transport, server location (RFC 3263), digest authentication and the local identity.
 */
import type { DigestClient } from '../auth/digest-client.ts';
import type { Clock } from '../clock.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.ts';
import type { Uri } from '../uri/uri.ts';
import type { IncomingRequest } from './server-request.ts';
import type { SessionTimerConfig } from './session-timer.ts';

/** How a request ended: its final response and, for locally made ones, why (§8.1.3.1). */
export interface FinalOutcome {
  /** The final response (a received one, or a local 408/503/487). */
  response: SipResponse;
  /** `timeout` (Timer B/F → 408), `transport` (every target failed → 503), `canceled` (never sent → 487). */
  origin: 'timeout' | 'transport' | 'canceled' | undefined;
  /** The request as last sent (after authentication or failover retries). */
  request: SipRequest;
}

/** Options of {@link DialogHost.send}. */
export interface OutgoingOptions {
  /** The first hop (§8.1.2): the first Route's URI, else the Request-URI. Default: computed from the request. */
  nextHop?: Uri;
  /** Each provisional response. */
  onProvisional?(response: SipResponse, request: SipRequest): void;
  /** Each 2xx to an INVITE: the first, its retransmissions and other forks' (§13.2.2.4: ACK each). */
  onSuccess?(response: SipResponse, request: SipRequest): void;
  /** A copy went out with a new CSeq and branch (digest retry §22.2, or RFC 3263 failover). */
  onResend?(request: SipRequest): void;
  /** Whether to answer 401/407 with the core's credentials. Default true. */
  authenticate?: boolean;
  /** Credentials for this request only, instead of the core's. */
  auth?: DigestClient;
}

/** A request on its way. */
export interface OutgoingRequest {
  /** The first final response (never rejects; failures come as local 408/503/487). */
  readonly final: Promise<FinalOutcome>;
  /**
   * Cancels an INVITE (§9.1): a CANCEL goes once a provisional response has arrived; before it
   * is sent, the request is not sent at all (final: local 487).
   */
  cancel(reason?: string): void;
}

/** The UA core as the dialog layer sees it. */
export interface DialogHost {
  readonly clock: Clock;
  /** Session-timer policy; undefined when session timers are off. */
  readonly sessionTimer: SessionTimerConfig | undefined;
  /** Random numbers in [0, 1) (glare timers, initial CSeq); injectable for tests. */
  random(): number;
  /**
   * Sends a request in a client transaction: adds a Via with a new branch, Contact (for target
   * refresh and subscription methods when absent), User-Agent; locates the next hop (RFC 3263);
   * retries 401/407 with credentials and fails over on 503/timeout/transport errors.
   */
  send(request: SipRequest, options: OutgoingOptions): OutgoingRequest;
  /**
   * Sends the ACK for a 2xx straight through the transport (§13.2.2.4), with the INVITE's
   * credentials. A request that already has a Via is resent as it is (an ACK retransmission).
   */
  sendAck(ack: SipRequest, nextHop: Uri, invite: SipRequest | undefined): void;
  /** Sends a 2xx to an INVITE and retransmits it until the ACK (§13.3.1.4); `onNoAck` after 64*T1. */
  retransmit2xx(transaction: InviteServerTransaction, response: SipResponse, onNoAck: () => void): void;
  /** Headers for a response to `req` (Server, Allow, Supported; Contact when `withContact`). */
  responseHeaders(req: IncomingRequest, withContact: boolean): Array<[string, string]>;
  /** The dialog ended: drop it from the dialog table. */
  dialogEnded(dialogKey: string): void;
  /** An application listener threw: log it (the stack goes on). */
  report(error: unknown): void;
}
