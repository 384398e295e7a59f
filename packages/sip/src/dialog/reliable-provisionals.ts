/**
 * The UAS side of RFC 3262 (reliable provisional responses, option tag `100rel`) for one INVITE:
 * RSeq numbering, retransmission until the PRACK, the one-at-a-time rule, PRACK matching, and
 * holding a 2xx until the outstanding reliable provisional is acknowledged.
 *
 * ```
 *            send(1xx)                       PRACK matches (RAck)
 *   idle ───────────────▶ outstanding ───────────────────────────▶ idle (next queued 1xx sent,
 *    ▲  ╲                   │    │  ▲ timer: resend, interval × 2        or the held 2xx released
 *    │   ╲ holdFinal(2xx):  │    └──┘                                  once the PRACK is answered)
 *    │    ╲ sent at once    │ 64*T1 without PRACK
 *    │                      ▼
 *    └──── close() ◀──── gave up (owner rejects the INVITE with a 5xx, §3)
 * ```
 */
import type { Clock, TimerHandle } from '../clock.ts';
import type { SipResponse } from '../message/message.ts';
import type { RAck } from '../message/values/numbers.ts';

/** The option tag of RFC 3262. */
export const RELIABLE_TAG = '100rel';

/** Most reliable provisional responses waiting behind an unacknowledged one. */
const MAX_QUEUED = 16;

/** Options of {@link ReliableProvisionals}. */
export interface ReliableProvisionalsOptions {
  clock: Clock;
  /** T1 in ms: the first retransmission interval (§3). */
  t1: number;
  /** The INVITE's CSeq number (RAck's CSeq-num must equal it, §7.2). */
  inviteSeq: number;
  /** Whether the INVITE carried an SDP offer (then an SDP in the PRACK is a new offer, §5). */
  inviteHadOffer: boolean;
  /** Random numbers in [0, 1) for the first RSeq. */
  random(): number;
  /** Hands a response to the INVITE server transaction. */
  transmit(response: SipResponse): void;
  /** 64*T1 passed without a PRACK (§3): the owner rejects the INVITE with a 5xx. */
  onGiveUp(): void;
}

interface Outstanding {
  response: SipResponse;
  rseq: number;
  interval: number;
  retransmit: TimerHandle;
  giveUp: TimerHandle;
}

/** Reliable provisional responses of one INVITE server transaction (see the file comment). */
export class ReliableProvisionals {
  /** Whether the INVITE carried an SDP offer. */
  readonly inviteHadOffer: boolean;
  readonly #options: ReliableProvisionalsOptions;
  #nextRseq: number;
  #outstanding: Outstanding | undefined;
  readonly #queue: SipResponse[] = [];
  #heldFinal: (() => void) | undefined;
  /** Acknowledged, PRACK not answered yet: queued work waits for that answer. */
  #awaitingPrackAnswer = false;
  #closed = false;

  constructor(options: ReliableProvisionalsOptions) {
    this.#options = options;
    this.inviteHadOffer = options.inviteHadOffer;
    // §3: "The value of the RSeq in each response … MUST be chosen uniformly between 1 and 2**31 - 1".
    this.#nextRseq = 1 + Math.floor(options.random() * (2 ** 31 - 2));
  }

  /** True while a reliable provisional response waits for its PRACK (or one is queued). */
  get pending(): boolean {
    return this.#outstanding !== undefined || this.#queue.length > 0 || this.#awaitingPrackAnswer;
  }

