/**
 * What an account's provisioning (guide §4.3, §5.3) means on the wire: its address-of-record,
 * the registrar's Request-URI, the next hop, the transport and the digest credentials.
 */
import {
  SipUri,
  locateServers,
  parseUri,
  type DigestCredentials,
  type DnsResolver,
  type ServerTarget,
  type TransportProtocol,
} from '@talkbus/sip';
import { ErrorCode, TalkbusError, type Provisioning } from '@talkbus/contracts';
import type { AccountSettings } from './account-types.ts';

/** The SIP identity and routing of one account. */
export interface AccountSip {
  user: string;
  domain: string;
  displayName: string;
  /** `sip:user@domain` (RFC 3261 §10.2: To and From of REGISTER). */
  aor: string;
  /** REGISTER Request-URI: `sip:<registrar or domain>` (§10.2: the registrar's domain, no user part). */
  registrarUri: string;
  /** Where requests go first: the outbound proxy, else the registrar, else the domain. */
  nextHop: string;
  /** Preloaded `Route` for the outbound proxy (§8.1.2), or null. */
  outboundRoute: string | null;
  transport: TransportProtocol;
  credentials: DigestCredentials | null;
  /** RFC 5626 outbound. */
  outbound: boolean;
}

function hostOf(value: string): string {
  return value.trim();
}

/**
 * Reads the provisioning of a server-mode account.
 * @throws TalkbusError `ACCOUNT_NOT_CONFIGURED` naming what is missing or wrong
 */
export function accountSipFrom(account: string, values: Provisioning): AccountSip {
  const domain = hostOf(values.domain);
  const user = values.sipUser.trim();
  if (!user || !domain)
    throw new TalkbusError(
      ErrorCode.ACCOUNT_NOT_CONFIGURED,
      `account ${account} needs sipUser and domain for a server login (profile.set)`,
      { missing: [!user && 'sipUser', !domain && 'domain'].filter(Boolean) },
    );
  const transport = values.transport as TransportProtocol;
  const registrar = hostOf(values.registrar) || domain;
  const proxy = hostOf(values.outboundProxy);
  const withTransport = (host: string) => `sip:${host}${transport === 'udp' ? '' : `;transport=${transport}`}`;
  const aor = `sip:${user}@${domain}`;
  for (const [key, uri] of [
    ['sipUser/domain', aor],
    ['registrar', withTransport(registrar)],
    ['outboundProxy', proxy ? withTransport(proxy) : aor],
  ] as const) {
    try {
      parseUri(uri);
    } catch (error) {
      throw new TalkbusError(ErrorCode.ACCOUNT_NOT_CONFIGURED, `account ${account}: ${key} does not make a SIP URI`, {
        field: key,
        message: (error as Error).message,
      });
    }
  }
  const password = values.authPassword;
  return {
    user,
    domain,
    displayName: values.displayName,
    aor,
    registrarUri: `sip:${registrar}`,
    nextHop: withTransport(proxy || registrar),
    outboundRoute: proxy ? `<sip:${proxy};lr${transport === 'udp' ? '' : `;transport=${transport}`}>` : null,
    transport,
    credentials: password
      ? { username: values.authUser || user, password, ...(values.realm ? { realm: values.realm } : {}) }
      : null,
    outbound: values.outbound,
  };
}

/** Actor settings from provisioning and the node's `sip.registration` config. */
export function settingsFrom(
  values: Provisioning,
  registration: { retryBaseMs: number; retryMaxMs: number; maxLoginAttempts: number; logoutTimeoutMs: number },
): AccountSettings {
  return {
    loginMode: values.loginMode,
    expires: values.registrationExpires,
    retryBaseMs: registration.retryBaseMs,
    retryMaxMs: registration.retryMaxMs,
    maxLoginAttempts: registration.maxLoginAttempts,
    logoutTimeoutMs: registration.logoutTimeoutMs,
    keepAliveMs: values.keepAliveInterval * 1000,
    subscribe: values.subscribeRegistration,
    maxRedirects: 3,
    maxAuthRounds: 3,
    maxExpires: 86_400,
  };
}

/**
 * RFC 3263 §4: the targets of a URI for the given transport (IP addresses need no DNS), looked up
 * through `dns`: the stack's (`SipStack.dns`, from `sip.dnsServers`); default the system's.
 */
export async function resolveTargets(
  uri: string,
  transport: TransportProtocol,
  dns?: DnsResolver,
): Promise<ServerTarget[]> {
  const parsed = parseUri(uri);
  if (!(parsed instanceof SipUri)) throw new Error(`${uri} is not a SIP URI`);
  return locateServers(parsed, { protocols: [transport], dns });
}
