/**
 * The offer/answer state of one call (RFC 3264): local capabilities, the last local and remote
 * SDP, the o= version, the m-line slots and what was negotiated. Pure: no I/O, no timers; the
 * session actor drives it and sends the SDP it returns.
 *
 * ```
 *            createOffer / createReoffer                 receiveAnswer (200, 183, ACK)
 *   stable ─────────────────────────────▶ local-offer ───────────────────────────────▶ stable
 *     │  ▲                                   │ rollback (488/491/CANCEL): back to before
 *     │  └── receiveOffer → answer ──────────┘
 * ```
 *
 * Every method either completes or throws an {@link SdpError} and leaves the state unchanged.
 */
import type { Direction } from './direction.ts';
import { directionForHold, directionReceives, directionSends } from './direction.ts';
import { SdpError, SdpErrorCode, SdpWarning } from './errors.ts';
import type { LocalConfig, LocalTransport, MediaSessionOptions } from './local-config.ts';
import { checkTransport, resolveOptions } from './local-config.ts';
import { readMediaLine } from './media-line.ts';
import type { MediaSlot } from './media-slot.ts';
import type { NegotiatedMedia } from './negotiated.ts';
import { newSlot, offerMedia } from './offer.ts';
import type { MediaDescription, SessionDescription } from './parse.ts';
import { originLine, parseSdp } from './parse.ts';
import type { Refusal } from './answer.ts';
import { answerMedia } from './answer.ts';
import { negotiateMedia } from './negotiate.ts';
import { freshMid, randomSessionId, refusalError, writeLocalDescription } from './session-description.ts';

/** Offer/answer phase: `local-offer` while our offer awaits its answer. */
export type OfferAnswerState = 'stable' | 'local-offer';

/** Options of {@link MediaSession.createOffer}. */
export interface OfferOptions {
  /** Include (true) or remove (false) video; default: keep what the session has (initially none). */
  readonly video?: boolean;
  /** Put the call on hold (true) or resume it (false); default: keep the current hold state. */
  readonly hold?: boolean;
}

/** Options of {@link MediaSession.receiveAnswer}. */
export interface AnswerOptions {
  /**
   * Accept an answer that differs from the one already applied for the same offer (e.g. a 200
   * whose SDP differs from the 183's). RFC 3261 §13.2.1 says to ignore it; some gateways need it.
   */
  readonly replace?: boolean;
}

interface SentOffer {
  readonly sdp: string;
  readonly description: SessionDescription;
  readonly slots: readonly MediaSlot[];
  readonly localHold: boolean;
}

interface State {
  readonly phase: OfferAnswerState;
  /** The last SDP we sent (offer or answer, even a rolled-back offer) and its o= version. */
  readonly lastSent: { readonly sdp: string; readonly version: number } | undefined;
  /** The local SDP of the last completed exchange. */
  readonly localSdp: string | undefined;
  readonly remoteSdp: string | undefined;
  readonly remoteOrigin: string | undefined;
  readonly slots: readonly MediaSlot[];
  readonly negotiated: readonly NegotiatedMedia[] | undefined;
  readonly localHold: boolean;
  readonly remoteHold: boolean;
  readonly pending: SentOffer | undefined;
  /** Our offer of the last completed exchange when we were the offerer (for `replace`). */
  readonly lastOffer: SentOffer | undefined;
}

/** One call's SDP offer/answer state. See the module comment for the state diagram. */
export class MediaSession {
  readonly #options: MediaSessionOptions;
  #config: LocalConfig;
  readonly #sessionId: string;
  readonly #firstVersion: number;
  #state: State;

  /** @throws SdpError `SDP_INVALID_OPTIONS` when the options are invalid */
  constructor(options: MediaSessionOptions) {
    this.#options = options;
    this.#config = resolveOptions(options);
    const sessionId = options.sessionId ?? randomSessionId(this.#config.randomBytes);
    if (!/^\d{1,19}$/.test(sessionId))
      throw new SdpError(SdpErrorCode.InvalidOptions, 'sessionId must be 1..19 decimal digits');
    const firstVersion = options.sessionVersion ?? 1;
    if (!Number.isSafeInteger(firstVersion) || firstVersion < 0)
      throw new SdpError(SdpErrorCode.InvalidOptions, 'sessionVersion must be a safe non-negative integer');
    this.#sessionId = sessionId;
    this.#firstVersion = firstVersion;
    this.#state = {
      phase: 'stable',
      lastSent: undefined,
      localSdp: undefined,
      remoteSdp: undefined,
      remoteOrigin: undefined,
      slots: [],
      negotiated: undefined,
      localHold: false,
      remoteHold: false,
      pending: undefined,
      lastOffer: undefined,
    };
  }

