/**
 * Non-INVITE server transaction (RFC 3261 §17.2.2, Figure 8). Also serves CANCEL (§9.2).
 *
 * ```
 *                                   |Request received
 *                                   |pass to TU
 *                                   V
 *                             +-----------+
 *                             |           |
 *                             | Trying    |-------------+
 *                             |           |             |
 *                             +-----------+             |200-699 from TU
 *                                   |                   |send response
 *                                   |1xx from TU        |
 *                                   |send response      |
 *                                   |                   |
 *                Request            V      1xx from TU  |
 *                send response+-----------+send response|
 *                    +--------|           |--------+    |
 *                    |        | Proceeding|        |    |
 *                    +------->|           |<-------+    |
 *             +<--------------|           |             |
 *             |Trnsprt Err    +-----------+             |
 *             |Inform TU            |                   |
 *             |                     |                   |
 *             |                     |200-699 from TU    |
 *             |                     |send response      |
 *             |  Request            V                   |
 *             |  send response+-----------+             |
 *             |      +--------|           |             |
 *             |      |        | Completed |<------------+
 *             |      +------->|           |
 *             +<--------------|           |
 *             |Trnsprt Err    +-----------+
 *             |Inform TU            |
 *             |                     |Timer J fires
 *             |                     |-
 *             |                     |
 *             |                     V
 *             |               +-----------+
 *             |               |           |
 *             +-------------->| Terminated|
 *                             |           |
 *                             +-----------+
 * ```
 */
import type { SipRequest, SipResponse } from '../message/message.ts';
import { isReliable } from '../transport/transport-types.ts';
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
  type MachineEvent,
  type Step,
  type TimerEvent,
  type TransitionTable,
} from './transaction-machine.ts';

/** States of {@link NonInviteServerTransaction}. */
export const NonInviteServerState = {
  Trying: 'trying',
  Proceeding: 'proceeding',
  Completed: 'completed',
  Terminated: 'terminated',
} as const;
/** One of {@link NonInviteServerState}. */
export type NonInviteServerState = (typeof NonInviteServerState)[keyof typeof NonInviteServerState];

type Event = RequestEvent | ResponseEvent | MachineEvent | TimerEvent<'J'>;

interface Context {
  readonly request: SipRequest;
  timers: TransactionTimers;
  lastResponse: SipResponse | undefined;
}

type NistStep = Step<NonInviteServerState, Context, ServerNotice>;

/** 200-699 from the TU in Trying or Proceeding. */
function final(context: Readonly<Context>, response: SipResponse): NistStep {
  // §17.2.2: "If the TU passes a final response (status codes 200-699) to the server while in
  // the 'Proceeding' [or 'Trying'] state, the transaction MUST enter the 'Completed' state, and
  // the response MUST be passed to the transport layer for transmission." "When the server
  // transaction enters the 'Completed' state, it MUST set Timer J to fire in 64*T1 seconds for
  // unreliable transports, and zero seconds for reliable transports."
  if (context.timers.J === 0)
    return { next: 'terminated', effects: [send(response)], update: { lastResponse: response } };
  return {
    next: 'completed',
    effects: [send(response), startTimer('J', context.timers.J)],
    update: { lastResponse: response },
  };
}

const resendLast =
  (state: NonInviteServerState) =>
  (c: Readonly<Context>): NistStep => ({
    next: state,
    effects: c.lastResponse === undefined ? [] : [send(c.lastResponse)],
  });

// §17.2.4: "the server transaction … SHOULD inform the TU that a failure has occurred, and
// SHOULD transition to the terminated state."
const transportError = (_c: Readonly<Context>, e: Extract<Event, { type: 'transportError' }>): NistStep => ({
  next: 'terminated',
  effects: [notify({ kind: 'transportError', failure: e.failure })],
});

const reliable =
  (state: NonInviteServerState) =>
  (c: Readonly<Context>): NistStep => ({ next: state, update: { timers: asReliable(c.timers) } });

const TABLE: TransitionTable<NonInviteServerState, Event, Context, ServerNotice> = {
  trying: {
    // §17.2.2: "While in the 'Trying' state, if the TU passes a provisional response to the
    // server transaction, the server transaction MUST enter the 'Proceeding' state." "Once in
    // the 'Trying' state, any further request retransmissions are discarded." (no arrow)
    '1xx': (_c, e) => ({ next: 'proceeding', effects: [send(e.response)], update: { lastResponse: e.response } }),
    '2xx': (c, e) => final(c, e.response),
    '300-699': (c, e) => final(c, e.response),
    reliable: reliable('trying'),
  },
  proceeding: {
    // §17.2.2: "Any further provisional responses that are received from the TU while in the
    // 'Proceeding' state MUST be passed to the transport layer for transmission. If a
    // retransmission of the request is received while in the 'Proceeding' state, the most
    // recently sent provisional response MUST be passed to the transport layer."
    '1xx': (_c, e) => ({ next: 'proceeding', effects: [send(e.response)], update: { lastResponse: e.response } }),
    request: resendLast('proceeding'),
    '2xx': (c, e) => final(c, e.response),
    '300-699': (c, e) => final(c, e.response),
    transportError,
    reliable: reliable('proceeding'),
  },
  completed: {
    // §17.2.2: "While in the 'Completed' state, the server transaction MUST pass the final
    // response to the transport layer for retransmission whenever a retransmission of the
    // request is received. Any other final responses passed by the TU to the server
    // transaction MUST be discarded while in the 'Completed' state." (respond() refuses them)
    request: resendLast('completed'),
    // §17.2.2: "The server transaction remains in this state until Timer J fires, at which
    // point it MUST transition to the 'Terminated' state."
    timerJ: () => ({ next: 'terminated' }),
    transportError,
  },
  terminated: {},
};

/** A non-INVITE server transaction. The layer creates it for each new non-INVITE request (also CANCEL). */
export class NonInviteServerTransaction extends ServerTransaction<NonInviteServerState, Event, Context> {
  /** @param options request, inbound, transport, clock, timers, id, hooks */
  constructor(options: ServerTransactionOptions) {
    const timers = transactionTimers(options.timers ?? {}, isReliable(options.inbound.source.protocol));
    super(options, {
      initial: 'trying',
      table: TABLE,
      context: { request: options.request, timers, lastResponse: undefined },
    });
  }

  /** Nothing to start: a non-INVITE server transaction has no timer before the TU answers. */
  start(): void {}
}
