/**
 * A pool of mediasoup workers (one per core by default). Each worker has routers keyed by
 * payload-type profile (see `router-codecs.ts`). A worker that dies is reported to the pool's
 * owner (which fails the endpoints it carried) and restarted after a bounded back-off; a dead
 * worker never takes the node down.
 */
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { onUnroutedPacket, type UnroutedPacket } from './worker-log.ts';
import { profileName, routerCodecs, type PayloadProfile } from './router-codecs.ts';
import type { Clock, TimerHandle } from '@talkbus/runtime';

/** One worker of the pool. */
export interface WorkerSlot {
  readonly index: number;
  worker: types.Worker;
  pid: number;
  alive: boolean;
  /** Endpoints placed on this worker (least loaded wins). */
  load: number;
  routers: Map<string, Promise<types.Router>>;
  /** Called with packets this worker could not route (SSRC learning). */
  unrouted: Set<(packet: UnroutedPacket) => void>;
  stopListening: () => void;
}

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** Number of workers; default one per core. */
  size: number;
  /** Path of the `mediasoup-worker` binary. */
  workerBin: string;
  clock: Clock;
  /** Called when a worker died, before it is restarted. */
  onWorkerDied(slot: WorkerSlot, error: Error): void;
  /** Called when a restart failed (it is tried again). */
  onRestartFailed?(slot: WorkerSlot, error: Error): void;
  /** First restart delay, ms (doubles up to 5 s); default 100. */
  restartDelayMs?: number;
}

/** The pool. */
export class WorkerPool {
  readonly slots: WorkerSlot[] = [];
  readonly #options: WorkerPoolOptions;
  #closed = false;
  readonly #timers = new Set<TimerHandle>();

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  /** Starts every worker; fails (and closes those started) if one cannot start. */
  async start(): Promise<void> {
    try {
      for (let index = 0; index < this.#options.size; index++) {
        const slot = { index, routers: new Map(), load: 0, alive: false, unrouted: new Set() } as unknown as WorkerSlot;
        await this.#spawn(slot);
        this.slots.push(slot);
      }
    } catch (err) {
      this.close();
      throw err;
    }
  }

  async #spawn(slot: WorkerSlot): Promise<void> {
    const worker = await mediasoup.createWorker({
      workerBin: this.#options.workerBin,
      logLevel: 'warn',
      logTags: ['rtp', 'srtp'],
    });
    slot.worker = worker;
    slot.pid = worker.pid;
    slot.alive = true;
    slot.routers = new Map();
    slot.stopListening = onUnroutedPacket(worker.pid, (packet) => {
      for (const listener of slot.unrouted) listener(packet);
    });
    worker.on('died', (error) => this.#died(slot, error));
  }

  #died(slot: WorkerSlot, error: Error): void {
    slot.alive = false;
    slot.stopListening();
    slot.routers = new Map();
    slot.unrouted.clear();
    this.#options.onWorkerDied(slot, error);
    slot.load = 0;
    this.#restart(slot, this.#options.restartDelayMs ?? 100);
  }

  #restart(slot: WorkerSlot, delayMs: number): void {
    if (this.#closed) return;
    const timer = this.#options.clock.setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#closed) return;
      this.#spawn(slot).then(
        () => {
          if (this.#closed) slot.worker.close();
        },
        (err: unknown) => {
          this.#options.onRestartFailed?.(slot, err as Error);
          this.#restart(slot, Math.min(delayMs * 2, 5000));
        },
      );
    }, delayMs);
    this.#timers.add(timer);
  }

  /** The live worker with the fewest endpoints, or undefined when none is alive. */
  pick(): WorkerSlot | undefined {
    let best: WorkerSlot | undefined;
    for (const slot of this.slots) if (slot.alive && (!best || slot.load < best.load)) best = slot;
    return best;
  }

  /** The router of a worker for a payload-type profile (created on first use). */
  router(slot: WorkerSlot, profile: PayloadProfile): Promise<types.Router> {
    const name = profileName(profile);
    let router = slot.routers.get(name);
    if (!router) {
      router = slot.worker.createRouter({ mediaCodecs: routerCodecs(profile) });
      slot.routers.set(name, router);
      router.catch(() => slot.routers.delete(name));
    }
    return router;
  }

  /** Closes every worker; no restart after this. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) this.#options.clock.clearTimeout(timer);
    this.#timers.clear();
    for (const slot of this.slots) {
      slot.stopListening?.();
      if (slot.alive) slot.worker.close();
      slot.alive = false;
    }
  }
}
