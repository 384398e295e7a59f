/**
 * The broker factory and a node's life: start (bounded when a transporter must connect),
 * the services it runs, and a graceful stop on SIGINT/SIGTERM.
 */
import { connect as tcpConnect } from 'node:net';
import Moleculer from 'moleculer';
import type { ServiceBroker } from 'moleculer';
import type { TalkbusConfig } from './config.ts';
import { loggerOptions } from './logger.ts';
import { TalkbusRegenerator } from './regenerator.ts';
import { RedactingValidator } from './validator.ts';
import type { ServiceFactory } from './service.ts';

/** Thrown when the broker cannot start, e.g. NATS is unreachable within `connectTimeout`. */
export class NodeStartError extends Error {
  override name = 'NodeStartError';
  readonly code: 'TRANSPORTER_UNREACHABLE' | 'SERVICE_START_FAILED' | 'UNKNOWN_SERVICE';
  constructor(code: NodeStartError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Creates a broker for a config: embedded (no transporter) or clustered over NATS. */
export function createBroker(config: TalkbusConfig, extra: Partial<Moleculer.BrokerOptions> = {}): ServiceBroker {
  return new Moleculer.ServiceBroker({
    namespace: 'talkbus',
    nodeID: config.nodeID,
    transporter: config.transporter
      ? {
          type: 'NATS',
          options: {
            url: config.transporter,
            // Give up on a dead server within the connect bound instead of retrying for ever.
            maxReconnectAttempts: -1,
            reconnectTimeWait: 500,
            timeout: Math.min(config.connectTimeout, 5000),
          },
        }
      : null,
    logger: loggerOptions(config),
    requestTimeout: config.requestTimeout,
    // Moleculer's typings want its own BaseValidator type; ours is a subclass of its Fastest one.
    validator: new RedactingValidator() as unknown as Moleculer.Validators.Base,
    errorRegenerator: new TalkbusRegenerator(),
    // Moleculer retries a failed first connect every 5 s for ever, even after stop(); startNode
    // waits for the server itself (bounded) instead.
    transit: { disableReconnect: true },
    skipProcessEventRegistration: true,
    // A node that vanishes (kill -9) is noticed by missed heartbeats within ~heartbeatTimeout.
    heartbeatInterval: 2,
    heartbeatTimeout: 6,
    disableBalancer: false,
    ...extra,
  });
}

/** A started node: its broker and how to stop it. */
export interface TalkbusNode {
  broker: ServiceBroker;
  config: TalkbusConfig;
  /** Stops services (reverse start order) and the transporter; bounded by `shutdownTimeout`. */
  stop(): Promise<void>;
}

/**
 * Starts a node with the services the config selects.
 * @param factories every service this build knows, by name (the CLI passes them all)
 */
export async function startNode(
  config: TalkbusConfig,
  factories: Record<string, ServiceFactory>,
  extra: Partial<Moleculer.BrokerOptions> = {},
): Promise<TalkbusNode> {
  const names = config.services ?? defaultServices(config, factories);
  for (const name of names) {
    if (!factories[name]) {
      throw new NodeStartError(
        'UNKNOWN_SERVICE',
        `Unknown service '${name}' in TALKBUS_SERVICES; known: ${Object.keys(factories).join(', ')}`,
      );
    }
  }
  if (config.transporter && !(await reachable(config.transporter, config.connectTimeout))) {
    throw new NodeStartError(
      'TRANSPORTER_UNREACHABLE',
      `Cannot connect to ${config.transporter} within ${config.connectTimeout} ms: is nats-server running there? ` +
        '(set TALKBUS_TRANSPORTER, or unset it to run embedded)',
    );
  }
  const broker = createBroker(config, extra);
  for (const name of names) broker.createService(factories[name]!({ config }));

  await withTimeout(broker.start(), config.transporter ? config.connectTimeout : 0, async () => {
    await broker.stop().catch(() => undefined);
    return new NodeStartError(
      'TRANSPORTER_UNREACHABLE',
      `Cannot connect to ${config.transporter} within ${config.connectTimeout} ms: is nats-server running there? ` +
        '(set TALKBUS_TRANSPORTER, or unset it to run embedded)',
    );
  }).catch(async (err: unknown) => {
    if (err instanceof NodeStartError) throw err;
    await broker.stop().catch(() => undefined);
    throw new NodeStartError('SERVICE_START_FAILED', `talkbus node failed to start: ${(err as Error).message}`, {
      cause: err,
    });
  });

  let stopping: Promise<void> | undefined;
  return {
    broker,
    config,
    stop() {
      stopping ??= withTimeout(broker.stop(), config.shutdownTimeout, async () => {
        broker.logger.warn(`Stop took longer than ${config.shutdownTimeout} ms; leaving anyway.`);
        return undefined;
      });
      return stopping;
    },
  };
}

/** Whether a TCP connection to the transporter's host:port succeeds within `timeoutMs`, retrying. */
async function reachable(url: string, timeoutMs: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, '');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect({ host, port: Number(port || 4222), timeout: Math.max(50, deadline - Date.now()) });
      const done = (result: boolean) => {
        socket.destroy();
        resolve(result);
      };
      socket.once('connect', () => done(true));
      socket.once('timeout', () => done(false));
      socket.once('error', () => done(false));
    });
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(0, deadline - Date.now()))));
  }
  return false;
}

/** The services a node runs when the config does not say: all, with license-server only in server mode. */
function defaultServices(config: TalkbusConfig, factories: Record<string, ServiceFactory>): string[] {
  return Object.keys(factories).filter((name) => name !== 'license-server' || config.license.mode === 'server');
}

/**
 * Races `work` against a timer. On timeout, `onTimeout` decides: an Error is thrown, undefined
 * resolves. A bound of 0 waits without a limit.
 */
async function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => Promise<Error | undefined>,
): Promise<T | undefined> {
  if (ms <= 0) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    const winner = await Promise.race([work, timeout]);
    if (winner !== 'timeout') return winner;
    const err = await onTimeout();
    if (err) throw err;
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Stops the node on SIGINT/SIGTERM: services stop in order, stores flush and close, then the
 * process exits (0, or 1 when stopping failed). A second signal exits at once.
 */
export function stopOnSignals(node: TalkbusNode, exit: (code: number) => void = process.exit): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      exit(130);
      return;
    }
    signalled = true;
    node.broker.logger.info(`${signal} received: stopping talkbus node ${node.config.nodeID}`);
    node.stop().then(
      () => exit(0),
      (err: unknown) => {
        node.broker.logger.error('Stop failed', err);
        exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
