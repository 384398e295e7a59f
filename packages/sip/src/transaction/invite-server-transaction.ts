/**
 * INVITE server transaction (RFC 3261 §17.2.1 as updated by RFC 6026: the Accepted state and
 * Timer L). RFC 6026 rules below are paraphrased from its state diagram, not quoted.
 *
 * ```
 *                                |INVITE
 *                                |pass INV to TU
 *             INVITE             V send 100 if TU won't in 200 ms
 *             send response+------------+
 *                 +--------|            |--------+ 101-199 from TU
 *                 |        |            |        | send response
 *                 +------->|            |<-------+
 *                          | Proceeding |
 *                          |            |--------+ Transport Err.
 *                          |            |        | Inform TU
 *                          |            |<-------+
 *                          +------------+
 *             300-699 from TU |    |2xx from TU
 *             send response   |    |send response
 *              +--------------+    +------------+
 *              |                                |
 * INVITE       V          Timer G fires         |
 * send response+-----------+ send response      |
 *     +--------|           |--------+           |
 *     |        |           |        |           |
 *     +------->| Completed |<-------+      INVITE |  Transport Err.
 *              |           |               -    |  Inform TU
 *     +--------|           |----+          +-----+  |  +---+
 *     |        +-----------+    | ACK      |     v  v  v   |
 *     |          ^   |          | -        |  +------------+
 *     |          |   |          |          |  |            |---+ ACK
 *     +----------+   |          |          +->|  Accepted  |   | to TU
 *     Transport Err. |          |             |            |<--+
 *     Inform TU      |          V             +------------+
 *                    |     +-----------+        |  ^     |
 *                    |     |           |        |  |     |
 *                    |     | Confirmed |        |  +-----+
 *                    |     |           |        |  2xx from TU
 *      Timer H fires |     +-----------+        |  send response
 *      -             |          |               |
 *                    |          | Timer I fires |
 *                    |          | -             | Timer L fires
 *                    |          V               | -
 *                    |     +-----------+        |
 *                    +---->|           |        |
 *                          | Terminated|<-------+
 *                          |           |
 *                          +-----------+
 * ```
 * Timer H also informs the TU ("a transaction failure has occurred", §17.2.1).
 */
import type { SipRequest, SipResponse } from '../message/message.ts';
import { createResponse } from '../message/response.ts';
import { isReliable, type InboundMessage } from '../transport/transport-types.ts';
import { asReliable, transactionTimers, type TransactionTimers } from './timer-config.ts';
import {
  ServerTransaction,
  type RequestEvent,
  type ResponseEvent,
  type ServerNotice,
  type ServerTransactionOptions,
} from './server-transaction.ts';
import {
  notify,
  send,
  startTimer,
  stopTimer,
  type MachineEvent,
  type Step,
  type TimerEvent,
  type TransitionTable,
} from './transaction-machine.ts';

/** States of {@link InviteServerTransaction}. */
export const InviteServerState = {
  Proceeding: 'proceeding',
  Completed: 'completed',
  Confirmed: 'confirmed',
  /** RFC 6026: after a 2xx, until Timer L. */
  Accepted: 'accepted',
  Terminated: 'terminated',
} as const;
/** One of {@link InviteServerState}. */
export type InviteServerState = (typeof InviteServerState)[keyof typeof InviteServerState];

type Event =
  { type: 'start' } | RequestEvent | ResponseEvent | MachineEvent | TimerEvent<'Trying' | 'G' | 'H' | 'I' | 'L'>;

interface Context {
  readonly request: SipRequest;
  timers: TransactionTimers;
  lastResponse: SipResponse | undefined;
  /** Current Timer G interval. */
  intervalG: number;
}

type IstStep = Step<InviteServerState, Context, ServerNotice>;

// §17.2.4 and RFC 6026's IST diagram: "Transport Err. Inform TU".
const transportError = (_c: Readonly<Context>, e: Extract<Event, { type: 'transportError' }>): IstStep => ({
  next: 'terminated',
  effects: [notify({ kind: 'transportError', failure: e.failure })],
});

const resendLast =
  (state: InviteServerState) =>
  (c: Readonly<Context>): IstStep => ({
    next: state,
    effects: c.lastResponse === undefined ? [] : [send(c.lastResponse)],
  });

