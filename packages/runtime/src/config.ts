/**
 * Node configuration: defaults, then an optional JSON file, then `TALKBUS_*` environment
 * variables, validated at start with an error that names the bad key.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import FastestValidator from 'fastest-validator';
import { dnsServerProblem } from './dns-server-address.ts';

/** Which license role a node plays (guide §3). */
export type LicenseMode = 'off' | 'client' | 'server';

/** A node's configuration. Durations are in milliseconds. */
export interface TalkbusConfig {
  /** Unique node name in a cluster. Default: `<hostname>-<pid>`. Env `TALKBUS_NODE_ID`. */
  nodeID: string;
  /** `nats://host:port` for a cluster; null runs embedded (no transporter). Env `TALKBUS_TRANSPORTER`. */
  transporter: string | null;
  /** Services this process runs; default all of them. Env `TALKBUS_SERVICES` (comma separated). */
  services: string[] | null;
  /** Where stores and account folders live. Default `./data`. Env `TALKBUS_DATA_DIR`. */
  dataDir: string;
  log: {
    /** Env `TALKBUS_LOG_LEVEL`. Default `info`. */
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
    /** `json` (one object per line) or `text`. Env `TALKBUS_LOG_FORMAT`. Default: text on a TTY, json otherwise. */
    format: 'json' | 'text';
  };
  /** RPC timeout. Default 10 000. Env `TALKBUS_REQUEST_TIMEOUT`. */
  requestTimeout: number;
  /** How long start may wait for the transporter to connect. Default 10 000. Env `TALKBUS_CONNECT_TIMEOUT`. */
  connectTimeout: number;
  /** How long a graceful stop may take before the process exits anyway. Default 10 000. */
  shutdownTimeout: number;
  license: {
    /** Env `TALKBUS_LICENSE_MODE`. Default `off`. */
    mode: LicenseMode;
    /** Where this device's license file lives. Default `<dataDir>/license/license.json`. */
    path: string;
    /** The issuing server's Ed25519 public key (PEM) or a file holding it (client mode). */
    publicKey: string;
    /** This device's ID. Default: derived from /etc/machine-id (stable per machine). */
    deviceId: string;
    /** Server mode: HTTP JSON endpoint address; port 0 disables it. */
    httpHost: string;
    httpPort: number;
    /** Server mode: a PEM file with the Ed25519 private key; default: generated once into the server store. */
    privateKeyPath: string;
  };
  /** The node's SIP endpoint (`sip-endpoint.ts`), shared by the services of the node that speak SIP. */
  sip: SipConfig;
  /** The media service's mediasoup workers and RTP ports. */
  media: MediaConfig;
}

/** Settings of the media service. Times in ms. */
export interface MediaConfig {
  /** mediasoup workers; 0 = one per core (default). Env `TALKBUS_MEDIA_WORKERS`. */
  workers: number;
  /** The worker binary; '' = `MEDIASOUP_WORKER_BIN`, else the setup script's cache path. */
  workerBin: string;
  /** IP the RTP transports bind. Default `127.0.0.1`. Env `TALKBUS_MEDIA_LISTEN_IP`. */
  listenIp: string;
  /** Address written into SDP instead of `listenIp` ('' = listenIp). Env `TALKBUS_MEDIA_ANNOUNCED_ADDRESS`. */
  announcedAddress: string;
  /** RTP port range (an account's provisioning mediaPortMin/Max wins). Defaults 20000–29999. */
  portMin: number;
  portMax: number;
  /** No RTP for this long → `media.rtpTimeout`. Default 30000. Env `TALKBUS_MEDIA_RTP_TIMEOUT`. */
  rtpTimeout: number;
  /** Tone plans (ring, ringback, busy …) of this region (guide §6.9.1). Default `CN`. */
  toneRegion: 'CN' | 'US' | 'EU';
}

/** A SIP transport a node can listen on. */
export type SipListenerProtocol = 'udp' | 'tcp' | 'tls' | 'ws';

