/**
 * A real nats-server on a free loopback port, for cross-process tests.
 */
import { freePort } from './ports.ts';
import { startChild, type Child } from './process.ts';

/** A running nats-server. */
export interface NatsServer {
  url: string;
  port: number;
  child: Child;
  stop(): Promise<void>;
}

/** Starts nats-server on 127.0.0.1 and waits (bounded) until its /healthz answers ok. */
export async function startNats(timeoutMs = 10_000): Promise<NatsServer> {
  const port = await freePort();
  const monitor = await freePort();
  const child = startChild('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitor)]);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const answer = await fetch(`http://127.0.0.1:${monitor}/healthz`, { signal: AbortSignal.timeout(500) });
      if (answer.ok && ((await answer.json()) as { status?: string }).status === 'ok') break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await child.kill();
      throw new Error(`nats-server did not become healthy within ${timeoutMs} ms:\n${child.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    child,
    async stop() {
      await child.stop();
    },
  };
}
