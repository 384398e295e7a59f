/**
 * Non-INVITE client transaction (RFC 3261 §17.1.2, Figure 6).
 *
 * ```
 *                                |Request from TU
 *                                |send request
 *            Timer E             V
 *            send request  +-----------+
 *                +---------|           |-------------------+
 *                |         |  Trying   |  Timer F          |
 *                +-------->|           |  or Transport Err.|
 *                          +-----------+  inform TU        |
 *             200-699         |  |                         |
 *             resp. to TU     |  |1xx                      |
 *             +---------------+  |resp. to TU              |
 *             |                  |                         |
 *             |   Timer E        V       Timer F           |
 *             |   send req +-----------+ or Transport Err. |
 *             |  +---------|           | inform TU         |
 *             |  |         |Proceeding |------------------>|
 *             |  +-------->|           |-----+             |
 *             |            +-----------+     |1xx          |
 *             |              |      ^        |resp to TU   |
 *             | 200-699      |      +--------+             |
 *             | resp. to TU  |                             |
 *             |              |                             |
 *             |              V                             |
 *             |            +-----------+                   |
 *             |            |           |                   |
 *             |            | Completed |                   |
 *             |            |           |                   |
 *             |            +-----------+                   |
 *             |              ^   |                         |
 *             |              |   | Timer K                 |
 *             +--------------+   | -                       |
 *                                |                         |
 *                                V                         |
 *          NOTE:           +-----------+                   |
 *                          |           |                   |
 *      transitions         | Terminated|<------------------+
 *      labeled with        |           |
 *      the event           +-----------+
 *      over the action
 *      to take
 * ```
 */
import type { SipRequest, SipResponse } from '../message/message.ts';
import { isReliable, type TransportFailure } from '../transport/transport-types.ts';
import { asReliable, transactionTimers, type TransactionTimers } from './timer-config.ts';
import {
  ClientTransaction,
  type ClientNotice,
  type ClientTransactionOptions,
  type ResponseEvent,
} from './client-transaction.ts';
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

/** States of {@link NonInviteClientTransaction}. */
export const NonInviteClientState = {
  Trying: 'trying',
  Proceeding: 'proceeding',
  Completed: 'completed',
  Terminated: 'terminated',
} as const;
/** One of {@link NonInviteClientState}. */
export type NonInviteClientState = (typeof NonInviteClientState)[keyof typeof NonInviteClientState];

type Event = { type: 'start' } | ResponseEvent | MachineEvent | TimerEvent<'E' | 'F' | 'K'>;

interface Context {
  readonly request: SipRequest;
  timers: TransactionTimers;
  /** Current Timer E interval. */
  intervalE: number;
}

type NictStep = Step<NonInviteClientState, Context, ClientNotice>;

const toTu = (response: SipResponse): Effect<ClientNotice> => notify({ kind: 'response', response });

/** 200-699 in Trying or Proceeding. */
function final(context: Readonly<Context>, response: SipResponse): NictStep {
  // §17.1.2.2: "If a final response (status codes 200-699) is received while in the 'Trying'
  // [or 'Proceeding'] state, the response MUST be passed to the TU, and the client transaction
  // MUST transition to the 'Completed' state." "Once the client transaction enters the
  // 'Completed' state, it MUST set Timer K to fire in T4 seconds for unreliable transports, and
  // zero seconds for reliable transports."
  const effects = [stopTimer('E'), stopTimer('F'), toTu(response)];
  if (context.timers.K === 0) return { next: 'terminated', effects };
  return { next: 'completed', effects: [...effects, startTimer('K', context.timers.K)] };
}

// §17.1.2.2: "If Timer F fires while the client transaction is still in the 'Trying' [or
// 'Proceeding'] state, the client transaction SHOULD inform the TU about the timeout, and then
// it SHOULD enter the 'Terminated' state."
const timeout = (): NictStep => ({ next: 'terminated', effects: [notify({ kind: 'timeout', timer: 'F' })] });

