/**
 * Stream directions (RFC 3264 §5.1, §6.1) and hold (RFC 3264 §8.4, RFC 6337 §5.3).
 *
 * A direction is always written from the point of view of the SDP's author: `sendonly` in the
 * peer's SDP means the peer sends and we receive.
 */

/** `a=sendrecv` / `a=sendonly` / `a=recvonly` / `a=inactive` (RFC 4566 §6). */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** Whether the SDP's author sends in this direction. */
export function directionSends(direction: Direction): boolean {
  return direction === 'sendrecv' || direction === 'sendonly';
}

/** Whether the SDP's author receives in this direction. */
export function directionReceives(direction: Direction): boolean {
  return direction === 'sendrecv' || direction === 'recvonly';
}

/** The direction with the given send/receive flags. */
export function directionFrom(sends: boolean, receives: boolean): Direction {
  if (sends) return receives ? 'sendrecv' : 'sendonly';
  return receives ? 'recvonly' : 'inactive';
}

/**
 * The same stream seen from the other end: sendonly ↔ recvonly; sendrecv and inactive stay.
 */
export function reverseDirection(direction: Direction): Direction {
  return directionFrom(directionReceives(direction), directionSends(direction));
}

/**
 * The direction an answer carries (RFC 3264 §6.1): "If a stream is offered as sendonly, the
 * corresponding stream MUST be marked as recvonly or inactive in the answer. If a media stream
 * is listed as recvonly in the offer, the answer MUST be marked as sendonly or inactive in the
 * answer. If an offered media stream is listed as sendrecv (or if there is no direction
 * attribute at the media or session level, in which case the stream is sendrecv by default),
 * the corresponding stream in the answer MAY be marked as sendonly, recvonly, sendrecv, or
 * inactive. If an offered media stream is listed as inactive, it MUST be marked as inactive in
 * the answer."
 *
 * @param offered the direction in the offer
 * @param wanted what the answerer would like (sendrecv normally, sendonly while it holds)
 */
export function answerDirection(offered: Direction, wanted: Direction): Direction {
  const reversed = reverseDirection(offered);
  return directionFrom(
    directionSends(reversed) && directionSends(wanted),
    directionReceives(reversed) && directionReceives(wanted),
  );
}

/**
 * The direction to offer when putting a stream on hold (RFC 3264 §8.4): "If the stream to be
 * placed on hold was previously a sendrecv media stream, it is placed on hold by marking it
 * sendonly. If the stream to be placed on hold was previously a recvonly media stream, it is
 * placed on hold by marking it inactive." RFC 6337 §5.3 adds that a side already held by its
 * peer offers inactive.
 *
 * @param current the direction this side last offered or answered
 * @param peerHolds whether the peer holds this side (its last SDP did not want to receive)
 */
export function directionForHold(current: Direction, peerHolds = false): Direction {
  if (peerHolds) return 'inactive';
  return directionSends(current) ? 'sendonly' : 'inactive';
}

/** Parse a direction attribute value; undefined for anything else. */
export function asDirection(value: unknown): Direction | undefined {
  return value === 'sendrecv' || value === 'sendonly' || value === 'recvonly' || value === 'inactive'
    ? value
    : undefined;
}
