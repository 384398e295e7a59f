/**
 * The registrar-client service's API (guide §2.2, §4.2, §5.3): one account actor per started
 * account, on the account's home node.
 *
 * - Actions (guide tables 4-4 and 5-9): `registrar-client.start` / `.stop` (`Mtc_CliStart` /
 *   `Mtc_CliStop`), `.login` / `.logout` (`Mtc_CliLogin` / `Mtc_CliLogout`), `.state` (the
 *   account's login state, so the session service can refuse calls), `.list` (every account
 *   this node runs). Actions answer at once; results arrive as `client.*` events (guide §5.3.2:
 *   "登陆结果会异步通知").
 * - Events (guide table 5-10, `mtcCliCb*`): `client.regOk`, `client.regFailed`,
 *   `client.localLoginOk`, `client.serverLoginOk`, `client.loginFailed`, `client.localLogout`,
 *   `client.serverLogout` (in `events.ts`; payloads below).
 *
 * Any node takes an action for any account and forwards it to the account's home node (the
 * node that opened it with `profile.open`), ARCHITECTURE.md "Embedded and cluster".
 */
import { action } from './action.ts';
import { accountName } from './profile.ts';

/**
 * The account's login state (guide §2.2 core state machine): `idle` (未登陆), `registering`
 * (注册中, a login REGISTER in progress or waiting to retry), `logged-in` (登陆成功; also while
 * refreshing), `unregistering` (取消注册, Expires: 0 sent; back to idle after), `local` (logged in
 * without a server, guide §5.3.2 local mode).
 */
export const LOGIN_STATES = ['idle', 'registering', 'logged-in', 'unregistering', 'local'] as const;
/** One of {@link LOGIN_STATES}. */
export type LoginState = (typeof LOGIN_STATES)[number];

/**
 * Why the server logged the account out (guide table 5-14): `TIMEOUT` (the registration expired
 * or a refresh failed, `MTC_CLI_REG_ERR_TIMEOUT`), `DEACTIVATED` (the registrar deactivated or
 * rejected the binding, `MTC_CLI_REG_ERR_DEACTED`), `PROBATION` (log in again after
 * `retryAfter` seconds, `MTC_CLI_REG_ERR_PROBATION`).
 */
export const SERVER_LOGOUT_REASONS = ['TIMEOUT', 'DEACTIVATED', 'PROBATION'] as const;
/** One of {@link SERVER_LOGOUT_REASONS}. */
export type ServerLogoutReason = (typeof SERVER_LOGOUT_REASONS)[number];

/** A SIP transport address as the state reports it. */
export interface SipAddress {
  protocol: 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';
  address: string;
  port: number;
}

/** What `registrar-client.state` answers. */
export interface AccountLoginInfo {
  account: string;
  /** Whether `registrar-client.start` ran for the account (on its home node). */
  started: boolean;
  state: LoginState;
  /** True in `logged-in` and `local`: the session service may place calls. */
  loggedIn: boolean;
  loginMode: 'server' | 'local';
  homeNode: string;
  /** Address-of-record, `sip:user@domain`; null before start. */
  aor: string | null;
  /** Our registered Contact (as the registrar confirmed it); null unless logged in on a server. */
  contact: string | null;
  /** Epoch ms when the binding expires unless refreshed; null unless logged in on a server. */
  expiresAt: number | null;
  /** RFC 3608 Service-Route of the last 2xx: the preloaded Route of the account's requests. */
  serviceRoute: string[];
  /** RFC 3327 Path the registrar returned (informational). */
  path: string[];
  /** RFC 5626 instance id of the account (stable; stored), `urn:uuid:…`. */
  instanceId: string;
  /** The local listeners the account's SIP traffic uses. */
  local: SipAddress[];
  /** The last failure (SIP status and reason phrase), null after a success. */
  lastFailure: { sipStatus: number | null; reason: string } | null;
}

