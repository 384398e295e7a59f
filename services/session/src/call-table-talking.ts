/**
 * Table rows of a confirmed call (guide §6.2.5, §6.2.7, §6.6, §6.8, §6.10): BYE, hold and
 * unhold, media update, re-INVITE/UPDATE from the peer and glare, session timer refresh and
 * expiry, DTMF, transfer (ours and the peer's) and replacement.
 */
import { SdpError, warningHeader } from '@talkbus/sdp';
import { dtmfMethod, type CallEffect, type CallInput, type PendingOffer } from './call-model.ts';
import {
  armTimer,
  busy,
  emit,
  end,
  step,
  timerFrom,
  updateMedia,
  wrongState,
  type Step,
  type TableContext,
  type Transition,
} from './call-steps.ts';
import type { CallData } from './call-model.ts';

type Row<T extends CallInput['type']> = Transition<Extract<CallInput, { type: T }>>;

function mediaOf(ctx: TableContext) {
  if (!ctx.media) throw new Error('no media session in a confirmed call');
  return ctx.media;
}

/** Sends a re-offer for `pending` (guide §6.6 hold/unhold, table 6-2 update, RFC 4028 refresh). */
export function reoffer(data: CallData, pending: PendingOffer, ctx: TableContext): Step {
  const media = mediaOf(ctx);
  const interval = data.timer?.interval ?? ctx.config.sessionInterval;
  // RFC 4028 §9: "UPDATE is RECOMMENDED … when the UA knows the peer supports it" (its Allow);
  // without SDP, so the refresh does not touch the media. Otherwise a re-INVITE with our SDP.
  if (pending.purpose === 'refresh' && data.peerAllowsUpdate) {
    const headers = { Supported: 'timer', 'Session-Expires': `${interval};refresher=uac` };
    return step(data, { offer: pending, glare: null }, { kind: 'sip.reoffer', method: 'UPDATE', sdp: null, headers });
  }
  const options =
    pending.purpose === 'hold'
      ? { hold: true }
      : pending.purpose === 'unhold'
        ? { hold: false }
        : pending.purpose === 'update'
          ? { video: pending.video }
          : {};
  const sdp = media.createReoffer(options);
  const localHold =
    pending.purpose === 'hold' ? 'holding' : pending.purpose === 'unhold' ? 'unholding' : data.localHold;
  const headers = {
    Supported: 'timer, replaces',
    'Session-Expires': `${interval};refresher=uac`,
  };
  return step(
    data,
    { offer: pending, glare: null, localHold },
    { kind: 'sip.reoffer', method: 'INVITE', sdp, headers },
  );
}

export function pendingWork(data: CallData): boolean {
  return data.offer !== null || data.glare !== null || data.videoPending !== null;
}

/** `session.hold`: one hold at a time (guide §6.6: no unhold before holdOk, and vice versa). */
export const hold: Row<'app.hold'> = (data, _input, ctx) => {
  if (data.localHold !== 'none') throw busy(data, 'hold');
  if (pendingWork(data)) throw busy(data, 'hold');
  return reoffer(data, { purpose: 'hold', video: data.video }, ctx);
};

/** `session.unhold`. */
export const unhold: Row<'app.unhold'> = (data, _input, ctx) => {
  if (data.localHold === 'none') throw wrongState(data, 'unhold a call that is not held');
  if (data.localHold !== 'held' || pendingWork(data)) throw busy(data, 'unhold');
  return reoffer(data, { purpose: 'unhold', video: data.video }, ctx);
};

/** 2xx to our re-offer: holdOk / unholdOk / modifyAcpt, or a refreshed session timer. */
export const reofferAnswered: Row<'sip.reofferAnswered'> = (data, input, ctx) => {
  const media = mediaOf(ctx);
  const pending = data.offer;
  if (!pending) return step(data, {});
  if (input.sdp) {
    try {
      media.receiveAnswer(input.sdp);
    } catch (error) {
      if (!(error instanceof SdpError)) throw error;
      media.rollback();
      const localHold = pending.purpose === 'hold' ? 'none' : pending.purpose === 'unhold' ? 'held' : data.localHold;
      return step(
        data,
        { offer: null, localHold },
        emit(data, 'call.error', {
          operation: pending.purpose,
          code: error.code,
          sipStatus: error.status,
          message: error.message,
        }),
      );
    }
  }
  const timer = timerFrom(input.sessionExpires, true, data.timer?.interval ?? ctx.config.sessionInterval);
  const effects: CallEffect[] = [...updateMedia(ctx), ...armTimer(timer)];
  const next: Partial<CallData> = { offer: null, timer, remoteHeld: media.remoteHold };
  if (pending.purpose === 'hold') {
    next.localHold = 'held';
    effects.push(emit(data, 'call.holdOk'));
  } else if (pending.purpose === 'unhold') {
    next.localHold = 'none';
    effects.push(emit(data, 'call.unholdOk'));
  } else if (pending.purpose === 'update') {
    next.video = !!media.video;
    effects.push(emit(data, 'call.modifyAcpt', { video: !!media.video }));
  }
  return step(data, next, ...effects);
};

