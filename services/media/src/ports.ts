/**
 * RTP ports from a range (provisioning `mediaPortMin`/`mediaPortMax`, or the service's config):
 * even ports for RTP, the odd one above kept free for RTCP without rtcp-mux (RFC 3550 §11).
 * The port is bound by the mediasoup worker; a port another process holds is skipped.
 */
import { ErrorCode, TalkbusError } from '@talkbus/contracts';

/** Hands out even ports round-robin and tracks those in use. */
export class PortAllocator {
  readonly #used = new Set<number>();
  readonly #defaultMin: number;
  readonly #defaultMax: number;
  #cursor: number;

  constructor(min: number, max: number) {
    this.#defaultMin = min;
    this.#defaultMax = max;
    this.#cursor = min;
  }

  /**
   * Finds a free even port in [min, max - 1] and calls `open` with it until one binds.
   *
   * @throws TalkbusError MEDIA_NO_PORTS when every port is in use or refused
   */
  async bind<T>(min = this.#defaultMin, max = this.#defaultMax, open: (port: number) => Promise<T>): Promise<T> {
    const first = min + (min % 2);
    const count = Math.floor((max - first) / 2); // pairs (port, port + 1) inside the range
    if (count <= 0)
      throw new TalkbusError(ErrorCode.MEDIA_NO_PORTS, `The RTP port range ${min}-${max} holds no port pair`, {
        min,
        max,
      });
    let start = this.#cursor >= first && this.#cursor < first + 2 * count ? this.#cursor : first;
    start -= (start - first) % 2;
    let lastError: unknown;
    for (let step = 0, tried = 0; step < count && tried < 64; step++) {
      const port = first + ((start - first + 2 * step) % (2 * count));
      if (this.#used.has(port)) continue;
      tried++;
      this.#used.add(port);
      try {
        const value = await open(port);
        this.#cursor = port + 2;
        return value;
      } catch (err) {
        this.#used.delete(port);
        lastError = err;
        if (!/in use|EADDRINUSE|bind/i.test(String(err))) throw err;
      }
    }
    throw new TalkbusError(
      ErrorCode.MEDIA_NO_PORTS,
      `No free RTP port in ${min}-${max}`,
      { min, max },
      { cause: lastError },
    );
  }

  /** Gives a port back. */
  release(port: number): void {
    this.#used.delete(port);
  }

  /** Ports in use. */
  get inUse(): number {
    return this.#used.size;
  }
}