/** The node's SIP endpoint and account registration settings. Times in ms unless named otherwise. */
export interface SipConfig {
  /** IP address the default listeners bind. Default `0.0.0.0`. Env `TALKBUS_SIP_LISTEN_ADDRESS`. */
  listenAddress: string;
  /** Host written in Via/Contact instead of the bound address ('' = bound). Env `TALKBUS_SIP_ADVERTISED_ADDRESS`. */
  advertisedAddress: string;
  /** Listeners to open. Default udp, tcp, tls, ws (tls only when `tlsCert` is set). Env `TALKBUS_SIP_TRANSPORTS`. */
  transports: SipListenerProtocol[];
  /** Ports; 0 = ephemeral (tests). Defaults 5060, 5060, 5061, 5066. Env `TALKBUS_SIP_{UDP,TCP,TLS,WS}_PORT`. */
  udpPort: number;
  tcpPort: number;
  tlsPort: number;
  wsPort: number;
  /** PEM files for TLS (listener and client); '' = no TLS listener. Env `TALKBUS_SIP_TLS_CERT` / `_KEY` / `_CA`. */
  tlsCert: string;
  tlsKey: string;
  tlsCa: string;
  /** Verify TLS peers (RFC 5922). Default true. Env `TALKBUS_SIP_TLS_VERIFY`. */
  tlsVerify: boolean;
  /** RFC 3261 timers T1/T2/T4 (defaults 500, 4000, 5000); tests shorten them. Env `TALKBUS_SIP_T1` … */
  timers: { t1: number; t2: number; t4: number };
  /** User-Agent header. Default `talkbus/0.1.0`. Env `TALKBUS_SIP_USER_AGENT`. */
  userAgent: string;
  /**
   * DNS servers for RFC 3263 server location (NAPTR/SRV/A/AAAA), each `ip[:port]` (`192.0.2.53`,
   * `192.0.2.53:5353`, `[2001:db8::53]:5353`), asked in order. Default `[]`: the system's resolver
   * (`/etc/resolv.conf`). Env `TALKBUS_SIP_DNS_SERVERS` (comma separated).
   */
  dnsServers: string[];
  registration: {
    /** First retry delay after a failed login/refresh; doubles per failure, ±25% jitter. Default 2000. */
    retryBaseMs: number;
    /** Cap of that delay (and of a 503's Retry-After). Default 300000. */
    retryMaxMs: number;
    /** Failed login attempts (timeouts, 5xx, transport errors) before `client.loginFailed`. Default 4. */
    maxLoginAttempts: number;
    /** How long a logout waits for the registrar's answer before reporting anyway. Default 5000. */
    logoutTimeoutMs: number;
    /** REGISTER transactions in flight per node at once (others queue). Default 256. */
    maxInFlight: number;
  };
}

