/**
 * What the session service needs of the node's SIP user agent, account by account: place a
 * call, take incoming INVITEs and MESSAGEs, send a MESSAGE. `ua-agent.ts` implements it on
 * `@talkbus/sip`'s `SipUserAgent` over the node's SIP endpoint.
 */
import type { CallInput, SessionExpiresValue } from './call-model.ts';
import type { CallSipPort } from './ports.ts';

/** An account as the SIP side sees it (from `registrar-client.state`). */
export interface SipAccount {
  account: string;
  /** AOR, `sip:user@domain`. */
  aor: string;
  displayName: string;
  /** Our Contact as registered, or null (then the agent makes one from its listener). */
  contact: string | null;
  /** Preloaded Route (Service-Route / outbound proxy). */
  route: string[];
  /** Hide our identity (guide §6.2.6, provisioning `privacy`). */
  privacy: 'none' | 'id';
  /** Digest credentials for a 401/407 on INVITE, REFER, MESSAGE. */
  credentials: { username: string; password: string; realm: string } | null;
}

/** An incoming INVITE, before any call actor exists. */
export interface IncomingInvite {
  /** Request-URI. */
  requestUri: string;
  from: string;
  to: string;
  pAssertedIdentity: string | undefined;
  privacy: string | undefined;
  /** The offer, or null for an offerless INVITE. */
  sdp: string | null;
  sessionExpires: SessionExpiresValue | null;
  /** The peer listed `timer` in Supported. */
  supportsTimer: boolean;
  /** The INVITE's Allow lists UPDATE (RFC 3311): refreshes go by UPDATE. */
  allowsUpdate?: boolean;
  /** RFC 3891 Replaces, as dialog ids seen from the sender. */
  replaces: { callId: string; toTag: string; fromTag: string } | null;
  referredBy: string | null;
  /** Refuses the INVITE before a call exists (486, 488, 603, 422 with Min-SE …). */
  reject(status: number, headers?: Record<string, string>): void;
  /** Binds the INVITE to a call: the port reports the rest (ACK, CANCEL, in-dialog requests) to `post`. */
  accept(post: (input: CallInput) => void): CallSipPort;
}

/** An incoming MESSAGE (RFC 3428). */
export interface IncomingMessage {
  requestUri: string;
  from: string;
  contentType: string;
  body: string;
  /** Answers it (200 by default). */
  respond(status: number): void;
}

/** What the agent reports as it happens. */
export interface SipAgentHandlers {
  /** Which account an incoming request is for (by Request-URI / To), or null. */
  accountFor(requestUri: string, to: string): string | null;
  invite(account: string, invite: IncomingInvite): void;
  message(account: string, message: IncomingMessage): void;
}

/** The node's SIP side for the session service. */
export interface SipAgent {
  /** Starts an outgoing call's SIP port; the port reports to `post`. */
  outgoing(
    account: SipAccount,
    post: (input: CallInput) => void,
    extra?: { referredBy?: string; replaces?: string },
  ): CallSipPort;
  /** Sends a MESSAGE outside a dialog; resolves to the final status. */
  message(account: SipAccount, request: { target: string; contentType: string; body: string }): Promise<number>;
  close(): Promise<void>;
}
