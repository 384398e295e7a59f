/**
 * Test support (not exported): an in-memory network of transports on one `SimulatedClock`
 * (STYLE §8: fakes at unit level only). Every message is serialized and parsed again, requests
 * are validated as the real transport does (answering 400/416/505 itself), and rules can drop
 * chosen messages to exercise retransmissions. `Peer` is a scripted endpoint for tests that
 * play the far side by hand (forking, challenges, redirects).
 */
import { SimulatedClock } from '../clock.ts';
import { SipParseError } from '../errors.ts';
import type { SipMessage, SipRequest } from '../message/message.ts';
import { parseMessage } from '../message/parser.ts';
import { createResponse, type CreateResponseOptions } from '../message/response.ts';
import { serializeMessage } from '../message/serializer.ts';
import { validateRequest } from '../message/validate.ts';
import type {
  InboundMessage,
  SendResult,
  SendTarget,
  TransportAddress,
  TransportLayer,
  TransportProtocol,
  TransportUser,
} from '../transport/transport-types.ts';
import type { ServerTarget } from '../transport/resolver.ts';
import type { Uri } from '../uri/uri.ts';
import { SipUri } from '../uri/sip-uri.ts';

/** One delivered (or dropped) message. */
export interface Delivery {
  from: TransportAddress;
  to: TransportAddress;
  message: SipMessage;
  dropped: boolean;
  /** Clock time of sending. */
  at: number;
}

/** Lets queued deliveries and promise callbacks run (no real time passes). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** The network. */
export class MemoryNetwork {
  readonly clock = new SimulatedClock();
  readonly log: Delivery[] = [];
  readonly #nodes = new Map<string, MemoryTransport>();
  readonly #rules: Array<{ match: (message: SipMessage) => boolean; left: number }> = [];

  /** A transport at `address:port`. */
  transport(address: string, port = 5060): MemoryTransport {
    const transport = new MemoryTransport(this, address, port);
    this.#nodes.set(`${address}:${port}`, transport);
    return transport;
  }

  /** A scripted endpoint at `address:port`. */
  peer(address: string, port = 5060): Peer {
    return new Peer(this.transport(address, port));
  }

  /** Drops the next `count` messages that match. */
  drop(match: (message: SipMessage) => boolean, count = 1): void {
    this.#rules.push({ match, left: count });
  }

  /** Resolves a sip URI's host:port to a target on this network (RFC 3263 §4.2 numeric case). */
  readonly resolve = (uri: Uri): Promise<ServerTarget[]> => {
    if (!(uri instanceof SipUri)) return Promise.reject(new Error('not a sip URI'));
    const protocol = (uri.transport ?? 'udp') as TransportProtocol;
    return Promise.resolve([
      { protocol, address: uri.host.replace(/^\[|\]$/g, ''), port: uri.port ?? 5060, serverName: uri.host },
    ]);
  };

  /** Advances the clock in steps, letting messages flow between steps. */
  async run(ms: number, step = 10): Promise<void> {
    await settle();
    for (let elapsed = 0; elapsed < ms; elapsed += step) {
      this.clock.advance(Math.min(step, ms - elapsed));
      await settle(4);
    }
    await settle();
  }

  /** Messages of a method / status seen on the wire (not dropped). */
  requests(method: string, to?: string): SipRequest[] {
    return this.log
      .filter(
        (d) =>
          !d.dropped &&
          d.message.kind === 'request' &&
          d.message.method === method &&
          (to === undefined || d.to.address === to),
      )
      .map((d) => d.message as SipRequest);
  }

  /** Statuses of responses seen on the wire, in order. */
  statuses(method?: string): number[] {
    return this.log
      .filter(
        (d) =>
          !d.dropped && d.message.kind === 'response' && (method === undefined || d.message.cseq?.method === method),
      )
      .map((d) => (d.message.kind === 'response' ? d.message.status : 0));
  }