  /** `stable`, or `local-offer` while our offer awaits an answer. */
  get state(): OfferAnswerState {
    return this.#state.phase;
  }

  /** Per m-line outcome of the last completed exchange; undefined before the first one. */
  get negotiated(): readonly NegotiatedMedia[] | undefined {
    return this.#state.negotiated;
  }

  /** The accepted audio stream of the last exchange, if any. */
  get audio(): NegotiatedMedia | undefined {
    return this.#state.negotiated?.find((media) => media.kind === 'audio' && media.accepted);
  }

  /** The accepted video stream of the last exchange, if any. */
  get video(): NegotiatedMedia | undefined {
    return this.#state.negotiated?.find((media) => media.kind === 'video' && media.accepted);
  }

  /** Our SDP of the last completed exchange. */
  get localSdp(): string | undefined {
    return this.#state.localSdp;
  }

  /** The peer's SDP of the last completed exchange. */
  get remoteSdp(): string | undefined {
    return this.#state.remoteSdp;
  }

  /** Our outstanding offer, while `state` is `local-offer`. */
  get pendingOffer(): string | undefined {
    return this.#state.pending?.sdp;
  }

  /** o= sess-version of the last SDP we sent (undefined before the first). */
  get sessionVersion(): number | undefined {
    return this.#state.lastSent?.version;
  }

  /** o= sess-id. */
  get sessionId(): string {
    return this.#sessionId;
  }

  /** Whether we hold the call (our last SDP offered sendonly/inactive because of hold). */
  get localHold(): boolean {
    return this.#state.localHold;
  }

  /** Whether the peer holds the call (its last SDP did not want to receive, RFC 3264 §8.4). */
  get remoteHold(): boolean {
    return this.#state.remoteHold;
  }

  /**
   * Whether `sdp` repeats the peer's last SDP: the same o= line, hence (RFC 3264 §8: "If the
   * version in the origin line does not increment, the SDP MUST be identical") the same SDP.
   * Used for a 200 that repeats the 183's answer (RFC 3261 §13.2.1).
   */
  isRepeatOfRemote(sdp: string): boolean {
    const origin = typeof sdp === 'string' ? originLine(sdp) : undefined;
    return origin !== undefined && origin === this.#state.remoteOrigin;
  }

