/**
 * Table rows of call set-up (guide §6.2.1–§6.2.4, §6.3, §6.4, §6.9): `outgoing`, `alerted`,
 * `incoming`, `answering`, and `terminating` (CANCEL sent, waiting for the 487).
 */
import { SdpError } from '@talkbus/sdp';
import type { CallData, CallInput } from './call-model.ts';
import {
  armTimer,
  emit,
  end,
  reasonOfStatus,
  reportToReferrer,
  step,
  timerFrom,
  timerRequestHeaders,
  updateMedia,
  wrongState,
  type Step,
  type TableContext,
  type Transition,
} from './call-steps.ts';

type Row<T extends CallInput['type']> = Transition<Extract<CallInput, { type: T }>>;

function mediaOf(ctx: TableContext) {
  if (!ctx.media) throw new Error('no media session before media.ready');
  return ctx.media;
}

// ---- outgoing (UAC) --------------------------------------------------------------------------

/** `session.call`: create the media endpoint first; the INVITE needs its ports. */
export const startOutgoing: Row<'app.start'> = (data) => step(data, {}, { kind: 'media.create', video: data.video });

/** Endpoint ready: INVITE with our offer, then `call.outgoing` (guide §6.2.1 step 1). */
export const sendInvite: Row<'media.ready'> = (data, _input, ctx) => {
  const sdp = mediaOf(ctx).createOffer({ video: data.video });
  return step(
    data,
    { mediaReady: true },
    { kind: 'sip.invite', target: data.target, sdp, headers: timerRequestHeaders(data, ctx) },
    emit(data, 'call.outgoing', { peerUri: data.peerUri, video: data.video }),
  );
};

/**
 * 18x: `call.alerted` once (guide §6.2.1 step 2). Without SDP, local ringback; with SDP, the
 * network's early media (§6.9.2: "如果没有，则 MTC 则会播放本地铃音。如果有，则会播放从网络侧收到的早期媒体数据").
 */
export const provisional: Row<'sip.provisional'> = (data, input, ctx) => {
  if (input.status <= 100) return step(data, {});
  const effects = [];
  let earlyMedia = data.earlyMedia;
  let offerAnswerDone = data.offerAnswerDone;
  if (input.sdp) {
    try {
      mediaOf(ctx).receiveAnswer(input.sdp);
      offerAnswerDone = true;
      earlyMedia = 'network';
      effects.push(...updateMedia(ctx), { kind: 'media.earlyMedia' as const, mode: 'network' as const });
    } catch (error) {
      if (!(error instanceof SdpError)) throw error;
      // An unusable early answer: keep ringing locally; the 200 may still carry a good one.
    }
  } else if (data.earlyMedia === 'none' && input.status === 180) {
    earlyMedia = 'local-ringback';
    effects.push({ kind: 'media.earlyMedia' as const, mode: 'local-ringback' as const });
  }
  if (!data.alerted) {
    effects.push(emit(data, 'call.alerted', { sipStatus: input.status, earlyMedia }));
    effects.push(...reportToReferrer(data, input.status));
  }
  const phase = data.phase === 'outgoing' ? 'alerted' : data.phase;
  return step(data, { alerted: true, earlyMedia, offerAnswerDone, phase }, ...effects);
};

/** 2xx: the answer, the session timer, `call.talking` (guide §6.2.1 step 4). */
export const answered: Row<'sip.answered'> = (data, input, ctx) => {
  const media = mediaOf(ctx);
  if (input.sdp) {
    try {
      // A 2xx repeating the 183's SDP is a repeat (RFC 3261 §13.2.1); `replace` takes a changed one.
      media.receiveAnswer(input.sdp, { replace: true });
    } catch (error) {
      if (!(error instanceof SdpError)) throw error;
      // RFC 3261 §13.2.2.4: the 2xx is ACKed (by the UA), then the call is ended by BYE.
      return end(
        data,
        ctx,
        'FAILED',
        error.status,
        { kind: 'sip.bye' },
        emit(data, 'call.error', {
          operation: 'call',
          code: error.code,
          sipStatus: error.status,
          message: error.message,
        }),
      );
    }
  }
  if (!media.negotiated) {
    return end(data, ctx, 'FAILED', 488, { kind: 'sip.bye' });
  }
  const timer = timerFrom(input.sessionExpires, true, data.requestedInterval);
  const effects = [];
  if (data.earlyMedia === 'local-ringback')
    effects.push({ kind: 'media.earlyMedia' as const, mode: 'network' as const });
  effects.push(...updateMedia(ctx), ...armTimer(timer));
  const video = !!media.video;
  effects.push(emit(data, 'call.talking', { video }), ...reportToReferrer(data, 200));
  return step(
    data,
    {
      phase: 'talking',
      answeredAt: ctx.now(),
      offerAnswerDone: true,
      timer,
      video,
      peerIsFocus: input.isFocus,
      peerAllowsUpdate: input.allowsUpdate ?? false,
      remoteHeld: media.remoteHold,
    },
    ...effects,
  );
};

