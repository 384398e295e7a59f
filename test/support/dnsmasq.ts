/**
 * dnsmasq (Debian `dnsmasq-base` 2.90) as a real DNS server in cross-process tests: NAPTR, SRV
 * and A records from its command line, in the foreground on a free 127.0.0.1 port, no upstream,
 * no hosts file, no config file, no PID file; ready once it answers a query (bounded), stopped by
 * PID. Names under `localDomain` that it has no record for get NXDOMAIN (`--local`), not REFUSED.
 */
import { accessSync, constants } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import path from 'node:path';
import { freePort } from './ports.ts';
import { startChild, type Child } from './process.ts';

/** A NAPTR record (RFC 3403) for dnsmasq's `--naptr-record`. */
export interface DnsmasqNaptr {
  name: string;
  order: number;
  preference: number;
  /** `S` for "next: SRV" (RFC 3263 §4.1). */
  flags: string;
  /** `SIP+D2U`, `SIP+D2T`, `SIPS+D2T` … */
  service: string;
  replacement: string;
}

/** An SRV record (RFC 2782) for dnsmasq's `--srv-host`. */
export interface DnsmasqSrv {
  /** `_sip._udp.example.test` … */
  name: string;
  target: string;
  port: number;
  priority: number;
  weight: number;
}

/** Records of one dnsmasq. */
export interface DnsmasqZone {
  /** Answered from local data only: NXDOMAIN for a name without records. */
  localDomain: string;
  naptr?: DnsmasqNaptr[];
  srv?: DnsmasqSrv[];
  /** Name → IPv4 address (`--host-record`; also answers NODATA for AAAA). */
  hosts?: Record<string, string>;
  /** Names that exist with only a TXT record: NODATA for NAPTR, SRV, A, AAAA. */
  txt?: string[];
}

/** A running dnsmasq. */
export interface Dnsmasq {
  /** `127.0.0.1:PORT`, for `Resolver.setServers` / `systemDnsResolver({ servers })`. */
  server: string;
  port: number;
  child: Child;
  /** The names it was asked about, as `TYPE name` (from its `--log-queries` lines), in order. */
  queries(): string[];
  stop(): Promise<void>;
}

/** The dnsmasq binary (it lives in /usr/sbin, which is not on every user's PATH), or undefined. */
export function dnsmasqPath(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'dnsmasq');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The command line for a zone: foreground, one loopback port, nothing but these records. */
function dnsmasqArgs(port: number, zone: DnsmasqZone): string[] {
  const args = [
    '--keep-in-foreground',
    '--no-daemon', // also logs to stderr, which startChild collects
    `--port=${port}`,
    '--listen-address=127.0.0.1',
    '--bind-interfaces',
    '--no-resolv',
    '--no-hosts',
    '--conf-file=/dev/null',
    '--pid-file=', // none: nothing left behind
    '--log-queries',
    '--log-facility=-',
    `--local=/${zone.localDomain}/`,
  ];
  for (const r of zone.naptr ?? [])
    args.push(`--naptr-record=${r.name},${r.order},${r.preference},${r.flags},${r.service},,${r.replacement}`);
  for (const r of zone.srv ?? []) args.push(`--srv-host=${r.name},${r.target},${r.port},${r.priority},${r.weight}`);
  for (const [name, address] of Object.entries(zone.hosts ?? {})) args.push(`--host-record=${name},${address}`);
  for (const name of zone.txt ?? []) args.push(`--txt-record=${name},talkbus test`);
  return args;
}

/**
 * Starts dnsmasq with the zone and waits until it answers a query (at most `readyTimeoutMs`,
 * default 3000); kills it and throws if it does not, or if it exits first (e.g. a bad option).
 */
export async function startDnsmasq(zone: DnsmasqZone, readyTimeoutMs = 3000): Promise<Dnsmasq> {
  const binary = dnsmasqPath();
  if (binary === undefined) throw new Error('dnsmasq is not installed (apt-get install dnsmasq-base)');
  const port = await freePort();
  const child = startChild(binary, dnsmasqArgs(port, zone));
  let exited = false;
  void child.exited.then(() => (exited = true));
  const server = `127.0.0.1:${port}`;
  const probe = new Resolver({ timeout: 100, tries: 1 });
  probe.setServers([server]);
  // Any answer counts, NXDOMAIN included: it means dnsmasq has bound the port and reads its zone.
  const ready = async (): Promise<boolean> => {
    try {
      await probe.resolve4(`talkbus-ready.${zone.localDomain}`);
      return true;
    } catch (error) {
      const code = (error as { code?: string }).code;
      return code === 'ENOTFOUND' || code === 'ENODATA';
    }
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (!(await ready())) {
    if (exited) throw new Error(`dnsmasq exited before answering:\n${child.output().slice(-2000)}`);
    if (Date.now() > deadline) {
      await child.kill();
      throw new Error(`dnsmasq did not answer within ${readyTimeoutMs} ms:\n${child.output().slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return {
    server,
    port,
    child,
    queries: () =>
      [...child.output().matchAll(/query\[(\w+)\] (\S+) from/g)]
        .map((match) => `${match[1]} ${match[2]}`)
        .filter((query) => !query.includes('talkbus-ready.')),
    async stop() {
      await child.stop(2000);
    },
  };
}
