/**
 * The `req` / `res` pair handed to applications for a request they must answer (drachtio-srf's
 * shape): {@link IncomingRequest} wraps the parsed request and its server transaction;
 * {@link ServerResponse} builds responses (§8.2.6) and sends them through the transaction.
 */
import type { SipRequest, SipResponse } from '../message/message.ts';
import { createResponse } from '../message/response.ts';
import { newTag } from '../transaction/server-transaction.ts';
import { TransactionError } from '../transaction/transaction-errors.ts';
import type { AnyServerTransaction } from '../transaction/transaction-user.ts';
import type { InboundMessage, TransportAddress } from '../transport/transport-types.ts';
import { SipError, UaErrorCode } from './sip-error.ts';

/** Extra headers, drachtio-style: `{ 'X-Foo': 'bar', Route: ['<sip:a;lr>', '<sip:b;lr>'] }`. */
export type HeaderList = Readonly<Record<string, string | readonly string[]>>;

/** The `[name, value]` pairs of a {@link HeaderList}, in order. */
export function headerPairs(headers: HeaderList | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (typeof value === 'string') out.push([name, value]);
    else for (const one of value) out.push([name, one]);
  }
  return out;
}

/** A request an application answers. */
export class IncomingRequest {
  /** The parsed request. */
  readonly message: SipRequest;
  /** Its server transaction. */
  readonly transaction: AnyServerTransaction;
  /** How it arrived. */
  readonly inbound: InboundMessage;
  readonly #abort = new AbortController();

  constructor(transaction: AnyServerTransaction, inbound: InboundMessage) {
    this.transaction = transaction;
    this.message = transaction.request;
    this.inbound = inbound;
  }

  /** The method. */
  get method(): string {
    return this.message.method;
  }

  /** The Request-URI as text. */
  get uri(): string {
    return this.message.requestUri;
  }

  /** The body as UTF-8 text ('' when none). */
  get body(): string {
    return this.message.body.toString('utf8');
  }

  /** The first value of a header (any spelling, compact forms too). */
  get(name: string): string | undefined {
    return this.message.headers.get(name);
  }

  /** Where it came from. */
  get source(): TransportAddress {
    return this.inbound.source;
  }

  /** Aborted when a CANCEL for this INVITE arrives (§9.2; the stack has already answered 487). */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** True once a CANCEL arrived. */
  get canceled(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Marks the request cancelled (called by the UA core on CANCEL). */
  markCanceled(): void {
    if (!this.#abort.signal.aborted)
      this.#abort.abort(new SipError(UaErrorCode.Canceled, 'CANCEL received', { status: 487 }));
  }
}

/** Options of {@link ServerResponse.send}. */
export interface ResponseOptions {
  /** Reason phrase; default the status' standard phrase. */
  reason?: string;
  /** Extra headers. */
  headers?: HeaderList;
  /** Body; give its type in `contentType` (or a Content-Type header). */
  body?: string | Buffer;
  /** Content-Type of the body, e.g. `application/sdp`. */
  contentType?: string;
  /**
   * A 101–199 response to an INVITE whose sender supports `100rel`: send it reliably (RFC 3262:
   * RSeq, `Require: 100rel`, retransmitted until the PRACK). Ignored otherwise. When the INVITE
   * requires `100rel` every such response is reliable anyway. Default false.
   */
  reliable?: boolean;
}

/** Options of the {@link ServerResponse} constructor (set by the layer that made the pair). */
export interface ServerResponseOptions {
  /** The To tag of every non-100 response; default the request's, or a new one (§8.2.6.2). */
  toTag?: string;
  /** Headers added to every response (e.g. Contact, Allow, Supported, Server). */
  defaultHeaders?: () => Array<[string, string]>;
  /** Sends a built response; default `transaction.respond`. May throw a {@link SipError}. */
  transmit?: (response: SipResponse, options: ResponseOptions) => void;
}

/** Builds and sends responses to one {@link IncomingRequest}. */
export class ServerResponse {
  /** The To tag used for responses that carry one. */
  readonly toTag: string;
  readonly #request: IncomingRequest;
  readonly #options: ServerResponseOptions;
  #last: SipResponse | undefined;

  constructor(request: IncomingRequest, options: ServerResponseOptions = {}) {
    this.#request = request;
    this.#options = options;
    this.toTag = options.toTag ?? request.message.to?.tag ?? newTag();
  }

  /** The last response sent. */
  get lastResponse(): SipResponse | undefined {
    return this.#last;
  }

  /** True once a final (≥ 200) response went out. */
  get finalSent(): boolean {
    return this.#last !== undefined && this.#last.status >= 200;
  }

  /**
   * Builds the response (§8.2.6: Via, From, To with {@link toTag}, Call-ID and CSeq copied) and
   * sends it.
   * @throws SipError `INVALID_STATE` after a final response, `INVALID_ARGUMENT` for a status outside 100..699
   */
  send(status: number, options: ResponseOptions = {}): SipResponse {
    if (!Number.isInteger(status) || status < 100 || status > 699)
      throw new SipError(UaErrorCode.InvalidArgument, `status ${status} is not 100..699`);
    if (this.finalSent)
      throw new SipError(UaErrorCode.InvalidState, `a final response (${this.#last!.status}) was sent`);
    const own = headerPairs(options.headers);
    const named = new Set(own.map(([name]) => name.toLowerCase()));
    // Application headers replace the defaults of the same name.
    const headers = [
      ...(this.#options.defaultHeaders?.() ?? []).filter(([name]) => !named.has(name.toLowerCase())),
      ...own,
    ];
    if (options.contentType !== undefined && options.body !== undefined)
      headers.push(['Content-Type', options.contentType]);
    const response = createResponse(this.#request.message, status, {
      toTag: this.toTag,
      reason: options.reason,
      headers,
      body: options.body,
    });
    if (response === undefined)
      throw new SipError(UaErrorCode.InvalidState, 'the request lacks the headers a response needs');
    try {
      const transmit = this.#options.transmit;
      if (transmit === undefined) this.#request.transaction.respond(response);
      else transmit(response, options);
    } catch (error) {
      if (error instanceof TransactionError)
        throw new SipError(UaErrorCode.InvalidState, error.message, { status, cause: error });
      throw error;
    }
    this.#last = response;
    return response;
  }
}
