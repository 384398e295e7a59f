/**
 * A dialog as applications use it (drachtio-srf's `Dialog`): in-dialog requests out
 * (re-INVITE with §14.1 glare retry, UPDATE, INFO, REFER, NOTIFY, MESSAGE, BYE), typed events
 * for requests in (handled in `dialog-incoming.ts`), the §13.2.2.4 ACK for every 2xx to our
 * INVITEs, and an RFC 4028 session timer. The §12 data and phase table live in
 * {@link DialogState}; this class owns the timers and releases them when the dialog ends.
 */
import { EventEmitter } from 'node:events';
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { Uri } from '../uri/uri.ts';
import type { DialogHost, FinalOutcome } from './dialog-host.ts';
import { buildInDialogRequest, dialogKey, DialogPhase, type DialogState } from './dialog-state.ts';
import { glareRetryDelay } from './glare.ts';
import type { ReliableProvisionals } from './reliable-provisionals.ts';
import { setHold } from './sdp-direction.ts';
import { headerPairs, type HeaderList, type IncomingRequest, type ServerResponse } from './server-request.ts';
import {
  SessionTimer,
  sessionTimerRequestHeaders,
  termsFromResponse,
  type SessionTimerTerms,
} from './session-timer.ts';
import { SipError, UaErrorCode } from './sip-error.ts';

/** Why and by whom a dialog ended. */
export interface DestroyInfo {
  /** `local`: we sent BYE (or gave up); `remote`: the peer's BYE, 481/408, or a failed early dialog. */
  initiator: 'local' | 'remote';
  /** `bye`, `no-ack`, `session-expired`, `481`, `408`, `rejected`, `unwanted-fork`, `shutdown`… */
  reason: string;
  /** The BYE, when the peer sent one. */
  request?: SipRequest;
}

/** Events of a {@link Dialog} (STYLE §3: a typed event map). */
export interface DialogEvents {
  /** The dialog ended; its timers are released. */
  destroy: [info: DestroyInfo];
  /** A re-INVITE (answer with `res.send(200, { body: sdp, contentType: 'application/sdp' })`). Unheard: 200 with the current local SDP. */
  modify: [req: IncomingRequest, res: ServerResponse];
  /** An UPDATE (RFC 3311). Unheard: 200 (with the local SDP when it carried an offer). */
  update: [req: IncomingRequest, res: ServerResponse];
  /** An INFO (RFC 6086). Unheard: 200. */
  info: [req: IncomingRequest, res: ServerResponse];
  /** A REFER (RFC 3515). Unheard: 603. Accept with 202, then report with `dialog.notify(referNotify(…))`. */
  refer: [req: IncomingRequest, res: ServerResponse];
  /** A NOTIFY (e.g. REFER progress: `parseSipfrag(req.body)`). Unheard: 200. */
  notify: [req: IncomingRequest, res: ServerResponse];
  /** A MESSAGE (RFC 3428). Unheard: 200. */
  message: [req: IncomingRequest, res: ServerResponse];
  /**
   * A PRACK (RFC 3262) that acknowledged one of our reliable provisional responses. Answer it;
   * its SDP (when any) is already in `remote.sdp`. Unheard: 200 (with the local SDP when the
   * PRACK brought a new offer, §5). A PRACK matching nothing got 481 from the core.
   */
  prack: [req: IncomingRequest, res: ServerResponse];
  /** Any other in-dialog request (SUBSCRIBE …). Unheard: 489 for SUBSCRIBE, else 405. */
  request: [req: IncomingRequest, res: ServerResponse];
  /** The ACK for a 2xx we sent (the initial INVITE's or a re-INVITE's). */
  ack: [ack: SipRequest];
}

/** One side of the dialog. */
export interface DialogParty {
  /** From/To header value (with the tag). */
  uri: string;
  tag: string;
  /** Our Contact / the remote target. */
  contact: string;
  /** Current SDP (our last offer or answer / the peer's). */
  sdp: string | undefined;
}

/** Options of in-dialog requests. */
export interface DialogRequestOptions {
  headers?: HeaderList;
  body?: string | Buffer;
  /** Content-Type of the body. */
  contentType?: string;
}

/** Options of {@link Dialog.notify}. */
export interface NotifyOptions extends DialogRequestOptions {
  /** Event package (RFC 6665), e.g. `refer`. */
  event: string;
  /** Subscription-State, e.g. `active;expires=60` or `terminated;reason=noresource`. */
  subscriptionState: string;
}

/** Options of the {@link Dialog} constructor (the UA core makes dialogs). */
export interface DialogOptions {
  host: DialogHost;
  state: DialogState;
  /** Our Contact value. */
  localContact: string;
  localSdp?: string;
  remoteSdp?: string;
}

