/** A transaction layer on a simulated clock and a fake transport, with recording TUs. Test support only. */
import { SimulatedClock } from '../clock.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { InboundMessage, TransportProtocol } from '../transport/transport-types.ts';
import type { ClientTransactionLike, ClientTransactionUser } from './client-transaction.ts';
import { FakeTransport } from './fake-transport.ts';
import type { InviteServerTransaction } from './invite-server-transaction.ts';
import type { ServerTransactionLike } from './server-transaction.ts';
import type { TimerConfig } from './timer-config.ts';
import type { TransactionError } from './transaction-errors.ts';
import { TransactionLayer } from './transaction-layer.ts';
import type { AnyServerTransaction, TransactionUser } from './transaction-user.ts';

/** Everything the UA core was told. */
export class RecordingCore implements TransactionUser {
  readonly requests: Array<{ request: SipRequest; transaction: AnyServerTransaction }> = [];
  readonly acks: Array<{ ack: SipRequest; transaction: InviteServerTransaction | undefined }> = [];
  readonly cancels: Array<{ cancel: SipRequest; invite: InviteServerTransaction }> = [];
  readonly strays: SipResponse[] = [];
  readonly errors: Array<{ error: TransactionError; transaction: ServerTransactionLike }> = [];
  readonly thrown: unknown[] = [];
  /** Set to answer requests synchronously. */
  answer: ((request: SipRequest, transaction: AnyServerTransaction) => void) | undefined;

  onRequest(request: SipRequest, transaction: AnyServerTransaction, _inbound: InboundMessage): void {
    this.requests.push({ request, transaction });
    this.answer?.(request, transaction);
  }
  onAck(ack: SipRequest, _inbound: InboundMessage, transaction: InviteServerTransaction | undefined): void {
    this.acks.push({ ack, transaction });
  }
  onCancel(cancel: SipRequest, invite: InviteServerTransaction): void {
    this.cancels.push({ cancel, invite });
  }
  onStrayResponse(response: SipResponse): void {
    this.strays.push(response);
  }
  onServerTransactionError(error: TransactionError, transaction: ServerTransactionLike): void {
    this.errors.push({ error, transaction });
  }
  onError(error: unknown): void {
    this.thrown.push(error);
  }
}

/** Everything a client transaction told its TU, with the clock time. */
export class RecordingClient implements ClientTransactionUser {
  readonly responses: Array<{ status: number; at: number; response: SipResponse }> = [];
  readonly timeouts: Array<{ response: SipResponse; error: TransactionError; at: number }> = [];
  readonly transportErrors: Array<{ response: SipResponse; error: TransactionError }> = [];
  terminated = 0;
  readonly #clock: SimulatedClock;
  constructor(clock: SimulatedClock) {
    this.#clock = clock;
  }
  onResponse(response: SipResponse, _transaction: ClientTransactionLike): void {
    this.responses.push({ status: response.status, at: this.#clock.now(), response });
  }
  onTimeout(response: SipResponse, error: TransactionError): void {
    this.timeouts.push({ response, error, at: this.#clock.now() });
  }
  onTransportError(response: SipResponse, error: TransactionError): void {
    this.transportErrors.push({ response, error });
  }
  onTerminated(): void {
    this.terminated++;
  }
}

/** A layer wired to a fake transport. */
export function harness(
  options: { protocol?: TransportProtocol; timers?: Partial<TimerConfig>; maxTransactions?: number } = {},
) {
  const clock = new SimulatedClock();
  const transport = new FakeTransport(clock, options.protocol ?? 'udp');
  const core = new RecordingCore();
  const layer = new TransactionLayer({
    transport,
    user: core,
    clock,
    timers: options.timers,
    maxTransactions: options.maxTransactions,
  });
  transport.user = layer;
  const client = new RecordingClient(clock);
  return { clock, transport, core, layer, client, target: { destination: transport.peer } };
}
