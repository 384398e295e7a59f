/**
 * Time for the SIP stack (STYLE §5): every timer and timestamp goes through a `Clock`, so unit
 * tests run whole RFC 3261 timer schedules on a simulated clock without sleeping.
 */

/** An opaque timer handle. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** What the stack needs of time. */
export interface Clock {
  /** Milliseconds, monotonic within a process. */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `performance.now()` and Node timers (unref'd, so idle timers never hold a process). */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return timer;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

interface ScheduledTimer {
  at: number;
  order: number;
  callback: () => void;
}

/**
 * A clock that moves only when told. Timers fire in time order (ties in scheduling order) while
 * `advance()` runs, including timers that the callbacks schedule within the advanced span.
 */
export class SimulatedClock implements Clock {
  #now: number;
  #order = 0;
  readonly #timers = new Set<ScheduledTimer>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer: ScheduledTimer = { at: this.#now + Math.max(0, ms), order: this.#order++, callback };
    this.#timers.add(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as ScheduledTimer);
  }

  /** Timers still pending. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      let next: ScheduledTimer | undefined;
      for (const timer of this.#timers) {
        if (timer.at <= until && (!next || timer.at < next.at || (timer.at === next.at && timer.order < next.order)))
          next = timer;
      }
      if (!next) break;
      this.#timers.delete(next);
      this.#now = next.at;
      next.callback();
    }
    this.#now = until;
  }

  /** Fires every pending timer (bounded: at most `maxTimers`), advancing time to each. */
  runAll(maxTimers = 10_000): void {
    for (let i = 0; i < maxTimers && this.#timers.size > 0; i++) {
      let next: ScheduledTimer | undefined;
      for (const timer of this.#timers)
        if (!next || timer.at < next.at || (timer.at === next.at && timer.order < next.order)) next = timer;
      this.advance(next!.at - this.#now);
    }
  }
}
