/**
 * The session machinery of one node: the SIP endpoint with its user agent, the account
 * directory and the call registry. The `session` and `im` services of a node share it.
 */
import type { Logger, ServiceBroker } from 'moleculer';
import type { Caller } from '@talkbus/contracts';
import { SipEndpoint, emit, type TalkbusConfig } from '@talkbus/runtime';
import { systemClock, type Clock } from '@talkbus/sip';
import { AccountDirectory } from './accounts.ts';
import { CallRegistry, type CallConfigOverrides } from './call-registry.ts';
import { bridgeUserAgent, type BridgedAgent } from './ua-bridge.ts';
import { UaSipAgent } from './ua-agent.ts';

/** A node's session machinery. */
export interface SessionNode {
  registry: CallRegistry;
  directory: AccountDirectory;
  agent: UaSipAgent;
  stop(): Promise<void>;
}

const nodes = new Map<string, Promise<SessionNode>>();

/** Options of {@link sessionNode}. */
export interface SessionNodeOptions {
  config: TalkbusConfig;
  broker: ServiceBroker;
  logger: Logger;
  clock?: Clock;
  calls?: CallConfigOverrides;
}

/** The node's session machinery, started by the first service that asks. */
export function sessionNode(options: SessionNodeOptions): Promise<SessionNode> {
  const key = options.config.nodeID;
  let pending = nodes.get(key);
  if (!pending) {
    pending = startNode(options);
    nodes.set(key, pending);
    pending.catch(() => nodes.delete(key));
  }
  return pending;
}

/** Forgets the node's machinery after it stopped. */
export async function stopSessionNode(nodeID: string): Promise<void> {
  const pending = nodes.get(nodeID);
  nodes.delete(nodeID);
  const node = await pending?.catch(() => undefined);
  await node?.stop();
}

async function startNode(options: SessionNodeOptions): Promise<SessionNode> {
  const { broker, config, logger } = options;
  const clock = options.clock ?? systemClock;
  const caller = broker as unknown as Caller;
  const endpoint = await SipEndpoint.acquire(config, { logger });
  let bridge: BridgedAgent | undefined;
  try {
    const directory = new AccountDirectory(caller);
    bridge = bridgeUserAgent(endpoint.stack, {
      from: 'sip:talkbus@invalid',
      userAgent: endpoint.stack.userAgent,
      supported: ['replaces'],
      // RFC 3262: 100rel in Supported and PRACK in Allow; a reliable 1xx (e.g. a 183 with SDP,
      // network early media) is PRACKed by the UA before the call table sees it.
      reliableProvisionals: 'supported',
      logger: { warn: (message, details) => logger.warn(message, details) },
    });
    // The registry needs the agent and the agent's incoming INVITEs need the registry.
    const holder: { registry?: CallRegistry } = {};
    const agent = new UaSipAgent(bridge.ua, {
      accountFor: (requestUri, to) => directory.accountFor(requestUri, to),
      invite: (account, invite) =>
        void holder.registry!.incoming(account, invite).catch((error: unknown) => {
          logger.warn('incoming call failed', { error: (error as Error).message });
          invite.reject(500);
        }),
      message: (account, message) => {
        message.respond(200);
        void emit(broker, 'im.received', {
          account,
          messageId: `${config.nodeID}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
          peerUri: /<([^>]+)>/.exec(message.from)?.[1] ?? message.from,
          contentType: message.contentType,
          body: message.body,
          at: Date.now(),
          status: 'received',
        });
      },
    });
    const registry = new CallRegistry({
      nodeID: config.nodeID,
      caller,
      agent,
      directory,
      clock,
      wallClock: Date.now,
      emit: (event, payload) => void broker.emit(event, payload),
      ...(options.calls ? { config: options.calls } : {}),
      log: (message, details) => logger.warn(message, details),
    });
    // Accounts logged in before this service started; later logins arrive as client.* events.
    void broker
      .waitForServices('registrar-client', 10_000)
      .then(() => directory.learn())
      .catch(() => undefined);
    holder.registry = registry;
    const made = bridge;
    return {
      registry,
      directory,
      agent,
      async stop() {
        await registry.close();
        made.release();
        await endpoint.release();
      },
    };
  } catch (error) {
    bridge?.release();
    await endpoint.release();
    throw error;
  }
}
