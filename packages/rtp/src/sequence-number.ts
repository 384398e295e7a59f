/**
 * 16-bit RTP sequence-number arithmetic (RFC 3550 §5.1, A.1): signed distance modulo 2^16 and
 * extension to a monotonically growing number that counts wrap-arounds.
 */

/** Number of distinct sequence numbers (RFC 3550 A.1 `RTP_SEQ_MOD`). */
export const RTP_SEQ_MOD = 0x1_0000;

/**
 * Signed distance from `from` to `to` modulo 2^16, in -32768..32767: positive when `to` is
 * newer. `sequenceDelta(65535, 1) === 2`.
 */
export function sequenceDelta(to: number, from: number): number {
  return (((to - from) & 0xffff) << 16) >> 16;
}

/** True when `candidate` is newer than `reference` (modulo 2^16, half the space ahead). */
export function isNewerSequence(candidate: number, reference: number): boolean {
  return sequenceDelta(candidate, reference) > 0;
}

/**
 * Extends 16-bit sequence numbers to a monotonically meaningful integer (cycles × 2^16 + seq),
 * choosing for each input the extended value closest to the highest one seen so far. Handles
 * wrap-around and reordering within ±32767 packets.
 */
export class SequenceExtender {
  #highest: number | undefined;

  /** Highest extended sequence number seen; undefined before the first {@link extend}. */
  get highest(): number | undefined {
    return this.#highest;
  }

  /**
   * @param sequenceNumber 16-bit sequence number off the wire
   * @returns its extended value (may be below earlier results for a reordered packet; the first
   *   value is the sequence number itself plus 2^16, so an early reordered packet stays ≥ 0)
   */
  extend(sequenceNumber: number): number {
    if (this.#highest === undefined) {
      this.#highest = RTP_SEQ_MOD + sequenceNumber;
      return this.#highest;
    }
    const extended = this.#highest + sequenceDelta(sequenceNumber, this.#highest & 0xffff);
    if (extended > this.#highest) this.#highest = extended;
    return extended;
  }

  /** Forgets the history; the next {@link extend} starts over. */
  reset(): void {
    this.#highest = undefined;
  }
}
