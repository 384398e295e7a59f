/**
 * New INVITEs at the UAS core (RFC 3261 §13.3): the `'invite'` event's `req`/`res`, early
 * dialogs from provisional responses with a To tag (§12.1.1), `createUAS` (the 2xx, retransmitted
 * until the ACK, §13.3.1.4; no ACK → BYE), CANCEL (§9.2: the layer answered 200 and 487), and a
 * bound on how long an INVITE may ring unanswered.
 */
import type { TimerHandle } from '../clock.ts';
import type { SipResponse } from '../message/message.ts';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.ts';
import type { DialogHost } from '../dialog/dialog-host.ts';
import { DialogPhase, DialogState } from '../dialog/dialog-state.ts';
import { Dialog } from '../dialog/dialog.ts';
import type { IncomingRequest, ResponseOptions } from '../dialog/server-request.ts';
import { ServerResponse } from '../dialog/server-request.ts';
import { RELIABLE_TAG, ReliableProvisionals } from '../dialog/reliable-provisionals.ts';
import { createResponse } from '../message/response.ts';
import { uasSessionTimer, type UasSessionTimerDecision } from '../dialog/session-timer.ts';
import { SipError, UaErrorCode } from '../dialog/sip-error.ts';
import type { CreateUasOptions, UserAgentLimits } from './ua-options.ts';

/** What the INVITE server side needs from the UA core. */
export interface UasContext {
  readonly host: DialogHost;
  readonly limits: UserAgentLimits;
  hasRoomForDialog(): boolean;
  registerDialog(dialog: Dialog): void;
  /** Our Contact for a response to `req`. */
  localContact(req: IncomingRequest): string;
  /** Emits `'invite'`; false when nobody listens. */
  emitInvite(req: IncomingRequest, res: ServerResponse): boolean;
  /**
   * RFC 3262 policy (`off`: never reliable; `required`: always reliable, since an INVITE without
   * 100rel got 421 in uas-checks.ts).
   */
  readonly reliableProvisionals: 'off' | 'supported' | 'required';
  /** T1 in ms (reliable provisional retransmissions). */
  t1(): number;
}

interface PendingInvite {
  req: IncomingRequest;
  res: ServerResponse;
  dialog: Dialog | undefined;
  ringTimer: TimerHandle | undefined;
  timer: UasSessionTimerDecision;
  /** Set by createUAS: the 2xx may go, and what to do without ACK. */
  answer: { onNoAck(): void } | undefined;
  /** RFC 3262 state, made by the first reliable provisional response. */
  reliable: ReliableProvisionals | undefined;
}

/** The INVITEs this UA has received and not finally answered. */
export class InviteServer {
  readonly #context: UasContext;
  readonly #pending = new Map<InviteServerTransaction, PendingInvite>();

  constructor(context: UasContext) {
    this.#context = context;
  }

  /** INVITEs waiting for a final response. */
  get size(): number {
    return this.#pending.size;
  }