/**
 * Our re-offer refused. 491: roll back and retry after RFC 3261 §14.1's random wait (2.1–4 s when
 * we own the Call-ID, i.e. placed the call; 0–2 s otherwise). 408/481: the dialog is gone (§14.1
 * and RFC 4028 §10), so BYE. Others: the call goes on as before, `call.error`.
 */
export const reofferRejected: Row<'sip.reofferRejected'> = (data, input, ctx) => {
  const media = mediaOf(ctx);
  const pending = data.offer;
  if (media.state === 'local-offer') media.rollback();
  if (!pending) return step(data, {});
  if (input.status === 408 || input.status === 481) {
    return end(data, ctx, 'TIMEOUT', input.status, { kind: 'sip.bye' });
  }
  const localHold = pending.purpose === 'hold' ? 'none' : pending.purpose === 'unhold' ? 'held' : data.localHold;
  if (input.status === 491) {
    const ms =
      data.direction === 'outgoing' ? 2100 + Math.floor(ctx.random() * 190) * 10 : Math.floor(ctx.random() * 200) * 10;
    return step(data, { offer: null, glare: pending, localHold }, { kind: 'timer.start', timer: 'glare', ms });
  }
  if (pending.purpose === 'refresh') return step(data, { offer: null }, ...armTimer(data.timer!));
  return step(
    data,
    { offer: null, localHold },
    emit(data, 'call.error', {
      operation: pending.purpose,
      code: 'SIP_FAILED',
      sipStatus: input.status,
      message: `re-INVITE refused with ${input.status}`,
    }),
  );
};

/** The glare wait is over: send the re-offer again. */
export const glareRetry: Row<'timer.glare'> = (data, _input, ctx) =>
  data.glare ? reoffer(data, data.glare, ctx) : step(data, {});

/**
 * The peer's re-INVITE or UPDATE. Ours outstanding → 491 (RFC 3261 §14.2). Broken SDP → 400/488
 * with a Warning and the call goes on. Otherwise: held/unheld (guide §6.6), modified (video),
 * and the session timer restarts (RFC 4028 §10: the peer's request refreshed it).
 */
export const peerReoffer: Row<'sip.reoffer'> = (data, input, ctx) => {
  const media = mediaOf(ctx);
  const respond = (status: number, extra: Partial<Extract<CallEffect, { kind: 'sip.respondRequest' }>> = {}) =>
    ({ kind: 'sip.respondRequest', requestId: input.requestId, status, ...extra }) as const;
  if (data.offer || media.state === 'local-offer') return step(data, {}, respond(491));
  const timer = timerFrom(input.sessionExpires, false, data.timer?.interval ?? ctx.config.sessionInterval);
  const timerHeaders = {
    'Session-Expires': `${timer.interval};refresher=${timer.refresher === 'local' ? 'uas' : 'uac'}`,
    ...(timer.refresher === 'remote' ? { Require: 'timer' } : {}),
  };
  if (!input.sdp) {
    // UPDATE without SDP: a pure refresh. An offerless re-INVITE gets our SDP as an offer.
    if (input.method === 'UPDATE')
      return step(data, { timer }, respond(200, { headers: timerHeaders }), ...armTimer(timer));
    const sdp = media.createReoffer({});
    return step(data, { timer }, respond(200, { sdp, headers: timerHeaders }), ...armTimer(timer));
  }
  let answer: string;
  try {
    answer = media.receiveOffer(input.sdp);
  } catch (error) {
    if (!(error instanceof SdpError)) throw error;
    const warning = error.status === 488 ? warningHeader(error) : undefined;
    return step(data, {}, respond(error.status, warning ? { headers: { Warning: warning } } : {}));
  }
  const effects: CallEffect[] = [
    respond(200, { sdp: answer, headers: timerHeaders }),
    ...updateMedia(ctx),
    ...armTimer(timer),
  ];
  const remoteHeld = media.remoteHold;
  if (remoteHeld && !data.remoteHeld) effects.push(emit(data, 'call.held'));
  if (!remoteHeld && data.remoteHeld) effects.push(emit(data, 'call.unheld'));
  const video = !!media.video;
  if (video !== data.video) effects.push(emit(data, 'call.modified', { video }));
  return step(data, { remoteHeld, video, timer }, ...effects);
};

