/**
 * What the session service knows of accounts: whether one is logged in and where its home node
 * is (`registrar-client.state`), its call settings (`profile.get`), and which account an
 * incoming request is addressed to. Cached per account; the cache is dropped on the
 * `client.*` and `profile.changed` events.
 */
import {
  ErrorCode,
  TalkbusError,
  call,
  type AccountLoginInfo,
  type Caller,
  type Provisioning,
} from '@talkbus/contracts';
import type { SipAccount } from './sip-agent.ts';

/** The provisioning keys calls read. */
export const CALL_KEYS = [
  'sipUser',
  'displayName',
  'domain',
  'authUser',
  'authPassword',
  'realm',
  'privacy',
  'maxCalls',
  'noAnswerTimeout',
  'callWaiting',
  'incomingCallBarring',
  'dtmfMode',
  'sessionTimerInterval',
  'audioCodecs',
  'videoCodecs',
  'mediaPortMin',
  'mediaPortMax',
  'outboundProxy',
] as const satisfies readonly (keyof Provisioning)[];

/** An account's call settings. */
export type CallSettings = Pick<Provisioning, (typeof CALL_KEYS)[number]>;

/** A logged-in account, ready for calls. */
export interface AccountContext {
  login: AccountLoginInfo;
  settings: CallSettings;
  sip: SipAccount;
}

/** The user part of a SIP URI, lower-cased, or null. */
export function uriUser(uri: string): string | null {
  const match = /^(?:.*<)?sips?:([^@;>?]+)@/i.exec(uri.trim());
  return match ? decodeURIComponent(match[1]!).toLowerCase() : null;
}

/** Accounts, cached. */
export class AccountDirectory {
  readonly #caller: Caller;
  readonly #contexts = new Map<string, Promise<AccountContext>>();
  /** SIP user → account, for routing incoming requests. */
  readonly #byUser = new Map<string, string>();

  constructor(caller: Caller) {
    this.#caller = caller;
  }

  /** Forgets what is cached about an account (its login or settings changed). */
  invalidate(account: string): void {
    this.#contexts.delete(account);
  }

  /** The login state (not cached: it changes under us). */
  loginState(account: string, nodeID?: string): Promise<AccountLoginInfo> {
    return call(this.#caller, 'registrar-client.state', { account }, nodeID ? { nodeID } : undefined);
  }

  /**
   * The account, logged in (guide §6.2.1 step 1: "客户端已经在服务器中成功注册").
   * @throws TalkbusError ACCOUNT_NOT_LOGGED_IN
   */
  async require(account: string): Promise<AccountContext> {
    let pending = this.#contexts.get(account);
    if (!pending) {
      pending = this.#load(account);
      this.#contexts.set(account, pending);
      pending.catch(() => this.#contexts.delete(account));
    }
    const context = await pending;
    if (!context.login.loggedIn) {
      this.#contexts.delete(account);
      throw new TalkbusError(ErrorCode.ACCOUNT_NOT_LOGGED_IN, `Account ${account} is not logged in`, {
        account,
        state: context.login.state,
      });
    }
    return context;
  }

  async #load(account: string): Promise<AccountContext> {
    const login = await this.loginState(account);
    if (!login.loggedIn) return { login, settings: {} as CallSettings, sip: {} as SipAccount };
    const { values } = await call(this.#caller, 'profile.get', {
      account,
      keys: [...CALL_KEYS],
      includeSecrets: true,
    });
    const settings = values as CallSettings;
    const aor = login.aor ?? `sip:${settings.sipUser || account}@${settings.domain || '127.0.0.1'}`;
    for (const uri of [aor, login.contact ?? '']) {
      const user = uriUser(uri);
      if (user) this.#byUser.set(user, account);
    }
    return {
      login,
      settings,
      sip: {
        account,
        aor,
        displayName: settings.displayName,
        contact: login.contact,
        route:
          login.serviceRoute.length > 0
            ? login.serviceRoute
            : settings.outboundProxy
              ? [`<sip:${settings.outboundProxy};lr>`]
              : [],
        privacy: settings.privacy,
        credentials: settings.authPassword
          ? { username: settings.authUser || settings.sipUser, password: settings.authPassword, realm: settings.realm }
          : null,
      },
    };
  }

  /** Learns the logged-in accounts of this node (at start, and when one logs in). */
  async learn(): Promise<void> {
    const { accounts } = await call(this.#caller, 'registrar-client.list', {});
    await Promise.allSettled(
      accounts
        .filter((info) => info.loggedIn)
        .map((info) => {
          this.invalidate(info.account);
          return this.require(info.account);
        }),
    );
  }

  /** The account an incoming request is for: by Request-URI user, else To user. */
  accountFor(requestUri: string, to: string): string | null {
    for (const uri of [requestUri, to]) {
      const user = uriUser(uri);
      if (user && this.#byUser.has(user)) return this.#byUser.get(user)!;
    }
    return null;
  }
}
