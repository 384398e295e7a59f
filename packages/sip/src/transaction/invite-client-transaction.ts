/**
 * INVITE client transaction (RFC 3261 §17.1.1 as updated by RFC 6026: the Accepted state and
 * Timer M). RFC 6026 rules below are paraphrased, not quoted.
 *
 * ```
 *                                |INVITE from TU
 *              Timer A fires     |INVITE sent      Timer B fires
 *              Reset A,          V                 or Transport Err.
 *              INVITE sent +-----------+           inform TU
 *                +---------|           |--------------------------+
 *                |         |  Calling  |                          |
 *                +-------->|           |-----------+              |
 * 300-699                  +-----------+ 2xx       |              |
 * ACK sent                    |  |       2xx to TU |              |
 * resp. to TU                 |  |1xx              |              |
 * +---------------------------+  |1xx to TU        |              |
 * |                              |                 |              |
 * |                1xx           V                 |              |
 * |                1xx to TU +-----------+         |              |
 * |                +---------|           |         |              |
 * |                |         |Proceeding |         |              |
 * |                +-------->|           |         |              |
 * |                          +-----------+ 2xx     |              |
 * |         300-699             |        2xx to TU |              |
 * |         ACK sent,  +--------+                  +---------------+
 * |         resp. to TU|                           |              |
 * |                    V                           V              |
 * |              +-----------+              +----------+          |
 * |              | Completed |              | Accepted |          |
 * |              +-----------+              +----------+          |
 * |              ^   |    |                  |       ^            |
 * |              |   |    | Timer D fires    |       | 2xx        |
 * |              +---+    | -                |       | 2xx to TU  |
 * |            300-699    |    Timer M fires |       |            |
 * |            ACK sent   |    -             +-------+            |
 * |                       V                  V                    |
 * |                    +-----------------------+                  |
 * +------------------->|      Terminated       |<-----------------+
 *                      +-----------------------+
 * ```
 * A transport error while sending the ACK in Completed also terminates (§17.1.1.2, Figure 5).
 */
import type { SipRequest, SipResponse } from '../message/message.ts';
import { isReliable } from '../transport/transport-types.ts';
import { asReliable, transactionTimers, type TransactionTimers } from './timer-config.ts';
import {
  ClientTransaction,
  type ClientNotice,
  type ClientTransactionOptions,
  type ResponseEvent,
} from './client-transaction.ts';
import { createCancel, createNon2xxAck } from './derived-requests.ts';
import { TransactionError, TransactionErrorCode } from './transaction-errors.ts';
import {
  notify,
  send,
  startTimer,
  stopTimer,
  type Effect,
  type MachineEvent,
  type Step,
  type TimerEvent,
  type TransitionTable,
} from './transaction-machine.ts';

/** States of {@link InviteClientTransaction}. */
export const InviteClientState = {
  Calling: 'calling',
  Proceeding: 'proceeding',
  Completed: 'completed',
  /** RFC 6026: after a 2xx, passes every further 2xx up until Timer M. */
  Accepted: 'accepted',
  Terminated: 'terminated',
} as const;
/** One of {@link InviteClientState}. */
export type InviteClientState = (typeof InviteClientState)[keyof typeof InviteClientState];

type Event = { type: 'start' } | ResponseEvent | MachineEvent | TimerEvent<'A' | 'B' | 'D' | 'M'>;

interface Context {
  readonly request: SipRequest;
  timers: TransactionTimers;
  /** Current Timer A interval. */
  intervalA: number;
  /** The ACK for the 3xx–6xx, resent for each retransmission of it. */
  ack: SipRequest | undefined;
}

type IctStep = Step<InviteClientState, Context, ClientNotice>;
type IctEffect = Effect<ClientNotice>;

const toTu = (response: SipResponse): IctEffect => notify({ kind: 'response', response });

/** 300-699 in Calling or Proceeding: ACK it, pass it up, and wait D for its retransmissions. */
function final(context: Readonly<Context>, response: SipResponse): IctStep {
  // §17.1.1.2: "the client transaction MUST pass the received response up to the TU, and the
  // client transaction MUST generate an ACK request … The client transaction SHOULD start
  // timer D when it enters the 'Completed' state, with a value of at least 32 seconds for
  // unreliable transports, and a value of zero seconds for reliable transports."
  const ack = createNon2xxAck(context.request, response);
  const effects: IctEffect[] = [stopTimer('A'), stopTimer('B'), send(ack), toTu(response)];
  if (context.timers.D === 0) return { next: 'terminated', effects, update: { ack } };
  return { next: 'completed', effects: [...effects, startTimer('D', context.timers.D)], update: { ack } };
}

/** 2xx in Calling or Proceeding (RFC 6026): pass it up and stay in Accepted for Timer M (64*T1). */
function accepted(context: Readonly<Context>, response: SipResponse): IctStep {
  return {
    next: 'accepted',
    effects: [stopTimer('A'), stopTimer('B'), toTu(response), startTimer('M', context.timers.M)],
  };
}

function failed(effect: IctEffect): IctStep {
  return { next: 'terminated', effects: [effect] };
}

