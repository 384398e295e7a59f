/**
 * Time for the services (STYLE §5): media's RTP pacing, timeout checks and worker restarts,
 * the recorder's 20 ms writing tick. Logic takes a {@link Clock}; the system clock is the
 * default, and tests pass a simulated one.
 */

// The SIP stack's clock serves the services too: `now` in monotonic ms, unref'd timers.
import { systemClock, type Clock, type TimerHandle } from '@talkbus/sip';

export { systemClock, type Clock, type TimerHandle };

/**
 * Calls `tick` every `intervalMs` on average: each wake-up is scheduled from the start time, not
 * from the previous wake-up, so timer lateness does not accumulate into drift. A late wake-up
 * runs the missed ticks at once (at most `maxCatchUp`; beyond that the pacer resynchronises).
 */
export class Pacer {
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #tick: () => void;
  readonly #maxCatchUp: number;
  #timer: TimerHandle | undefined;
  #next = 0;
  #running = false;

  constructor(clock: Clock, intervalMs: number, tick: () => void, maxCatchUp = 5) {
    this.#clock = clock;
    this.#intervalMs = intervalMs;
    this.#tick = tick;
    this.#maxCatchUp = maxCatchUp;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#next = this.#clock.now() + this.#intervalMs;
    this.#schedule();
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => this.#wake(), Math.max(0, this.#next - this.#clock.now()));
  }

  #wake(): void {
    if (!this.#running) return;
    const now = this.#clock.now();
    let ran = 0;
    while (this.#next <= now && ran < this.#maxCatchUp) {
      this.#tick();
      this.#next += this.#intervalMs;
      ran++;
    }
    if (this.#next <= now) this.#next = now + this.#intervalMs; // too far behind: resynchronise
    if (this.#running) this.#schedule();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
  }
}