/** A configuration value that is wrong; `key` is the dotted key, `source` where it came from. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  readonly key: string;
  constructor(key: string, source: string, message: string) {
    super(`Invalid configuration: ${key} (from ${source}): ${message}`);
    this.key = key;
  }
}

/** Environment variable → dotted config key. */
const envKeys: Record<string, string> = {
  TALKBUS_NODE_ID: 'nodeID',
  TALKBUS_TRANSPORTER: 'transporter',
  TALKBUS_SERVICES: 'services',
  TALKBUS_DATA_DIR: 'dataDir',
  TALKBUS_LOG_LEVEL: 'log.level',
  TALKBUS_LOG_FORMAT: 'log.format',
  TALKBUS_REQUEST_TIMEOUT: 'requestTimeout',
  TALKBUS_CONNECT_TIMEOUT: 'connectTimeout',
  TALKBUS_SHUTDOWN_TIMEOUT: 'shutdownTimeout',
  TALKBUS_LICENSE_MODE: 'license.mode',
  TALKBUS_LICENSE_PATH: 'license.path',
  TALKBUS_LICENSE_PUBLIC_KEY: 'license.publicKey',
  TALKBUS_LICENSE_DEVICE_ID: 'license.deviceId',
  TALKBUS_LICENSE_HTTP_HOST: 'license.httpHost',
  TALKBUS_LICENSE_HTTP_PORT: 'license.httpPort',
  TALKBUS_LICENSE_PRIVATE_KEY_PATH: 'license.privateKeyPath',
  TALKBUS_SIP_LISTEN_ADDRESS: 'sip.listenAddress',
  TALKBUS_SIP_ADVERTISED_ADDRESS: 'sip.advertisedAddress',
  TALKBUS_SIP_TRANSPORTS: 'sip.transports',
  TALKBUS_SIP_UDP_PORT: 'sip.udpPort',
  TALKBUS_SIP_TCP_PORT: 'sip.tcpPort',
  TALKBUS_SIP_TLS_PORT: 'sip.tlsPort',
  TALKBUS_SIP_WS_PORT: 'sip.wsPort',
  TALKBUS_SIP_TLS_CERT: 'sip.tlsCert',
  TALKBUS_SIP_TLS_KEY: 'sip.tlsKey',
  TALKBUS_SIP_TLS_CA: 'sip.tlsCa',
  TALKBUS_SIP_TLS_VERIFY: 'sip.tlsVerify',
  TALKBUS_SIP_T1: 'sip.timers.t1',
  TALKBUS_SIP_T2: 'sip.timers.t2',
  TALKBUS_SIP_T4: 'sip.timers.t4',
  TALKBUS_SIP_USER_AGENT: 'sip.userAgent',
  TALKBUS_SIP_DNS_SERVERS: 'sip.dnsServers',
  TALKBUS_REGISTRATION_RETRY_BASE_MS: 'sip.registration.retryBaseMs',
  TALKBUS_REGISTRATION_RETRY_MAX_MS: 'sip.registration.retryMaxMs',
  TALKBUS_REGISTRATION_MAX_LOGIN_ATTEMPTS: 'sip.registration.maxLoginAttempts',
  TALKBUS_REGISTRATION_LOGOUT_TIMEOUT_MS: 'sip.registration.logoutTimeoutMs',
  TALKBUS_REGISTRATION_MAX_IN_FLIGHT: 'sip.registration.maxInFlight',
  TALKBUS_MEDIA_WORKERS: 'media.workers',
  TALKBUS_MEDIA_WORKER_BIN: 'media.workerBin',
  TALKBUS_MEDIA_LISTEN_IP: 'media.listenIp',
  TALKBUS_MEDIA_ANNOUNCED_ADDRESS: 'media.announcedAddress',
  TALKBUS_MEDIA_PORT_MIN: 'media.portMin',
  TALKBUS_MEDIA_PORT_MAX: 'media.portMax',
  TALKBUS_MEDIA_RTP_TIMEOUT: 'media.rtpTimeout',
  TALKBUS_MEDIA_TONE_REGION: 'media.toneRegion',
};

const numberKeys = new Set([
  'requestTimeout',
  'connectTimeout',
  'shutdownTimeout',
  'license.httpPort',
  'sip.udpPort',
  'sip.tcpPort',
  'sip.tlsPort',
  'sip.wsPort',
  'sip.timers.t1',
  'sip.timers.t2',
  'sip.timers.t4',
  'sip.registration.retryBaseMs',
  'sip.registration.retryMaxMs',
  'sip.registration.maxLoginAttempts',
  'sip.registration.logoutTimeoutMs',
  'sip.registration.maxInFlight',
  'media.workers',
  'media.portMin',
  'media.portMax',
  'media.rtpTimeout',
]);
const listKeys = new Set(['services', 'sip.transports', 'sip.dnsServers']);
const booleanKeys = new Set(['sip.tlsVerify']);

const sipPort = { type: 'number', integer: true, min: 0, max: 65535 };
const sipFile = { type: 'string', max: 4096 };

