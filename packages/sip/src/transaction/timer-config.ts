/**
 * RFC 3261 transaction timers (§17, Table 4 of Appendix A) and RFC 6026's Timers L and M, all
 * derived from one {@link TimerConfig} (STYLE §5; belle-sip `src/nict.c` does the same).
 *
 * | timer | value (unreliable)      | reliable      | meaning                                   |
 * | ----- | ----------------------- | ------------- | ----------------------------------------- |
 * | A     | T1, doubling            | not used      | INVITE request retransmit                 |
 * | B     | 64*T1                   | 64*T1         | INVITE transaction timeout                |
 * | D     | 64*T1 (>= 32 s at T1=500) | 0           | wait for response retransmits (ICT)       |
 * | E     | T1, doubling up to T2   | not used      | non-INVITE request retransmit             |
 * | F     | 64*T1                   | 64*T1         | non-INVITE transaction timeout            |
 * | G     | T1, doubling up to T2   | not used      | INVITE final response retransmit          |
 * | H     | 64*T1                   | 64*T1         | wait for ACK                              |
 * | I     | T4                      | 0             | wait for ACK retransmits                  |
 * | J     | 64*T1                   | 0             | wait for non-INVITE request retransmits   |
 * | K     | T4                      | 0             | wait for non-INVITE response retransmits  |
 * | L     | 64*T1                   | 64*T1         | RFC 6026: IST Accepted (2xx retransmits)  |
 * | M     | 64*T1                   | 64*T1         | RFC 6026: ICT Accepted (2xx retransmits)  |
 *
 * A value of 0 means "not used" for A/E/G and "immediately" for D/I/J/K: the transaction goes
 * straight to Terminated instead of starting a zero timer.
 */

/** The base timer values, in milliseconds. Tests shorten them; the defaults are the RFC's. */
export interface TimerConfig {
  /** RTT estimate (§17.1.1.1). Default 500 ms. */
  T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses. Default 4000 ms. */
  T2: number;
  /** Maximum duration a message remains in the network. Default 5000 ms. */
  T4: number;
  /** §17.2.1: an INVITE server transaction sends 100 Trying if the TU has not answered within this. Default 200 ms. */
  tryingDelay: number;
}

/** RFC 3261 defaults: T1 500 ms, T2 4 s, T4 5 s, 100 Trying after 200 ms. */
export const DEFAULT_TIMER_CONFIG: Readonly<TimerConfig> = Object.freeze({
  T1: 500,
  T2: 4000,
  T4: 5000,
  tryingDelay: 200,
});

/** Every timer of one transaction, in milliseconds, for its transport's reliability. */
export interface TransactionTimers {
  /** Whether the transport is reliable (TCP, TLS, WS, WSS). */
  readonly reliable: boolean;
  readonly T1: number;
  readonly T2: number;
  readonly T4: number;
  /** Initial A (0 = not used). */
  readonly A: number;
  readonly B: number;
  readonly D: number;
  /** Initial E (0 = not used). */
  readonly E: number;
  readonly F: number;
  /** Initial G (0 = not used). */
  readonly G: number;
  readonly H: number;
  readonly I: number;
  readonly J: number;
  readonly K: number;
  readonly L: number;
  readonly M: number;
  /** Delay before the INVITE server transaction's own 100 Trying. */
  readonly trying: number;
}

/** Fills a partial config with the RFC defaults. */
export function resolveTimerConfig(config: Partial<TimerConfig> = {}): TimerConfig {
  return { ...DEFAULT_TIMER_CONFIG, ...config };
}

/**
 * The timers of one transaction (§17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2; RFC 6026 Timers L and M).
 * @param config base values (missing ones take the RFC defaults)
 * @param reliable whether the transaction's transport is reliable
 */
export function transactionTimers(config: Partial<TimerConfig>, reliable: boolean): TransactionTimers {
  const { T1, T2, T4, tryingDelay } = resolveTimerConfig(config);
  const sixtyFour = 64 * T1;
  return {
    reliable,
    T1,
    T2,
    T4,
    A: reliable ? 0 : T1,
    B: sixtyFour,
    D: reliable ? 0 : sixtyFour,
    E: reliable ? 0 : T1,
    F: sixtyFour,
    G: reliable ? 0 : T1,
    H: sixtyFour,
    I: reliable ? 0 : T4,
    J: reliable ? 0 : sixtyFour,
    K: reliable ? 0 : T4,
    L: sixtyFour,
    M: sixtyFour,
    trying: tryingDelay,
  };
}

/** The same timers for a transport that turned out reliable (§18.1.1: a large request went over TCP). */
export function asReliable(timers: TransactionTimers): TransactionTimers {
  return transactionTimers({ T1: timers.T1, T2: timers.T2, T4: timers.T4, tryingDelay: timers.trying }, true);
}