/** `client.regOk`: a REGISTER was accepted (guide `mtcCliCbRegOk`): the login and every refresh. */
export interface ClientRegOkEvent {
  account: string;
  /** Seconds the registrar granted our contact (per-contact `expires`, else Expires). */
  expires: number;
  contact: string;
  refresh: boolean;
}

/** `client.regFailed`: a REGISTER was refused or could not be sent (guide `mtcCliCbRegFailed`). */
export interface ClientRegFailedEvent {
  account: string;
  /** The final SIP status (408 for a timeout, 503 for a transport error); null when nothing was sent. */
  sipStatus: number | null;
  reason: string;
  refresh: boolean;
  /** When talkbus tries again, ms from now; null when it gives up (a login/logout event follows). */
  retryInMs: number | null;
}

/** `client.localLoginOk` (guide `mtcCliCbLclLoginOk`, §5.3.2 local mode). */
export interface ClientLocalLoginOkEvent {
  account: string;
}

/** `client.serverLoginOk` (guide `mtcCliCbServLoginOk`): logged in on the registrar. */
export interface ClientServerLoginOkEvent {
  account: string;
  contact: string;
  expires: number;
  serviceRoute: string[];
}

/** `client.loginFailed` (guide `mtcCliCbLoginFailed`): the login ended without success. */
export interface ClientLoginFailedEvent {
  account: string;
  /** The SIP status that ended it (e.g. 403, 404; 408 timeout; 503 transport error); null if none. */
  sipStatus: number | null;
  /** The reason phrase, or why talkbus gave up. */
  reason: string;
}

/**
 * `client.localLogout` (guide `mtcCliCbLclLogout`): a local-mode logout, or a server-mode logout
 * that could not be sent (guide §5.3.3/§5.3.4: "除非本地资源不足或发送失败").
 */
export interface ClientLocalLogoutEvent {
  account: string;
  reason: string;
}

/**
 * `client.serverLogout` (guide `mtcCliCbServLogout`): logged out of the server — as asked
 * (`requested`, guide §5.3.3 cancel and §5.3.4 logout; `reason` null), or passively (§5.3.5).
 */
export interface ClientServerLogoutEvent {
  account: string;
  requested: boolean;
  reason: ServerLogoutReason | null;
  /** PROBATION: seconds until talkbus logs in again; null otherwise. */
  retryAfter: number | null;
  /** The SIP status behind a failed refresh, when there was one. */
  sipStatus: number | null;
}

const account = { account: accountName };

/** What start answers. */
export interface StartResult {
  account: string;
  homeNode: string;
  local: SipAddress[];
}

/** What login/logout answer: accepted, and the state right after (results follow as events). */
export interface LoginAck {
  account: string;
  state: LoginState;
}

/** Actions of the `registrar-client` service. */
export const registrarActions = {
  start: action<StartResult>()(
    'registrar-client.start',
    account,
    "Binds the account's SIP transport on its home node (Mtc_CliStart, guide §4.2); the account must be open",
  ),
  stop: action<{ account: string; stopped: boolean }>()(
    'registrar-client.stop',
    account,
    'Logs out if needed and releases what the account alone used (Mtc_CliStop, guide §4.2.3)',
  ),
  login: action<LoginAck>()(
    'registrar-client.login',
    account,
    'Logs in (Mtc_CliLogin, guide §5.3.2); answers at once, the result comes as client.* events',
  ),
  logout: action<LoginAck>()(
    'registrar-client.logout',
    account,
    'Logs out or cancels a login in progress (Mtc_CliLogout, guide §5.3.3, §5.3.4); result as client.* events',
  ),
  state: action<AccountLoginInfo>()('registrar-client.state', account, "The account's login state (guide §2.2)"),
  list: action<{ accounts: AccountLoginInfo[] }>()(
    'registrar-client.list',
    {},
    'Every account started on this node, with its login state',
  ),
} as const;