const schema = {
  $$strict: true,
  nodeID: { type: 'string', min: 1, max: 128, pattern: /^[A-Za-z0-9_.:-]+$/ },
  transporter: { type: 'string', nullable: true, max: 2048, pattern: /^nats:\/\/[^\s]+$/ },
  services: {
    type: 'array',
    nullable: true,
    max: 32,
    items: { type: 'string', min: 1, max: 64, pattern: /^[a-z][a-z0-9-]*$/ },
  },
  dataDir: { type: 'string', min: 1, max: 4096 },
  log: {
    type: 'object',
    strict: true,
    props: {
      level: { type: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] },
      format: { type: 'enum', values: ['json', 'text'] },
    },
  },
  requestTimeout: { type: 'number', integer: true, min: 100, max: 600_000 },
  connectTimeout: { type: 'number', integer: true, min: 100, max: 600_000 },
  shutdownTimeout: { type: 'number', integer: true, min: 100, max: 600_000 },
  license: {
    type: 'object',
    strict: true,
    props: {
      mode: { type: 'enum', values: ['off', 'client', 'server'] },
      path: { type: 'string', max: 4096 },
      publicKey: { type: 'string', max: 8192 },
      deviceId: { type: 'string', max: 128 },
      httpHost: { type: 'string', min: 1, max: 255 },
      httpPort: { type: 'number', integer: true, min: 0, max: 65535 },
      privateKeyPath: { type: 'string', max: 4096 },
    },
  },
  sip: {
    type: 'object',
    strict: true,
    props: {
      listenAddress: { type: 'string', min: 2, max: 45, pattern: /^[0-9.]+$|^[0-9A-Fa-f:.]+$/ },
      advertisedAddress: { type: 'string', max: 255, pattern: /^$|^[A-Za-z0-9.:-]+$/ },
      transports: {
        type: 'array',
        max: 4,
        unique: true,
        items: { type: 'enum', values: ['udp', 'tcp', 'tls', 'ws'] },
      },
      udpPort: sipPort,
      tcpPort: sipPort,
      tlsPort: sipPort,
      wsPort: sipPort,
      tlsCert: sipFile,
      tlsKey: sipFile,
      tlsCa: sipFile,
      tlsVerify: { type: 'boolean' },
      timers: {
        type: 'object',
        strict: true,
        props: {
          t1: { type: 'number', integer: true, min: 10, max: 60_000 },
          t2: { type: 'number', integer: true, min: 10, max: 600_000 },
          t4: { type: 'number', integer: true, min: 10, max: 600_000 },
        },
      },
      userAgent: { type: 'string', min: 1, max: 128, pattern: /^[\x21-\x7e][\x20-\x7e]*$/ },
      // Each one's grammar is checked after the schema (dnsServerProblem).
      dnsServers: { type: 'array', max: 8, items: { type: 'string', min: 2, max: 53 } },
      registration: {
        type: 'object',
        strict: true,
        props: {
          retryBaseMs: { type: 'number', integer: true, min: 10, max: 3_600_000 },
          retryMaxMs: { type: 'number', integer: true, min: 10, max: 86_400_000 },
          maxLoginAttempts: { type: 'number', integer: true, min: 1, max: 1000 },
          logoutTimeoutMs: { type: 'number', integer: true, min: 10, max: 600_000 },
          maxInFlight: { type: 'number', integer: true, min: 1, max: 100_000 },
        },
      },
    },
  },
  media: {
    type: 'object',
    strict: true,
    props: {
      workers: { type: 'number', integer: true, min: 0, max: 64 },
      workerBin: { type: 'string', max: 4096 },
      listenIp: { type: 'string', min: 2, max: 45, pattern: /^[0-9.]+$|^[0-9A-Fa-f:.]+$/ },
      announcedAddress: { type: 'string', max: 255, pattern: /^$|^[A-Za-z0-9.:-]+$/ },
      portMin: { type: 'number', integer: true, min: 1024, max: 65535 },
      portMax: { type: 'number', integer: true, min: 1024, max: 65535 },
      rtpTimeout: { type: 'number', integer: true, min: 100, max: 3_600_000 },
      toneRegion: { type: 'enum', values: ['CN', 'US', 'EU'] },
    },
  },
};

// fastest-validator is CommonJS whose typings declare an ES default export; at run time the
// default import is the class itself.
const Validator = FastestValidator as unknown as typeof FastestValidator.default;
const check = new Validator({ haltOnFirstError: true }).compile(schema);

type Plain = Record<string, unknown>;

