/**
 * Options and events of {@link SipUserAgent} and of its calls (STYLE §3: options objects and
 * typed event maps; compare drachtio-srf `createUAC(uri, opts)`).
 */
import type { DigestCredentials } from '../auth/digest-client.ts';
import type { Clock } from '../clock.ts';
import type { SipResponse } from '../message/message.ts';
import type { TimerConfig } from '../transaction/timer-config.ts';
import type { DnsResolver, ServerTarget } from '../transport/resolver.ts';
import type { TransportLayer, TransportProtocol, TransportUser } from '../transport/transport-types.ts';
import type { Uri } from '../uri/uri.ts';
import type { Dialog } from '../dialog/dialog.ts';
import type { HeaderList, IncomingRequest, ServerResponse } from '../dialog/server-request.ts';
import type { SessionTimerConfig } from '../dialog/session-timer.ts';

/** Methods accepted by default (Allow). */
export const DEFAULT_ALLOW = [
  'INVITE',
  'ACK',
  'CANCEL',
  'BYE',
  'OPTIONS',
  'UPDATE',
  'INFO',
  'REFER',
  'NOTIFY',
  'MESSAGE',
  'SUBSCRIBE',
] as const;

/** Body types accepted by default (Accept). */
export const DEFAULT_ACCEPT = [
  'application/sdp',
  'text/plain',
  'message/sipfrag',
  'application/dtmf-relay',
  'application/dtmf',
  'message/cpim',
  'multipart/mixed',
  'application/im-iscomposing+xml',
  'application/pidf+xml',
  'application/reginfo+xml',
  'application/simple-message-summary',
] as const;

/** Bounds of a user agent. */
export interface UserAgentLimits {
  /** Most live dialogs; new INVITEs beyond get 503 and `createUAC` rejects. Default 10000. */
  maxDialogs: number;
  /** An incoming INVITE nobody answers gets 480 after this, ms. Default 180000. */
  maxRingMs: number;
  /** Most 3xx hops when following redirects. Default 5. */
  maxRedirects: number;
  /**
   * Live transactions (client and server) before new requests get 503 (passed to the
   * transaction layer). Over UDP a finished non-INVITE server transaction stays 64*T1 (Timer J,
   * 32 s at T1 = 500 ms), so this also bounds the sustained request rate. Default 16384.
   */
  maxTransactions: number;
}

/** Defaults of {@link UserAgentLimits}. */
export const DEFAULT_UA_LIMITS: Readonly<UserAgentLimits> = Object.freeze({
  maxDialogs: 10_000,
  maxRingMs: 180_000,
  maxRedirects: 5,
  maxTransactions: 16_384,
});

/** A logger (a Moleculer logger fits); both methods optional. */
export interface UserAgentLogger {
  debug?(message: string, details?: Record<string, unknown>): void;
  warn?(message: string, details?: Record<string, unknown>): void;
}

/** Options of {@link SipUserAgent}. */
export interface SipUserAgentOptions {
  /**
   * What sends and receives. A `SipTransportLayer` (or anything with `setUser`) is wired to the
   * UA's transaction layer here; otherwise point the transport's user at `ua.transactionLayer`.
   */
  transport: TransportLayer & { setUser?(user: TransportUser): void };
  /** Time source for every timer. Default the system clock; tests pass a `SimulatedClock`. */
  clock?: Clock;
  /** T1/T2/T4 (RFC defaults: 500 ms, 4 s, 5 s). */
  timers?: Partial<TimerConfig>;
  /** Our address of record for From, e.g. `sip:alice@example.com` or `"Alice" <sip:alice@example.com>`. */
  from: string;
  /** User part of our Contact. Default the From URI's user, else `talkbus`. */
  contactUser?: string;
  /** A fixed Contact value (e.g. behind NAT); default built from the local transport address. */
  contact?: string;
  /** Credentials for 401/407 (RFC 2617/7616; one per realm or one for all). */
  credentials?: DigestCredentials | readonly DigestCredentials[];
  /** Outbound proxy URI (a loose route, RFC 3261 §8.1.2), e.g. `sip:proxy.example.com;lr`. */
  outboundProxy?: string;
  /** A preloaded route set (Route values) for out-of-dialog requests (e.g. a Service-Route, RFC 3608). */
  routeSet?: readonly string[];
  /** User-Agent and Server header value. Default `talkbus`. */
  userAgent?: string;
  /** Methods we accept (Allow). Default INVITE ACK CANCEL BYE OPTIONS UPDATE INFO REFER NOTIFY MESSAGE SUBSCRIBE. */
  allow?: readonly string[];
  /** Body types we accept (Accept). Default SDP, text/plain, sipfrag, DTMF relay, CPIM, multipart/mixed … */
  accept?: readonly string[];
  /** Extra option tags to claim in Supported (besides `timer` when session timers are on). */
  supported?: readonly string[];
  /**
   * RFC 3262 reliable provisional responses (option tag `100rel`, method PRACK). `supported`
   * (default): 100rel in Supported, PRACK in Allow; an INVITE that requires it gets reliable
   * 1xx, one that supports it gets them when asked (`res.send(183, { reliable: true })`); every
   * reliable 1xx we receive is PRACKed. `required`: also `Require: 100rel` on our INVITEs, every
   * 1xx reliable, and a new INVITE with 100rel in neither Supported nor Require gets
   * `421 Extension Required` with `Require: 100rel` before any listener runs (RFC 3261 §21.4.16).
   * `off`: none of it (Require: 100rel → 420 with `Unsupported: 100rel`).
   */
  reliableProvisionals?: 'off' | 'supported' | 'required';
  /** RFC 4028 session timers; undefined = off (we still never refuse a peer's refreshes). */
  sessionTimer?: Partial<SessionTimerConfig>;
  /** RFC 3263 server location; default `locateServers` over {@link SipUserAgentOptions.dns}. */
  resolve?: (uri: Uri) => Promise<ServerTarget[]>;
  /** DNS for the default `resolve` (unused when `resolve` is given); default `systemDnsResolver()`. */
  dns?: DnsResolver;
  /** Protocols to offer `locateServers` (default: udp, tcp). */
  protocols?: readonly TransportProtocol[];
  /** Limits; missing ones take {@link DEFAULT_UA_LIMITS}. */
  limits?: Partial<UserAgentLimits>;
  /** Random numbers in [0, 1) (glare timers, CSeq); default `Math.random`. */
  random?: () => number;
  logger?: UserAgentLogger;
}

