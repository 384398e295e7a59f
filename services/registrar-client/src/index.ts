/**
 * @talkbus/service-registrar-client — the `registrar-client` Moleculer service (guide §2.2,
 * §4.2, §5.3): one account actor per started account on the account's home node, logging in
 * (REGISTER with digest, refresh, retry/backoff, RFC 3327/3608/5626) or in local mode, logging
 * out, and following the registrar's reg events (RFC 3680) for passive logout.
 *
 * Actions answer at once; results arrive as `client.*` events (guide table 5-10). Any node takes
 * an action for any account and forwards it to the account's home node (the node `profile.open`
 * bound it to), ARCHITECTURE.md "Embedded and cluster".
 */
import path from 'node:path';
import type { Context, Logger, ServiceBroker, ServiceSchema } from 'moleculer';
import {
  ErrorCode,
  TalkbusError,
  defaultProvisioning,
  registrarActions,
  type AccountInfo,
  type AccountLoginInfo,
  type Provisioning,
} from '@talkbus/contracts';
import {
  SipEndpoint,
  actionsFrom,
  emit,
  type Handlers,
  type ServiceContext,
  type ServiceFactory,
} from '@talkbus/runtime';
import { systemClock, type Clock } from '@talkbus/sip';
import { AccountRuntime } from './account-runtime.ts';
import { accountSipFrom, settingsFrom } from './account-sip.ts';
import { Limiter } from './limiter.ts';
import { RegistrarStore } from './registrar-store.ts';

export { AccountActor, type AccountPorts, type AccountActorOptions } from './account-actor.ts';
export { accountTable, transition } from './account-table.ts';
export type { AccountState, AccountEvent, AccountEffect, AccountSettings, RegisterOutcome } from './account-types.ts';
export { parseReginfo, newsForContact, type Reginfo, type OwnContactNews } from './reginfo.ts';
export { parseXml, XmlError, DEFAULT_XML_LIMITS, type XmlElement, type XmlLimits } from './xml.ts';

/** What the service takes: the node's context, plus a clock for tests. */
export interface RegistrarClientServiceContext extends ServiceContext {
  /** Time of the actors and the SIP endpoint. Default the system clock. */
  clock?: Clock;
}

/** Meta key marking a forwarded call (one hop only: no forwarding loops). */
const FORWARDED = 'registrarForwardedBy';

/** Runs work one at a time per key (start/stop of one account never interleave). */
class KeyedChain {
  readonly #tails = new Map<string, Promise<unknown>>();
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const next = (this.#tails.get(key) ?? Promise.resolve()).then(work, work);
    const tail = next.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }
}

/**
 * Makes the `registrar-client` service. `started` opens its store and acquires the node's SIP
 * endpoint (a port that cannot be bound fails the start with `SIP_PORT_IN_USE`); `stopped` logs
 * every account out (bounded by `sip.registration.logoutTimeoutMs`) and releases both.
 */
