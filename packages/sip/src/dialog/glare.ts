/**
 * Glare (RFC 3261 §14.1): after a 491 Request Pending to a re-INVITE (and, by RFC 3311 §5.1,
 * to an UPDATE) the UAC waits before trying once more. "If the UAC is the owner of the Call-ID
 * of the dialog ID (meaning it generated the value), T has a randomly chosen value between 2.1
 * and 4 seconds in units of 10 ms. If the UAC is not the owner of the Call-ID of the dialog ID,
 * T has a randomly chosen value of between 0 and 2 seconds in units of 10 ms."
 */

/**
 * The §14.1 retry delay in milliseconds, a multiple of 10.
 * @param ownsCallId whether this side generated the dialog's Call-ID (it sent the initial INVITE)
 * @param random a source in [0, 1); default `Math.random`
 */
export function glareRetryDelay(ownsCallId: boolean, random: () => number = Math.random): number {
  const [low, high] = ownsCallId ? [210, 400] : [0, 200];
  return (low + Math.floor(random() * (high - low + 1))) * 10;
}

/**
 * §14.2: "A UAS that receives a second INVITE before it sends the final response to a first
 * INVITE with a lower CSeq sequence number on the same dialog MUST return a 500 … and MUST
 * include a Retry-After header field with a randomly chosen value of between 0 and 10 seconds."
 */
export function pendingInviteRetryAfter(random: () => number = Math.random): number {
  return Math.floor(random() * 11);
}