/** Mutable session data shared with `dialog-incoming.ts`. */
export interface DialogSession {
  localSdp: string | undefined;
  remoteSdp: string | undefined;
  /** Our re-INVITE/UPDATE waits for its final response (§14.1: the peer's gets 491). */
  offering: boolean;
  /** The peer's re-INVITE is not answered yet (§14.2: another gets 500 + Retry-After). */
  answering: boolean;
  /** The ACK for the last 2xx to our INVITE, resent for that 2xx's retransmissions (§13.2.2.4). */
  lastAck: { seq: number; ack: SipRequest; nextHop: Uri } | undefined;
}

/** Most §14.1 glare retries of one modification. */
const MAX_GLARE_RETRIES = 3;

/** A SIP dialog (RFC 3261 §12). */
export class Dialog extends EventEmitter<DialogEvents> {
  /** §12 data: id, CSeqs, route set, remote target, phase. */
  readonly sip: DialogState;
  /** Map key of the dialog id. */
  readonly id: string;
  /** Offer/answer and ACK bookkeeping (read by the incoming-request handler). */
  readonly session: DialogSession;
  /** The UA core. */
  readonly host: DialogHost;
  /** UAS: the reliable provisional responses (RFC 3262) of the INVITE that made this dialog. */
  reliableProvisionals: ReliableProvisionals | undefined;
  /**
   * UAC: the 2xx to our INVITE that confirmed this dialog (set before `createUAC` resolves), so the
   * application can read what only the answer carries: Session-Expires and its refresher
   * (RFC 4028 §7.2), Allow (RFC 3311 UPDATE), Supported. Undefined for a dialog we answered.
   */
  answer: SipResponse | undefined;
  readonly #localContact: string;
  readonly #sessionTimer: SessionTimer;
  #destroyInfo: DestroyInfo | undefined;