function defaults(env: NodeJS.ProcessEnv): Plain {
  return {
    nodeID: `${hostname().replace(/[^A-Za-z0-9_.:-]/g, '-')}-${process.pid}`,
    transporter: null,
    services: null,
    dataDir: './data',
    log: { level: 'info', format: process.stdout.isTTY && !env.CI ? 'text' : 'json' },
    requestTimeout: 10_000,
    connectTimeout: 10_000,
    shutdownTimeout: 10_000,
    license: {
      mode: 'off',
      path: '',
      publicKey: '',
      deviceId: '',
      httpHost: '127.0.0.1',
      httpPort: 0,
      privateKeyPath: '',
    },
    sip: {
      listenAddress: '0.0.0.0',
      advertisedAddress: '',
      transports: ['udp', 'tcp', 'tls', 'ws'],
      udpPort: 5060,
      tcpPort: 5060,
      tlsPort: 5061,
      wsPort: 5066,
      tlsCert: '',
      tlsKey: '',
      tlsCa: '',
      tlsVerify: true,
      timers: { t1: 500, t2: 4000, t4: 5000 },
      userAgent: 'talkbus/0.1.0',
      dnsServers: [],
      registration: {
        retryBaseMs: 2000,
        retryMaxMs: 300_000,
        maxLoginAttempts: 4,
        logoutTimeoutMs: 5000,
        maxInFlight: 256,
      },
    },
    media: {
      workers: 0,
      workerBin: '',
      listenIp: '127.0.0.1',
      announcedAddress: '',
      portMin: 20000,
      portMax: 29999,
      rtpTimeout: 30_000,
      toneRegion: 'CN',
    },
  };
}

function setPath(target: Plain, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    node = (next && typeof next === 'object' ? next : (node[part] = {})) as Plain;
  }
  node[parts.at(-1)!] = value;
}

function merge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prior = out[key];
    out[key] =
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      prior &&
      typeof prior === 'object' &&
      !Array.isArray(prior)
        ? merge(prior as Plain, value as Plain)
        : value;
  }
  return out;
}

/** Where each config key's value came from, for error messages. */
function sourceOf(key: string, fromEnv: Map<string, string>, file: string | undefined): string {
  const envName = fromEnv.get(key);
  if (envName) return `environment ${envName}`;
  return file ? `file ${file}` : 'defaults';
}

/**
 * Loads and validates the configuration.
 * @param options.env environment (default `process.env`)
 * @param options.file JSON config file (default env `TALKBUS_CONFIG`, none if unset)
 * @param options.overrides values that win over everything (command-line flags)
 * @throws ConfigError naming the first bad key
 */
export function loadConfig(options: { env?: NodeJS.ProcessEnv; file?: string; overrides?: Plain } = {}): TalkbusConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.TALKBUS_CONFIG;
  let config = defaults(env);

  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError('(file)', `file ${file}`, `cannot read it as JSON: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError('(file)', `file ${file}`, 'the file must hold one JSON object');
    }
    config = merge(config, parsed as Plain);
  }

  const fromEnv = new Map<string, string>();
  const envOverrides: Plain = {};
  for (const [name, key] of Object.entries(envKeys)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    fromEnv.set(key, name);
    let value: unknown = raw;
    if (listKeys.has(key))
      value = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (numberKeys.has(key)) value = /^\d+$/.test(raw) ? Number(raw) : raw;
    else if (booleanKeys.has(key)) value = raw === 'true' ? true : raw === 'false' ? false : raw;
    setPath(envOverrides, key, value);
  }
  config = merge(config, envOverrides);
  if (options.overrides) config = merge(config, options.overrides);

  const result = check(config);
  if (result !== true) {
    const [first] = result as { field: string; message: string }[];
    const key = first?.field ?? '(unknown)';
    throw new ConfigError(key, sourceOf(key, fromEnv, file), first?.message ?? 'invalid');
  }

  const typed = config as unknown as TalkbusConfig;
  if (typed.media.portMax <= typed.media.portMin + 1) {
    throw new ConfigError('media.portMax', sourceOf('media.portMax', fromEnv, file), 'must be above media.portMin + 1');
  }
  typed.sip.dnsServers.forEach((server, index) => {
    const problem = dnsServerProblem(server);
    if (problem !== undefined)
      throw new ConfigError(`sip.dnsServers[${index}]`, sourceOf('sip.dnsServers', fromEnv, file), problem);
  });
  typed.dataDir = path.resolve(typed.dataDir);
  if (!typed.license.path) typed.license.path = path.join(typed.dataDir, 'license', 'license.json');
  return typed;
}
