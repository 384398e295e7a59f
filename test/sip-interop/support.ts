/**
 * Helpers of the SIPp interop suite: a talkbus user agent on a real `SipTransportLayer` (short
 * T1), a recording wrapper around its transport, and SIPp runs that are always bounded — `-p`,
 * `-m`, `-timeout` with `-timeout_error`, wrapped in `timeout`, stopped by PID (see
 * ../shared/reference/peers.md for the SIPp 3.6.1 quirks these follow).
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import path from 'node:path';
import {
  SipTransportLayer,
  SipUserAgent,
  type SendTarget,
  type SipMessage,
  type SipUserAgentOptions,
  type TransportAddress,
  type TransportLayer,
  type TransportProtocol,
  type TransportUser,
} from '@talkbus/sip';
import { freePort } from '../support/ports.ts';
import { type Child } from '../support/process.ts';
import { startSipp } from '../support/sipp.ts';

export { hasSipp, sippFailure } from '../support/sipp.ts';

/** Where the scenarios live. */
export const SCENARIOS = path.join(import.meta.dirname, 'scenarios');

/** T1 for the suite: short, so retransmissions and timeouts run fast (RFC default stays 500). */
export const TEST_T1 = 50;

/** One side's address family on loopback. */
export type Family = 4 | 6;

/** The loopback address of a family. */
export function loopback(family: Family): string {
  return family === 4 ? '127.0.0.1' : '::1';
}

/** A host for a URI: IPv6 in brackets. */
export function uriHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** A transport wrapper that records every message sent (to count retransmissions). */
export class RecordingTransport implements TransportLayer {
  readonly sent: SipMessage[] = [];
  readonly inner: SipTransportLayer;

  constructor(inner: SipTransportLayer) {
    this.inner = inner;
  }

  setUser(user: TransportUser): void {
    this.inner.setUser(user);
  }

  send(message: SipMessage, target: SendTarget) {
    this.sent.push(message);
    return this.inner.send(message, target);
  }

  localAddressFor(destination: TransportAddress): TransportAddress {
    return this.inner.localAddressFor(destination);
  }

  responseTarget(...args: Parameters<TransportLayer['responseTarget']>): SendTarget {
    return this.inner.responseTarget(...args);
  }

  retainConnection(connectionId: string): () => void {
    return this.inner.retainConnection(connectionId);
  }

  /** Requests of a method sent, in order. */
  requests(method: string): SipMessage[] {
    return this.sent.filter((m) => m.kind === 'request' && m.method === method);
  }

  /** Responses of a status sent. */
  responses(status: number): SipMessage[] {
    return this.sent.filter((m) => m.kind === 'response' && m.status === status);
  }
}

/** A talkbus UA listening on UDP and TCP (same port) on one loopback. */
export interface TalkbusPeer {
  ua: SipUserAgent;
  transport: RecordingTransport;
  address: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts a talkbus UA on loopback (UDP + TCP, one free port). */
export async function startTalkbus(family: Family, options: Partial<SipUserAgentOptions> = {}): Promise<TalkbusPeer> {
  const address = loopback(family);
  const port = await freePort();
  const layer = new SipTransportLayer({
    listeners: [
      { protocol: 'udp', address, port },
      { protocol: 'tcp', address, port },
    ],
    user: { onMessage: () => undefined },
  });
  await layer.start();
  const transport = new RecordingTransport(layer);
  const ua = new SipUserAgent({
    transport,
    timers: { T1: TEST_T1, T2: 8 * TEST_T1, T4: 10 * TEST_T1 },
    from: `sip:talkbus@${uriHost(address)}`,
    ...options,
  });
  return {
    ua,
    transport,
    address,
    port,
    async stop() {
      ua.close();
      await layer.stop();
    },
  };
}

/** Options of {@link runSipp}. */
export interface SippRun {
  scenario: string;
  family: Family;
  protocol: Extract<TransportProtocol, 'udp' | 'tcp'>;
  /** Remote `host:port` for a UAC scenario; none for a UAS. */
  remote?: string;
  /** SIPp's own port (default a free one). */
  port?: number;
  calls?: number;
  /** `-key NAME VALUE` pairs. */
  keys?: Record<string, string>;
  /** Extra arguments. */
  args?: string[];
  /** Bound of the whole run, seconds. Default 20. */
  timeoutSeconds?: number;
}

/** A started SIPp. */
export interface SippProcess {
  child: Child;
  port: number;
  /** Resolves with the exit code (0: every call succeeded); kills it if it outlives its bound. */
  result: Promise<number | string>;
}

/** Starts SIPp (bounded in three ways: `-timeout`, `timeout`, and a kill by PID). */
export async function runSipp(run: SippRun): Promise<SippProcess> {
  const sipp = await startSipp({
    scenario: path.join(SCENARIOS, run.scenario),
    ...(run.remote === undefined ? {} : { remote: run.remote }),
    ...(run.port === undefined ? {} : { port: run.port }),
    address: loopback(run.family),
    protocol: run.protocol,
    calls: run.calls ?? 1,
    keys: run.keys ?? {},
    timeoutSeconds: run.timeoutSeconds ?? 20,
    args: ['-max_recv_loops', '1000', ...(run.args ?? [])],
  });
  return { child: sipp.child, port: sipp.port, result: sipp.done() };
}

/**
 * Waits (bounded) until SIPp has bound its port (binding it ourselves then fails with
 * EADDRINUSE); fails at once if SIPp exited first (e.g. it refused the scenario).
 */
export async function waitForBound(
  sipp: SippProcess,
  family: Family,
  protocol: 'udp' | 'tcp',
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void sipp.child.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`sipp exited before binding ${sipp.port}:\n${sipp.child.output().slice(-2000)}`);
    if (await isBound(sipp.port, family, protocol)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`nothing bound ${protocol} port ${sipp.port} within ${timeoutMs} ms`);
}

function isBound(port: number, family: Family, protocol: 'udp' | 'tcp'): Promise<boolean> {
  const address = loopback(family);
  return new Promise((resolve) => {
    if (protocol === 'udp') {
      const socket = createSocket(family === 4 ? 'udp4' : 'udp6');
      socket.once('error', () => resolve(true));
      socket.bind(port, address, () => socket.close(() => resolve(false)));
    } else {
      const server = createServer();
      server.once('error', () => resolve(true));
      server.listen(port, address, () => server.close(() => resolve(false)));
    }
  });
}

/** A small SDP offer/answer from talkbus. */
export function talkbusSdp(address: string, port = 40000): string {
  const family = address.includes(':') ? 'IP6' : 'IP4';
  return [
    'v=0',
    `o=- 1 1 IN ${family} ${address}`,
    's=-',
    `c=IN ${family} ${address}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000',
    '',
  ].join('\r\n');
}
