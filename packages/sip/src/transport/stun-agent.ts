/**
 * The STUN agent of a SIP transport's UDP sockets (RFC 5626 §8, RFC 5389 §7): it answers Binding
 * requests that arrive on a SIP port with their source address, and runs our own Binding
 * transactions (the §4.4.2 keep-alives of UDP flows) with the RFC 5389 §7.2.1 retransmission
 * schedule on the injected clock. It knows nothing of sockets: the transport passes the bytes in
 * and a function to send with. Nothing a peer sends makes it throw.
 */
import type { Clock, TimerHandle } from '../clock.ts';
import {
  STUN_BINDING,
  StunParseError,
  createBindingRequest,
  createBindingSuccess,
  createStunErrorResponse,
  newStunTransactionId,
  parseStunMessage,
  type StunAddress,
  type StunMessage,
} from './stun.ts';
import { TransportError, TransportErrorCode } from './transport-error.ts';
import type { TransportLogger } from './transport-options.ts';
import { sameAddress } from './via-rules.ts';

/**
 * RFC 5389 §7.2.1 client retransmissions: requests at 0, RTO, 3·RTO, 7·RTO … (`maxRequests` in
 * all, the interval doubling), then `lastWaitFactor`·RTO for the answer to the last one. The
 * defaults (500 ms, Rc = 7, Rm = 16) give up after 39.5 s.
 */
export interface StunTimers {
  /** Initial retransmission timeout, ms. Default 500. */
  rtoMs: number;
  /** Requests sent in all (Rc). Default 7. */
  maxRequests: number;
  /** Wait after the last request, in RTOs (Rm). Default 16. */
  lastWaitFactor: number;
}

/** The RFC 5389 §7.2.1 defaults. */
export const DEFAULT_STUN_TIMERS: Readonly<StunTimers> = Object.freeze({
  rtoMs: 500,
  maxRequests: 7,
  lastWaitFactor: 16,
});

/** How long a Binding transaction lasts before it fails, ms (39 500 with the defaults). */
export function stunTransactionTimeoutMs(timers: StunTimers): number {
  const lastSendAt = timers.rtoMs * (2 ** (timers.maxRequests - 1) - 1);
  return lastSendAt + timers.rtoMs * timers.lastWaitFactor;
}

/** A peer that sent or answers STUN: an IP address and port. */
export interface StunPeer {
  address: string;
  port: number;
}

/** What a Binding transaction found out. */
export interface StunBindingResult {
  /** Our address as the peer saw it: XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS; undefined when the answer had neither, or was an error response. */
  mappedAddress: StunAddress | undefined;
  /** First request to the answer, ms. */
  roundTripMs: number;
  /** Requests sent (1 = no retransmission). */
  requests: number;
  /** The ERROR-CODE when the peer answered with an error response (it is alive, but refused). */
  error?: { code: number; reason: string };
}

/** Options of {@link StunAgent}. */
export interface StunAgentOptions {
  clock: Clock;
  /** Retransmission schedule of our requests; missing values from {@link DEFAULT_STUN_TIMERS}. */
  timers?: Partial<StunTimers>;
  /** Answer Binding requests from peers (RFC 5626 §8). Default true. */
  answerRequests?: boolean;
  /** Bound on our transactions in flight; beyond it `bind` rejects at once. Default 1024. */
  maxPending?: number;
  /** SOFTWARE written in our answers; none by default. */
  software?: string;
  /** Transaction id source (tests). Default 96 random bits. */
  transactionId?: () => Buffer;
  logger?: TransportLogger;
}

interface Pending {
  peer: StunPeer;
  startedAt: number;
  requests: number;
  timer: TimerHandle;
  resolve: (result: StunBindingResult) => void;
  reject: (error: TransportError) => void;
}

/** Sends bytes to the peer; rejects (a `TransportError`) when the socket refuses. */
export type StunSend = (bytes: Buffer) => Promise<unknown>;