// §17.1.4: "the client transaction SHOULD inform the TU that a transport failure has occurred,
// and the client transaction SHOULD transition directly to the 'Terminated' state."
const transportError = (_c: Readonly<Context>, e: { failure: TransportFailure }): NictStep => ({
  next: 'terminated',
  effects: [notify({ kind: 'transportError', failure: e.failure })],
});

const TABLE: TransitionTable<NonInviteClientState, Event, Context, ClientNotice> = {
  trying: {
    // §17.1.2.2: "the client transaction … MUST set timer F to fire in 64*T1 seconds. … If an
    // unreliable transport is in use, the client transaction MUST set timer E to fire in T1."
    start: (c) => ({
      next: 'trying',
      effects: [send(c.request), ...(c.timers.E > 0 ? [startTimer('E', c.timers.E)] : []), startTimer('F', c.timers.F)],
    }),
    // §17.1.2.2: "If timer E fires while still in this state, the timer is reset, but this time
    // with a value of MIN(2*T1, T2). When the timer fires again, it is reset to a MIN(4*T1, T2)."
    timerE: (c) => {
      const intervalE = Math.min(c.intervalE * 2, c.timers.T2);
      return { next: 'trying', effects: [send(c.request), startTimer('E', intervalE)], update: { intervalE } };
    },
    timerF: timeout,
    transportError,
    reliable: (c) => ({ next: 'trying', effects: [stopTimer('E')], update: { timers: asReliable(c.timers) } }),
    // §17.1.2.2: "If a provisional response is received while in the 'Trying' state, the
    // response MUST be passed to the TU, and then the client transaction SHOULD move to the
    // 'Proceeding' state."
    '1xx': (_c, e) => ({ next: 'proceeding', effects: [toTu(e.response)] }),
    '2xx': (c, e) => final(c, e.response),
    '300-699': (c, e) => final(c, e.response),
  },
  proceeding: {
    // §17.1.2.2: "If Timer E fires while in the 'Proceeding' state, the request MUST be passed to
    // the transport layer for retransmission, and Timer E MUST be reset with a value of T2."
    timerE: (c) => ({
      next: 'proceeding',
      effects: [send(c.request), startTimer('E', c.timers.T2)],
      update: { intervalE: c.timers.T2 },
    }),
    timerF: timeout,
    transportError,
    reliable: (c) => ({ next: 'proceeding', effects: [stopTimer('E')], update: { timers: asReliable(c.timers) } }),
    // §17.1.2.2: "If a provisional response is received while in the 'Proceeding' state, it
    // MUST be passed to the TU."
    '1xx': (_c, e) => ({ next: 'proceeding', effects: [toTu(e.response)] }),
    '2xx': (c, e) => final(c, e.response),
    '300-699': (c, e) => final(c, e.response),
  },
  completed: {
    // §17.1.2.2: "The 'Completed' state exists to buffer any additional response
    // retransmissions that may be received" (absorbed: no arrow). "If Timer K fires while in
    // this state, the client transaction MUST transition to the 'Terminated' state."
    timerK: () => ({ next: 'terminated' }),
  },
  terminated: {},
};

/** A non-INVITE client transaction (also CANCEL). Create it through `TransactionLayer.sendRequest`. */
export class NonInviteClientTransaction extends ClientTransaction<NonInviteClientState, Event, Context> {
  /** @param options request, target, transport, clock, timers, user, id */
  constructor(options: ClientTransactionOptions) {
    const timers = transactionTimers(options.timers ?? {}, isReliable(options.target.destination.protocol));
    super(options, {
      initial: 'trying',
      table: TABLE,
      context: { request: options.request, timers, intervalE: timers.E },
    });
  }

  /** Sends the request and starts Timers E and F. */
  start(): void {
    this.dispatch({ type: 'start' });
  }
}
