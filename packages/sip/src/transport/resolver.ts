/**
 * Locating SIP servers (RFC 3263 §4): a sip/sips URI becomes an ordered list of
 * `{protocol, address, port}` targets through NAPTR → SRV → A/AAAA, with the shortcuts of §4.1
 * and §4.2 (numeric IP, explicit port, explicit transport). DNS goes through an injectable
 * {@link DnsResolver} (unit tests use a fake; production wraps `node:dns/promises`), and SRV
 * ordering through an injectable random source (RFC 2782 weights).
 */
import { Resolver } from 'node:dns/promises';
import type { SipUri } from '../uri/sip-uri.ts';
import { TransportError, TransportErrorCode } from './transport-error.ts';
import type { TransportAddress, TransportProtocol } from './transport-types.ts';
import { bareAddress, defaultPort, familyOf } from './via-rules.ts';

/** A NAPTR record (RFC 3403), as `node:dns` returns it. */
export interface NaptrRecord {
  flags: string;
  service: string;
  regexp: string;
  replacement: string;
  order: number;
  preference: number;
}

/** An SRV record (RFC 2782), as `node:dns` returns it. */
export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

/** The DNS queries server location needs. Each rejects (or returns []) when there is no record. */
export interface DnsResolver {
  resolveNaptr(name: string): Promise<NaptrRecord[]>;
  resolveSrv(name: string): Promise<SrvRecord[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
}

/** Options of {@link systemDnsResolver}. */
export interface SystemDnsOptions {
  /** Wait per query try, ms. Default 2000. */
  timeoutMs?: number;
  /** Tries per query. Default 2. */
  tries?: number;
  /**
   * DNS servers to ask instead of the system's (`/etc/resolv.conf`), in `Resolver.setServers`
   * form: `'192.0.2.53'`, `'127.0.0.1:5353'`, `'[::1]:5353'`. Default: the system's.
   */
  servers?: readonly string[];
}

/** A {@link DnsResolver} over `node:dns/promises`, with bounded waits. */
export function systemDnsResolver(options: SystemDnsOptions = {}): DnsResolver {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 2000, tries: options.tries ?? 2 });
  if (options.servers !== undefined && options.servers.length > 0) resolver.setServers(options.servers);
  return {
    resolveNaptr: (name) => resolver.resolveNaptr(name),
    resolveSrv: (name) => resolver.resolveSrv(name),
    resolve4: (name) => resolver.resolve4(name),
    resolve6: (name) => resolver.resolve6(name),
  };
}

/** One place to try, with the name a TLS certificate must match (RFC 5922 §7.2: the URI's domain). */
export interface ServerTarget extends TransportAddress {
  serverName: string;
}

/** Options of {@link locateServers}. */
export interface LocateOptions {
  /** DNS; default {@link systemDnsResolver}. */
  dns?: DnsResolver;
  /** Random numbers in [0, 1) for SRV weights; default `Math.random`. */
  random?: () => number;
  /** Protocols the transport layer has, in preference order for §4.1's SRV fallback. Default all. */
  protocols?: readonly TransportProtocol[];
  /** Address families to look up, in order (A before AAAA by default). */
  families?: readonly (4 | 6)[];
}

/** NAPTR services (RFC 3263 §4.1, RFC 7118 §11 for D2W) and what they mean. */
const NAPTR_SERVICES: Readonly<Record<string, TransportProtocol>> = {
  'SIP+D2U': 'udp',
  'SIP+D2T': 'tcp',
  'SIPS+D2T': 'tls',
  'SIP+D2W': 'ws',
  'SIPS+D2W': 'wss',
};

/** The SRV service/proto prefix of a protocol (§4.1: `_sips._tcp` for TLS). */
function srvPrefix(protocol: TransportProtocol): string {
  switch (protocol) {
    case 'udp':
      return '_sip._udp';
    case 'tcp':
      return '_sip._tcp';
    case 'tls':
      return '_sips._tcp';
    case 'ws':
      return '_sip._ws';
    case 'wss':
      return '_sips._ws';
  }
}

/**
 * The `transport` URI parameter as a protocol. For a SIPS URI the transport is TLS (or WSS):
 * RFC 3261 §26.2.2 and RFC 3263 §4.1 ("sips:...;transport=tcp" means TLS over TCP).
 */
function explicitProtocol(transport: string, secure: boolean): TransportProtocol | undefined {
  if (transport === 'tcp' || transport === 'tls') return secure || transport === 'tls' ? 'tls' : 'tcp';
  if (transport === 'ws' || transport === 'wss') return secure || transport === 'wss' ? 'wss' : 'ws';
  if (transport === 'udp') return secure ? undefined : 'udp';
  return undefined;
}

/**
 * RFC 2782 ordering: by priority, and within a priority by weighted random selection — "all
 * those with weight 0 are placed at the beginning of the list", then a running sum is compared
 * to a random number in [0, sum]. Records whose target is "." (service not offered) are dropped.
 */
export function orderSrvRecords(records: readonly SrvRecord[], random: () => number = Math.random): SrvRecord[] {
  const usable = records.filter((r) => r.name !== '.' && r.name !== '');
  const priorities = [...new Set(usable.map((r) => r.priority))].sort((a, b) => a - b);
  const out: SrvRecord[] = [];
  for (const priority of priorities) {
    const left = usable
      .filter((r) => r.priority === priority)
      .sort((a, b) => (a.weight === 0 ? 0 : 1) - (b.weight === 0 ? 0 : 1));
    while (left.length > 0) {
      const total = left.reduce((sum, r) => sum + r.weight, 0);
      const pick = random() * total;
      let running = 0;
      let index = left.findIndex((r) => (running += r.weight) >= pick);
      if (index < 0) index = left.length - 1;
      out.push(left.splice(index, 1)[0]!);
    }
  }
  return out;
}

