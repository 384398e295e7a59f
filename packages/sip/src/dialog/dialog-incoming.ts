/**
 * Requests that arrive within a dialog (RFC 3261 §12.2.2): the CSeq rule, BYE (§15.1.2),
 * re-INVITE (§14.2, with 491/500 glare answers), UPDATE (RFC 3311), and the events an
 * application answers (INFO, REFER, NOTIFY, MESSAGE, anything else), with a default answer
 * when nobody listens.
 */
import type { SipResponse } from '../message/message.ts';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.ts';
import type { Dialog, DialogEvents } from './dialog.ts';
import { pendingInviteRetryAfter } from './glare.ts';
import { ServerResponse, type IncomingRequest, type ResponseOptions } from './server-request.ts';
import { uasSessionTimer, type UasSessionTimerDecision } from './session-timer.ts';

type RequestEvent = 'modify' | 'update' | 'info' | 'refer' | 'notify' | 'message' | 'prack' | 'request';

/** Sends a response, never throwing (the request may have been answered already by a listener). */
function answer(res: ServerResponse, status: number, options: ResponseOptions = {}): void {
  if (res.finalSent) return;
  try {
    res.send(status, options);
  } catch {
    // answered meanwhile, or the transaction is gone: nothing more to do
  }
}

/** Emits `event` with (req, res) to the application, or runs the default answer when nobody listens. */
function deliver(
  dialog: Dialog,
  event: RequestEvent,
  req: IncomingRequest,
  res: ServerResponse,
  fallback: () => void,
): void {
  if (dialog.listenerCount(event) === 0) {
    fallback();
    return;
  }
  try {
    dialog.emit(event, ...([req, res] as DialogEvents[typeof event]));
  } catch (error) {
    dialog.host.report(error);
    answer(res, 500);
  }
}

/** The SDP of a request or response body, when it has one. */
function sdpOf(message: { body: Buffer; contentType?: { mediaType: string } | undefined }): string | undefined {
  if (message.body.length === 0) return undefined;
  const type = message.contentType?.mediaType;
  return type === undefined || type === 'application/sdp' ? message.body.toString('utf8') : undefined;
}

/**
 * Handles a request whose To tag, From tag and Call-ID matched `dialog` (§12.2.2). Never
 * throws; every request gets a final response.
 */
export function handleInDialogRequest(dialog: Dialog, req: IncomingRequest): void {
  const request = req.message;
  const host = dialog.host;
  if (request.method === 'PRACK') {
    handlePrack(dialog, req);
    return;
  }
  const refresh = request.method === 'INVITE' || request.method === 'UPDATE';
  const timer: UasSessionTimerDecision = refresh ? uasSessionTimer(request, host.sessionTimer) : { kind: 'none' };
  const extra = timer.kind === 'accept' ? timer.headers : [];
  const res = new ServerResponse(req, {
    toTag: dialog.sip.id.localTag,
    defaultHeaders: () => [...host.responseHeaders(req, refresh), ...extra],
    transmit: refresh ? (response) => transmitOfferAnswer(dialog, req, response, timer) : undefined,
  });

  // §12.2.2: "If the remote sequence number was not empty, but the sequence number of the
  // request is lower than the remote sequence number, the request is out of order and MUST be
  // rejected with a 500 (Server Internal Error) response."
  if (!dialog.sip.acceptRemoteSeq(request)) {
    answer(res, 500, { reason: 'CSeq Out of Order' });
    return;
  }
  switch (request.method) {
    case 'BYE':
      // §15.1.2: "the UAS core … SHOULD terminate the session … and generate a 2xx response".
      answer(res, 200);
      dialog.terminate({ initiator: 'remote', reason: 'bye', request });
      return;
    case 'INVITE':
    case 'UPDATE': {
      const offer = request.method === 'INVITE' || sdpOf(request) !== undefined;
      // §14.2: "A UAS that receives an INVITE on a dialog while an INVITE it had sent on that
      // dialog is in progress MUST return a 491 (Request Pending)"; RFC 3311 §5.2 the same for UPDATE.
      if (offer && dialog.session.offering) {
        answer(res, 491);
        return;
      }
      // §14.2: a second INVITE before the first is answered: 500 with Retry-After 0..10 s.
      if (offer && dialog.session.answering) {
        answer(res, 500, { headers: { 'Retry-After': String(pendingInviteRetryAfter(() => host.random())) } });
        return;
      }
      if (timer.kind === 'reject') {
        // RFC 4028 §9: Session-Expires below our minimum: 422 with our Min-SE.
        answer(res, 422, { headers: { 'Min-SE': String(timer.minSE) } });
        return;
      }
      if (request.method === 'INVITE') dialog.session.answering = true;
      // §12.2.2 / RFC 3311 §5.2: a target refresh request updates the remote target.
      dialog.sip.refreshTarget(request);
      const event = request.method === 'INVITE' ? 'modify' : 'update';
      deliver(dialog, event, req, res, () => {
        const local = dialog.session.localSdp;
        const body = sdpOf(request) !== undefined || request.method === 'INVITE' ? local : undefined;
        answer(res, 200, body === undefined ? {} : { body, contentType: 'application/sdp' });
      });
      return;
    }
    case 'INFO':
      deliver(dialog, 'info', req, res, () => answer(res, 200));
      return;
    case 'REFER':
      deliver(dialog, 'refer', req, res, () => answer(res, 603));
      return;
    case 'NOTIFY':
      deliver(dialog, 'notify', req, res, () => answer(res, 200));
      return;
    case 'MESSAGE':
      deliver(dialog, 'message', req, res, () => answer(res, 200));
      return;
    default:
      deliver(dialog, 'request', req, res, () => answer(res, request.method === 'SUBSCRIBE' ? 489 : 405));
  }
}