/** Final failure: 422 retried with the peer's Min-SE, 3xx followed, anything else ends the call. */
export const rejected: Row<'sip.rejected'> = (data, input, ctx) => {
  const media = mediaOf(ctx);
  const offer = media.pendingOffer ?? media.localSdp;
  // RFC 4028 §7.4: a 422 names the Min-SE to retry with.
  if (input.status === 422 && input.minSE && input.minSE > data.requestedInterval && offer) {
    const next = { ...data, requestedInterval: input.minSE };
    return step(
      next,
      {},
      { kind: 'sip.invite', target: data.target, sdp: offer, headers: timerRequestHeaders(next, ctx) },
    );
  }
  // Guide §6.12.4: a 3xx moves the call; the redirect event, then a new INVITE to the contact.
  if (input.status >= 300 && input.status < 400 && data.phase !== 'terminating') {
    const following = input.contacts.length > 0 && data.redirects < ctx.config.maxRedirects && !!offer;
    const effects = [emit(data, 'call.redirect', { sipStatus: input.status, contacts: input.contacts, following })];
    if (following) {
      const target = input.contacts[0]!;
      return step(data, { target, redirects: data.redirects + 1, transferTarget: target }, ...effects, {
        kind: 'sip.invite',
        target,
        sdp: offer!,
        headers: timerRequestHeaders(data, ctx),
      });
    }
    return end({ ...data, transferTarget: input.contacts[0] ?? null }, ctx, 'REDIRECT', input.status, ...effects);
  }
  if (data.phase === 'terminating') return end(data, ctx, 'NORMAL', input.status);
  return end(data, ctx, reasonOfStatus(input.status), input.status);
};

/**
 * `session.term` while calling: CANCEL (guide §6.2.3: "主叫在取消发起的呼叫时并没有取消原因这一说法").
 * Before the INVITE went out there is nothing to cancel.
 */
export const cancelOutgoing: Row<'app.term'> = (data, _input, ctx) => {
  if (!data.mediaReady) return end(data, ctx, 'NORMAL', null);
  return step(data, { phase: 'terminating' }, { kind: 'sip.cancel' });
};

/** A 2xx crossing our CANCEL: the call is ended by BYE (RFC 3261 §9.1). */
export const answeredWhileCancelling: Row<'sip.answered'> = (data, _input, ctx) =>
  end(data, ctx, 'NORMAL', 200, { kind: 'sip.bye' });

// ---- incoming (UAS) --------------------------------------------------------------------------

/** An INVITE was admitted: 180, `call.incoming`, and the no-answer timer (guide §6.2.2, §6.4.3). */
export const startIncoming: Row<'app.start'> = (data, _input, ctx) =>
  step(
    data,
    {},
    { kind: 'sip.respond', status: 180 },
    emit(data, 'call.incoming', {
      peerUri: data.peerUri,
      peerId: data.peerId,
      video: data.video,
      waiting: data.waiting,
      replaces: data.replaces,
      referredBy: data.referredBy,
    }),
    { kind: 'timer.start', timer: 'noAnswer', ms: ctx.config.noAnswerMs },
  );

/** `session.answer`: the endpoint first (with video only if both want it, §6.3.2). */
export const answer: Row<'app.answer'> = (data, input) =>
  step(
    data,
    {
      phase: 'answering',
      video: data.video && input.video,
      acceptVideo: input.acceptVideo ?? (data.video && input.video),
      cookie: input.cookie ?? data.cookie,
    },
    { kind: 'timer.cancel', timer: 'noAnswer' },
    { kind: 'media.create', video: data.video && input.video },
  );

