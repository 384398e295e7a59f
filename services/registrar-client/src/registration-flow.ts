/**
 * The SIP side of one account's registration (RFC 3261 §10.2): builds REGISTER requests, sends
 * them as non-INVITE client transactions on the account's stack, answers digest challenges
 * (§22.2) through the account's `DigestClient`, classifies every answer for the actor's table,
 * and sends keep-alives on the registration's flow. It decides nothing: the actor does.
 */
import { randomBytes } from 'node:crypto';
import {
  DigestClient,
  SipRequest,
  createBranch,
  formatVia,
  parseUri,
  uriEquals,
  type ClientTransactionUser,
  type ServerTarget,
  type SipResponse,
  type TransportAddress,
  type Uri,
} from '@talkbus/sip';
import type { SipStack } from '@talkbus/runtime';
import type { AccountSip } from './account-sip.ts';
import { resolveTargets } from './account-sip.ts';
import type { AccountEvent, RegisterOutcome } from './account-types.ts';
import type { Limiter } from './limiter.ts';

/** Statuses worth retrying later (RFC 3261 §21: 408, 480, 5xx except 501/505). */
function retryable(status: number): boolean {
  return status === 408 || status === 480 || (status >= 500 && status < 600 && status !== 501 && status !== 505);
}

function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Options of {@link RegistrationFlow}. */
export interface RegistrationFlowOptions {
  account: string;
  sip: AccountSip;
  stack: SipStack;
  /** RFC 5626 `+sip.instance` (`urn:uuid:…`), stable per account. */
  instanceId: string;
  /** Where answers go (the actor's mailbox). */
  post: (event: AccountEvent) => void;
  /** Node-wide bound on REGISTER transactions in flight. */
  limiter: Limiter;
}

/** One account's REGISTER sender. */
export class RegistrationFlow {
  readonly digest: DigestClient | null;
  readonly #options: RegistrationFlowOptions;
  #callId = '';
  #cseq = 0;
  #target: ServerTarget | null = null;
  #registrarUri: string;
  #nextHop: string;
  #contactUri: Uri | null = null;
  #contact = '';
  #disposed = false;
  /** A STUN keep-alive is in flight (its retransmissions keep the NAT binding meanwhile). */
  #probing = false;
  /** Our address as the next hop saw it in the last STUN answer, for that next hop (RFC 5626 §4.4.2). */
  #mapped: { hop: string; address: TransportAddress } | null = null;

  constructor(options: RegistrationFlowOptions) {
    this.#options = options;
    this.#registrarUri = options.sip.registrarUri;
    this.#nextHop = options.sip.nextHop;
    this.digest = options.sip.credentials ? new DigestClient({ credentials: options.sip.credentials }) : null;
  }

  /** Our Contact value as last sent (`<sip:user@host:port;…>` plus outbound parameters). */
  get contact(): string {
    return this.#contact;
  }

  /** The resolved next hop (for the subscription and keep-alives), once a REGISTER went out. */
  get target(): ServerTarget | null {
    return this.#target;
  }

  /** Where later REGISTERs go after a 3xx (§8.1.3.4). */
  retarget(target: string): void {
    this.#registrarUri = target.replace(/^<|>$/g, '');
    this.#nextHop = this.#registrarUri;
    this.#target = null;
  }

  /** Sends REGISTER number `attempt` asking `expires` seconds; the outcome is posted as an `answer`. */
  register(attempt: number, expires: number, fresh: boolean): void {
    if (fresh) {
      // §10.2.4: one Call-ID for all registrations of this login; CSeq grows by one each time.
      this.#callId = `${randomBytes(12).toString('hex')}@talkbus`;
      this.#cseq = 0;
      this.#target = null;
      this.#mapped = null;
      this.#registrarUri = this.#options.sip.registrarUri;
      this.#nextHop = this.#options.sip.nextHop;
    }
    const answer = (outcome: RegisterOutcome) => {
      if (!this.#disposed) this.#options.post({ type: 'answer', attempt, outcome });
    };
    void this.#send(expires, answer).catch((error: unknown) =>
      answer({ kind: 'unsent', reason: (error as Error)?.message ?? String(error) }),
    );
  }

