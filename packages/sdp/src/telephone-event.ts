/**
 * RFC 4733 telephone-event fmtp: the list of events a receiver accepts, e.g. `0-15,66,70`
 * (RFC 4733 §7.1.1). Absent fmtp means 0-15 (the DTMF events, RFC 4733 §7.1.1).
 */

/** Events assumed when a telephone-event format has no fmtp (RFC 4733 §7.1.1). */
export const DEFAULT_TELEPHONE_EVENTS = '0-15';

/**
 * Parse an event list into a sorted set of event codes 0..255. Returns undefined for text that
 * is not an event list.
 */
export function parseTelephoneEvents(text: string): number[] | undefined {
  const events = new Set<number>();
  for (const part of text.split(',')) {
    const match = /^\s*(\d{1,3})(?:\s*-\s*(\d{1,3}))?\s*$/.exec(part);
    if (match === null) return undefined;
    const low = Number(match[1]);
    const high = match[2] === undefined ? low : Number(match[2]);
    if (low > 255 || high > 255 || high < low) return undefined;
    for (let event = low; event <= high; event++) events.add(event);
  }
  return [...events].sort((a, b) => a - b);
}

/** Write a sorted set of event codes as ranges: `[0,1,2,3,66]` → `0-3,66`. */
export function writeTelephoneEvents(events: readonly number[]): string {
  const parts: string[] = [];
  let index = 0;
  while (index < events.length) {
    const low = events[index] as number;
    let high = low;
    while (events[index + 1] === high + 1) {
      high++;
      index++;
    }
    parts.push(low === high ? `${low}` : `${low}-${high}`);
    index++;
  }
  return parts.join(',');
}

/**
 * The events both sides accept, for the answer's fmtp. Undefined when they share none (the
 * telephone-event format is then left out of the answer).
 */
export function intersectTelephoneEvents(local: string, remote: string | undefined): string | undefined {
  const ours = parseTelephoneEvents(local);
  const theirs = parseTelephoneEvents(remote ?? DEFAULT_TELEPHONE_EVENTS);
  if (ours === undefined || theirs === undefined) return undefined;
  const both = ours.filter((event) => theirs.includes(event));
  return both.length === 0 ? undefined : writeTelephoneEvents(both);
}