  /** A new INVITE (no To tag) that passed the §8.2 checks. */
  receive(transaction: InviteServerTransaction, req: IncomingRequest): void {
    const context = this.#context;
    if (!context.hasRoomForDialog()) {
      transaction.reply(503, { headers: [['Retry-After', '5']] });
      return;
    }
    const timer = uasSessionTimer(req.message, context.host.sessionTimer);
    if (timer.kind === 'reject') {
      // RFC 4028 §9: Session-Expires below our Min-SE.
      transaction.reply(422, { headers: [['Min-SE', String(timer.minSE)]] });
      return;
    }
    const pending: PendingInvite = {
      req,
      res: undefined!,
      dialog: undefined,
      ringTimer: undefined,
      timer,
      answer: undefined,
      reliable: undefined,
    };
    pending.res = new ServerResponse(req, {
      defaultHeaders: () => context.host.responseHeaders(req, true),
      transmit: (response, options) => this.#transmit(pending, response, options),
    });
    this.#pending.set(transaction, pending);
    transaction.onTerminated(() => this.#forget(pending));
    // Every wait is bounded: an INVITE nobody answers gets 480 after maxRingMs.
    pending.ringTimer = context.host.clock.setTimeout(() => {
      pending.ringTimer = undefined;
      if (!pending.res.finalSent) safeSend(pending.res, 480, 'Temporarily Unavailable (no answer)');
    }, context.limits.maxRingMs);
    let heard: boolean;
    try {
      heard = context.emitInvite(req, pending.res);
    } catch (error) {
      context.host.report(error);
      safeSend(pending.res, 500);
      return;
    }
    if (!heard) safeSend(pending.res, 480);
  }

  /** §9.2: a CANCEL matched (the layer sent 200 and 487); end the early dialog. */
  cancel(transaction: InviteServerTransaction): void {
    const pending = this.#pending.get(transaction);
    if (pending === undefined) return;
    pending.req.markCanceled();
    pending.reliable?.close();
    pending.dialog?.terminate({ initiator: 'remote', reason: 'canceled' });
    this.#forget(pending);
  }

  /**
   * Answers the INVITE with 200 and resolves with the dialog once the ACK arrives.
   * @throws SipError `INVALID_STATE` (already answered / unknown request), `CANCELED`, `NO_ACK`, `DIALOG_TERMINATED`
   */
  createUAS(req: IncomingRequest, res: ServerResponse, options: CreateUasOptions): Promise<Dialog> {
    const pending = this.#pending.get(req.transaction as InviteServerTransaction);
    if (req.canceled)
      return Promise.reject(new SipError(UaErrorCode.Canceled, 'the INVITE was cancelled', { status: 487 }));
    if (pending === undefined || pending.res !== res || res.finalSent)
      return Promise.reject(new SipError(UaErrorCode.InvalidState, 'the INVITE is not waiting for an answer'));
    const dialog = pending.dialog ?? this.#newDialog(pending);
    const offer = req.message.body.length > 0 ? req.body : undefined;
    const sdp = options.localSdp;
    const acked = new Promise<Dialog>((resolve, reject) => {
      const onAck = () => {
        dialog.off('destroy', onDestroy);
        resolve(dialog);
      };
      const onDestroy = (info: { reason: string }) => {
        dialog.off('ack', onAck);
        reject(
          info.reason === 'no-ack'
            ? new SipError(UaErrorCode.NoAck, 'no ACK for the 2xx within 64*T1 (§13.3.1.4)', { status: 408 })
            : new SipError(UaErrorCode.DialogTerminated, `the dialog ended before the ACK (${info.reason})`, {
                status: 481,
              }),
        );
      };
      dialog.once('ack', onAck);
      dialog.once('destroy', onDestroy);
    });
    pending.answer = { onNoAck: () => void dialog.destroy({ reason: 'no-ack' }).catch(() => undefined) };
    const headers: Record<string, string | readonly string[]> = {};
    if (pending.timer.kind === 'accept') for (const [name, value] of pending.timer.headers) headers[name] = value;
    Object.assign(headers, options.headers);
    try {
      res.send(200, {
        headers,
        body: sdp ?? options.body,
        contentType: sdp !== undefined ? 'application/sdp' : options.contentType,
      });
    } catch (error) {
      dialog.terminate({ initiator: 'local', reason: 'error' });
      return Promise.reject(error);
    }
    dialog.sip.dispatch('success');
    dialog.session.localSdp = sdp ?? dialog.session.localSdp;
    if (offer !== undefined) dialog.session.remoteSdp = offer;
    if (pending.timer.kind === 'accept') dialog.startSessionTimer(pending.timer.terms);
    return acked;
  }

  #newDialog(pending: PendingInvite): Dialog {
    const request = pending.req.message;
    const dialog = new Dialog({
      host: this.#context.host,
      state: DialogState.forUas(request, pending.res.toTag, DialogPhase.Early),
      localContact: this.#context.localContact(pending.req),
      ...(request.body.length > 0 ? { remoteSdp: pending.req.body } : {}),
    });
    pending.dialog = dialog;
    this.#context.registerDialog(dialog);
    return dialog;
  }

