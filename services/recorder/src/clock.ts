/**
 * Time for the recorder: the 20 ms writing tick and bounded waits take a {@link Clock}
 * (STYLE §5); the system clock is the default.
 */

/** What the recorder needs of time. `now` is in ms, monotonic. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process clock (`performance.now`, real timers that do not keep the process alive). */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    timer.unref?.();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