  /**
   * A keep-alive on the registration's flow (RFC 5626 §4.4). Over TCP/TLS/WS: the transport's
   * double-CRLF ping on the connection the REGISTER used; no CRLF pong within 10 s (or the
   * connection gone) means the flow failed (§4.4.1). Over UDP with outbound: a STUN Binding
   * request to the next hop (§4.4.2); no response within the RFC 5389 schedule, or a mapped
   * address other than the last one (the NAT rebound), means the flow failed. Over UDP without
   * outbound the next hop is not known to answer STUN on its SIP port (§8 forbids sending it
   * then), so an OPTIONS stays the probe: no answer = flow failed. A failure → `keepAliveFailed`
   * (the actor re-registers).
   */
  keepAlive(): void {
    const target = this.#target;
    if (!target || this.#disposed) return;
    const fail = (reason: string) => {
      if (!this.#disposed) this.#options.post({ type: 'keepAliveFailed', reason });
    };
    if (target.protocol === 'udp' && this.#options.sip.outbound) return this.#stunKeepAlive(target, fail);
    if (target.protocol !== 'udp') {
      this.#options.stack.transport
        .sendKeepAlive({ destination: target, serverName: target.serverName })
        .catch((error: unknown) => fail(`keep-alive failed: ${(error as Error)?.message ?? String(error)}`));
      return;
    }
    try {
      const request = this.#request(
        'OPTIONS',
        this.#registrarUri,
        `${randomBytes(8).toString('hex')}@talkbus`,
        1,
        target,
      );
      this.#options.stack.transactions.sendRequest(
        request,
        { destination: target },
        {
          onResponse: () => undefined,
          onTimeout: () => fail('keep-alive timed out'),
          onTransportError: (_response, error) => fail(`keep-alive transport error: ${error.message}`),
        },
      );
    } catch (error) {
      fail((error as Error).message);
    }
  }

  /**
   * RFC 5626 §4.4.2 over UDP. One at a time: a keep-alive whose retransmissions are still going
   * (39.5 s by default, longer than the usual 30 s period) already keeps the NAT binding.
   */
  #stunKeepAlive(target: ServerTarget, fail: (reason: string) => void): void {
    if (this.#probing) return;
    this.#probing = true;
    const hop = `${target.address}:${target.port}`;
    this.#options.stack.transport
      .sendKeepAlive({ destination: target })
      .then(
        ({ mappedAddress }) => {
          if (mappedAddress === undefined) return;
          const last = this.#mapped?.hop === hop ? this.#mapped.address : undefined;
          this.#mapped = { hop, address: mappedAddress };
          // §4.4.2: "If the XOR-MAPPED-ADDRESS in the STUN Binding Response changes, the UA MUST
          // treat this event as a failure on the flow".
          if (last !== undefined && (last.address !== mappedAddress.address || last.port !== mappedAddress.port))
            fail(
              `mapped address changed from ${last.address}:${last.port} to ${mappedAddress.address}:${mappedAddress.port} (RFC 5626 §4.4.2)`,
            );
        },
        (error: unknown) => fail(`keep-alive failed: ${(error as Error)?.message ?? String(error)}`),
      )
      .finally(() => {
        this.#probing = false;
      });
  }

  /** Stops reporting; transactions in flight finish on their own timers. */
  dispose(): void {
    this.#disposed = true;
  }

  async #send(expires: number, answer: (outcome: RegisterOutcome) => void): Promise<void> {
    const sip = this.#options.sip;
    if (!this.#target) {
      try {
        const [first] = await resolveTargets(this.#nextHop, sip.transport, this.#options.stack.dns);
        if (!first) throw new Error(`no ${sip.transport} target for ${this.#nextHop}`);
        this.#target = first;
      } catch (error) {
        // RFC 3263 §4.3 / §8.1.3.1: no usable target is treated as a 503.
        answer({ kind: 'retryLater', status: 503, reason: (error as Error).message, retryAfter: null });
        return;
      }
    }
    const target = this.#target;
    const release = await this.#options.limiter.acquire();
    if (this.#disposed) return release();
    let request: SipRequest;
    try {
      request = this.#request('REGISTER', this.#registrarUri, this.#callId, ++this.#cseq, target);
      request.headers.append('Expires', String(expires));
      this.digest?.authorize(request);
    } catch (error) {
      release();
      throw error;
    }
    const user: ClientTransactionUser = {
      onResponse: (response) => {
        if (response.status < 200) return;
        release();
        answer(this.#classify(request, response, expires));
      },
      onTimeout: () => {
        release();
        this.#target = null;
        answer({ kind: 'retryLater', status: 408, reason: 'Request Timeout', retryAfter: null });
      },
      onTransportError: (_response, error) => {
        release();
        this.#target = null;
        answer({ kind: 'retryLater', status: 503, reason: `transport error: ${error.message}`, retryAfter: null });
      },
    };
    try {
      this.#options.stack.transactions.sendRequest(
        request,
        { destination: target, serverName: target.serverName },
        user,
      );
    } catch (error) {
      release();
      throw error;
    }
  }

  #request(method: string, uri: string, callId: string, cseq: number, target: ServerTarget): SipRequest {
    const { sip, stack, instanceId } = this.#options;
    const local = stack.transport.localAddressFor(target);
    const transportParam = local.protocol === 'udp' ? '' : `;transport=${local.protocol}`;
    const contactUri = `sip:${sip.user}@${bracket(local.address)}:${local.port}${transportParam}`;
    // RFC 5626 §4.2: +sip.instance and reg-id on the REGISTER Contact.
    const outbound = sip.outbound ? `;+sip.instance="<${instanceId}>";reg-id=1` : '';
    this.#contact = `<${contactUri}>${outbound}`;
    this.#contactUri = parseUri(contactUri);
    const display = sip.displayName ? `"${sip.displayName.replace(/["\\]/g, '')}" ` : '';
    const headers: [string, string][] = [
      [
        'Via',
        formatVia({
          transport: target.protocol.toUpperCase(),
          host: bracket(local.address),
          port: local.port,
          branch: createBranch(),
          rport: true,
        }),
      ],
      ['Max-Forwards', '70'],
      ['From', `${display}<${sip.aor}>;tag=${randomBytes(6).toString('hex')}`],
      ['To', `${display}<${method === 'REGISTER' ? sip.aor : uri}>`],
      ['Call-ID', callId],
      ['CSeq', `${cseq} ${method}`],
    ];
    if (sip.outboundRoute) headers.push(['Route', sip.outboundRoute]);
    headers.push(['Contact', this.#contact]);
    // RFC 3327 §5: tell the registrar we understand Path; RFC 5626 §4.2: and outbound.
    headers.push(['Supported', sip.outbound ? 'path, outbound' : 'path']);
    headers.push(['User-Agent', stack.userAgent]);
    return new SipRequest({ method, uri, headers });
  }

  /** §10.2.4 and §21: what an answer to REGISTER means. */
  #classify(request: SipRequest, response: SipResponse, expires: number): RegisterOutcome {
    const { status } = response;
    const reason = response.reason;
    try {
      if (status >= 200 && status < 300) {
        if (expires === 0)
          return { kind: 'ok', status, expires: 0, contact: this.#contact, serviceRoute: [], path: [] };
        // §10.2.4: the 200 lists every current binding; ours must be among them.
        const ours = response.contact.contacts.find(
          (c) => this.#contactUri !== null && uriEquals(c.uri, this.#contactUri),
        );
        const granted = ours ? (ours.expires ?? response.expires ?? expires) : 0;
        if (!ours || granted <= 0)
          return { kind: 'noBinding', status, reason: `${reason} (our Contact is not among the bindings)` };
        return {
          kind: 'ok',
          status,
          expires: granted,
          contact: this.#contact,
          // RFC 3608 §6: the Service-Route of the 2xx is the route set of later requests.
          serviceRoute: response.headers.getAll('Service-Route').flatMap(splitRoutes),
          path: response.headers.getAll('Path').flatMap(splitRoutes),
        };
      }
      if (status === 401 || status === 407) {
        const retry = this.digest?.handleChallenge(request, response);
        return { kind: 'challenge', status, reason, answerable: retry?.ok === true };
      }
      if (status === 423) return { kind: 'tooBrief', status, reason, minExpires: response.minExpires ?? null };
      if (status >= 300 && status < 400) {
        const first = response.contact.contacts[0];
        return { kind: 'redirect', status, reason, target: first ? first.uri.toString() : null };
      }
      if (retryable(status))
        return { kind: 'retryLater', status, reason, retryAfter: response.retryAfter?.seconds ?? null };
      return { kind: 'rejected', status, reason };
    } catch (error) {
      // A header the answer carries cannot be read (SipParseError): not something to act on.
      return { kind: 'rejected', status, reason: `${reason} (unreadable: ${(error as Error).message})` };
    }
  }
}

/** Splits a route header value into its entries (commas outside <> and quotes). */
function splitRoutes(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '<') depth++;
    else if (!quoted && c === '>') depth--;
    else if (!quoted && depth === 0 && c === ',') {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter(Boolean);
}