const TABLE: TransitionTable<InviteServerState, Event, Context, ServerNotice> = {
  proceeding: {
    // §17.2.1: "the server transaction MUST generate a 100 (Trying) response unless it knows
    // that the TU will generate a provisional or final response within 200 ms".
    start: (c) => ({ next: 'proceeding', effects: [startTimer('Trying', c.timers.trying)] }),
    timerTrying: (c) => {
      const trying = createResponse(c.request, 100);
      return trying === undefined
        ? { next: 'proceeding' }
        : { next: 'proceeding', effects: [send(trying)], update: { lastResponse: trying } };
    },
    // §17.2.1: "If a request retransmission is received while in the 'Proceeding' state, the
    // most recent provisional response that was received from the TU MUST be passed to the
    // transport layer for retransmission."
    request: resendLast('proceeding'),
    // §17.2.1: "The TU passes any number of provisional responses to the server transaction. So
    // long as the server transaction is in the 'Proceeding' state, each of these MUST be passed
    // to the transport layer for transmission."
    '1xx': (_c, e) => ({
      next: 'proceeding',
      effects: [stopTimer('Trying'), send(e.response)],
      update: { lastResponse: e.response },
    }),
    // RFC 6026 (IST): a 2xx from the TU in Proceeding is sent and the transaction enters
    // Accepted, starting Timer L (64*T1), instead of terminating as RFC 3261 had it.
    '2xx': (c, e) => ({
      next: 'accepted',
      effects: [stopTimer('Trying'), send(e.response), startTimer('L', c.timers.L)],
      update: { lastResponse: e.response },
    }),
    // §17.2.1: "While in the 'Proceeding' state, if the TU passes a response with status code
    // from 300 to 699 to the server transaction, the response MUST be passed to the transport
    // layer for transmission, and the state machine MUST enter the 'Completed' state. For
    // unreliable transports, timer G is set to fire in T1 seconds … timer H MUST be set to fire
    // in 64*T1 seconds for all transports."
    '300-699': (c, e) => ({
      next: 'completed',
      effects: [
        stopTimer('Trying'),
        send(e.response),
        ...(c.timers.G > 0 ? [startTimer('G', c.timers.G)] : []),
        startTimer('H', c.timers.H),
      ],
      update: { lastResponse: e.response },
    }),
    transportError,
    reliable: (c) => ({ next: 'proceeding', update: { timers: asReliable(c.timers) } }),
  },
  completed: {
    // §17.2.1: "If timer G fires, the response is passed to the transport layer once more for
    // retransmission, and timer G is set to fire in MIN(2*T1, T2) seconds."
    timerG: (c) => {
      const intervalG = Math.min(c.intervalG * 2, c.timers.T2);
      return {
        next: 'completed',
        effects: [...(c.lastResponse ? [send(c.lastResponse)] : []), startTimer('G', intervalG)],
        update: { intervalG },
      };
    },
    // §17.2.1: "Furthermore, while in the 'Completed' state, if a request retransmission is
    // received, the server SHOULD pass the response to the transport for retransmission."
    request: resendLast('completed'),
    // §17.2.1: "If an ACK is received while the server transaction is in the 'Completed' state,
    // the server transaction MUST transition to the 'Confirmed' state. As Timer G is ignored in
    // this state, any retransmissions of the response will cease." "When this state is
    // entered, timer I is set to fire in T4 seconds for unreliable transports, and zero
    // seconds for reliable transports."
    ack: (c) =>
      c.timers.I === 0
        ? { next: 'terminated' }
        : { next: 'confirmed', effects: [stopTimer('G'), stopTimer('H'), startTimer('I', c.timers.I)] },
    // §17.2.1: "If timer H fires while in the 'Completed' state, it implies that the ACK was
    // never received. In this case, the server transaction MUST transition to the 'Terminated'
    // state, and MUST indicate to the TU that a transaction failure has occurred."
    timerH: () => ({ next: 'terminated', effects: [notify({ kind: 'timeout', timer: 'H' })] }),
    transportError,
    reliable: (c) => ({ next: 'completed', effects: [stopTimer('G')], update: { timers: asReliable(c.timers) } }),
  },
  confirmed: {
    // §17.2.1: "The purpose of the 'Confirmed' state is to absorb any additional ACK messages
    // that arrive" (no arrow). "Once timer I fires, the server MUST transition to the
    // 'Terminated' state."
    timerI: () => ({ next: 'terminated' }),
  },
  accepted: {
    // RFC 6026 (IST Accepted): an INVITE retransmission is absorbed ("INVITE / -" in its
    // diagram): the 2xx is retransmitted by the UAS core (§13.3.1.4), not by the transaction.
    // "ACK / to TU": the ACK for a 2xx belongs to the UAS core.
    ack: (_c, e) => ({ next: 'accepted', effects: [notify({ kind: 'ack', ack: e.ack, inbound: e.inbound })] }),
    // RFC 6026 (IST Accepted): "2xx from TU / send response" — the UAS core's §13.3.1.4
    // retransmissions of the 2xx go out through the transaction.
    '2xx': (_c, e) => ({ next: 'accepted', effects: [send(e.response)], update: { lastResponse: e.response } }),
    // RFC 6026 (IST Accepted): "Timer L fires / -" → Terminated.
    timerL: () => ({ next: 'terminated' }),
    transportError,
  },
  terminated: {},
};

/** An INVITE server transaction. The layer creates it for each new INVITE and hands it to the TU. */
export class InviteServerTransaction extends ServerTransaction<InviteServerState, Event, Context> {
  /** @param options request, inbound, transport, clock, timers, id, hooks */
  constructor(options: ServerTransactionOptions) {
    const timers = transactionTimers(options.timers ?? {}, isReliable(options.inbound.source.protocol));
    super(options, {
      initial: 'proceeding',
      table: TABLE,
      context: { request: options.request, timers, lastResponse: undefined, intervalG: timers.G },
    });
  }

  /** Starts the 200 ms timer of §17.2.1's 100 Trying. */
  start(): void {
    this.dispatch({ type: 'start' });
  }

  /** An ACK matched this transaction (§17.2.3). */
  receiveAck(ack: SipRequest, inbound: InboundMessage): void {
    this.dispatch({ type: 'ack', ack, inbound });
  }
}
