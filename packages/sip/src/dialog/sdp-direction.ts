/**
 * Hold by SDP direction (RFC 3264 §8.4) for `Dialog.modify({ hold })`: the local offer gets
 * `a=sendonly` (or `a=inactive` where the stream was `recvonly`/`inactive`) on every media
 * section; resuming writes `a=sendrecv`. Full offer/answer lives in `packages/sdp`; this only
 * rewrites direction lines, line by line, keeping every other line as it was.
 */

/** SDP media directions. */
export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const DIRECTIONS = new Set(['a=sendrecv', 'a=sendonly', 'a=recvonly', 'a=inactive']);

/** The direction for a held (`hold` true) or resumed stream, given its current one (§8.4). */
function heldDirection(current: SdpDirection, hold: boolean): SdpDirection {
  if (!hold) return 'sendrecv';
  return current === 'recvonly' || current === 'inactive' ? 'inactive' : 'sendonly';
}

/**
 * Rewrites the direction of every media section (and drops a session-level one, which the
 * media-level lines now override).
 */
export function setHold(sdp: string, hold: boolean): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  let sessionDirection: SdpDirection = 'sendrecv';
  const out: string[] = [];
  let section: string[] | undefined;
  let sectionDirection: SdpDirection | undefined;
  const flush = () => {
    if (section === undefined) return;
    out.push(...section, `a=${heldDirection(sectionDirection ?? sessionDirection, hold)}`);
  };
  for (const line of lines) {
    if (line.startsWith('m=')) {
      flush();
      section = [line];
      sectionDirection = undefined;
      continue;
    }
    if (DIRECTIONS.has(line.trim())) {
      const direction = line.trim().slice(2) as SdpDirection;
      if (section === undefined) sessionDirection = direction;
      else sectionDirection = direction;
      continue;
    }
    (section ?? out).push(line);
  }
  flush();
  return out.join(eol) + eol;
}
