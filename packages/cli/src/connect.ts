/**
 * How a CLI command reaches talkbus: over NATS to a running cluster (a service-less client
 * node), or, without a transporter, an embedded node with every service on the data directory.
 */
import { loadConfig, startNode, type ServiceFactory, type TalkbusConfig, type TalkbusNode } from '@talkbus/runtime';

/** Config overrides from the shared connection flags. */
export function configFromFlags(
  values: {
    transporter?: string | undefined;
    'data-dir'?: string | undefined;
    'node-id'?: string | undefined;
    config?: string | undefined;
  },
  extra: Record<string, unknown> = {},
): TalkbusConfig {
  const overrides: Record<string, unknown> = { ...extra };
  if (values.transporter) overrides.transporter = values.transporter;
  if (values['data-dir']) overrides.dataDir = values['data-dir'];
  if (values['node-id']) overrides.nodeID = values['node-id'];
  return loadConfig({ ...(values.config ? { file: values.config } : {}), overrides });
}

/**
 * A node for a one-shot command. With a transporter it runs no services (it only calls and
 * listens). Embedded, it runs, quietly, only the services the command's actions belong to (a
 * profile command must not bind SIP ports or start media workers), or all of them when `actions`
 * is not given.
 */
export async function connect(config: TalkbusConfig, actions?: string[]): Promise<TalkbusNode> {
  const quiet: TalkbusConfig = {
    ...config,
    log: { ...config.log, level: process.env.TALKBUS_LOG_LEVEL ? config.log.level : 'warn' },
  };
  if (config.transporter) {
    return startNode({ ...quiet, services: [] }, {});
  }
  const serviceFactories = await loadServiceFactories();
  if (actions && !config.services) {
    const services = [...new Set(actions.map(serviceOf))].filter((name) => serviceFactories[name]);
    return startNode({ ...quiet, services }, serviceFactories);
  }
  return startNode(quiet, serviceFactories);
}

/**
 * The services, loaded only when a command runs them: importing them pulls in mediasoup, the SIP
 * stack and LevelDB, which `--help` or a command over NATS does not need.
 */
export async function loadServiceFactories(): Promise<Record<string, ServiceFactory>> {
  return (await import('./services.ts')).serviceFactories;
}

/** The service an action belongs to (`profile.contacts.add` → `profile`). */
export function serviceOf(action: string): string {
  return action.split('.')[0]!;
}

/** Waits until the service owning `action` is reachable, within `timeout` ms. */
export async function waitForAction(node: TalkbusNode, action: string, timeout: number): Promise<void> {
  const service = serviceOf(action);
  await node.broker.waitForServices(service, timeout).catch(() => {
    throw Object.assign(
      new Error(
        `No node runs the '${service}' service (waited ${timeout} ms). Is talkbus running, and on the same transporter?`,
      ),
      {
        code: 'SERVICE_NOT_AVAILABLE',
      },
    );
  });
}
