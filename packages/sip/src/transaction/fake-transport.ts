/**
 * An in-memory transport for unit tests (STYLE §8; SIP.js `test/support/api/transport-fake.ts`):
 * it records what the layers above send (serialized, so every message is checked as bytes),
 * can fail sends, and injects inbound messages into its `TransportUser`. Not exported from the
 * package.
 */
import type { Clock } from '../clock.ts';
import type { SipMessage } from '../message/message.ts';
import { parseMessage } from '../message/parser.ts';
import { serializeMessage } from '../message/serializer.ts';
import {
  isReliable,
  type InboundMessage,
  type SendResult,
  type SendTarget,
  type TransportAddress,
  type TransportFailure,
  type TransportLayer,
  type TransportProtocol,
  type TransportUser,
} from '../transport/transport-types.ts';

/** One message the fake sent. */
export interface SentMessage {
  message: SipMessage;
  target: SendTarget;
  /** `clock.now()` when it was sent. */
  at: number;
  /** The serialized bytes, as text. */
  wire: string;
}

/** The error `send` rejects with: carries a {@link TransportFailure} as the contract says. */
export class FakeTransportError extends Error {
  override readonly name = 'TransportError';
  readonly failure: TransportFailure;
  constructor(failure: TransportFailure) {
    super(failure.message);
    this.failure = failure;
  }
}

/** Options of {@link FakeTransport.inject}. */
export interface InjectOptions {
  source?: Partial<TransportAddress>;
  connectionId?: string | null;
}

/** The fake. */
export class FakeTransport implements TransportLayer {
  readonly sent: SentMessage[] = [];
  user: TransportUser | undefined;
  readonly #clock: Clock;
  readonly protocol: TransportProtocol;
  #failures = 0;
  #failure: TransportFailure['code'] = 'SEND_FAILED';
  /** Connections retained now (by transactions), with their counts. */
  readonly retained = new Map<string, number>();

  /** @param protocol the protocol of the peer (and of injected messages) */
  constructor(clock: Clock, protocol: TransportProtocol = 'udp') {
    this.#clock = clock;
    this.protocol = protocol;
  }

  /** The local address used for everything. */
  get local(): TransportAddress {
    return { protocol: this.protocol, address: '192.0.2.1', port: 5060 };
  }

  /** The default peer. */
  get peer(): TransportAddress {
    return { protocol: this.protocol, address: '192.0.2.2', port: 5060 };
  }

  /** Makes the next `count` sends reject. */
  failNextSends(count = 1, code: TransportFailure['code'] = 'SEND_FAILED'): void {
    this.#failures = count;
    this.#failure = code;
  }

  send(message: SipMessage, target: SendTarget): Promise<SendResult> {
    const wire = serializeMessage(message).toString('latin1');
    if (this.#failures > 0) {
      this.#failures--;
      return Promise.reject(
        new FakeTransportError({
          code: this.#failure,
          message: 'fake send failure',
          destination: target.destination,
          connectionId: target.connectionId ?? null,
        }),
      );
    }
    this.sent.push({ message, target, at: this.#clock.now(), wire });
    const connectionId = target.connectionId ?? (isReliable(target.destination.protocol) ? 'conn-1' : null);
    return Promise.resolve({ local: this.local, destination: target.destination, connectionId });
  }

  retainConnection(connectionId: string): () => void {
    this.retained.set(connectionId, (this.retained.get(connectionId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.retained.get(connectionId) ?? 1) - 1;
      if (left === 0) this.retained.delete(connectionId);
      else this.retained.set(connectionId, left);
    };
  }

  localAddressFor(destination: TransportAddress): TransportAddress {
    return { ...this.local, protocol: destination.protocol };
  }

  responseTarget(_request: unknown, inbound: InboundMessage): SendTarget {
    return { destination: inbound.source, connectionId: inbound.connectionId };
  }

  /** Delivers a message (text is parsed as a datagram) to the user, as if it arrived from the peer. */
  inject(input: string | SipMessage, options: InjectOptions = {}): InboundMessage {
    const message = typeof input === 'string' ? parseMessage(Buffer.from(input, 'latin1')) : input;
    const inbound: InboundMessage = {
      message,
      source: { ...this.peer, ...options.source },
      local: this.local,
      connectionId:
        options.connectionId !== undefined ? options.connectionId : isReliable(this.protocol) ? 'conn-1' : null,
      receivedAt: this.#clock.now(),
    };
    this.user?.onMessage(inbound);
    return inbound;
  }

  /** Times (ms) at which messages matching `filter` were sent. */
  times(filter: (message: SipMessage) => boolean): number[] {
    return this.sent.filter((s) => filter(s.message)).map((s) => s.at);
  }

  /** Sent requests of a method. */
  requests(method: string): SipMessage[] {
    return this.sent.map((s) => s.message).filter((m) => m.kind === 'request' && m.method === method);
  }

  /** Sent responses with a status. */
  responses(status: number): SipMessage[] {
    return this.sent.map((s) => s.message).filter((m) => m.kind === 'response' && m.status === status);
  }
}

/** Lets pending promise callbacks (send results and rejections) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await Promise.resolve();
}