  /** Carries bytes from one address to another (what `MemoryTransport.send` uses; tests may send raw bytes). */
  deliver(from: TransportAddress, to: TransportAddress, bytes: Buffer): void {
    let message: SipMessage | undefined;
    try {
      message = parseMessage(bytes);
    } catch {
      // garbage still travels (the receiver must cope); it is neither logged nor matched by rules
    }
    const rule = message === undefined ? undefined : this.#rules.find((r) => r.left > 0 && r.match(message));
    if (rule !== undefined) rule.left--;
    if (message !== undefined) this.log.push({ from, to, message, dropped: rule !== undefined, at: this.clock.now() });
    if (rule !== undefined) return;
    const node = this.#nodes.get(`${to.address}:${to.port}`);
    if (node === undefined) return;
    setImmediate(() => node.receive(bytes, from));
  }
}

/** One in-memory transport (UDP-like: unreliable, no connections). */
export class MemoryTransport implements TransportLayer {
  user: TransportUser | undefined;
  readonly #network: MemoryNetwork;
  readonly address: string;
  readonly port: number;

  constructor(network: MemoryNetwork, address: string, port: number) {
    this.#network = network;
    this.address = address;
    this.port = port;
  }

  setUser(user: TransportUser): void {
    this.user = user;
  }

  get local(): TransportAddress {
    return { protocol: 'udp', address: this.address, port: this.port };
  }

  send(message: SipMessage, target: SendTarget): Promise<SendResult> {
    const local = { ...this.local, protocol: target.destination.protocol };
    this.#network.deliver(local, target.destination, serializeMessage(message));
    return Promise.resolve({ local, destination: target.destination, connectionId: null });
  }

  localAddressFor(destination: TransportAddress): TransportAddress {
    return { ...this.local, protocol: destination.protocol };
  }

  responseTarget(_request: SipRequest, inbound: InboundMessage): SendTarget {
    return { destination: inbound.source };
  }

  /** @internal A datagram arrived: parse, validate (answering errors like the real transport), deliver. */
  receive(bytes: Buffer, source: TransportAddress): void {
    let message: SipMessage;
    try {
      message = parseMessage(bytes);
      if (message.kind === 'request') validateRequest(message);
    } catch (error) {
      if (error instanceof SipParseError && error.status !== undefined && error.headers !== undefined) {
        const answer = createResponse({ headers: error.headers }, error.status, {
          toTag: 'err',
          reason: error.reasonPhrase,
        });
        if (answer !== undefined) void this.send(answer, { destination: source });
      }
      return;
    }
    this.user?.onMessage({
      message,
      source,
      local: this.local,
      connectionId: null,
      receivedAt: this.#network.clock.now(),
    });
  }
}

/** A scripted endpoint: records what it gets, sends what the test builds. */
export class Peer {
  readonly transport: MemoryTransport;
  readonly received: Array<{ message: SipMessage; source: TransportAddress }> = [];

  constructor(transport: MemoryTransport) {
    this.transport = transport;
    transport.setUser({
      onMessage: (inbound) => this.received.push({ message: inbound.message, source: inbound.source }),
    });
  }

  /** Requests received, of a method. */
  requests(method: string): SipRequest[] {
    return this.received.flatMap(({ message }) =>
      message.kind === 'request' && message.method === method ? [message] : [],
    );
  }

  /** The last request of a method (throws if none: a test failure). */
  last(method: string): SipRequest {
    const found = this.requests(method).at(-1);
    if (found === undefined) throw new Error(`peer got no ${method}`);
    return found;
  }

  /** Sends a message to an address. */
  send(message: SipMessage, to: TransportAddress): void {
    void this.transport.send(message, { destination: to });
  }

  /** Answers a request it received (to its source, like §18.2.2 with rport). */
  reply(request: SipRequest, status: number, options: CreateResponseOptions = {}): void {
    const source = this.received.find((r) => r.message === request)?.source;
    if (source === undefined) throw new Error('not a request this peer received');
    this.send(createResponse(request, status, options)!, source);
  }
}