export function createRegistrarClientService(context: RegistrarClientServiceContext): ServiceSchema {
  const { config } = context;
  const clock = context.clock ?? systemClock;
  const nodeID = config.nodeID;
  const registration = config.sip.registration;
  const accounts = new Map<string, { runtime: AccountRuntime; loginMode: Provisioning['loginMode'] }>();
  const chain = new KeyedChain();
  const limiter = new Limiter(registration.maxInFlight);
  let broker: ServiceBroker | undefined;
  let logger: Logger | undefined;
  let endpoint: SipEndpoint | null = null;
  let store: RegistrarStore | null = null;

  function ready(): { endpoint: SipEndpoint; store: RegistrarStore } {
    if (!endpoint || !store || broker?.stopping)
      throw new TalkbusError(ErrorCode.SHUTTING_DOWN, 'The registrar-client service is not running');
    return { endpoint, store };
  }

  /** The account's home node: this node when it runs the account, else the one profile.open bound it to. */
  async function homeOf(account: string, ctx: Context): Promise<string> {
    if (accounts.has(account)) return nodeID;
    const info = (await ctx.call('profile.info', { account })) as AccountInfo;
    if (!info.open || !info.homeNode)
      throw new TalkbusError(
        ErrorCode.ACCOUNT_NOT_OPEN,
        `account ${account} is not open (profile.open first, guide §4.2.2)`,
        {
          account,
        },
      );
    return info.homeNode;
  }

  /** Runs `local` on the home node, or forwards the call there through the broker. */
  async function routed<T>(
    name: string,
    params: { account: string },
    ctx: Context,
    local: () => Promise<T>,
  ): Promise<T> {
    const home = await homeOf(params.account, ctx);
    if (home === nodeID) return local();
    const meta = (ctx.meta ?? {}) as Record<string, unknown>;
    if (meta[FORWARDED])
      throw new TalkbusError(
        ErrorCode.HOME_NODE_UNAVAILABLE,
        `account ${params.account}: home node ${home} does not run it`,
      );
    try {
      return (await ctx.call(name, params, { nodeID: home, meta: { [FORWARDED]: nodeID } })) as T;
    } catch (error) {
      const type = (error as { name?: string }).name;
      if (type === 'ServiceNotAvailableError' || type === 'ServiceNotFoundError' || type === 'RequestTimeoutError')
        throw new TalkbusError(
          ErrorCode.HOME_NODE_UNAVAILABLE,
          `account ${params.account}: home node ${home} is not reachable (${type})`,
          { account: params.account, homeNode: home },
          { cause: error },
        );
      throw error;
    }
  }

  function started(account: string) {
    const entry = accounts.get(account);
    if (!entry)
      throw new TalkbusError(
        ErrorCode.ACCOUNT_NOT_STARTED,
        `account ${account} is not started (registrar-client.start first, guide §5.3.2)`,
        { account },
      );
    return entry;
  }

  async function startLocal(account: string, ctx: Context): Promise<AccountLoginInfo> {
    const parts = ready();
    const existing = accounts.get(account);
    if (existing) return existing.runtime.info(existing.loginMode);
    const got = (await ctx.call('profile.get', { account, includeSecrets: true })) as {
      opened: boolean;
      values: Partial<Provisioning>;
    };
    if (!got.opened)
      throw new TalkbusError(ErrorCode.ACCOUNT_NOT_OPEN, `account ${account} is not open (guide §4.2.2)`, { account });
    const values: Provisioning = { ...defaultProvisioning(), ...got.values };
    const sip = values.loginMode === 'server' ? accountSipFrom(account, values) : null;
    const own = values.localIp !== '' || values.localPort !== 0;
    const stack = own ? await parts.endpoint.openAccountStack(values) : parts.endpoint.stack;
    try {
      const record = await parts.store.started(account, nodeID, Date.now());
      const runtime = new AccountRuntime({
        account,
        homeNode: nodeID,
        sip,
        settings: settingsFrom(values, registration),
        stack,
        ownStack: own,
        instanceId: record.instanceId,
        clock,
        limiter,
        emit: (event) => {
          if (broker)
            emit(broker, event.name, event.payload as never).catch((error: unknown) =>
              logger?.warn(`Could not emit ${event.name}: ${(error as Error).message}`),
            );
        },
        log: { debug: (m) => logger?.debug(m), warn: (m) => logger?.warn(m) },
      });
      accounts.set(account, { runtime, loginMode: values.loginMode });
      return runtime.info(values.loginMode);
    } catch (error) {
      if (own) await parts.endpoint.closeAccountStack(stack);
      throw error;
    }
  }

  async function stopLocal(account: string): Promise<boolean> {
    const entry = accounts.get(account);
    if (!entry) return false;
    const { runtime } = entry;
    // guide §4.2.3: stop resets the account; a binding still on the registrar is removed first.
    if (runtime.actor.state.phase !== 'idle') {
      runtime.actor.post({ type: 'logout' });
      await runtime.actor.whenIdle(registration.logoutTimeoutMs + 1000);
    }
    runtime.dispose();
    accounts.delete(account);
    if (runtime.ownStack) await endpoint?.closeAccountStack(runtime.stack);
    await store?.stopped(account).catch(() => undefined);
    return true;
  }

  async function notStartedInfo(account: string, ctx: Context): Promise<AccountLoginInfo> {
    const got = (await ctx.call('profile.get', { account, keys: ['loginMode', 'sipUser', 'domain'] })) as {
      values: Partial<Provisioning>;
    };
    const record = await store?.get(account);
    const { loginMode = 'server', sipUser = '', domain = '' } = got.values;
    return {
      account,
      started: false,
      state: 'idle',
      loggedIn: false,
      loginMode,
      homeNode: nodeID,
      aor: sipUser && domain ? `sip:${sipUser}@${domain}` : null,
      contact: null,
      expiresAt: null,
      serviceRoute: [],
      path: [],
      instanceId: record?.instanceId ?? '',
      local: [],
      lastFailure: null,
    };
  }

  const handlers: Handlers<typeof registrarActions> = {
    start: (params, ctx) =>
      routed('registrar-client.start', params, ctx, () =>
        chain.run(params.account, async () => {
          const info = await startLocal(params.account, ctx);
          return { account: info.account, homeNode: info.homeNode, local: info.local };
        }),
      ),
    stop: (params, ctx) =>
      routed('registrar-client.stop', params, ctx, () =>
        chain.run(params.account, async () => ({ account: params.account, stopped: await stopLocal(params.account) })),
      ),
    login: (params, ctx) =>
      routed('registrar-client.login', params, ctx, async () => {
        ready();
        const { runtime } = started(params.account);
        const phase = runtime.actor.state.phase;
        if (phase === 'unregistering')
          throw new TalkbusError(ErrorCode.LOGOUT_IN_PROGRESS, `account ${params.account} is still logging out`);
        if (phase !== 'idle')
          throw new TalkbusError(ErrorCode.ALREADY_LOGGED_IN, `account ${params.account} is already ${phase}`, {
            state: phase,
          });
        runtime.actor.post({ type: 'login' });
        return { account: params.account, state: runtime.actor.state.phase };
      }),
    logout: (params, ctx) =>
      routed('registrar-client.logout', params, ctx, async () => {
        const { runtime } = started(params.account);
        const phase = runtime.actor.state.phase;
        if (phase === 'idle')
          throw new TalkbusError(ErrorCode.ACCOUNT_NOT_LOGGED_IN, `account ${params.account} is not logged in`, {
            state: phase,
          });
        if (phase !== 'unregistering') runtime.actor.post({ type: 'logout' });
        return { account: params.account, state: runtime.actor.state.phase };
      }),
    state: (params, ctx) =>
      routed('registrar-client.state', params, ctx, async () => {
        const entry = accounts.get(params.account);
        return entry ? entry.runtime.info(entry.loginMode) : notStartedInfo(params.account, ctx);
      }),
    list: async () => ({ accounts: [...accounts.values()].map((e) => e.runtime.info(e.loginMode)) }),
  };

  return {
    name: 'registrar-client',
    dependencies: ['profile'],
    actions: actionsFrom(registrarActions, handlers),
    events: {
      'profile.closed'(ctx: Context) {
        const { account } = ctx.params as { account: string };
        if (!accounts.has(account)) return;
        // guide §4.2.3 wants stop before close; a close without it still releases the account.
        return chain
          .run(account, () => stopLocal(account))
          .then(
            () => undefined,
            (error: unknown) =>
              logger?.warn(`Stopping ${account} after profile.closed failed: ${(error as Error).message}`),
          );
      },
    },
    created() {
      broker = this.broker;
      logger = this.logger;
    },
    async started() {
      store = await RegistrarStore.open(path.join(config.dataDir, 'registrar-client'));
      try {
        const sipLogger = this.broker.getLogger('sip-endpoint');
        endpoint = await SipEndpoint.acquire(config, {
          clock,
          logger: {
            debug: (m, d) => sipLogger.debug(m, d ?? ''),
            warn: (m, d) => sipLogger.warn(m, d ?? ''),
            info: (m, d) => sipLogger.info(m, d ?? ''),
            error: (m, d) => sipLogger.error(m, d ?? ''),
          },
        });
      } catch (error) {
        await store.close().catch(() => undefined);
        store = null;
        throw error;
      }
    },
    async stopped() {
      await Promise.allSettled([...accounts.keys()].map((account) => chain.run(account, () => stopLocal(account))));
      await endpoint?.release();
      endpoint = null;
      await store?.close().catch(() => undefined);
      store = null;
    },
  };
}

createRegistrarClientService satisfies ServiceFactory;