  /**
   * Sends `response` (101–199) reliably: adds `Require: 100rel` and RSeq (§3), or queues it
   * behind the unacknowledged one ("The UAS MUST NOT send a second reliable provisional
   * response until the first is acknowledged").
   */
  send(response: SipResponse): void {
    if (this.#closed) return;
    if (!response.headers.values('require').some((tag) => tag.toLowerCase() === RELIABLE_TAG))
      response.headers.append('Require', RELIABLE_TAG);
    if (this.pending) {
      if (this.#queue.length < MAX_QUEUED) this.#queue.push(response);
      return;
    }
    this.#start(response);
  }

  /**
   * A 2xx to the INVITE. RFC 3262 §3 lets a UAS send a final response before the PRACKs come,
   * "unless the final response is 2xx and any of the unacknowledged reliable provisional
   * responses contained a session description"; we hold every 2xx while one is unacknowledged
   * (the offer/answer state stays simple). Returns true when `send` was held.
   */
  holdFinal(send: () => void): boolean {
    if (this.#closed || !this.pending) return false;
    this.#heldFinal = send;
    return true;
  }

  /**
   * A PRACK's RAck. Returns the reliable provisional response it acknowledges, or undefined when
   * it matches none (§3: "the UAS MUST respond to the PRACK with a 481").
   */
  acknowledge(rack: RAck | undefined): SipResponse | undefined {
    const outstanding = this.#outstanding;
    if (this.#closed || outstanding === undefined || rack === undefined) return undefined;
    // §7.2: RAck carries the RSeq of the response, and the CSeq number and method of the request.
    if (rack.rseq !== outstanding.rseq || rack.cseq !== this.#options.inviteSeq || rack.method !== 'INVITE')
      return undefined;
    this.#stopTimers(outstanding);
    this.#outstanding = undefined;
    this.#awaitingPrackAnswer = true;
    return outstanding.response;
  }

  /** The PRACK got its final response: send the next queued 1xx, or the held 2xx. */
  prackAnswered(): void {
    if (!this.#awaitingPrackAnswer) return;
    this.#awaitingPrackAnswer = false;
    if (this.#closed) return;
    const next = this.#queue.shift();
    if (next !== undefined) {
      this.#start(next);
      return;
    }
    const held = this.#heldFinal;
    this.#heldFinal = undefined;
    held?.();
  }

  /** Stops every timer and drops what is queued (final response sent, CANCEL, dialog ended). */
  close(): void {
    this.#closed = true;
    if (this.#outstanding !== undefined) this.#stopTimers(this.#outstanding);
    this.#outstanding = undefined;
    this.#queue.length = 0;
    this.#heldFinal = undefined;
  }

  #start(response: SipResponse): void {
    const { clock, t1 } = this.#options;
    const rseq = this.#nextRseq;
    // §3: "the RSeq … MUST be one higher than the RSeq of the previous reliable provisional response".
    this.#nextRseq = rseq >= 2 ** 32 - 1 ? 1 : rseq + 1;
    response.headers.set('RSeq', String(rseq));
    const outstanding: Outstanding = {
      response,
      rseq,
      interval: t1,
      retransmit: undefined!,
      // §3: "If a reliable provisional response is retransmitted for 64*T1 seconds without
      // reception of a corresponding PRACK, the UAS SHOULD reject the original request with a
      // 5xx response."
      giveUp: clock.setTimeout(() => this.#giveUp(), 64 * t1),
    };
    outstanding.retransmit = clock.setTimeout(() => this.#retransmit(outstanding), t1);
    this.#outstanding = outstanding;
    this.#transmit(response);
  }

  // §3: "The reliable provisional response is passed to the transaction layer periodically with
  // an interval that starts at T1 seconds and doubles for each retransmission."
  #retransmit(outstanding: Outstanding): void {
    if (this.#outstanding !== outstanding) return;
    this.#transmit(outstanding.response);
    outstanding.interval *= 2;
    outstanding.retransmit = this.#options.clock.setTimeout(() => this.#retransmit(outstanding), outstanding.interval);
  }

  #giveUp(): void {
    this.close();
    this.#options.onGiveUp();
  }

  #stopTimers(outstanding: Outstanding): void {
    this.#options.clock.clearTimeout(outstanding.retransmit);
    this.#options.clock.clearTimeout(outstanding.giveUp);
  }

  #transmit(response: SipResponse): void {
    try {
      this.#options.transmit(response);
    } catch {
      // the transaction ended meanwhile (CANCEL, transport error): nothing left to make reliable
      this.close();
    }
  }
}
