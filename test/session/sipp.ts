/**
 * SIPp as the real peer of the session tests: one scenario of ./scenarios for one call, with an
 * RTP port (`-mp`) and `-trace_msg` keeping what went over the wire for the assertions
 * (launcher: ../support/sipp.ts).
 */
import path from 'node:path';
import { hasSipp, startSipp as start, type Sipp } from '../support/sipp.ts';

/** Whether SIPp is installed. */
export const sippAvailable = hasSipp();

const scenarios = path.join(import.meta.dirname, 'scenarios');

/** A SIPp run. */
export interface SippPeer extends Sipp {
  /** The RTP port SIPp announces (`-mp`). */
  mediaPort: number;
}

/** Options of {@link startSipp}. */
export interface SippOptions {
  /** UAC: the talkbus address to call, `127.0.0.1:PORT`. */
  remote?: string;
  /** UAC: the user part of the Request-URI (`-s`). */
  service?: string;
  keys?: Record<string, string>;
  seconds?: number;
  /** `-rtp_echo`: echo RTP back (RTP both ways). */
  rtpEcho?: boolean;
}

/** Starts SIPp with one scenario for one call. */
export async function startSipp(scenario: string, options: SippOptions = {}): Promise<SippPeer> {
  const sipp = await start({
    scenario: path.join(scenarios, scenario),
    ...(options.remote === undefined ? {} : { remote: options.remote, service: options.service ?? 'alice' }),
    keys: options.keys ?? {},
    timeoutSeconds: options.seconds ?? 20,
    media: true,
    trace: true,
    args: options.rtpEcho ? ['-rtp_echo'] : [],
  });
  return { ...sipp, mediaPort: sipp.mediaPort! };
}
