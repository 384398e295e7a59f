/**
 * The UAC core's way of sending one request (RFC 3261 §8.1.2): locate the next hop
 * (RFC 3263), add a Via with a new branch (§8.1.1.7), run a client transaction, and on its
 * outcome either retry — 401/407 with credentials (§22.2, new CSeq and branch), the next RFC 3263
 * target after a timeout, transport error or 503 (RFC 3263 §4.3) — or report the final response.
 * One {@link OutgoingRequest} per request, with `cancel()` for INVITE (§9.1).
 */
import type { DigestClient } from '../auth/digest-client.ts';
import { SipHeaders, type HeaderField } from '../message/headers.ts';
import { SipRequest, SipResponse } from '../message/message.ts';
import { defaultReasonPhrase } from '../message/reason-phrases.ts';
import type { ClientTransactionUser } from '../transaction/client-transaction.ts';
import { InviteClientTransaction } from '../transaction/invite-client-transaction.ts';
import type { TransactionLayer } from '../transaction/transaction-layer.ts';
import type { ServerTarget } from '../transport/resolver.ts';
import type { Uri } from '../uri/uri.ts';
import type { FinalOutcome, OutgoingOptions, OutgoingRequest } from '../dialog/dialog-host.ts';
import { routeUri } from '../dialog/dialog-state.ts';

/** What the sender needs from the UA core. */
export interface SenderContext {
  readonly layer: TransactionLayer;
  /** RFC 3263 server location for a next-hop URI (rejects when nothing is found). */
  resolve(uri: Uri): Promise<ServerTarget[]>;
  /** Puts in the Via (new branch) and, when missing, Contact and User-Agent for this target. */
  prepare(request: SipRequest, target: ServerTarget): void;
  /** The core's digest client, if it has credentials. */
  readonly auth: DigestClient | undefined;
}

/** Most digest retries for one request (a second challenge for the same realm is a rejection anyway, §22.2). */
const MAX_AUTH_RETRIES = 2;

/** The first hop of an out-of-dialog or in-dialog request (§8.1.2): the first Route, else the Request-URI. */
export function nextHopOf(request: SipRequest): Uri {
  const route = request.headers.values('route')[0];
  return route === undefined ? request.uri : routeUri(route);
}

/** A copy of a request with CSeq + 1, for a failover attempt (a new transaction, RFC 3263 §4.3). */
function nextCopy(request: SipRequest): SipRequest {
  const copy = new SipRequest({
    method: request.method,
    uri: request.requestUri,
    headers: request.headers.clone(),
    body: request.body,
  });
  copy.headers.set('CSeq', `${request.cseq!.seq + 1} ${request.method}`);
  return copy;
}

/** Headers a local response copies from its request, in order (§8.2.6.2: every Via, the first of the others). */
const LOCAL_RESPONSE_HEADERS = ['via', 'from', 'to', 'call-id', 'cseq'] as const;

/**
 * A final response made here that the TU takes like a received one: 503 when no server was found
 * or the request could not be handed to a transport (RFC 3263 §4.3, §8.1.3.1), 487 when it was
 * canceled before it went out (§9.1). It copies Via, From, To, Call-ID and CSeq as §8.2.6.2
 * says, but unlike `createResponse` it does not need a Via: the Via comes with the target
 * (`prepare`), so a request that never reached one (nothing resolved, canceled while resolving,
 * `prepare` threw) has none. The response never goes on the wire. (Once the Via is in, the client
 * transaction makes its own 408/503, §8.1.3.1.)
 */
export function localResponse(request: SipRequest, status: number, reason?: string): SipResponse {
  const fields: HeaderField[] = [];
  for (const name of LOCAL_RESPONSE_HEADERS) {
    const copied = request.headers.getFields(name);
    fields.push(...(name === 'via' ? copied : copied.slice(0, 1)));
  }
  return new SipResponse({
    status,
    reason: reason ?? defaultReasonPhrase(status),
    headers: new SipHeaders(fields),
  });
}

interface Attempt {
  response: SipResponse;
  origin: FinalOutcome['origin'];
}

