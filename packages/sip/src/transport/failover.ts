/**
 * RFC 3263 §4.3 failover over the targets of {@link locateServers}: "If the transaction ...
 * results in a transport failure or timeout, or a 503 (Service Unavailable) response, the
 * client SHOULD try the next element in the list" (a new transaction, new branch). The
 * transaction layer reports each outcome; this helper keeps the position.
 */
import type { ServerTarget } from './resolver.ts';

/** How an attempt at one target ended. */
export type AttemptOutcome = { kind: 'transport-error' } | { kind: 'timeout' } | { kind: 'response'; status: number };

/** §4.3: a transport error, a timeout (Timer B/F) or a 503 moves on to the next target. */
export function shouldTryNextTarget(outcome: AttemptOutcome): boolean {
  return outcome.kind !== 'response' || outcome.status === 503;
}

/** A cursor over the ordered targets. */
export class ServerFailover {
  readonly #targets: readonly ServerTarget[];
  #index = 0;

  /** @param targets in RFC 3263 order */
  constructor(targets: readonly ServerTarget[]) {
    this.#targets = targets;
  }

  /** The target to try now, or undefined when all failed. */
  get current(): ServerTarget | undefined {
    return this.#targets[this.#index];
  }

  /** Targets not tried yet, after the current one. */
  get remaining(): number {
    return Math.max(0, this.#targets.length - this.#index - 1);
  }

  /**
   * Reports how the current attempt ended. Returns the next target to try when the outcome calls
   * for failover and one is left; undefined when done (success, a final non-503 answer, or no
   * target left).
   */
  next(outcome: AttemptOutcome): ServerTarget | undefined {
    if (!shouldTryNextTarget(outcome) || this.#index >= this.#targets.length) return undefined;
    this.#index++;
    return this.current;
  }
}

/**
 * Tries the targets in order until an attempt ends without a failover outcome; returns that
 * result, or the last one when every target failed.
 * @param attempt one transaction towards one target, resolving with its outcome and a result
 */
export async function tryTargets<T>(
  targets: readonly ServerTarget[],
  attempt: (target: ServerTarget) => Promise<{ outcome: AttemptOutcome; result: T }>,
): Promise<T | undefined> {
  const failover = new ServerFailover(targets);
  let last: T | undefined;
  for (let target = failover.current; target !== undefined;) {
    const { outcome, result } = await attempt(target);
    last = result;
    target = failover.next(outcome);
  }
  return last;
}
