/**
 * Retry and refresh timing of a registration.
 */

/**
 * Delay before retry number `failures` (1 = first retry): `base · 2^(failures-1)`, capped at
 * `max`, then jittered by ±25% (RFC 5626 §4.5 asks for a randomised, capped, exponential wait so
 * that many clients of a registrar that comes back do not retry in lockstep). Never above `max`.
 */
export function retryDelay(failures: number, base: number, max: number, random: () => number): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  const plain = Math.min(max, base * 2 ** exponent);
  const jittered = plain * (0.75 + 0.5 * random());
  return Math.max(1, Math.min(max, Math.round(jittered)));
}

/** How long a 503's Retry-After (seconds) makes us wait, capped at `max` ms (RFC 3261 §21.5.4). */
export function retryAfterDelay(seconds: number, max: number): number {
  return Math.max(1, Math.min(max, seconds * 1000));
}

/**
 * When to refresh a binding granted for `seconds`: ahead of expiry by a tenth of the lifetime,
 * at least 1 s and at most 60 s ahead, and never before half of it (so a short grant still
 * leaves a retry or two inside the lifetime). In ms.
 */
export function refreshDelay(seconds: number): number {
  const lifetime = seconds * 1000;
  const lead = Math.min(60_000, Math.max(1000, lifetime / 10));
  return Math.max(Math.round(lifetime / 2), Math.round(lifetime - lead));
}

/**
 * When the next keep-alive goes out on a flow whose keep-alive period is `interval` ms: RFC 5626
 * §4.4.1 "so that the interval between each keep-alive is randomly distributed between 80% and
 * 100% of the upper bound" (keep-alives of many UAs behind one NAT then do not line up). In ms.
 */
export function keepAliveDelay(interval: number, random: () => number): number {
  return Math.max(1, Math.round(interval * (0.8 + 0.2 * random())));
}
