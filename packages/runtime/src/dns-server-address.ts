/**
 * The address of a DNS server in `sip.dnsServers`: `ip[:port]`, the form `node:dns`'s
 * `Resolver.setServers` takes — `192.0.2.53`, `192.0.2.53:5353`, `2001:db8::53`,
 * `[2001:db8::53]` or `[2001:db8::53]:5353`. Checked at config load, because `setServers` would
 * only throw once the SIP endpoint starts, and it silently drops a port of 0.
 */
import { isIP } from 'node:net';

/** `a.b.c.d` or `a.b.c.d:port`. */
const IPV4_WITH_PORT = /^([0-9.]+)(?::([0-9]+))?$/;
/** `[v6]` or `[v6]:port`. */
const BRACKETED_IPV6 = /^\[([0-9A-Fa-f:.]+)\](?::([0-9]+))?$/;
/** A bare IPv6 address (no port possible without brackets; no zone index). */
const BARE_IPV6 = /^[0-9A-Fa-f:.]+$/;

/** Why `text` is not a DNS server address, or undefined when it is one. */
export function dnsServerProblem(text: string): string | undefined {
  const v4 = IPV4_WITH_PORT.exec(text);
  if (v4 !== null) {
    if (isIP(v4[1]!) !== 4) return `${text} is not an IPv4 address`;
    return portProblem(text, v4[2]);
  }
  const v6 = BRACKETED_IPV6.exec(text);
  if (v6 !== null) {
    if (isIP(v6[1]!) !== 6) return `${text} is not a bracketed IPv6 address`;
    return portProblem(text, v6[2]);
  }
  if (BARE_IPV6.test(text) && isIP(text) === 6) return undefined;
  return `${text} is not an IP address with an optional port ("192.0.2.53", "192.0.2.53:5353", "[2001:db8::53]:5353")`;
}

function portProblem(text: string, port: string | undefined): string | undefined {
  if (port === undefined) return undefined;
  const value = Number(port);
  return value >= 1 && value <= 65535 ? undefined : `${text}: the port must be 1 to 65535`;
}
