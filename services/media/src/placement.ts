/**
 * Where endpoints go in the worker pool. An endpoint goes to the least loaded worker, unless a
 * hint (`colocateWith`) names a call it will share media with. The two legs of a local bridge
 * belong on one worker: on two, every packet also crosses `pipeToRouter` (two more transports
 * and a worker-to-worker socket), which bench/media measured at 16.6% loss for 400 bridged calls
 * on 2 workers. Mixes need no placement: Node mixes them through each call's own DirectTransport.
 */
import type { Endpoint } from './endpoint.ts';
import type { WorkerPool, WorkerSlot } from './worker-pool.ts';

/** The worker an endpoint's streams are on. */
export function slotOf(endpoint: Endpoint): WorkerSlot {
  return (endpoint.audio ?? endpoint.video)!.slot;
}

/** The worker for a new endpoint: the `near` endpoint's when it is alive, else the least loaded. */
export function placeNear(pool: WorkerPool, near: Endpoint | undefined): WorkerSlot | undefined {
  const slot = near ? slotOf(near) : undefined;
  return slot?.alive ? slot : pool.pick();
}

/**
 * Puts two endpoints on one worker before they are bridged: the one carrying no RTP yet moves
 * (the second first, then the first). Resolves true when they share a worker, false when neither
 * may move (RTP started, SRTP keys already in the SDP): the bridge then pipes between workers.
 * `place` re-counts the moving endpoint on its new worker.
 */
export async function colocate(
  endpoint: Endpoint,
  other: Endpoint,
  place: (moving: Endpoint, slot: WorkerSlot) => void,
): Promise<boolean> {
  if (slotOf(endpoint) === slotOf(other)) return true;
  for (const [moving, staying] of [
    [other, endpoint],
    [endpoint, other],
  ] as const) {
    const target = slotOf(staying);
    if (!moving.movable || !target.alive) continue;
    place(moving, target);
    await moving.moveTo(target);
    return true;
  }
  return false;
}