/** The STUN agent (client and limited server) of one transport layer. */
export class StunAgent {
  readonly #clock: Clock;
  readonly #timers: StunTimers;
  readonly #options: StunAgentOptions;
  readonly #pending = new Map<string, Pending>();
  #closed = false;

  /** @param options clock, timers, limits (see {@link StunAgentOptions}) */
  constructor(options: StunAgentOptions) {
    this.#options = options;
    this.#clock = options.clock;
    this.#timers = { ...DEFAULT_STUN_TIMERS, ...options.timers };
  }

  /** Our transactions in flight. */
  get pending(): number {
    return this.#pending.size;
  }

  /** The schedule our transactions use unless `bind` is given another. */
  get timers(): Readonly<StunTimers> {
    return this.#timers;
  }

  /**
   * A datagram that {@link isStunPacket} picked out on a SIP port. A Binding request is answered
   * through `reply` (success with XOR-MAPPED-ADDRESS = `source`, or 420 listing attributes not
   * understood); a response completes the transaction whose id and peer it matches; anything
   * else (indications, malformed packets, stray or spoofed responses) is dropped.
   */
  receive(data: Buffer, source: StunPeer, reply: (bytes: Buffer) => void): void {
    let message: StunMessage;
    try {
      message = parseStunMessage(data);
    } catch (error) {
      if (!(error instanceof StunParseError)) throw error;
      this.#options.logger?.debug?.('malformed STUN packet dropped', { code: error.code, source });
      return;
    }
    if (message.class === 'request') this.#answer(message, source, reply);
    else if (message.class === 'success' || message.class === 'error') this.#complete(message, source);
  }

