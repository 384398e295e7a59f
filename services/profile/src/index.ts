/**
 * @talkbus/service-profile — the `profile` Moleculer service (guide §2.3, §4.3, §5.1, §5.2):
 * accounts and their folders, provisioning parameters, contacts, call logs and IM logs, in one
 * LevelDB at `<dataDir>/profile`, with account folders under `<dataDir>/accounts/<account>`.
 *
 * The actions are exactly the contract's `profileActions` (validated by the broker); the service
 * also consumes `call.termed`, `im.sent` and `im.received` to write the logs (it is their only
 * writer) and emits the `profile.*` events.
 */
import path from 'node:path';
import type { Context, Logger, ServiceBroker, ServiceSchema } from 'moleculer';
import { ErrorCode, TalkbusError, profileActions } from '@talkbus/contracts';
import { actionsFrom, emit, type Handlers, type ServiceContext, type ServiceFactory } from '@talkbus/runtime';
import { AccountFolders } from './account-folders.ts';
import { Accounts } from './accounts.ts';
import { CallLog } from './call-log.ts';
import { Contacts } from './contacts.ts';
import { compilePayloadChecks } from './event-payloads.ts';
import { ImLog } from './im-log.ts';
import { KeyedQueue } from './keyed-queue.ts';
import { defaultLimits, type ProfileDeps, type ProfileLimits } from './profile-deps.ts';
import { ProfileStore, guarded } from './profile-store.ts';
import { ProvisioningActions } from './provisioning.ts';

export type { ProfileLimits } from './profile-deps.ts';
export { GUIDE_4_3_OPEN_FIRST } from './provisioning.ts';

