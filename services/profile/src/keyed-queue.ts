/**
 * Serializes asynchronous work per key (one account at a time), so read-check-write sequences
 * such as "count the contacts, then add one" or "append a call log entry, then drop the oldest"
 * cannot interleave for the same account. Work on different keys runs concurrently.
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>();
  readonly #inFlight = new Set<Promise<unknown>>();

  /** Runs `work` after every earlier work queued under `key` has settled. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    // The tail never rejects, so one failed work does not fail the ones queued after it.
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    this.#inFlight.add(tail);
    void tail.then(() => {
      this.#inFlight.delete(tail);
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Resolves once every work queued so far (on any key) has settled. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }
}
