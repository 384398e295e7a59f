/**
 * Instant messages in a call's dialog (RFC 3428 §2: "MESSAGE requests … MAY be sent in the
 * context of a dialog"): rows of the answering and talking states. They change nothing of the
 * call; they are in the table so that a MESSAGE is taken only while the dialog exists, and
 * refused with a clear error (app) or 481 (peer) otherwise, like every other in-dialog request.
 */
import type { CallInput } from './call-model.ts';
import { step, type Transition } from './call-steps.ts';

type Row<T extends CallInput['type']> = Transition<Extract<CallInput, { type: T }>>;

/** A MESSAGE from the peer in the dialog: 200 and `im.received` with the call's sessionId. */
export const messageReceived: Row<'sip.message'> = (data, input, ctx) =>
  step(
    data,
    {},
    { kind: 'sip.respondRequest', requestId: input.requestId, status: 200 },
    {
      kind: 'emit',
      event: 'im.received',
      payload: {
        account: data.account,
        sessionId: data.sessionId,
        messageId: `${data.sessionId}-${input.requestId}`,
        peerUri: data.peerUri,
        contentType: input.contentType,
        body: input.body,
        at: ctx.now(),
        status: 'received',
      },
    },
  );

/** `im.send` with this call's sessionId: a MESSAGE in its dialog; the status goes to `reply`. */
export const sendMessage: Row<'app.message'> = (data, input) =>
  step(data, {}, { kind: 'sip.message', contentType: input.contentType, body: input.body, reply: input.reply });