/** The answer to our SDP offered in a 200 arrived in the ACK. */
export const reofferAck: Row<'sip.ack'> = (data, input, ctx) => {
  const media = mediaOf(ctx);
  if (media.state !== 'local-offer') return step(data, {});
  if (!input.sdp) {
    media.rollback();
    return step(data, {});
  }
  try {
    media.receiveAnswer(input.sdp);
  } catch {
    media.rollback();
    return step(data, {});
  }
  return step(data, { remoteHeld: media.remoteHold }, ...updateMedia(ctx));
};

/** Half the interval passed and we refresh (RFC 4028 §10). */
export const refresh: Row<'timer.refresh'> = (data, _input, ctx) => {
  if (pendingWork(data)) return step(data, {}, { kind: 'timer.start', timer: 'refresh', ms: 2000 });
  return reoffer(data, { purpose: 'refresh', video: data.video }, ctx);
};

/** The peer did not refresh in time: BYE (RFC 4028 §10; guide §6.10). */
export const expire: Row<'timer.expire'> = (data, _input, ctx) =>
  end(data, ctx, 'TIMEOUT', 408, { kind: 'sip.bye', headers: { Reason: 'SIP;cause=408;text="Session expired"' } });

/** BYE from the peer (guide table 6-8 `MTC_CALL_TERM_BYE`). */
export const byeReceived: Row<'sip.bye'> = (data, _input, ctx) => end(data, ctx, 'BYE', null);

/** `session.term` in a call: BYE (guide §6.2.5). */
export const hangUp: Row<'app.term'> = (data, _input, ctx) => end(data, ctx, 'NORMAL', null, { kind: 'sip.bye' });

/** In-dialog request failed with 408/481 or the flow broke: the call is over. */
export const dialogGone: Row<'sip.dialogGone'> = (data, input, ctx) =>
  end(data, ctx, input.status === 481 ? 'FAILED' : 'TIMEOUT', input.status, { kind: 'sip.bye' });

/** `session.dtmf`: RFC 4733 or SIP INFO per dtmfMode (guide §6.2.7). */
export const sendDtmf: Row<'app.dtmf'> = (data, input, ctx) => {
  const method = dtmfMethod(input.mode, !!mediaOf(ctx).audio?.telephoneEvent);
  if (method === 'rfc4733')
    return step(data, {}, { kind: 'media.dtmf', digits: input.digits, durationMs: input.durationMs });
  const effects: CallEffect[] = [...input.digits].map((key) => ({
    kind: 'sip.info',
    contentType: 'application/dtmf-relay',
    body: `Signal=${key.toUpperCase()}\r\nDuration=${input.durationMs}\r\n`,
  }));
  return step(data, {}, ...effects);
};

/** DTMF from the peer by INFO: 200, then `call.dtmf`. */
export const infoReceived: Row<'sip.info'> = (data, input) => {
  const effects: CallEffect[] = [{ kind: 'sip.respondRequest', requestId: input.requestId, status: 200 }];
  if (input.key)
    effects.push(emit(data, 'call.dtmf', { key: input.key, method: 'info', durationMs: input.durationMs }));
  return step(data, {}, ...effects);
};

/** DTMF from the peer by RFC 4733 (the media service detected it). */
export const rtpDtmf: Row<'media.dtmf'> = (data, input) =>
  step(data, {}, emit(data, 'call.dtmf', { key: input.key, method: 'rfc4733', durationMs: input.durationMs }));

// ---- transfer (guide §6.8) -------------------------------------------------------------------