  /**
   * Runs one Binding transaction with `peer` (RFC 5389 §7.2.1): the request goes out through
   * `send` now and again on the retransmission schedule until a response from that peer with our
   * transaction id arrives. RFC 5626 §4.4.2: no response in time means the flow failed.
   * @throws TransportError CONNECTION_CLOSED (no response within the schedule, or the agent
   *   closed), SEND_FAILED / NO_TRANSPORT (the first send failed), NO_TRANSPORT (too many in flight)
   */
  bind(peer: StunPeer, send: StunSend, timers: Partial<StunTimers> = {}): Promise<StunBindingResult> {
    const destination = { protocol: 'udp' as const, address: peer.address, port: peer.port };
    if (this.#closed)
      return Promise.reject(new TransportError(TransportErrorCode.NoTransport, 'stopped', { destination }));
    if (this.#pending.size >= (this.#options.maxPending ?? 1024))
      return Promise.reject(
        new TransportError(TransportErrorCode.NoTransport, 'too many STUN transactions in flight', { destination }),
      );
    const schedule = { ...this.#timers, ...timers };
    const id = (this.#options.transactionId ?? newStunTransactionId)();
    const key = id.toString('hex');
    const request = createBindingRequest(id);
    // §7.2.1: request n (from 1) is followed by RTO·2^(n−1) until the last, then by Rm·RTO.
    const waitAfter = (sent: number) =>
      sent < schedule.maxRequests ? schedule.rtoMs * 2 ** (sent - 1) : schedule.rtoMs * schedule.lastWaitFactor;
    return new Promise<StunBindingResult>((resolve, reject) => {
      const tick = () => {
        if (pending.requests < schedule.maxRequests) {
          pending.requests++;
          send(request).catch((error: unknown) =>
            this.#options.logger?.debug?.('STUN retransmission not sent', { error: String(error), peer }),
          );
          pending.timer = this.#clock.setTimeout(tick, waitAfter(pending.requests));
          return;
        }
        this.#pending.delete(key);
        const waited = Math.round(this.#clock.now() - pending.startedAt);
        const message = `no STUN Binding response from ${peer.address}:${peer.port} within ${waited} ms (RFC 5626 §4.4.2, RFC 5389 §7.2.1)`;
        reject(new TransportError(TransportErrorCode.ConnectionClosed, message, { destination }));
      };
      const pending: Pending = {
        peer,
        startedAt: this.#clock.now(),
        requests: 1,
        timer: this.#clock.setTimeout(tick, waitAfter(1)),
        resolve,
        reject,
      };
      this.#pending.set(key, pending);
      send(request).catch((error: unknown) => {
        if (this.#pending.get(key) !== pending) return;
        this.#pending.delete(key);
        this.#clock.clearTimeout(pending.timer);
        reject(
          error instanceof TransportError
            ? error
            : new TransportError(TransportErrorCode.SendFailed, `STUN request not sent: ${String(error)}`, {
                destination,
                cause: error,
              }),
        );
      });
    });
  }

  /** Fails every transaction in flight (the transport stops) and takes no new ones. */
  close(): void {
    this.#closed = true;
    for (const pending of this.#pending.values()) {
      this.#clock.clearTimeout(pending.timer);
      const { address, port } = pending.peer;
      pending.reject(
        new TransportError(TransportErrorCode.ConnectionClosed, 'the transport stopped before the STUN response', {
          destination: { protocol: 'udp', address, port },
        }),
      );
    }
    this.#pending.clear();
  }

  #answer(request: StunMessage, source: StunPeer, reply: (bytes: Buffer) => void): void {
    if (this.#options.answerRequests === false) return;
    const software = this.#options.software === undefined ? {} : { software: this.#options.software };
    let bytes: Buffer;
    if (request.method !== STUN_BINDING)
      // RFC 5626 §8 asks only for Binding; RFC 5389 §7.3.1 answers anything else with 400.
      bytes = createStunErrorResponse(
        request.method,
        request.transactionId,
        { code: 400, reason: 'Bad Request' },
        [],
        software,
      );
    else if (request.unknownRequired.length > 0)
      // RFC 5389 §7.3.1: unknown comprehension-required attributes → 420 with UNKNOWN-ATTRIBUTES.
      bytes = createStunErrorResponse(
        STUN_BINDING,
        request.transactionId,
        { code: 420, reason: 'Unknown Attribute' },
        request.unknownRequired,
        software,
      );
    // RFC 5626 §8: "MUST include the XOR-MAPPED-ADDRESS attribute"; RFC 5389 §7.3.1: a FINGERPRINT
    // in the request means the answer carries one too.
    else {
      try {
        bytes = createBindingSuccess(request.transactionId, source, { ...software, fingerprint: request.fingerprint });
      } catch (error) {
        // Only a source that is not an IP address gets here, which a socket never reports.
        this.#options.logger?.warn?.('STUN answer not built', { error: String(error), source });
        return;
      }
    }
    reply(bytes);
  }

  #complete(response: StunMessage, source: StunPeer): void {
    const key = response.transactionId.toString('hex');
    const pending = this.#pending.get(key);
    // RFC 5389 §7.3.3: the transaction id must match one in flight; the source must be the peer
    // we asked (a response from elsewhere is not the flow's answer, and may be forged).
    if (pending === undefined || response.method !== STUN_BINDING) return;
    if (pending.peer.port !== source.port || !sameAddress(pending.peer.address, source.address)) {
      this.#options.logger?.debug?.('STUN response from another address dropped', { source, peer: pending.peer });
      return;
    }
    // §7.3.3: a success carrying comprehension-required attributes we do not know is discarded.
    if (response.class === 'success' && response.unknownRequired.length > 0) return;
    this.#pending.delete(key);
    this.#clock.clearTimeout(pending.timer);
    pending.resolve({
      mappedAddress: response.class === 'success' ? (response.xorMappedAddress ?? response.mappedAddress) : undefined,
      roundTripMs: this.#clock.now() - pending.startedAt,
      requests: pending.requests,
      ...(response.error === undefined ? {} : { error: response.error }),
    });
  }
}
