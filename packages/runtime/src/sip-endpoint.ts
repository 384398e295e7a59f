/**
 * The node-local SIP endpoint (ARCHITECTURE.md "Embedded and cluster"): one set of listeners per
 * node (UDP, TCP, TLS when a certificate is configured, WS) on `sip.listenAddress`, with one
 * transaction layer over them, shared by every service of the node that speaks SIP
 * (registrar-client now, session later). Acquired and released with a reference count, so it
 * starts with the first SIP service and stops with the last.
 *
 * Each stack carries the DNS resolver its services locate servers with (RFC 3263): the
 * `sip.dnsServers` of the config, else the system's.
 *
 * An account whose provisioning names its own local IP/port (guide §4.2.2) gets a stack of its
 * own there ({@link SipEndpoint.openAccountStack}), also reference counted by address.
 *
 * Incoming requests go to handlers registered with {@link SipStack.onRequest}, asked in order;
 * the first that returns true owns the request. Nobody takes it: OPTIONS gets 200 (a keep-alive
 * or capability probe), an in-dialog request 481, anything else 480.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import {
  SipTransportLayer,
  TransactionLayer,
  systemClock,
  systemDnsResolver,
  type AnyServerTransaction,
  type Clock,
  type DnsResolver,
  type InboundMessage,
  type ListenerOptions,
  type SipRequest,
  type TlsOptions,
  type TransactionUser,
  type TransportAddress,
  type TransportLogger,
} from '@talkbus/sip';
import { ErrorCode, TalkbusError } from '@talkbus/contracts';
import type { SipConfig, SipListenerProtocol, TalkbusConfig } from './config.ts';

/**
 * Someone who takes incoming requests: returns true when it answered (or will answer) the
 * request's server transaction.
 */
export type IncomingRequestHandler = (
  request: SipRequest,
  transaction: AnyServerTransaction,
  inbound: InboundMessage,
) => boolean;

/** What a SIP stack logs through (a Moleculer logger fits). */
export interface SipEndpointLogger extends TransportLogger {
  info?(message: string, details?: Record<string, unknown>): void;
  error?(message: string, details?: Record<string, unknown>): void;
}

/** Options of {@link SipEndpoint.acquire}. */
export interface SipEndpointOptions {
  /** Time for transactions and transports; default the system clock. */
  clock?: Clock;
  logger?: SipEndpointLogger;
}

/** One transport layer + transaction layer + request routing. */
export class SipStack {
  readonly transport: SipTransportLayer;
  readonly transactions: TransactionLayer;
  readonly clock: Clock;
  /** The User-Agent header value (`sip.userAgent`). */
  readonly userAgent: string;
  /**
   * DNS for RFC 3263 server location (`locateServers(uri, { dns })`) by the services on this
   * stack: the `sip.dnsServers`, or the system's resolver when that list is empty.
   */
  readonly dns: DnsResolver;
  readonly #handlers: IncomingRequestHandler[] = [];
  readonly #logger: SipEndpointLogger;

  /** @internal made by {@link SipEndpoint} */
  constructor(options: {
    listeners: ListenerOptions[];
    tls: TlsOptions | undefined;
    sip: SipConfig;
    clock: Clock;
    logger: SipEndpointLogger;
  }) {
    this.clock = options.clock;
    this.userAgent = options.sip.userAgent;
    this.dns = systemDnsResolver({ servers: options.sip.dnsServers });
    this.#logger = options.logger;
    const user: TransactionUser = {
      onRequest: (request, transaction, inbound) => this.#route(request, transaction, inbound),
      onAck: () => undefined,
      onStrayResponse: () => undefined,
      onError: (error) => this.#logger.error?.('SIP handler failed', { error: (error as Error)?.message }),
    };
    this.transactions = new TransactionLayer({
      user,
      clock: options.clock,
      timers: { T1: options.sip.timers.t1, T2: options.sip.timers.t2, T4: options.sip.timers.t4 },
    });
    this.transport = new SipTransportLayer({
      listeners: options.listeners,
      ...(options.tls ? { tls: options.tls } : {}),
      clock: options.clock,
      user: this.transactions,
      logger: options.logger,
    });
    this.transactions.setTransport(this.transport);
  }

  /** The bound listeners (actual ports when 0 was asked). */
  get listeners(): TransportAddress[] {
    return this.transport.listeners;
  }

  /** Adds a handler of incoming requests; returns the function that removes it. */
  onRequest(handler: IncomingRequestHandler): () => void {
    this.#handlers.push(handler);
    return () => {
      const at = this.#handlers.indexOf(handler);
      if (at >= 0) this.#handlers.splice(at, 1);
    };
  }

