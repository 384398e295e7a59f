/**
 * The call actor's transition table (STYLE §4): state × input → next state + effects, in one
 * place. Rows live in `call-table-setup.ts` (set-up) and `call-table-talking.ts` (a confirmed
 * call); this file says which row runs in which state, and what happens to an input no row
 * takes.
 *
 * ```
 *            app.start            media.ready          18x                 2xx
 * (UAC) outgoing ──────▶ (endpoint) ──INVITE──▶ outgoing ───▶ alerted ─────▶ talking ──BYE──▶ ended
 *   │ app.term: CANCEL ▶ terminating ── 487 / 2xx+BYE ──▶ ended        3xx: redirect, INVITE again
 * (UAS) incoming ──180──  app.answer ▶ answering ─(endpoint)─ 200 ── ACK ──▶ talking
 *   │ app.term: 480/486/603, divert: 302, CANCEL, no answer: 480 ───────────────────────▶ ended
 * talking sub-states: localHold none → holding → held → unholding → none (guide §6.6),
 *   remoteHeld, offer (our re-INVITE) / glare (491 back-off), transfer none → referring →
 *   accepted → none (trsfTerm), session timer refresh/expire (RFC 4028).
 * ```
 */
import type { CallData, CallInput, CallInputType } from './call-model.ts';
import * as setup from './call-table-setup.ts';
import { emit, step, wrongState, type Step, type TableContext, type Transition } from './call-steps.ts';
import * as talking from './call-table-talking.ts';
import * as im from './call-table-im.ts';
import * as video from './call-table-video.ts';
import type { SessionState } from '@talkbus/contracts';

type Rows = Partial<{ [T in CallInputType]: Transition<Extract<CallInput, { type: T }>> }>;

/** Rows every live (not ended) state shares: mute, mix, logout. */
const live: Rows = {
  'app.mute': (data, input) =>
    step(
      data,
      { micMuted: input.mic ?? data.micMuted, speakerMuted: input.speaker ?? data.speakerMuted },
      ...(data.mediaReady ? [{ kind: 'media.mute' as const, mic: input.mic, speaker: input.speaker }] : []),
    ),
  'app.mix': (data, input) => {
    if (data.phase !== 'talking') throw wrongState(data, 'mix');
    return step(data, { mixed: input.mixed }, { kind: 'media.mix', mixed: input.mixed });
  },
  'account.logout': setup.serverLogout,
  'media.failed': setup.mediaFailed,
  'effect.failed': (data, input) =>
    step(
      data,
      {},
      emit(data, 'call.error', {
        operation: input.operation,
        code: input.code,
        sipStatus: input.sipStatus,
        message: input.message,
      }),
    ),
};

const outgoing: Rows = {
  ...live,
  'app.start': setup.startOutgoing,
  'media.ready': setup.sendInvite,
  'sip.provisional': setup.provisional,
  'sip.answered': setup.answered,
  'sip.rejected': setup.rejected,
  'app.term': setup.cancelOutgoing,
};

/** The table. A missing app row is a wrong-state error; other missing rows: see {@link unhandled}. */
export const callTable: Record<SessionState, Rows> = {
  outgoing,
  alerted: outgoing,
  terminating: {
    'account.logout': (data) => step(data, {}),
    'sip.provisional': (data) => step(data, {}),
    'sip.answered': setup.answeredWhileCancelling,
    'sip.rejected': setup.rejected,
    'app.term': (data) => step(data, {}),
  },
  incoming: {
    ...live,
    'app.start': setup.startIncoming,
    'app.answer': setup.answer,
    'app.term': setup.rejectIncoming,
    'app.divert': setup.divert,
    'timer.noAnswer': setup.noAnswer,
    'sip.cancelled': setup.cancelled,
    'replaced.by': talking.replacedBy,
  },
  answering: {
    ...live,
    'media.ready': setup.sendAnswer,
    'sip.ack': setup.acked,
    'sip.cancelled': (data) => step(data, {}),
    'app.term': (data, _input, ctx) =>
      data.mediaReady
        ? talking.hangUp(data, _input, ctx)
        : setup.rejectIncoming(data, { type: 'app.term', reason: 'NORMAL' }, ctx),
    'sip.bye': talking.byeReceived,
    'sip.dialogGone': talking.dialogGone,
    'sip.message': im.messageReceived,
    'app.message': im.sendMessage,
  },
  talking: {
    ...live,
    'app.term': talking.hangUp,
    'app.hold': talking.hold,
    'app.unhold': talking.unhold,
    'app.update': video.update,
    'app.transfer': talking.transfer,
    'app.dtmf': talking.sendDtmf,
    'sip.bye': talking.byeReceived,
    'sip.reoffer': video.peerReoffer,
    'media.videoAdded': video.videoAdded,
    'media.videoFailed': video.videoFailed,
    'sip.reofferAnswered': talking.reofferAnswered,
    'sip.reofferRejected': talking.reofferRejected,
    'sip.ack': talking.reofferAck,
    'sip.refer': talking.referReceived,
    'sip.referAccepted': talking.referAccepted,
    'sip.referRejected': talking.referRejected,
    'sip.notify': talking.notifyReceived,
    'sip.info': talking.infoReceived,
    'sip.message': im.messageReceived,
    'app.message': im.sendMessage,
    'sip.dialogGone': talking.dialogGone,
    'media.dtmf': talking.rtpDtmf,
    'timer.glare': talking.glareRetry,
    'timer.refresh': talking.refresh,
    'timer.expire': talking.expire,
    'referred.progress': talking.referredProgress,
    'replaced.by': talking.replacedBy,
  },
  ended: {
    // A transfer's NOTIFY may come after the call ended (guide §6.8.1 note).
    'sip.notify': talking.notifyReceived,
    'timer.transferWait': talking.transferWaitOver,
  },
};

/**
 * What an input no row takes does: an app action is refused with a clear error; a request the
 * peer sent is answered (481 once the call is over, RFC 3261 §12.2.2; 491 for an offer that
 * cannot be taken now, §14.2); anything else is dropped.
 */
function unhandled(data: CallData, input: CallInput): Step {
  if (input.type.startsWith('app.')) throw wrongState(data, input.type.slice(4));
  if ('requestId' in input) {
    const status = data.phase === 'ended' ? 481 : input.type === 'sip.reoffer' ? 491 : 403;
    return step(data, {}, { kind: 'sip.respondRequest', requestId: input.requestId, status });
  }
  return step(data, {});
}

/** Runs one input through the table. Throws (for app inputs) when the state refuses it. */
export function transition(data: CallData, input: CallInput, ctx: TableContext): Step {
  const row = callTable[data.phase][input.type] as Transition | undefined;
  return row ? row(data, input, ctx) : unhandled(data, input);
}
