/**
 * SIPp as a scripted registrar/notifier for the registrar-client tests: a UAS on a free loopback
 * UDP port running one scenario of ./scenarios for one call (launcher: ../support/sipp.ts).
 */
import path from 'node:path';
import { hasSipp, startSipp as start, type Sipp } from '../support/sipp.ts';

/** Whether SIPp is installed. */
export const sippAvailable = hasSipp();

const scenarios = path.join(import.meta.dirname, 'scenarios');

/** A SIPp UAS running one scenario for one call (`-m 1`). */
export type SippPeer = Sipp;

/** Starts SIPp as a UAS on a free loopback UDP port with `-key` values. */
export function startSipp(scenario: string, keys: Record<string, string> = {}, seconds = 20): Promise<SippPeer> {
  return start({ scenario: path.join(scenarios, scenario), keys, timeoutSeconds: seconds });
}