/** What the profile service takes: the node's context, plus overrides for tests and tools. */
export interface ProfileServiceContext extends ServiceContext {
  /** Overrides of the contract's `profileLimits` (tests use small caps). */
  limits?: Partial<ProfileLimits>;
  /** The clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** The parts of a started service. */
interface Parts {
  deps: ProfileDeps;
  accounts: Accounts;
  provisioning: ProvisioningActions;
  contacts: Contacts;
  callLog: CallLog;
  imLog: ImLog;
  checks: ReturnType<typeof compilePayloadChecks>;
}

/**
 * Makes the `profile` service for a node. Its store opens in `started` (a locked or unreadable
 * store fails the start with an error naming the path) and closes in `stopped`, after the work
 * in progress; actions called while it stops answer `SHUTTING_DOWN`.
 */
export function createProfileService(context: ProfileServiceContext): ServiceSchema {
  const { config } = context;
  const location = path.join(config.dataDir, 'profile');
  const folders = new AccountFolders(config.dataDir);
  const limits: ProfileLimits = { ...defaultLimits(), ...context.limits };
  const now = context.now ?? Date.now;
  const queue = new KeyedQueue();
  const inFlight = new Set<Promise<unknown>>();
  let broker: ServiceBroker | undefined;
  let logger: Logger | undefined;
  let parts: Parts | null = null;
  let stopping = false;

  /** Runs an action's work: refused while stopping, tracked so `stopped` can wait for it. */
  function run<T>(work: (started: Parts) => Promise<T>): Promise<T> {
    if (stopping || broker?.stopping || !parts) {
      return Promise.reject(
        new TalkbusError(
          ErrorCode.SHUTTING_DOWN,
          stopping || broker?.stopping ? 'The profile service is stopping' : 'The profile service is not started',
        ),
      );
    }
    const promise = work(parts);
    inFlight.add(promise);
    const forget = () => inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Runs an event handler's work (which never throws); dropped, and logged, while stopping. */
  function consume(name: string, work: (started: Parts) => Promise<void>): Promise<void> {
    if (stopping || broker?.stopping || !parts) {
      logger?.warn(`Ignored ${name}: the profile service is stopping`);
      return Promise.resolve();
    }
    return run(work).catch((err: unknown) => logger?.error(`Handling ${name} failed: ${(err as Error).message}`));
  }

  const handlers: Handlers<typeof profileActions> = {
    count: () => run((p) => p.accounts.count()),
    list: (params) => run((p) => p.accounts.list(params.offset, params.limit)),
    current: () => run((p) => p.accounts.current()),
    create: (params) =>
      run((p) => p.accounts.create(params.account, { sipUser: params.sipUser, displayName: params.displayName })),
    delete: (params) => run((p) => p.accounts.delete(params.account)),
    exists: (params) => run((p) => p.accounts.exists(params.account)),
    info: (params) => run((p) => p.accounts.info(params.account)),
    open: (params, ctx: Context) =>
      // The home node: as asked, else the caller's node (ctx.nodeID), else this node.
      run((p) => p.accounts.open(params.account, params.homeNode ?? ctx.nodeID ?? config.nodeID)),
    close: (params) => run((p) => p.accounts.close(params.account)),
    get: (params) => run((p) => p.provisioning.get(params.account, params.keys, params.includeSecrets ?? false)),
    set: (params) => run((p) => p.provisioning.set(params.account, params.values)),
    save: (params) =>
      // Every change is written before its action answers; waiting for the account's queue
      // covers changes still in progress (e.g. a call log entry being appended).
      run((p) =>
        p.deps.queue.run(params.account, async () => {
          await p.accounts.require(params.account);
          return { saved: true as const };
        }),
      ),
    path: (params) =>
      run(async (p) => {
        await p.accounts.require(params.account);
        return { path: await p.deps.folders.resolve(params.account, params.relative) };
      }),

    contactsAdd: ({ account, ...fields }) => run((p) => p.contacts.add(account, fields)),
    contactsUpdate: ({ account, id, ...fields }) => run((p) => p.contacts.update(account, id, fields)),
    contactsRemove: (params) => run((p) => p.contacts.remove(params.account, params.id)),
    contactsGet: (params) => run((p) => p.contacts.get(params.account, params.id)),
    contactsList: (params) => run((p) => p.contacts.list(params.account, params.offset, params.limit)),
    contactsSearch: (params) => run((p) => p.contacts.search(params.account, params.query, params.limit)),

    callLogsList: ({ account, ...query }) => run((p) => p.callLog.list(account, query)),
    callLogsRemove: (params) => run((p) => p.callLog.remove(params.account, params.id)),
    callLogsClear: (params) => run((p) => p.callLog.clear(params.account)),

    imLogsList: ({ account, ...query }) => run((p) => p.imLog.list(account, query)),
    imLogsClear: (params) => run((p) => p.imLog.clear(params.account)),
  };

  return {
    name: 'profile',
    actions: actionsFrom(profileActions, handlers),
    events: {
      'call.termed'(ctx: Context) {
        return consume('call.termed', (p) => p.callLog.onCallTermed(ctx.params, p.checks.callTermed));
      },
      'im.sent'(ctx: Context) {
        return consume('im.sent', (p) => p.imLog.onImEvent('im.sent', ctx.params, p.checks.im));
      },
      'im.received'(ctx: Context) {
        return consume('im.received', (p) => p.imLog.onImEvent('im.received', ctx.params, p.checks.im));
      },
    },

    created() {
      broker = this.broker;
      logger = this.logger;
    },

    async started() {
      const serviceBroker = this.broker;
      const serviceLogger = this.logger;
      stopping = false;
      await guarded(`cannot create the account folders under ${folders.root}`, () => folders.prepare());
      const db = await ProfileStore.open(location);
      const deps: ProfileDeps = {
        db,
        folders,
        limits,
        queue,
        nodeID: config.nodeID,
        now,
        logger: serviceLogger,
        async publish(name, payload) {
          try {
            await emit(serviceBroker, name, payload);
          } catch (err) {
            serviceLogger.warn(`Could not emit ${name}: ${(err as Error).message}`);
          }
        },
      };
      const accounts = new Accounts(deps);
      try {
        await guarded(`cannot read the profile store at ${location}`, () => accounts.start());
      } catch (err) {
        await db.close().catch(() => undefined);
        throw err;
      }
      parts = {
        deps,
        accounts,
        provisioning: new ProvisioningActions(deps, accounts),
        contacts: new Contacts(deps, accounts),
        callLog: new CallLog(deps, accounts),
        imLog: new ImLog(deps, accounts),
        checks: compilePayloadChecks(serviceBroker),
      };
      serviceLogger.info(`Profile store open at ${location}`);
    },

    async stopped() {
      stopping = true;
      const started = parts;
      if (!started) return;
      // Let the work in progress finish and its writes land, then close (which flushes).
      await Promise.allSettled([...inFlight]);
      await queue.drain();
      started.accounts.unloadAll();
      parts = null;
      await started.deps.db.close().catch((err: unknown) => {
        this.logger.error(`Closing the profile store at ${location} failed: ${(err as Error).message}`);
      });
    },
  };
}

createProfileService satisfies ServiceFactory;