const TABLE: TransitionTable<InviteClientState, Event, Context, ClientNotice> = {
  calling: {
    // §17.1.1.2: "the client transaction MUST start timer A with a value of T1" (unreliable only)
    // "… MUST start timer B with a value of 64*T1 seconds" (always).
    start: (c) => ({
      next: 'calling',
      effects: [send(c.request), ...(c.timers.A > 0 ? [startTimer('A', c.timers.A)] : []), startTimer('B', c.timers.B)],
    }),
    // §17.1.1.2: "When timer A fires, the client transaction MUST retransmit the request … and
    // reset the timer with a value of 2*T1 … at 4*T1, then 8*T1 …" (no cap for INVITE).
    timerA: (c) => {
      const intervalA = c.intervalA * 2;
      return { next: 'calling', effects: [send(c.request), startTimer('A', intervalA)], update: { intervalA } };
    },
    // §17.1.1.2: "If timer B fires while in the 'Calling' state, the client transaction SHOULD
    // inform the TU that a timeout has occurred."
    timerB: () => failed(notify({ kind: 'timeout', timer: 'B' })),
    // §17.1.4: "the client transaction SHOULD inform the TU that a transport failure has occurred".
    transportError: (_c, e) => failed(notify({ kind: 'transportError', failure: e.failure })),
    // §18.1.1: the request went over TCP after all; "timer A … only for unreliable transports".
    reliable: (c) => ({ next: 'calling', effects: [stopTimer('A')], update: { timers: asReliable(c.timers) } }),
    // §17.1.1.2: "If the client transaction receives a provisional response while in the
    // 'Calling' state, it transitions to the 'Proceeding' state … SHOULD NOT retransmit the
    // request any longer." Timer B only guards Calling.
    '1xx': (_c, e) => ({ next: 'proceeding', effects: [stopTimer('A'), stopTimer('B'), toTu(e.response)] }),
    '2xx': (c, e) => accepted(c, e.response),
    '300-699': (c, e) => final(c, e.response),
  },
  proceeding: {
    // §17.1.1.2: "Furthermore, the provisional response MUST be passed to the TU."
    '1xx': (_c, e) => ({ next: 'proceeding', effects: [toTu(e.response)] }),
    '2xx': (c, e) => accepted(c, e.response),
    '300-699': (c, e) => final(c, e.response),
    // §17.1.4: over a connection that closed, no final response can arrive any more.
    transportError: (_c, e) => failed(notify({ kind: 'transportError', failure: e.failure })),
  },
  completed: {
    // §17.1.1.2: "Any retransmissions of the final response that are received while in the
    // 'Completed' state MUST cause the ACK to be re-passed to the transport layer for
    // retransmission, but the newly generated ACK MUST NOT be passed up to the TU."
    '300-699': (c) => ({ next: 'completed', effects: c.ack === undefined ? [] : [send(c.ack)] }),
    // §17.1.1.2: "If timer D fires while the client transaction is in the 'Completed' state,
    // the client transaction MUST move to the terminated state."
    timerD: () => ({ next: 'terminated' }),
    // Figure 5: "Transport Err. Inform TU" (sending the ACK failed).
    transportError: (_c, e) => failed(notify({ kind: 'transportError', failure: e.failure })),
  },
  accepted: {
    // RFC 6026 (ICT Accepted): every 2xx matching the transaction, retransmitted or from another
    // fork, is passed up to the TU, which ACKs each one (§13.2.2.4).
    '2xx': (_c, e) => ({ next: 'accepted', effects: [toTu(e.response)] }),
    // RFC 6026 (ICT Accepted): when Timer M fires the transaction terminates.
    timerM: () => ({ next: 'terminated' }),
  },
  terminated: {},
};

/** An INVITE client transaction. Create it through `TransactionLayer.sendRequest`. */
export class InviteClientTransaction extends ClientTransaction<InviteClientState, Event, Context> {
  /** @param options request, target, transport, clock, timers, user, id */
  constructor(options: ClientTransactionOptions) {
    const timers = transactionTimers(options.timers ?? {}, isReliable(options.target.destination.protocol));
    super(options, {
      initial: 'calling',
      table: TABLE,
      context: { request: options.request, timers, intervalA: timers.A, ack: undefined },
    });
  }

  /** Sends the INVITE and starts Timers A and B. */
  start(): void {
    this.dispatch({ type: 'start' });
  }

  /** The ACK this transaction sent for a 3xx–6xx, if any. */
  get ack(): SipRequest | undefined {
    return this.context.ack;
  }

  /** §9.1: true once a provisional response has arrived and no final one. */
  get cancellable(): boolean {
    return this.state === 'proceeding';
  }

  /**
   * Builds the CANCEL for this INVITE (§9.1). "If no provisional response has been received, the
   * CANCEL request MUST NOT be sent; rather, the client MUST wait for the arrival of a
   * provisional response before sending the request." `TransactionLayer.cancel()` does that wait.
   * @throws TransactionError `CANCEL_NOT_ALLOWED` outside the Proceeding state
   */
  createCancel(reason?: string): SipRequest {
    if (!this.cancellable) {
      throw new TransactionError(
        TransactionErrorCode.CancelNotAllowed,
        `§9.1: no CANCEL in state ${this.state} (needs a provisional response and no final one)`,
      );
    }
    return createCancel(this.request, reason);
  }
}