/** Endpoint ready: 200 with our answer (or our offer, for an offerless INVITE) and Session-Expires. */
export const sendAnswer: Row<'media.ready'> = (data, _input, ctx) => {
  const media = mediaOf(ctx);
  let sdp: string;
  try {
    sdp = data.remoteOffer ? media.receiveOffer(data.remoteOffer) : media.createOffer({ video: data.video });
  } catch (error) {
    if (!(error instanceof SdpError)) throw error;
    return end({ ...data, mediaReady: true }, ctx, 'FAILED', error.status, {
      kind: 'sip.respond',
      status: error.status,
    });
  }
  const timer = data.timer ?? { interval: ctx.config.sessionInterval, refresher: 'local' as const };
  const headers = {
    Supported: 'timer, replaces',
    'Session-Expires': `${timer.interval};refresher=${timer.refresher === 'local' ? 'uas' : 'uac'}`,
    ...(timer.refresher === 'remote' ? { Require: 'timer' } : {}),
  };
  return step(
    data,
    { mediaReady: true, timer, video: data.remoteOffer ? !!media.video : data.video },
    { kind: 'sip.respond', status: 200, sdp, headers },
    ...(data.remoteOffer ? updateMedia(ctx) : []),
  );
};

/** ACK: the call is up (guide §6.2.2 step 2, `call.talking`). An offerless INVITE's answer is in it. */
export const acked: Row<'sip.ack'> = (data, input, ctx) => {
  const media = mediaOf(ctx);
  const effects = [];
  if (!data.remoteOffer) {
    try {
      if (!input.sdp) throw new Error('no answer in the ACK');
      media.receiveAnswer(input.sdp);
      effects.push(...updateMedia(ctx));
    } catch {
      // RFC 3264 §5: no usable answer to our offer, the session cannot go on.
      return end(data, ctx, 'FAILED', 488, { kind: 'sip.bye' });
    }
  }
  const timer = data.timer!;
  effects.push(...armTimer(timer), emit(data, 'call.talking', { video: !!media.video }));
  return step(
    data,
    {
      phase: 'talking',
      answeredAt: ctx.now(),
      offerAnswerDone: true,
      remoteHeld: media.remoteHold,
      video: !!media.video,
    },
    ...effects,
  );
};

/** Reject: NORMAL → 480, BUSY → 486, DECLINE → 603 (guide §6.2.4, §6.3.4, §6.7.1). */
export const rejectIncoming: Row<'app.term'> = (data, input, ctx) => {
  const status = input.reason === 'BUSY' ? 486 : input.reason === 'DECLINE' ? 603 : 480;
  const reason = input.reason === 'NORMAL' ? 'NORMAL' : input.reason;
  return end(data, ctx, reason, status, { kind: 'sip.respond', status });
};

/** Deflection: 302 with Contact and Diversion (guide §6.4.5, RFC 5806). */
export const divert: Row<'app.divert'> = (data, input, ctx) =>
  end({ ...data, transferTarget: input.uri }, ctx, 'REDIRECT', 302, {
    kind: 'sip.respond',
    status: 302,
    headers: { Contact: `<${input.uri}>`, Diversion: `<${ctx.localUri}>;reason=deflection;counter=1` },
  });

/** No answer in time: 480, which lets the network forward the call (guide §6.4.3). */
export const noAnswer: Row<'timer.noAnswer'> = (data, _input, ctx) =>
  end(data, ctx, 'NO_ANSWER', 480, { kind: 'sip.respond', status: 480 });

/** The caller gave up (guide table 6-8: CANCEL). */
export const cancelled: Row<'sip.cancelled'> = (data, _input, ctx) =>
  end(data, ctx, 'CANCEL', 487, { kind: 'sip.respond', status: 487 });

/** The endpoint could not be made: the call fails (incoming: 500; outgoing: nothing sent yet). */
export const mediaFailed: Row<'media.failed'> = (data, input, ctx): Step => {
  const effects = [
    emit(data, 'call.error', { operation: 'media', code: 'MEDIA_FAILED', sipStatus: null, message: input.message }),
  ];
  if (data.direction === 'incoming' && data.phase !== 'talking') effects.push({ kind: 'sip.respond', status: 500 });
  if (data.phase === 'talking') effects.push({ kind: 'sip.bye' });
  return end(data, ctx, 'FAILED', null, ...effects);
};

/** The account logged out on the server's side: every call ends (guide §5.3.5). */
export const serverLogout: Row<'account.logout'> = (data, _input, ctx) => {
  const effect =
    data.phase === 'incoming'
      ? ({ kind: 'sip.respond', status: 480 } as const)
      : data.phase === 'outgoing' || data.phase === 'alerted'
        ? ({ kind: 'sip.cancel' } as const)
        : ({ kind: 'sip.bye' } as const);
  const effects = data.phase === 'outgoing' && !data.mediaReady ? [] : [effect];
  return end(data, ctx, 'SERVER_LOGOUT', null, ...effects);
};

/** A refused action in set-up. */
export function refuse(what: string): Transition {
  return (data) => {
    throw wrongState(data as CallData, what);
  };
}
