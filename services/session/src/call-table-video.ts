/**
 * Table rows that add or remove video in a confirmed call (guide table 6-1 "update", §6.3;
 * `call.modified` / `call.modifyAcpt`). An endpoint made audio-only has no video port, and an
 * offer or answer with video must name one: the row first asks the media service for a video
 * transport (`media.addVideo`), and the offer (ours) or the answer (to the peer's re-INVITE)
 * goes out once `media.videoAdded` comes back.
 */
import { parseSdp } from '@talkbus/sdp';
import type { CallInput } from './call-model.ts';
import { busy, emit, step, type Transition } from './call-steps.ts';
import { peerReoffer as answerReoffer, pendingWork, reoffer } from './call-table-talking.ts';

type Row<T extends CallInput['type']> = Transition<Extract<CallInput, { type: T }>>;

/** Whether an offer has an active video m-line (unparseable: no, the offer row answers 400). */
function offersVideo(sdp: string | null): boolean {
  if (!sdp) return false;
  try {
    return parseSdp(sdp).media.some((media) => media.type === 'video' && media.port !== 0);
  } catch {
    return false;
  }
}

/** `session.update`: add or remove video (`Mtc_SessUpdate`); `call.modifyAcpt` on the 2xx. */
export const update: Row<'app.update'> = (data, input, ctx) => {
  if (pendingWork(data)) throw busy(data, 'update the media');
  if (input.video && !ctx.videoTransport)
    return step(data, { acceptVideo: true, videoPending: { for: 'update' } }, { kind: 'media.addVideo' });
  // Removing video keeps the policy: the endpoint keeps its video transport, so a peer adding
  // video back is answered with it, as `acceptVideo` says.
  const acceptVideo = data.acceptVideo || input.video;
  return reoffer({ ...data, acceptVideo }, { purpose: 'update', video: input.video }, ctx);
};

/**
 * The peer's re-INVITE/UPDATE. One that adds video to a call without a video transport waits
 * for one when the call accepts video; otherwise the offer row answers it (port 0 for video,
 * RFC 3264 §6: a stream we do not take is answered with port zero).
 */
export const peerReoffer: Row<'sip.reoffer'> = (data, input, ctx) => {
  if (data.videoPending?.for === 'peer') {
    // RFC 3261 §14.2: a second INVITE before our final response to the first → 500 + Retry-After.
    return step(
      data,
      {},
      {
        kind: 'sip.respondRequest',
        requestId: input.requestId,
        status: 500,
        headers: { 'Retry-After': '1' },
      },
    );
  }
  if (data.acceptVideo && !ctx.videoTransport && !data.offer && offersVideo(input.sdp))
    return step(data, { videoPending: { for: 'peer', offer: input } }, { kind: 'media.addVideo' });
  return answerReoffer(data, input, ctx);
};

/** The video transport exists: send our re-offer, or answer the peer's. */
export const videoAdded: Row<'media.videoAdded'> = (data, _input, ctx) => {
  const pending = data.videoPending;
  const next = { ...data, videoPending: null };
  if (!pending) return step(next, {});
  if (pending.for === 'update') return reoffer(next, { purpose: 'update', video: true }, ctx);
  return answerReoffer(next, pending.offer, ctx);
};

/** No video transport: our update fails (`call.error`); the peer's offer is answered without video. */
export const videoFailed: Row<'media.videoFailed'> = (data, input, ctx) => {
  const pending = data.videoPending;
  const next = { ...data, videoPending: null };
  if (pending?.for === 'peer') return answerReoffer(next, pending.offer, ctx);
  return step(
    next,
    {},
    emit(data, 'call.error', { operation: 'media', code: 'MEDIA_FAILED', sipStatus: null, message: input.message }),
  );
};