/** One request and its retries. */
class Outgoing implements OutgoingRequest {
  readonly final: Promise<FinalOutcome>;
  readonly #context: SenderContext;
  readonly #options: OutgoingOptions;
  #invite: InviteClientTransaction | undefined;
  #canceled: { reason: string | undefined } | undefined;
  #finished = false;

  constructor(context: SenderContext, request: SipRequest, options: OutgoingOptions) {
    this.#context = context;
    this.#options = options;
    this.final = this.#run(request).finally(() => (this.#finished = true));
  }

  cancel(reason?: string): void {
    if (this.#finished || this.#canceled !== undefined) return;
    this.#canceled = { reason };
    if (this.#invite !== undefined) this.#context.layer.cancel(this.#invite, { onResponse: () => undefined }, reason);
  }

  async #run(first: SipRequest): Promise<FinalOutcome> {
    let request = first;
    let targets: ServerTarget[];
    try {
      targets = await this.#context.resolve(this.#options.nextHop ?? nextHopOf(request));
      if (targets.length === 0) throw new Error('no target');
    } catch {
      return {
        response: localResponse(request, 503, 'Service Unavailable (no route to the next hop)'),
        origin: 'transport',
        request,
      };
    }
    const auth = this.#options.auth ?? (this.#options.authenticate === false ? undefined : this.#context.auth);
    let index = 0;
    let authRetries = 0;
    for (;;) {
      if (this.#canceled !== undefined) return { response: localResponse(request, 487), origin: 'canceled', request };
      const attempt = await this.#attempt(request, targets[index]!);
      const status = attempt.response.status;
      const retryable = attempt.origin !== undefined || status === 503;
      // RFC 3263 §4.3: "If a failure occurs … a timeout, or a 503 … the client SHOULD try the
      // next element in the list" — a new transaction with a new branch.
      if (retryable && this.#canceled === undefined && index + 1 < targets.length) {
        index++;
        request = nextCopy(request);
        this.#options.onResend?.(request);
        continue;
      }
      // §22.2 / §22.3: answer the challenge with a copy carrying credentials (CSeq + 1).
      if (
        (status === 401 || status === 407) &&
        auth !== undefined &&
        authRetries < MAX_AUTH_RETRIES &&
        this.#canceled === undefined
      ) {
        const retry = auth.handleChallenge(request, attempt.response);
        if (retry.ok) {
          authRetries++;
          request = retry.request;
          this.#options.onResend?.(request);
          continue;
        }
      }
      return { response: attempt.response, origin: attempt.origin, request };
    }
  }

  #attempt(request: SipRequest, target: ServerTarget): Promise<Attempt> {
    return new Promise((resolve) => {
      let done = false;
      const settle = (response: SipResponse, origin: FinalOutcome['origin']) => {
        if (done) return;
        done = true;
        resolve({ response, origin });
      };
      const options = this.#options;
      const user: ClientTransactionUser = {
        onResponse: (response) => {
          if (response.status < 200) {
            options.onProvisional?.(response, request);
            return;
          }
          // RFC 6026: every 2xx to an INVITE comes up (retransmissions and forks): ACK each.
          if (response.status < 300 && request.method === 'INVITE') options.onSuccess?.(response, request);
          settle(response, undefined);
        },
        onTimeout: (response) => settle(response, 'timeout'),
        onTransportError: (response) => settle(response, 'transport'),
      };
      try {
        this.#context.prepare(request, target);
        const transaction = this.#context.layer.sendRequest(
          request,
          { destination: target, serverName: target.serverName },
          user,
        );
        if (transaction instanceof InviteClientTransaction) {
          this.#invite = transaction;
          if (this.#canceled !== undefined)
            this.#context.layer.cancel(transaction, { onResponse: () => undefined }, this.#canceled.reason);
        }
      } catch {
        settle(localResponse(request, 503, 'Service Unavailable (cannot send)'), 'transport');
      }
    });
  }
}

/** Sends `request` (see the file comment). */
export function sendRequest(
  context: SenderContext,
  request: SipRequest,
  options: OutgoingOptions = {},
): OutgoingRequest {
  return new Outgoing(context, request, options);
}
