/**
 * Provisioning parameters of an account (guide §2.4, §4.3): the SIP, media and service settings
 * the other services read through `profile.get`. Each key has a rule (validated on `profile.set`)
 * and a default (what `profile.get` answers before the account is opened, as §4.3 says).
 */
import { t, type Rule, type TypeOf } from './schema.ts';

const host = t.string({
  max: 255,
  pattern: /^$|^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/,
  patternMessage: "The '{field}' field must be a host name or IP address, optionally with :port.",
});
const ipOrEmpty = t.string({
  max: 45,
  pattern: /^$|^[0-9.]+$|^[0-9A-Fa-f:.]+$/,
  patternMessage: "The '{field}' field must be an IPv4 or IPv6 address, or empty for automatic.",
});
const filePath = t.string({ max: 4096, pattern: /^[^\0]*$/ });
const port = t.integer({ min: 0, max: 65535 });

/** Codec names talkbus can negotiate for audio. */
export const AUDIO_CODECS = ['PCMU', 'PCMA', 'G722', 'opus', 'telephone-event'] as const;
/** Codec names talkbus can negotiate for video. */
export const VIDEO_CODECS = ['H264', 'VP8'] as const;

/** Each provisioning key: its rule, default, and whether it is a secret (never logged or echoed). */
interface ParameterSpec<T> {
  rule: Rule<T>;
  default: T;
  description: string;
  secret?: boolean;
}

function param<T>(rule: Rule<T>, defaultValue: T, description: string, secret = false): ParameterSpec<T> {
  return { rule, default: defaultValue, description, secret };
}

/** The provisioning parameters, with defaults. Times are in seconds unless named otherwise. */
export const provisioningSpec = {
  // identity (guide §5.1: the SIP user and the display name are not the account name)
  sipUser: param(t.string({ max: 128 }), '', 'SIP user part given by the provider, e.g. 8000'),
  displayName: param(t.string({ max: 128 }), '', 'Display name, e.g. Alice Huang'),
  domain: param(host, '', 'SIP domain of the account (the host of its AOR)'),

  // network (guide §4.2.2, §4.3)
  localIp: param(ipOrEmpty, '', 'Local IP to bind; empty picks the node default'),
  localPort: param(port, 0, "Local SIP port; 0 uses the node's shared endpoint"),
  transport: param(t.enum(['udp', 'tcp', 'tls', 'ws'] as const), 'udp', 'Transport towards the registrar/proxy'),
  registrar: param(host, '', 'Registrar address (host[:port]); empty uses the domain'),
  outboundProxy: param(host, '', 'Outbound proxy (host[:port]); empty sends to the registrar/domain'),

  // login (guide §5.3)
  loginMode: param(t.enum(['server', 'local'] as const), 'server', 'server: REGISTER; local: no registration (§5.3.2)'),
  subscribeRegistration: param(t.boolean(), false, 'SUBSCRIBE to the reg event package after login (§5.3.5)'),
  authUser: param(t.string({ max: 128 }), '', 'Digest user name; empty uses sipUser'),
  // `convert`: a numeric password sent as a JSON number (CLI, HTTP) is taken as its string, so the
  // broker never refuses it with a ValidationError that carries (and logs) the value.
  authPassword: param({ ...t.string({ max: 256 }), convert: true } as Rule<string>, '', 'Digest password', true),
  realm: param(t.string({ max: 255 }), '', 'Digest realm to answer; empty answers any'),
  registrationExpires: param(t.integer({ min: 60, max: 86400 }), 3600, 'Requested registration expiry'),
  keepAliveInterval: param(
    t.integer({ min: 0, max: 3600 }),
    30,
    'NAT keep-alive interval, each one 80–100% of it (CRLF on TCP/TLS/WS, STUN on UDP with outbound, else OPTIONS); 0 = off',
  ),
  outbound: param(t.boolean(), false, 'RFC 5626 outbound (instance-id, reg-id, flow keep-alives)'),

  // calls (guide chapter 6)
  sessionTimerInterval: param(t.integer({ min: 90, max: 86400 }), 1800, 'RFC 4028 session interval (§6.10)'),
  audioCodecs: param(
    t.array(t.enum(AUDIO_CODECS), { min: 1, max: 8, unique: true }),
    ['PCMU', 'PCMA', 'telephone-event'],
    'Audio codecs, in preference order',
  ),
  videoCodecs: param(
    t.array(t.enum(VIDEO_CODECS), { min: 0, max: 4, unique: true }),
    ['H264', 'VP8'],
    'Video codecs, in preference order',
  ),
  dtmfMode: param(
    t.enum(['auto', 'rfc4733', 'info'] as const),
    'auto',
    'auto: RFC 4733 when telephone-event is negotiated, SIP INFO otherwise (§6.2.7)',
  ),
  maxCalls: param(t.integer({ min: 1, max: 64 }), 4, 'Calls at once; a new incoming call beyond it gets 486 (§6.4.2)'),
  noAnswerTimeout: param(
    t.integer({ min: 5, max: 600 }),
    60,
    'Seconds before an unanswered incoming call gets 480 (§6.4.3)',
  ),
  callWaiting: param(t.boolean(), true, 'Accept a second incoming call while talking (§6.5)'),
  incomingCallBarring: param(t.boolean(), false, 'Refuse every incoming call with 603 (§6.7.1)'),
  privacy: param(t.enum(['none', 'id'] as const), 'none', 'Hide our identity (Privacy: id) on outgoing calls (§6.2.6)'),

  // tones and media (guide §6.9, §4.3.1)
  ringTone: param(filePath, '', 'WAV played for an incoming call; empty = built-in tone'),
  ringbackTone: param(filePath, '', 'WAV played while the peer rings (180 without SDP); empty = built-in tone'),
  mediaPortMin: param(t.integer({ min: 1024, max: 65535 }), 20000, 'Lowest RTP port'),
  mediaPortMax: param(t.integer({ min: 1024, max: 65535 }), 29999, 'Highest RTP port'),
} as const;

/** A provisioning key. */
export type ProvisioningKey = keyof typeof provisioningSpec;

/** The full set of provisioning values of an account. */
export type Provisioning = { -readonly [K in ProvisioningKey]: TypeOf<(typeof provisioningSpec)[K]['rule']> };

/** Provisioning keys whose values are secrets. */
export const secretProvisioningKeys: readonly ProvisioningKey[] = (
  Object.keys(provisioningSpec) as ProvisioningKey[]
).filter((key) => (provisioningSpec[key] as ParameterSpec<unknown>).secret === true);

/** The defaults, as a fresh object. */
export function defaultProvisioning(): Provisioning {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(provisioningSpec) as ProvisioningKey[]) {
    const value = provisioningSpec[key].default;
    out[key] = Array.isArray(value) ? [...value] : value;
  }
  return out as Provisioning;
}

/** What secrets are replaced with when values are returned without `includeSecrets`. */
export const SECRET_MASK = '********';