/** A DNS answer, or [] when the name has no such record (or the query failed; `failures` keeps why). */
async function query<T>(run: () => Promise<T[]>, failures: unknown[]): Promise<T[]> {
  try {
    return (await run()) ?? [];
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ENODATA' && code !== 'ENOTFOUND') failures.push(error);
    return [];
  }
}

/**
 * RFC 3263 §4: the ordered targets for a sip/sips URI (the `maddr` parameter, when present,
 * replaces the host as TARGET).
 * @throws TransportError RESOLVE_FAILED when no target is found
 */
export async function locateServers(uri: SipUri, options: LocateOptions = {}): Promise<ServerTarget[]> {
  const dns = options.dns ?? systemDnsResolver();
  const random = options.random ?? Math.random;
  const supported = options.protocols ?? ['udp', 'tcp', 'tls', 'ws', 'wss'];
  const families = options.families ?? [4, 6];
  const secure = uri.scheme === 'sips';
  const host = bareAddress(uri.maddr ?? uri.host);
  const serverName = bareAddress(uri.host);
  const failures: unknown[] = [];
  const fail = (why: string): never => {
    throw new TransportError(TransportErrorCode.ResolveFailed, `cannot locate ${uri.toString()}: ${why}`, {
      cause: failures[0],
    });
  };

  let protocol: TransportProtocol | undefined;
  if (uri.transport !== undefined) {
    protocol = explicitProtocol(uri.transport, secure);
    if (protocol === undefined || !supported.includes(protocol)) fail(`transport=${uri.transport} is not supported`);
  }
  const addresses = async (name: string, port: number, via: TransportProtocol): Promise<ServerTarget[]> => {
    const out: ServerTarget[] = [];
    for (const family of families) {
      const found = await query(() => (family === 4 ? dns.resolve4(name) : dns.resolve6(name)), failures);
      for (const address of found) out.push({ protocol: via, address, port, serverName });
    }
    return out;
  };
  const fromSrv = async (name: string, via: TransportProtocol): Promise<ServerTarget[]> => {
    const out: ServerTarget[] = [];
    for (const record of orderSrvRecords(await query(() => dns.resolveSrv(name), failures), random)) {
      out.push(...(await addresses(record.name, record.port, via)));
    }
    return out;
  };
  // §4.1: "If no transport protocol is specified, but the TARGET is a numeric IP address, the
  // client SHOULD use UDP for a SIP URI, and TCP for a SIPS URI" — likewise with an explicit port.
  const plainDefault: TransportProtocol = secure ? 'tls' : 'udp';

  let targets: ServerTarget[] = [];
  const family = familyOf(host);
  if (family !== undefined) {
    const via = protocol ?? plainDefault;
    targets = [{ protocol: via, address: host, port: uri.port ?? defaultPort(via), serverName }];
  } else if (uri.port !== undefined) {
    // §4.2: "If the TARGET was not a numeric IP address, but a port is present in the URI, the
    // client performs an A or AAAA record lookup of the domain name."
    targets = await addresses(host, uri.port, protocol ?? plainDefault);
  } else if (protocol !== undefined) {
    // §4.2: a transport "specified explicitly": an SRV query for that transport, then A/AAAA.
    targets = await fromSrv(`${srvPrefix(protocol)}.${host}`, protocol);
    if (targets.length === 0) targets = await addresses(host, defaultPort(protocol), protocol);
  } else {
    // §4.1: NAPTR, keeping the services we support ("SIPS+" only for a SIPS URI), by order then preference.
    const naptr = (await query(() => dns.resolveNaptr(host), failures))
      .filter((r) => r.flags.toLowerCase() === 's')
      .map((r) => ({ record: r, protocol: NAPTR_SERVICES[r.service.toUpperCase()] }))
      .filter(
        (r): r is { record: NaptrRecord; protocol: TransportProtocol } =>
          r.protocol !== undefined && supported.includes(r.protocol),
      )
      .filter((r) => !secure || r.protocol === 'tls' || r.protocol === 'wss')
      .sort((a, b) => a.record.order - b.record.order || a.record.preference - b.record.preference);
    for (const { record, protocol: via } of naptr) targets.push(...(await fromSrv(record.replacement, via)));
    if (naptr.length === 0) {
      // §4.1: "If no NAPTR records are found, the client constructs SRV queries for those
      // transport protocols it supports, and does a query for each."
      const order: TransportProtocol[] = secure ? ['tls'] : ['udp', 'tcp', 'tls'];
      for (const via of order.filter((p) => supported.includes(p)))
        targets.push(...(await fromSrv(`${srvPrefix(via)}.${host}`, via)));
    }
    // §4.2 "If no SRV records were found, the client performs an A or AAAA record lookup".
    if (targets.length === 0) targets = await addresses(host, defaultPort(plainDefault), plainDefault);
  }
  const seen = new Set<string>();
  const unique = targets
    .filter((t) => supported.includes(t.protocol))
    .filter((t) => {
      const key = `${t.protocol} ${t.address} ${t.port}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  if (unique.length === 0)
    fail(failures.length > 0 ? `DNS failed: ${String((failures[0] as Error).message ?? failures[0])}` : 'no records');
  return unique;
}