  #route(request: SipRequest, transaction: AnyServerTransaction, inbound: InboundMessage): void {
    for (const handler of [...this.#handlers]) {
      if (handler(request, transaction, inbound)) return;
    }
    if (request.method === 'OPTIONS')
      transaction.reply(200, { headers: [['Allow', 'REGISTER, SUBSCRIBE, NOTIFY, OPTIONS']] });
    // §12.2.2: a request inside a dialog we do not know gets 481.
    else if (request.to?.tag) transaction.reply(481);
    else transaction.reply(480, { reason: 'No Service Here' });
  }
}

/** A TLS option set from the `sip.tls*` files, or undefined when no certificate is configured. */
function tlsFrom(sip: SipConfig): TlsOptions | undefined {
  if (!sip.tlsCert && !sip.tlsCa) return sip.tlsVerify ? undefined : { rejectUnauthorized: false };
  const read = (file: string, key: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new TalkbusError(
        ErrorCode.INVALID_PARAMETER,
        `cannot read sip.${key} ${file}: ${(error as Error).message}`,
      );
    }
  };
  return {
    ...(sip.tlsCert ? { cert: read(sip.tlsCert, 'tlsCert') } : {}),
    ...(sip.tlsKey ? { key: read(sip.tlsKey, 'tlsKey') } : {}),
    ...(sip.tlsCa ? { ca: read(sip.tlsCa, 'tlsCa') } : {}),
    rejectUnauthorized: sip.tlsVerify,
  };
}

/** The node's default listeners from the config. */
function defaultListeners(sip: SipConfig): ListenerOptions[] {
  const ports: Record<SipListenerProtocol, number> = {
    udp: sip.udpPort,
    tcp: sip.tcpPort,
    tls: sip.tlsPort,
    ws: sip.wsPort,
  };
  return sip.transports
    .filter((protocol) => protocol !== 'tls' || sip.tlsCert !== '')
    .map((protocol) => listener(protocol, sip.listenAddress, ports[protocol], sip.advertisedAddress));
}

function listener(protocol: SipListenerProtocol, address: string, port: number, advertised: string): ListenerOptions {
  return { protocol, address, port, ...(advertised ? { advertisedHost: advertised } : {}) };
}

/** Whether `address` is a wildcard or one of this host's interface addresses. */
export function isLocalAddress(address: string): boolean {
  if (address === '0.0.0.0' || address === '::') return true;
  for (const entries of Object.values(networkInterfaces()))
    for (const entry of entries ?? []) if (entry.address === address) return true;
  return false;
}