  /**
   * What a remote SDP is, from the offer/answer state alone: `answer` while our offer is
   * outstanding (a 18x or 200 to our INVITE, or the ACK to our offer in a 200); `repeat` when
   * it repeats the peer's last SDP (a 200 after a 183 with the same answer: nothing to apply);
   * otherwise `offer` (an INVITE or re-INVITE, or a 18x/200 to our offerless INVITE).
   */
  remoteSdpRole(sdp: string): 'answer' | 'repeat' | 'offer' {
    if (this.#state.phase === 'local-offer') return 'answer';
    return this.isRepeatOfRemote(sdp) ? 'repeat' : 'offer';
  }

  /** Change the local address or ports (e.g. new transports); used by the next offer or answer. */
  setTransport(transport: LocalTransport): void {
    const ipVersion = checkTransport(transport);
    this.#config = { ...this.#config, transport, ipVersion };
  }

  /**
   * A copy in the same state, for a forked early dialog (RFC 3261 §13.2.2.4): each dialog
   * applies its own answer to the same offer.
   */
  fork(): MediaSession {
    const copy = new MediaSession({ ...this.#options, sessionId: this.#sessionId });
    copy.#config = this.#config;
    copy.#state = this.#state;
    return copy;
  }

  /**
   * Make an offer: the initial one (INVITE, or the 200 to an INVITE without SDP) or, once a
   * session exists, a re-offer (RFC 3264 §8) keeping the m-lines, their order and payload types.
   *
   * @throws SdpError `SDP_OFFER_PENDING` while an offer is outstanding; `SDP_INVALID_OPTIONS`
   *   when there is nothing to offer (no transport for any stream)
   */
  createOffer(options: OfferOptions = {}): string {
    const state = this.#state;
    if (state.phase === 'local-offer') throw new SdpError(SdpErrorCode.OfferPending, 'an offer is already outstanding');
    const config = this.#config;
    const localHold = options.hold ?? state.localHold;
    let slots = [...state.slots];
    if (slots.length === 0) slots.push(newSlot('audio', config, undefined));
    if (options.video === true && config.transport.video === undefined) {
      throw new SdpError(SdpErrorCode.InvalidOptions, 'video was asked for, but the transport has no video port');
    }
    if (options.video === true && !slots.some((slot) => slot.kind === 'video' && slot.port !== 0)) {
      // RFC 3264 §8.1: a new stream reuses the slot of a stream disabled earlier, or is appended.
      const reuse = slots.findIndex((slot) => slot.kind === 'video' && slot.port === 0);
      const usesMid = slots.some((slot) => slot.mid !== undefined);
      const fresh = newSlot('video', config, usesMid ? freshMid(slots) : undefined);
      if (reuse >= 0)
        slots[reuse] = {
          ...fresh,
          protocol: (slots[reuse] as MediaSlot).protocol,
          payloadTypes: (slots[reuse] as MediaSlot).payloadTypes,
          mid: (slots[reuse] as MediaSlot).mid,
        };
      else slots.push(fresh);
    } else if (options.video === false) {
      // RFC 3264 §8.2: a stream is removed by offering its m-line with port 0.
      slots = slots.map((slot) => (slot.kind === 'video' ? { ...slot, port: 0 } : slot));
    }
    // RFC 3264 §8.4 hold: sendonly, or inactive when the peer holds us too (RFC 6337 §5.3).
    const direction: Direction = localHold ? directionForHold('sendrecv', state.remoteHold) : 'sendrecv';
    const media: MediaDescription[] = [];
    const nextSlots: MediaSlot[] = [];
    for (const [index, slot] of slots.entries()) {
      const current = state.negotiated?.[index];
      const offered = offerMedia(
        slot,
        config,
        direction,
        current?.accepted === true && current.kind === slot.kind ? current.codecs[0] : undefined,
      );
      media.push(offered.media);
      nextSlots.push(offered.slot);
    }
    if (!media.some((line) => line.port !== 0))
      throw new SdpError(SdpErrorCode.InvalidOptions, 'nothing to offer: no local transport or codec for any stream');
    const { sdp, description, version } = writeLocalDescription({
      config: this.#config,
      sessionId: this.#sessionId,
      firstVersion: this.#firstVersion,
      previous: state.lastSent,
      media,
    });
    this.#state = {
      ...state,
      phase: 'local-offer',
      lastSent: { sdp, version },
      pending: { sdp, description, slots: nextSlots, localHold },
    };
    return sdp;
  }

  /**
   * A re-offer in an established session: hold/resume (RFC 3264 §8.4) and adding/removing video
   * (§8.1, §8.2). Same as {@link createOffer}, but refuses when no exchange has completed.
   */
  createReoffer(options: OfferOptions = {}): string {
    if (this.#state.negotiated === undefined)
      throw new SdpError(SdpErrorCode.InvalidOptions, 'no session to re-offer in: make the initial offer first');
    return this.createOffer(options);
  }

  /** Withdraw the outstanding offer (re-INVITE refused with 488/491, INVITE cancelled); state returns to before it. */
  rollback(): void {
    if (this.#state.phase !== 'local-offer') return;
    // lastSent stays: the peer may have seen that version, so the next SDP counts on from it.
    this.#state = { ...this.#state, phase: 'stable', pending: undefined };
  }

  /**
   * Answer the peer's offer (INVITE, re-INVITE, UPDATE, or a 200 to our offerless INVITE).
   *
   * @returns the answer SDP (same m-line count and order as the offer, RFC 3264 §6)
   * @throws SdpError 400 (unreadable), 488 with a Warning (nothing acceptable), 491 (our offer is outstanding)
   */
  receiveOffer(sdp: string): string {
    const state = this.#state;
    if (state.phase === 'local-offer')
      throw new SdpError(SdpErrorCode.OfferPending, 'an offer arrived while ours is outstanding');
    const offer = parseSdp(sdp, this.#config.limits);
    const wanted: Direction = state.localHold ? 'sendonly' : 'sendrecv';
    const acceptedKinds = new Set<string>();
    const media: MediaDescription[] = [];
    const slots: MediaSlot[] = [];
    const refusals: Refusal[] = [];
    offer.media.forEach((_, index) => {
      const answered = answerMedia(readMediaLine(offer, index), state.slots[index], this.#config, {
        acceptedKinds,
        wanted,
      });
      if (answered.refusal === undefined) acceptedKinds.add(answered.slot.kind);
      else refusals.push(answered.refusal);
      media.push(answered.media);
      slots.push(answered.slot);
    });
    if (acceptedKinds.size === 0) throw refusalError(refusals);
    const {
      sdp: answer,
      description,
      version,
    } = writeLocalDescription({
      config: this.#config,
      sessionId: this.#sessionId,
      firstVersion: this.#firstVersion,
      previous: state.lastSent,
      media,
    });
    const negotiated = offer.media.map((_, index) =>
      negotiateMedia({
        offer: readMediaLine(offer, index),
        answer: readMediaLine(description, index),
        localIsOfferer: false,
        strict: false,
      }),
    );
    const primary = negotiated.find((stream) => stream.accepted);
    this.#state = {
      ...state,
      lastSent: { sdp: answer, version },
      localSdp: answer,
      remoteSdp: sdp,
      remoteOrigin: originLine(sdp),
      slots,
      negotiated,
      // RFC 6337 §5.3: the peer holds us when its offer does not want to receive.
      remoteHold: primary === undefined ? state.remoteHold : !directionReceives(primary.remoteDirection),
      lastOffer: undefined,
    };
    return answer;
  }

  /**
   * Apply the peer's answer to our offer (200, reliable or unreliable 183, or the ACK of an
   * offerless INVITE). A repeat of the answer already applied (same o= line: a 200 after a 183)
   * returns the current result unchanged.
   *
   * @returns the negotiated streams
   * @throws SdpError 400 (unreadable), 488 (does not fit the offer or nothing usable),
   *   `SDP_UNEXPECTED_ANSWER` (no offer outstanding and not a repeat)
   */
  receiveAnswer(sdp: string, options: AnswerOptions = {}): readonly NegotiatedMedia[] {
    const state = this.#state;
    let offer = state.pending;
    if (state.phase !== 'local-offer') {
      if (this.isRepeatOfRemote(sdp) && state.negotiated !== undefined) return state.negotiated;
      if (options.replace !== true || state.lastOffer === undefined) {
        throw new SdpError(SdpErrorCode.UnexpectedAnswer, 'an answer arrived with no offer outstanding');
      }
      offer = state.lastOffer;
    }
    if (offer === undefined)
      throw new SdpError(SdpErrorCode.UnexpectedAnswer, 'an answer arrived with no offer outstanding');
    const answer = parseSdp(sdp, this.#config.limits);
    // RFC 3264 §6: "The answer MUST contain exactly the same number of "m=" lines as the offer."
    if (answer.media.length !== offer.description.media.length) {
      throw new SdpError(
        SdpErrorCode.AnswerMismatch,
        `the answer has ${answer.media.length} m-lines, the offer ${offer.description.media.length}`,
      );
    }
    const negotiated = answer.media.map((_, index) =>
      negotiateMedia({
        offer: readMediaLine(offer.description, index),
        answer: readMediaLine(answer, index),
        localIsOfferer: true,
        strict: true,
      }),
    );
    const primary = negotiated.find((stream) => stream.accepted);
    if (primary === undefined) {
      throw new SdpError(SdpErrorCode.NoAcceptableMedia, 'the answer refuses every stream', {
        warning: SdpWarning.MediaTypeNotAvailable,
      });
    }
    // RFC 3264 §6: a refused stream stays in the session with port 0; it is not re-offered
    // unless asked for again.
    const slots = offer.slots.map((slot, index) =>
      (answer.media[index] as MediaDescription).port === 0 ? { ...slot, port: 0 } : slot,
    );
    // Whether the peer holds us can be read from its answer only if we offered to send.
    const remoteHold = directionSends(primary.localDirection)
      ? !directionReceives(primary.remoteDirection)
      : state.remoteHold;
    this.#state = {
      ...state,
      phase: 'stable',
      localSdp: offer.sdp,
      remoteSdp: sdp,
      remoteOrigin: originLine(sdp),
      slots,
      negotiated,
      localHold: offer.localHold,
      remoteHold,
      pending: undefined,
      lastOffer: offer,
    };
    return negotiated;
  }
}