  #transmit(pending: PendingInvite, response: SipResponse, options: ResponseOptions): void {
    const transaction = pending.req.transaction as InviteServerTransaction;
    if (response.status < 200) {
      // §12.1.1: a provisional response with a To tag makes an early dialog (100 never does).
      if (response.status > 100 && pending.dialog === undefined && this.#context.hasRoomForDialog())
        this.#newDialog(pending);
      if (response.status > 100 && this.#isReliable(pending, options)) {
        const reliable = (pending.reliable ??= this.#newReliable(pending));
        if (pending.dialog !== undefined) {
          pending.dialog.reliableProvisionals = reliable;
          if (response.body.length > 0) pending.dialog.session.localSdp = response.body.toString('utf8');
        }
        reliable.send(response);
        return;
      }
      transaction.respond(response);
      return;
    }
    if (response.status < 300) {
      if (pending.answer === undefined)
        throw new SipError(UaErrorCode.InvalidState, 'answer an INVITE with createUAS() (it keeps the dialog)');
      const onNoAck = pending.answer.onNoAck;
      const send = () => this.#context.host.retransmit2xx(transaction, response, onNoAck);
      // RFC 3262 §3: the 2xx waits for the PRACK of the unacknowledged reliable provisional.
      if (pending.reliable?.holdFinal(send) !== true) send();
      this.#forget(pending);
      return;
    }
    pending.reliable?.close();
    transaction.respond(response);
    // §12.3 (UAS side): a non-2xx final ends the early dialog.
    if (pending.dialog !== undefined) {
      pending.dialog.sip.dispatch('failure');
      pending.dialog.terminate({ initiator: 'local', reason: 'rejected' });
    }
    this.#forget(pending);
  }

  /**
   * RFC 3262 §3: "If the UAS … the request contained a Require header field with the option tag
   * 100rel, … it MUST send any non-100 provisional response reliably"; with only Supported, it
   * is our choice (`res.send(183, { reliable: true })`, or policy `required`).
   */
  #isReliable(pending: PendingInvite, options: ResponseOptions): boolean {
    const mode = this.#context.reliableProvisionals;
    if (mode === 'off') return false;
    const request = pending.req.message;
    const has = (tags: () => string[]) => {
      try {
        return tags().some((tag) => tag.toLowerCase() === RELIABLE_TAG);
      } catch {
        return false;
      }
    };
    if (has(() => request.require)) return true;
    return has(() => request.supported) && (options.reliable === true || mode === 'required');
  }

  #newReliable(pending: PendingInvite): ReliableProvisionals {
    const transaction = pending.req.transaction as InviteServerTransaction;
    const host = this.#context.host;
    return new ReliableProvisionals({
      clock: host.clock,
      t1: this.#context.t1(),
      inviteSeq: pending.req.message.cseq?.seq ?? 0,
      inviteHadOffer: pending.req.message.body.length > 0,
      random: () => host.random(),
      transmit: (response) => transaction.respond(response),
      onGiveUp: () => {
        // §3: no PRACK within 64*T1: "the UAS SHOULD reject the original request with a 5xx".
        const reject = createResponse(pending.req.message, 504, {
          toTag: pending.res.toTag,
          reason: 'Reliable Provisional Response Not Acknowledged',
          headers: host.responseHeaders(pending.req, false),
        });
        try {
          if (reject !== undefined) transaction.respond(reject);
        } catch {
          // the transaction is gone
        }
        if (pending.dialog !== undefined && pending.dialog.state !== 'terminated') {
          pending.dialog.sip.dispatch('failure');
          pending.dialog.terminate({ initiator: 'local', reason: 'prack-timeout' });
        }
        this.#forget(pending);
      },
    });
  }

  #forget(pending: PendingInvite): void {
    if (pending.ringTimer !== undefined) this.#context.host.clock.clearTimeout(pending.ringTimer);
    pending.ringTimer = undefined;
    this.#pending.delete(pending.req.transaction as InviteServerTransaction);
  }
}

function safeSend(res: ServerResponse, status: number, reason?: string): void {
  if (res.finalSent) return;
  try {
    res.send(status, reason === undefined ? {} : { reason });
  } catch {
    // answered or gone meanwhile
  }
}
