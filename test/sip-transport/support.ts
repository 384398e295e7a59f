/**
 * Helpers of the transport suite: a self-signed certificate made with the `openssl` CLI, layers
 * on loopback with a recording user, request builders, and bounded waits for upcalls.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  SipRequest,
  SipTransportLayer,
  createResponse,
  type Clock,
  type InboundMessage,
  type SipParseError,
  type SipTransportLayerOptions,
  type TransportAddress,
  type TransportFailure,
  type TransportProtocol,
} from '@talkbus/sip';
import { freePort } from '../support/ports.ts';

/** PEM certificate and key for 127.0.0.1, ::1 and localhost. */
export interface TestCertificate {
  cert: string;
  key: string;
}

/** Makes a one-day self-signed EC certificate with IP SANs for both loopbacks. */
export function makeCertificate(): TestCertificate {
  const dir = mkdtempSync(path.join(tmpdir(), 'talkbus-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore', timeout: 10_000 },
    );
    return {
      cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(path.join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Records every upcall and lets a test wait (bounded) for the next one that matches. */
export class RecordingUser {
  readonly messages: InboundMessage[] = [];
  readonly malformed: { error: SipParseError; source: TransportAddress }[] = [];
  readonly closed: { connectionId: string; failure: TransportFailure | null }[] = [];
  /** Called on every inbound message (e.g. to answer requests). */
  onRequest: ((inbound: InboundMessage) => void) | undefined;
  readonly #waiters = new Set<() => void>();

  onMessage(inbound: InboundMessage): void {
    this.messages.push(inbound);
    if (inbound.message.kind === 'request') this.onRequest?.(inbound);
    this.#wake();
  }
  onMalformed(error: SipParseError, source: TransportAddress): void {
    this.malformed.push({ error, source });
    this.#wake();
  }
  onConnectionClosed(connectionId: string, failure: TransportFailure | null): void {
    this.closed.push({ connectionId, failure });
    this.#wake();
  }

  #wake(): void {
    for (const wake of this.#waiters) wake();
  }

  /** Resolves when `check` returns a value; rejects after `timeoutMs`. */
  waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 3000): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value === undefined) return;
        cleanup();
        resolve(value);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#waiters.delete(attempt);
      };
      this.#waiters.add(attempt);
      attempt();
    });
  }

  /** The next inbound message matching, counting from `from`. */
  message(
    what: string,
    match: (inbound: InboundMessage) => boolean,
    from = 0,
    timeoutMs?: number,
  ): Promise<InboundMessage> {
    return this.waitFor(what, () => this.messages.slice(from).find(match), timeoutMs);
  }
}

/** TLS options of layers that verify each other against `certificate` as their CA (verification stays on). */
export interface PeerTls {
  cert: string;
  key: string;
  ca: string;
}

/** A fresh self-signed certificate and the {@link PeerTls} options built on it. */
export function makePeerTls(): { certificate: TestCertificate; tls: PeerTls } {
  const certificate = makeCertificate();
  return { certificate, tls: { cert: certificate.cert, key: certificate.key, ca: certificate.cert } };
}

/** A started layer with its user. */
export interface TestLayer {
  layer: SipTransportLayer;
  user: RecordingUser;
  /** The bound address of a protocol. */
  address(protocol: TransportProtocol): TransportAddress;
}

/** Options of {@link startLayer}. */
export type LayerOptions = Partial<Omit<SipTransportLayerOptions, 'user' | 'listeners'>> & {
  ports?: Partial<Record<TransportProtocol, number>>;
  /** Every protocol on one free port (UDP and TCP side by side, as SIP peers bind them). */
  onePort?: boolean;
  clock?: Clock;
};

/** Starts a layer listening on `host` (port 0 unless given) for each protocol. */
export async function startLayer(
  protocols: TransportProtocol[],
  host: string,
  options: LayerOptions = {},
): Promise<TestLayer> {
  const user = new RecordingUser();
  const { ports, onePort, ...rest } = options;
  const shared = onePort ? await freePort() : undefined;
  const layer = new SipTransportLayer({
    ...rest,
    user,
    listeners: protocols.map((protocol) => ({ protocol, address: host, port: shared ?? ports?.[protocol] ?? 0 })),
  });
  await layer.start();
  return {
    layer,
    user,
    address(protocol) {
      const found = layer.listeners.find((l) => l.protocol === protocol);
      if (found === undefined) throw new Error(`no ${protocol} listener`);
      return found;
    },
  };
}

/** Two layers with the same protocols and options; `b` answers every request (see {@link autoAnswer}). */
export async function startPair(
  protocols: TransportProtocol[],
  host: string,
  options: LayerOptions = {},
): Promise<{ a: TestLayer; b: TestLayer }> {
  const a = await startLayer(protocols, host, options);
  const b = await startLayer(protocols, host, options);
  autoAnswer(b);
  return { a, b };
}

/** Makes `test` answer every request with `status` (default 200) at its response target. */
export function autoAnswer(test: TestLayer, status = 200): void {
  test.user.onRequest = (inbound) => {
    const request = inbound.message as SipRequest;
    if (request.method === 'ACK') return;
    const response = createResponse(request, status, { toTag: randomBytes(4).toString('hex') });
    if (response !== undefined)
      void test.layer.send(response, test.layer.responseTarget(request, inbound)).catch(() => undefined);
  };
}

/** An OPTIONS request with a placeholder Via (the transport fills it) and a unique Call-ID. */
export function optionsRequest(
  options: { body?: string; omit?: string; headers?: [string, string][] } = {},
): SipRequest {
  const callId = randomBytes(6).toString('hex');
  const headers: [string, string][] = [
    ['Via', `SIP/2.0/UDP placeholder.invalid;branch=z9hG4bK${randomBytes(6).toString('hex')}`],
    ['Max-Forwards', '70'],
    ['To', '<sip:bob@example.com>'],
    ['From', '<sip:alice@example.com>;tag=a1'],
    ['Call-ID', callId],
    ['CSeq', '1 OPTIONS'],
  ];
  const init: ConstructorParameters<typeof SipRequest>[0] = {
    method: 'OPTIONS',
    uri: 'sip:bob@example.com',
    headers: [...headers.filter(([name]) => name !== options.omit), ...(options.headers ?? [])],
  };
  if (options.body !== undefined) init.body = options.body;
  return new SipRequest(init);
}

/** True for a response to the request with this Call-ID. */
export const responseTo = (request: SipRequest, status?: number) => (inbound: InboundMessage) =>
  inbound.message.kind === 'response' &&
  inbound.message.callId === request.callId &&
  (status === undefined || inbound.message.status === status);

/** True for the request with this Call-ID. */
export const requestLike = (request: SipRequest) => (inbound: InboundMessage) =>
  inbound.message.kind === 'request' && inbound.message.callId === request.callId;