/** Events of {@link SipUserAgent}. */
export interface SipUserAgentEvents {
  /**
   * A new INVITE (no To tag). Answer with `ua.createUAS(req, res, { localSdp })`, or reject with
   * `res.send(486)`. Provisional responses: `res.send(180)`. `req.signal` aborts on CANCEL.
   * Unheard: 480.
   */
  invite: [req: IncomingRequest, res: ServerResponse];
  /**
   * Any other out-of-dialog request (MESSAGE, SUBSCRIBE, NOTIFY, REFER, REGISTER if allowed).
   * OPTIONS is answered by the core (§11.2). Unheard: 405.
   */
  request: [req: IncomingRequest, res: ServerResponse];
}

/** Options shared by `createUAC` and `request`. */
export interface OutOfDialogOptions {
  /** Extra headers (also Route, Subject, P-Asserted-Identity …). */
  headers?: HeaderList;
  /** Body and its type. */
  body?: string | Buffer;
  contentType?: string;
  /** Credentials for this request only (else the UA's). */
  auth?: DigestCredentials;
  /** Outbound proxy for this request only (else the UA's `outboundProxy`). */
  proxy?: string;
  /** From header value (default the UA's identity), without tag. */
  from?: string;
  /** To header value (default `<uri>`). */
  to?: string;
  /** Call-ID (default a new one; REGISTER keeps one per boot, §10.2). */
  callId?: string;
  /** Initial CSeq number (default 1). */
  cseq?: number;
  /** Follow 3xx to the Contacts by q (§8.1.3.4), with a loop guard. Default false. */
  followRedirects?: boolean;
  /** Cancels the request (INVITE: CANCEL, §9.1). */
  signal?: AbortSignal;
  /** Every provisional response. */
  onProvisional?: (response: SipResponse, dialog: Dialog | undefined) => void;
}

/** What goes in a PRACK (RFC 3262 §5): an SDP answer or a new offer, and extra headers. */
export interface PrackContent {
  sdp?: string;
  headers?: HeaderList;
}

/** Options of `createUAC`. */
export interface CreateUacOptions extends OutOfDialogOptions {
  /** The SDP offer (sets `body` and Content-Type application/sdp). */
  localSdp?: string;
  /**
   * A reliable provisional response (RFC 3262) came, in order, on `dialog` (its SDP is already
   * in `dialog.remote.sdp`): return what the PRACK carries. When the INVITE had no offer and the
   * 1xx made one, the PRACK must carry the answer (§5). Each reliable 1xx is PRACKed once,
   * whatever this returns; retransmitted or out-of-order ones are dropped before
   * `onProvisional` (§4).
   */
  onReliableProvisional?: (response: SipResponse, dialog: Dialog) => PrackContent | undefined;
  /** The PRACK's final response (its SDP, when any, is already in `dialog.remote.sdp`). */
  onPrackResponse?: (response: SipResponse, dialog: Dialog) => void;
}

/** Options of `request`. */
export interface RequestOptions extends OutOfDialogOptions {
  /** The method, e.g. OPTIONS, MESSAGE, REGISTER, SUBSCRIBE. Default OPTIONS. */
  method?: string;
}

/** Options of `createUAS`. */
export interface CreateUasOptions {
  /** The SDP answer (or offer, when the INVITE had none). */
  localSdp?: string;
  /** A body of another type (give `contentType`). */
  body?: string | Buffer;
  contentType?: string;
  /** Extra headers of the 200. */
  headers?: HeaderList;
}