/** `session.transfer` / `session.attendedTransfer`: REFER (with Replaces in Refer-To for attended). */
export const transfer: Row<'app.transfer'> = (data, input, ctx) => {
  if (data.transfer !== 'none' || pendingWork(data)) throw busy(data, 'transfer');
  return step(
    data,
    { transfer: 'referring', transferTarget: input.referTo },
    { kind: 'sip.refer', referTo: input.referTo, headers: { 'Referred-By': `<${ctx.localUri}>` } },
  );
};

/** 202 to our REFER: `call.trsfAcpt` (guide §6.8.1 step 1: accepted is not yet done). */
export const referAccepted: Row<'sip.referAccepted'> = (data) =>
  step(data, { transfer: 'accepted' }, emit(data, 'call.trsfAcpt'));

/** REFER refused: `call.trsfTerm` with failure; the call goes on. */
export const referRejected: Row<'sip.referRejected'> = (data, input) =>
  step(
    data,
    { transfer: 'none', transferTarget: null },
    emit(data, 'call.trsfTerm', { success: false, sipStatus: input.status }),
  );

/**
 * NOTIFY of our REFER's subscription (RFC 3515 §2.4.5). A final sipfrag ends it: success ends our
 * call (termed TRSFED, then trsfTerm, guide §6.8.1 order); failure leaves the call as it was.
 */
export const notifyReceived: Row<'sip.notify'> = (data, input, ctx) => {
  const ok: CallEffect = { kind: 'sip.respondRequest', requestId: input.requestId, status: 200 };
  const final = input.fragStatus !== null && input.fragStatus >= 200;
  if (!final && !input.terminated) return step(data, {}, ok);
  const success = input.fragStatus !== null && input.fragStatus >= 200 && input.fragStatus < 300;
  const trsfTerm = emit(data, 'call.trsfTerm', { success, sipStatus: input.fragStatus });
  if (data.phase === 'ended')
    return step({ ...data, transfer: 'none' }, {}, ok, { kind: 'timer.cancel', timer: 'transferWait' }, trsfTerm, {
      kind: 'dispose',
    });
  if (!success) return step(data, { transfer: 'none' }, ok, trsfTerm);
  const ended = end({ ...data, transfer: 'none', transferred: true }, ctx, 'TRSFED', null, ok, { kind: 'sip.bye' });
  // end() disposes last; trsfTerm goes before the disposal, after termed.
  const dispose = ended.effects.pop()!;
  return { data: ended.data, effects: [...ended.effects, trsfTerm, dispose] };
};

/** The call ended before the transfer's final NOTIFY came: stop waiting (trsfTerm, unknown). */
export const transferWaitOver: Row<'timer.transferWait'> = (data) =>
  step(data, { transfer: 'none' }, emit(data, 'call.trsfTerm', { success: data.transferred, sipStatus: null }), {
    kind: 'dispose',
  });

/** The peer transfers us (REFER): 202, NOTIFY 100, and a new call to Refer-To (`call.refered`). */
export const referReceived: Row<'sip.refer'> = (data, input) =>
  step(
    data,
    { referSubscription: true, transferTarget: input.referTo },
    { kind: 'sip.respondRequest', requestId: input.requestId, status: 202 },
    { kind: 'sip.notify', fragStatus: 100, terminated: false },
    { kind: 'service.referredCall', referTo: input.referTo, referredBy: input.referredBy },
  );

/** Progress of the call our peer's REFER made: NOTIFY sipfrag (RFC 3515 §2.4.4). */
export const referredProgress: Row<'referred.progress'> = (data, input) => {
  if (!data.referSubscription || data.phase === 'ended') return step(data, {});
  const terminated = input.status >= 200;
  return step(
    data,
    { referSubscription: !terminated, transferred: data.transferred || (input.status >= 200 && input.status < 300) },
    { kind: 'sip.notify', fragStatus: input.status, terminated },
  );
};

/** Another call took this one's place (INVITE with Replaces): `call.replaced`, BYE, termed REPLACE. */
export const replacedBy: Row<'replaced.by'> = (data, input, ctx) =>
  end(
    { ...data, transferTarget: input.sessionId },
    ctx,
    'REPLACE',
    null,
    emit(data, 'call.replaced', { replacedBy: input.sessionId }),
    { kind: 'sip.bye' },
  );

/** A refused action in a call. */
export function refuseIn(what: string): Transition {
  return (data) => {
    throw wrongState(data, what);
  };
}