/** Turns a bind failure into the error the guide's §4.2.2 note asks for (port taken, address not local). */
function bindFailure(error: unknown, where: string): TalkbusError {
  const text = `${(error as Error)?.message ?? error} ${((error as Error)?.cause as Error | undefined)?.message ?? ''}`;
  const code = ((error as Error)?.cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE' || /EADDRINUSE/.test(text))
    return new TalkbusError(
      ErrorCode.SIP_PORT_IN_USE,
      `SIP port ${where} is already in use`,
      { where },
      { cause: error },
    );
  if (code === 'EADDRNOTAVAIL' || /EADDRNOTAVAIL/.test(text))
    return new TalkbusError(ErrorCode.SIP_ADDRESS_NOT_LOCAL, `${where} is not an address of this host`, { where });
  return new TalkbusError(
    ErrorCode.INTERNAL,
    `cannot bind SIP listeners at ${where}: ${text.trim()}`,
    { where },
    { cause: error },
  );
}

interface AccountStackEntry {
  stack: SipStack;
  users: number;
}

const endpoints = new Map<string, { endpoint: Promise<SipEndpoint>; users: number }>();

/** The node's SIP endpoint. Get it with {@link SipEndpoint.acquire}; give it back with `release`. */
export class SipEndpoint {
  /** The shared stack on the node's default listeners. */
  readonly stack: SipStack;
  readonly #config: TalkbusConfig;
  readonly #options: SipEndpointOptions;
  readonly #accountStacks = new Map<string, Promise<AccountStackEntry>>();

  private constructor(config: TalkbusConfig, options: SipEndpointOptions, stack: SipStack) {
    this.#config = config;
    this.#options = options;
    this.stack = stack;
  }

  /**
   * The endpoint of the node `config.nodeID`, started on first use (one per node per process;
   * tests running several nodes in one process get one each).
   * @throws TalkbusError `SIP_PORT_IN_USE` / `SIP_ADDRESS_NOT_LOCAL` when a listener cannot bind
   */
  static async acquire(config: TalkbusConfig, options: SipEndpointOptions = {}): Promise<SipEndpoint> {
    const key = config.nodeID;
    let entry = endpoints.get(key);
    if (!entry) {
      const starting = SipEndpoint.#start(config, options);
      entry = { endpoint: starting, users: 0 };
      endpoints.set(key, entry);
      starting.catch(() => {
        if (endpoints.get(key) === entry) endpoints.delete(key);
      });
    }
    entry.users++;
    try {
      return await entry.endpoint;
    } catch (error) {
      entry.users--;
      throw error;
    }
  }

  static async #start(config: TalkbusConfig, options: SipEndpointOptions): Promise<SipEndpoint> {
    const listeners = defaultListeners(config.sip);
    const stack = new SipStack({
      listeners,
      tls: tlsFrom(config.sip),
      sip: config.sip,
      clock: options.clock ?? systemClock,
      logger: options.logger ?? {},
    });
    if (!isLocalAddress(config.sip.listenAddress))
      throw new TalkbusError(
        ErrorCode.SIP_ADDRESS_NOT_LOCAL,
        `sip.listenAddress ${config.sip.listenAddress} is not an address of this host`,
      );
    try {
      await stack.transport.start();
    } catch (error) {
      throw bindFailure(
        error,
        `${config.sip.listenAddress} (${listeners.map((l) => `${l.protocol}:${l.port}`).join(', ')})`,
      );
    }
    options.logger?.info?.('SIP endpoint listening', {
      listeners: stack.listeners.map((l) => `${l.protocol}:${l.address}:${l.port}`).join(' '),
    });
    return new SipEndpoint(config, options, stack);
  }

  /** Gives the endpoint back; the last user stops it (listeners closed, transactions dropped). */
  async release(): Promise<void> {
    const key = this.#config.nodeID;
    const entry = endpoints.get(key);
    if (!entry || (await entry.endpoint.catch(() => undefined)) !== this) return;
    entry.users--;
    if (entry.users > 0) return;
    endpoints.delete(key);
    const stacks = await Promise.allSettled([...this.#accountStacks.values()]);
    this.#accountStacks.clear();
    for (const result of stacks) if (result.status === 'fulfilled') await closeStack(result.value.stack);
    await closeStack(this.stack);
  }

  /**
   * A stack on the account's own local address (guide §4.2.2: `localIp`, `localPort`), with UDP
   * and TCP listeners there (port 0: ephemeral). Accounts naming the same address share it.
   * @throws TalkbusError `SIP_ADDRESS_NOT_LOCAL`, `SIP_PORT_IN_USE`
   */
  async openAccountStack(local: { localIp: string; localPort: number }): Promise<SipStack> {
    const address = local.localIp || this.#config.sip.listenAddress;
    const key = `${address}|${local.localPort}`;
    let pending = this.#accountStacks.get(key);
    if (!pending || local.localPort === 0) {
      if (!isLocalAddress(address))
        throw new TalkbusError(ErrorCode.SIP_ADDRESS_NOT_LOCAL, `local IP ${address} is not an address of this host`, {
          localIp: address,
        });
      pending = this.#startAccountStack(address, local.localPort);
      const mapKey = local.localPort === 0 ? `${key}|${Math.random()}` : key;
      this.#accountStacks.set(mapKey, pending);
      pending.catch(() => this.#accountStacks.delete(mapKey));
    }
    const entry = await pending;
    entry.users++;
    return entry.stack;
  }

  /** Gives back a stack from {@link openAccountStack}; its last user closes its listeners. */
  async closeAccountStack(stack: SipStack): Promise<void> {
    for (const [key, pending] of this.#accountStacks) {
      const entry = await pending.catch(() => undefined);
      if (entry?.stack !== stack) continue;
      entry.users--;
      if (entry.users <= 0) {
        this.#accountStacks.delete(key);
        await closeStack(stack);
      }
      return;
    }
  }

  async #startAccountStack(address: string, port: number): Promise<AccountStackEntry> {
    const sip = this.#config.sip;
    const stack = new SipStack({
      listeners: [
        listener('udp', address, port, sip.advertisedAddress),
        listener('tcp', address, port, sip.advertisedAddress),
      ],
      tls: tlsFrom(sip),
      sip,
      clock: this.#options.clock ?? systemClock,
      logger: this.#options.logger ?? {},
    });
    try {
      await stack.transport.start();
    } catch (error) {
      throw bindFailure(error, `${address}:${port}`);
    }
    // UDP and TCP share the port number: with port 0 the TCP listener got its own; fine for Contact.
    return { stack, users: 0 };
  }
}

async function closeStack(stack: SipStack): Promise<void> {
  stack.transactions.close();
  await stack.transport.stop();
}