  constructor(options: DialogOptions) {
    super();
    this.host = options.host;
    this.sip = options.state;
    this.id = dialogKey(options.state.id);
    this.#localContact = options.localContact;
    this.session = {
      localSdp: options.localSdp,
      remoteSdp: options.remoteSdp,
      offering: false,
      answering: false,
      lastAck: undefined,
    };
    this.#sessionTimer = new SessionTimer({
      clock: this.host.clock,
      onRefresh: () => void this.#refreshSession(),
      onExpired: () => void this.destroy({ reason: 'session-expired' }).catch(() => undefined),
    });
  }

  /** `early`, `confirmed` or `terminated`. */
  get state(): DialogPhase {
    return this.sip.phase;
  }

  /** Our side. */
  get local(): DialogParty {
    return {
      uri: this.sip.localHeader,
      tag: this.sip.id.localTag,
      contact: this.#localContact,
      sdp: this.session.localSdp,
    };
  }

  /** The peer's side. */
  get remote(): DialogParty {
    return {
      uri: this.sip.remoteHeader,
      tag: this.sip.id.remoteTag,
      contact: this.sip.remoteTarget,
      sdp: this.session.remoteSdp,
    };
  }

  /** The session timer's state (`idle` when none runs). */
  get sessionTimerState(): 'idle' | 'refreshing' | 'watching' {
    return this.#sessionTimer.state;
  }

  /**
   * Sends a request within the dialog (§12.2.1.1) and resolves with its final response, whatever
   * the status. A 481 or 408 ends the dialog (§12.2.1.2).
   * @throws SipError `DIALOG_TERMINATED` when the dialog has ended
   */
  async request(method: string, options: DialogRequestOptions = {}): Promise<SipResponse> {
    return (await this.#send(method, options)).response;
  }

  /**
   * re-INVITE (§14.1) with a new SDP, or `{ hold }` to rewrite the current one's direction
   * (RFC 3264 §8.4). A 491 is retried after the §14.1 glare delay on the clock (at most 3 times).
   * Resolves with the peer's SDP from the 2xx; `onAnswer` also gets that 2xx (its Session-Expires,
   * RFC 4028 §7.2, when the re-INVITE was a session refresh).
   * @throws SipError `FINAL_RESPONSE` (non-2xx), `INVALID_STATE` (another offer pending or no SDP to hold)
   */
  async modify(
    change: string | { hold: boolean },
    options: { headers?: HeaderList; onAnswer?: (response: SipResponse) => void } = {},
  ): Promise<string | undefined> {
    const { onAnswer, ...requestOptions } = options;
    let sdp: string;
    if (typeof change === 'string') sdp = change;
    else if (this.session.localSdp !== undefined) sdp = setHold(this.session.localSdp, change.hold);
    else throw new SipError(UaErrorCode.InvalidState, 'no local SDP to put on hold');
    const response = await this.#offer('INVITE', { ...requestOptions, body: sdp, contentType: 'application/sdp' });
    onAnswer?.(response);
    return this.session.remoteSdp ?? (response.body.length > 0 ? response.body.toString('utf8') : undefined);
  }

  /**
   * UPDATE (RFC 3311): with `sdp`, an offer (491 retried like a re-INVITE); without, a target or
   * session-timer refresh. Resolves with the 2xx.
   * @throws SipError for a non-2xx
   */
  update(options: DialogRequestOptions & { sdp?: string } = {}): Promise<SipResponse> {
    const { sdp, ...rest } = options;
    return this.#offer('UPDATE', sdp === undefined ? rest : { ...rest, body: sdp, contentType: 'application/sdp' });
  }

  /** INFO (RFC 6086). Resolves with the final response. */
  info(options: DialogRequestOptions = {}): Promise<SipResponse> {
    return this.request('INFO', options);
  }

  /** MESSAGE within the dialog (RFC 3428). Resolves with the final response. */
  message(options: DialogRequestOptions = {}): Promise<SipResponse> {
    return this.request('MESSAGE', { contentType: 'text/plain', ...options });
  }

  /** NOTIFY (RFC 6665; for REFER progress use `referNotify(status)`). Resolves with the final response. */
  notify(options: NotifyOptions): Promise<SipResponse> {
    const { event, subscriptionState, ...rest } = options;
    const headers = { Event: event, 'Subscription-State': subscriptionState, ...rest.headers };
    return this.request('NOTIFY', { ...rest, headers });
  }

  /**
   * REFER (RFC 3515) to `referTo` (a URI, e.g. with `?Replaces=…` for attended transfer).
   * Resolves with the 2xx (202); progress comes as `'notify'` events (`parseSipfrag(req.body)`).
   * @throws SipError for a non-2xx
   */
  async refer(referTo: string, options: DialogRequestOptions & { referredBy?: string } = {}): Promise<SipResponse> {
    const headers: Record<string, string | readonly string[]> = { 'Refer-To': `<${referTo}>`, ...options.headers };
    if (options.referredBy !== undefined) headers['Referred-By'] = options.referredBy;
    const response = await this.request('REFER', { ...options, headers });
    if (response.status >= 300) throw SipError.fromResponse(response, 'REFER');
    return response;
  }

  /**
   * Ends the dialog with BYE (§15.1.1). The dialog is terminated (and `'destroy'` emitted) at
   * once; resolves when the BYE gets its final response (bounded by Timer F). Idempotent.
   */
  async destroy(options: { headers?: HeaderList; reason?: string } = {}): Promise<void> {
    if (this.sip.phase === DialogPhase.Terminated) return;
    const bye = buildInDialogRequest(this.sip, { method: 'BYE', headers: headerPairs(options.headers) });
    this.terminate({ initiator: 'local', reason: options.reason ?? 'bye' });
    await this.host.send(bye.request, { nextHop: bye.nextHop }).final;
  }

  /**
   * §13.2.2.4: "The UAC core MUST generate an ACK request for each 2xx received from the
   * transaction layer", with the INVITE's CSeq number and credentials; a retransmitted 2xx gets
   * the same ACK again. Used for the initial INVITE and for re-INVITEs.
   */
  acknowledge(response: SipResponse, invite?: SipRequest): void {
    const seq = response.cseq?.seq ?? invite?.cseq?.seq ?? 0;
    const last = this.session.lastAck;
    if (last !== undefined && last.seq === seq) {
      this.host.sendAck(last.ack, last.nextHop, invite);
      return;
    }
    const built = buildInDialogRequest(this.sip, { method: 'ACK', seq });
    this.session.lastAck = { seq, ack: built.request, nextHop: built.nextHop };
    this.host.sendAck(built.request, built.nextHop, invite);
  }

  /**
   * The ACK for a 2xx we sent (§13.3.1.4; the transaction layer has stopped the
   * retransmissions). An ACK with a body is the answer to an offer made in that 2xx (§13.2.1).
   */
  receiveAck(ack: SipRequest): void {
    if (ack.body.length > 0) this.session.remoteSdp = ack.body.toString('utf8');
    this.emit('ack', ack);
  }

  /** Starts the session timer for negotiated terms (RFC 4028 §10). */
  startSessionTimer(terms: SessionTimerTerms | undefined): void {
    if (terms === undefined) {
      this.#sessionTimer.stop();
      return;
    }
    this.#sessionTimer.start(terms, terms.refresher === this.sip.role);
  }

  /**
   * Ends the dialog without sending anything: phase → terminated, timers released, the core
   * forgets it, `'destroy'` emitted once.
   */
  terminate(info: DestroyInfo): void {
    if (this.#destroyInfo !== undefined) return;
    this.#destroyInfo = info;
    this.sip.dispatch('terminate');
    this.#sessionTimer.stop();
    this.reliableProvisionals?.close();
    this.host.dialogEnded(this.id);
    this.emit('destroy', info);
  }

  /** Why the dialog ended, once it has. */
  get destroyInfo(): DestroyInfo | undefined {
    return this.#destroyInfo;
  }

  /** Sends an in-dialog request; ends the dialog on 481/408 (§12.2.1.2). */
  async #send(method: string, options: DialogRequestOptions): Promise<FinalOutcome> {
    if (this.sip.phase === DialogPhase.Terminated)
      throw new SipError(UaErrorCode.DialogTerminated, `${method} on a terminated dialog`, { status: 481 });
    const headers = headerPairs(options.headers);
    if (
      options.body !== undefined &&
      options.contentType !== undefined &&
      !headers.some(([n]) => /^(content-type|c)$/i.test(n))
    )
      headers.push(['Content-Type', options.contentType]);
    if (this.host.sessionTimer !== undefined && (method === 'INVITE' || method === 'UPDATE'))
      headers.push(['Supported', 'timer'], ...sessionTimerRequestHeaders(this.host.sessionTimer));
    const built = buildInDialogRequest(this.sip, { method, headers, body: options.body });
    const outcome = await this.host.send(built.request, {
      nextHop: built.nextHop,
      onResend: (request) => (this.sip.localSeq = Math.max(this.sip.localSeq ?? 0, request.cseq!.seq)),
      onSuccess: (response, invite) => this.acknowledge(response, invite),
    }).final;
    const status = outcome.response.status;
    // §12.2.1.2: "If the response for a request within a dialog is a 481 (Call/Transaction Does
    // Not Exist) or a 408 (Request Timeout), the UAC SHOULD terminate the dialog."
    if ((status === 481 || status === 408) && method !== 'BYE')
      this.terminate({ initiator: 'remote', reason: String(status) });
    return outcome;
  }

  /** re-INVITE or UPDATE carrying an offer (or a refresh), with §14.1 glare retries. */
  async #offer(method: 'INVITE' | 'UPDATE', options: DialogRequestOptions): Promise<SipResponse> {
    const offering = options.body !== undefined;
    if (offering && (this.session.offering || this.session.answering))
      throw new SipError(UaErrorCode.InvalidState, 'an offer/answer exchange is in progress (RFC 3261 §14.1)');
    this.session.offering = offering;
    try {
      for (let attempt = 0; ; attempt++) {
        const { response } = await this.#send(method, options);
        if (response.status === 491 && attempt < MAX_GLARE_RETRIES && this.sip.phase !== DialogPhase.Terminated) {
          // While the §14.1 timer runs no INVITE of ours is in progress: the peer's retry is answered.
          this.session.offering = false;
          await this.#sleep(glareRetryDelay(this.sip.role === 'uac', () => this.host.random()));
          this.session.offering = offering;
          continue;
        }
        if (response.status >= 300) throw SipError.fromResponse(response, method);
        if (response.status >= 200) {
          this.sip.refreshTarget(response); // §12.2.1.2: a 2xx to a target refresh request
          if (offering) {
            this.session.localSdp = options.body!.toString();
            if (response.body.length > 0) this.session.remoteSdp = response.body.toString('utf8');
          }
          if (this.host.sessionTimer !== undefined) this.startSessionTimer(termsFromResponse(response));
        }
        return response;
      }
    } finally {
      if (offering) this.session.offering = false;
    }
  }

  /** Waits on the host's clock (the glare timer); the timer is released if the dialog ends first. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const clock = this.host.clock;
      const onEnd = () => {
        clock.clearTimeout(timer);
        resolve();
      };
      const timer = clock.setTimeout(() => {
        this.off('destroy', onEnd);
        resolve();
      }, ms);
      this.once('destroy', onEnd);
    });
  }

  /** RFC 4028 §10: the refresher sends a re-INVITE with the current SDP (or UPDATE when no SDP). */
  async #refreshSession(): Promise<void> {
    if (this.sip.phase !== DialogPhase.Confirmed) return;
    try {
      if (this.session.localSdp !== undefined && !this.session.offering && !this.session.answering)
        await this.#offer('INVITE', { body: this.session.localSdp, contentType: 'application/sdp' });
      else await this.#offer('UPDATE', {});
    } catch {
      // RFC 4028 §10: a refresh that fails (timeout, 481, 408, or any other final) means the
      // session can no longer be kept alive: end it with BYE rather than let it expire silently.
      await this.destroy({ reason: 'session-refresh-failed' }).catch(() => undefined);
    }
  }
}
