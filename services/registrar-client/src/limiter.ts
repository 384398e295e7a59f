/**
 * A counting semaphore: at most `limit` holders at once, the others wait in order. Bounds the
 * REGISTER transactions a node has in flight (`sip.registration.maxInFlight`), so logging in
 * thousands of accounts does not flood the registrar or the transaction table.
 */
export class Limiter {
  readonly #limit: number;
  #held = 0;
  readonly #waiting: Array<() => void> = [];

  /** @param limit holders at once, ≥ 1 */
  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  /** Holders now. */
  get held(): number {
    return this.#held;
  }

  /** Waiters now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Resolves with a release function once a place is free; call it exactly once. */
  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.#held++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.#held--;
          this.#waiting.shift()?.();
        });
      };
      if (this.#held < this.#limit) grant();
      else this.#waiting.push(grant);
    });
  }
}
