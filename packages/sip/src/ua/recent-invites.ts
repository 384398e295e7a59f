/**
 * INVITEs we sent whose forks may still answer (§13.2.2.4): a 2xx that arrives after the INVITE
 * client transaction ended (RFC 6026 Timer M) is routed to the INVITE's handler, which ACKs it and
 * sends BYE. Each entry lives 64*T1 plus a margin, on the clock; `close()` releases every timer.
 */
import type { Clock, TimerHandle } from '../clock.ts';
import type { SipResponse } from '../message/message.ts';

/** Recently sent INVITEs by Call-ID. */
export class RecentInvites {
  readonly #clock: Clock;
  readonly #lifetimeMs: () => number;
  readonly #entries = new Map<string, { handler: (response: SipResponse) => void; timer: TimerHandle }>();

  /** @param lifetimeMs how long an entry stays (64*T1 + margin), read at each `remember` */
  constructor(clock: Clock, lifetimeMs: () => number) {
    this.#clock = clock;
    this.#lifetimeMs = lifetimeMs;
  }

  /** Routes stray 2xx with this Call-ID to `handler` for a while; returns a function that forgets it now. */
  remember(callId: string, handler: (response: SipResponse) => void): () => void {
    const previous = this.#entries.get(callId);
    if (previous !== undefined) this.#clock.clearTimeout(previous.timer);
    const forget = () => {
      const entry = this.#entries.get(callId);
      if (entry?.handler !== handler) return;
      this.#clock.clearTimeout(entry.timer);
      this.#entries.delete(callId);
    };
    this.#entries.set(callId, { handler, timer: this.#clock.setTimeout(forget, this.#lifetimeMs()) });
    return forget;
  }

  /** Gives a stray 2xx to its INVITE's handler; false when none is remembered. */
  route(response: SipResponse): boolean {
    const entry = this.#entries.get(response.callId ?? '');
    entry?.handler(response);
    return entry !== undefined;
  }

  /** Forgets everything and releases the timers. */
  close(): void {
    for (const { timer } of this.#entries.values()) this.#clock.clearTimeout(timer);
    this.#entries.clear();
  }
}