/**
 * A PRACK (RFC 3262 §3): 481 unless its RAck matches our unacknowledged reliable provisional
 * response; else the application (or we) answer it, and only then may the next reliable 1xx or
 * the held 2xx go. Offer/answer (§5): SDP in a PRACK answers an offer our 1xx made when the
 * INVITE had none; otherwise it is a new offer that the 200 answers.
 */
function handlePrack(dialog: Dialog, req: IncomingRequest): void {
  const request = req.message;
  const reliable = dialog.reliableProvisionals;
  let rack;
  try {
    rack = request.rack;
  } catch {
    rack = undefined; // bad grammar: matches nothing
  }
  const acked = reliable?.acknowledge(rack);
  const res = new ServerResponse(req, {
    toTag: dialog.sip.id.localTag,
    defaultHeaders: () => dialog.host.responseHeaders(req, false),
    transmit: (response) => {
      req.transaction.respond(response);
      if (response.status < 200 || acked === undefined) return;
      const answerSdp = sdpOf(response);
      if (response.status < 300 && answerSdp !== undefined) dialog.session.localSdp = answerSdp;
      reliable?.prackAnswered();
    },
  });
  if (reliable === undefined || acked === undefined) {
    // §3: "If a PRACK request is received by the UA core that does not match any unacknowledged
    // reliable provisional response, the UAS MUST respond to the PRACK with a 481".
    answer(res, 481);
    return;
  }
  if (!dialog.sip.acceptRemoteSeq(request)) {
    answer(res, 500, { reason: 'CSeq Out of Order' });
    return;
  }
  const prackSdp = sdpOf(request);
  const answersOurOffer = !reliable.inviteHadOffer && sdpOf(acked) !== undefined;
  if (prackSdp !== undefined) dialog.session.remoteSdp = prackSdp;
  deliver(dialog, 'prack', req, res, () => {
    const local = dialog.session.localSdp;
    const newOffer = prackSdp !== undefined && !answersOurOffer;
    answer(res, 200, newOffer && local !== undefined ? { body: local, contentType: 'application/sdp' } : {});
  });
}

/**
 * Sends a response to an in-dialog INVITE/UPDATE: a 2xx to a re-INVITE is retransmitted until
 * its ACK (§13.3.1.4; none → BYE), and a 2xx completes the offer/answer and the session-timer
 * negotiation.
 */
function transmitOfferAnswer(
  dialog: Dialog,
  req: IncomingRequest,
  response: SipResponse,
  timer: UasSessionTimerDecision,
): void {
  const request = req.message;
  const success = response.status >= 200 && response.status < 300;
  if (success && request.method === 'INVITE') {
    dialog.host.retransmit2xx(req.transaction as InviteServerTransaction, response, () => {
      void dialog.destroy({ reason: 'no-ack' }).catch(() => undefined);
    });
  } else {
    req.transaction.respond(response);
  }
  if (response.status < 200) return;
  if (request.method === 'INVITE') dialog.session.answering = false;
  if (!success) return;
  const offer = sdpOf(request);
  const answerSdp = sdpOf(response);
  if (offer !== undefined) dialog.session.remoteSdp = offer;
  if (answerSdp !== undefined) dialog.session.localSdp = answerSdp;
  // A late offer (re-INVITE without SDP): our 2xx is the offer, the ACK brings the answer.
  if (timer.kind === 'accept') dialog.startSessionTimer(timer.terms);
}
