/**
 * The reg event subscription of one account (RFC 3680 over RFC 6665; guide §5.3.5): SUBSCRIBE to
 * our own address-of-record after login, refresh it before it expires, answer its NOTIFYs, and
 * tell the actor when a NOTIFY says our own contact was terminated. Requests follow the
 * registration's Service-Route (RFC 3608 §6) and the outbound proxy.
 */
import { randomBytes } from 'node:crypto';
import {
  SipRequest,
  createBranch,
  formatVia,
  type AnyServerTransaction,
  type DigestClient,
  type ServerTarget,
  type SipResponse,
  type TimerHandle,
} from '@talkbus/sip';
import type { SipStack } from '@talkbus/runtime';
import { resolveTargets, type AccountSip } from './account-sip.ts';
import type { AccountEvent } from './account-types.ts';
import { newsForContact, parseReginfo } from './reginfo.ts';

/** What the subscription reads from the registration when it (re)subscribes. */
export interface RegistrationView {
  target: ServerTarget | null;
  contact: string;
  serviceRoute: string[];
}

/** Options of {@link RegEventSubscription}. */
export interface RegEventSubscriptionOptions {
  sip: AccountSip;
  stack: SipStack;
  digest: DigestClient | null;
  registration: () => RegistrationView;
  /** Subscription lifetime asked, seconds. */
  expires: number;
  post: (event: AccountEvent) => void;
  /** Something worth a log line (never secrets). */
  log: (message: string) => void;
}

/** One account's reg event subscription. */
export class RegEventSubscription {
  readonly #options: RegEventSubscriptionOptions;
  #active = false;
  #callId = '';
  #fromTag = '';
  #toTag: string | null = null;
  #cseq = 0;
  #remoteTarget: string | null = null;
  #dialogRoutes: string[] = [];
  #refresh: TimerHandle | null = null;
  #removeHandler: (() => void) | null = null;
  #authRounds = 0;

  constructor(options: RegEventSubscriptionOptions) {
    this.#options = options;
  }

  /** Whether a subscription is wanted now. */
  get active(): boolean {
    return this.#active;
  }

  /** Starts a new subscription (new dialog). */
  start(): void {
    this.stop(false);
    this.#active = true;
    this.#callId = `${randomBytes(12).toString('hex')}@talkbus`;
    this.#fromTag = randomBytes(6).toString('hex');
    this.#toTag = null;
    this.#remoteTarget = null;
    this.#dialogRoutes = [];
    this.#cseq = 0;
    this.#authRounds = 0;
    this.#removeHandler = this.#options.stack.onRequest((request, transaction) =>
      this.#onRequest(request, transaction),
    );
    this.#subscribe(this.#options.expires);
  }

  /** Ends the subscription; `unsubscribe` sends SUBSCRIBE Expires: 0 in its dialog (best effort). */
  stop(unsubscribe = true): void {
    if (unsubscribe && this.#active && this.#toTag !== null) this.#subscribe(0);
    this.#active = false;
    if (this.#refresh) this.#options.stack.clock.clearTimeout(this.#refresh);
    this.#refresh = null;
    this.#removeHandler?.();
    this.#removeHandler = null;
  }

  #subscribe(expires: number): void {
    void this.#send(expires).catch((error: unknown) =>
      this.#options.log(`reg event SUBSCRIBE not sent: ${(error as Error).message}`),
    );
  }

  /**
   * RFC 3261 §8.1.2 / §16.12: with a preloaded route set whose first entry is a loose router,
   * the request goes to that first route; else to the registration's next hop.
   */
  async #destination(routes: string[]): Promise<ServerTarget | null> {
    // §12.2.1.1: inside the dialog with no route set, the request goes to the remote target.
    const first = routes[0] ?? (this.#toTag !== null ? (this.#remoteTarget ?? undefined) : undefined);
    if (first === undefined) return this.#options.registration().target;
    const uri = first.replace(/^[^<]*</, '').replace(/>.*$/, '');
    const [target] = await resolveTargets(uri, this.#options.sip.transport, this.#options.stack.dns);
    return target ?? null;
  }

  async #send(expires: number): Promise<void> {
    const { sip, stack, digest } = this.#options;
    const view = this.#options.registration();
    // RFC 3608 §6: the Service-Route is the preloaded route set of our requests (not of REGISTER);
    // inside the dialog, the route set is the 2xx's Record-Route, reversed (§12.1.2).
    const routes =
      this.#toTag !== null
        ? this.#dialogRoutes
        : [...(sip.outboundRoute ? [sip.outboundRoute] : []), ...view.serviceRoute];
    const target = await this.#destination(routes);
    if (!target) return;
    const local = stack.transport.localAddressFor(target);
    const uri = this.#remoteTarget ?? sip.aor;
    const headers: [string, string][] = [
      [
        'Via',
        formatVia({
          transport: target.protocol.toUpperCase(),
          host: local.address,
          port: local.port,
          branch: createBranch(),
          rport: true,
        }),
      ],
      ['Max-Forwards', '70'],
      ['From', `<${sip.aor}>;tag=${this.#fromTag}`],
      ['To', `<${sip.aor}>${this.#toTag ? `;tag=${this.#toTag}` : ''}`],
      ['Call-ID', this.#callId],
      ['CSeq', `${++this.#cseq} SUBSCRIBE`],
    ];
    for (const route of routes) headers.push(['Route', route]);
    headers.push(
      ['Contact', view.contact.replace(/;\+sip\.instance=.*$/, '')],
      ['Event', 'reg'],
      ['Accept', 'application/reginfo+xml'],
      ['Expires', String(expires)],
      ['User-Agent', stack.userAgent],
    );
    const request = new SipRequest({ method: 'SUBSCRIBE', uri, headers });
    digest?.authorize(request);
    stack.transactions.sendRequest(
      request,
      { destination: target, serverName: target.serverName },
      {
        onResponse: (response) => this.#onResponse(request, response, expires),
        onTimeout: () => this.#options.log('reg event SUBSCRIBE timed out'),
        onTransportError: (_r, error) => this.#options.log(`reg event SUBSCRIBE failed: ${error.message}`),
      },
    );
  }

  #onResponse(request: SipRequest, response: SipResponse, expires: number): void {
    if (response.status < 200 || expires === 0 || !this.#active) return;
    if ((response.status === 401 || response.status === 407) && this.#authRounds++ < 2) {
      if (this.#options.digest?.handleChallenge(request, response).ok) this.#subscribe(expires);
      return;
    }
    if (response.status >= 300) {
      this.#options.log(`reg event SUBSCRIBE refused: ${response.status} ${response.reason}`);
      return;
    }
    this.#authRounds = 0;
    if (this.#toTag === null) {
      this.#toTag = response.to?.tag ?? null;
      this.#dialogRoutes = response.headers.getAll('Record-Route').reverse();
    }
    const contact = response.contact.contacts[0];
    if (contact) this.#remoteTarget = contact.uri.toString();
    // RFC 6665 §4.1.2.1: refresh before the granted time runs out.
    const granted = response.expires ?? expires;
    this.#schedule(granted);
  }

  #schedule(seconds: number): void {
    const clock = this.#options.stack.clock;
    if (this.#refresh) clock.clearTimeout(this.#refresh);
    this.#refresh = clock.setTimeout(
      () => {
        this.#refresh = null;
        if (this.#active) this.#subscribe(this.#options.expires);
      },
      Math.max(1000, seconds * 900),
    );
  }

  /** A NOTIFY of our subscription: Call-ID and our From tag (its To tag) match (RFC 6665 §4.1.3). */
  #onRequest(request: SipRequest, transaction: AnyServerTransaction): boolean {
    if (request.method !== 'NOTIFY' || request.callId !== this.#callId || request.to?.tag !== this.#fromTag)
      return false;
    let event: string | undefined;
    try {
      event = request.event?.value.toLowerCase();
    } catch {
      event = undefined;
    }
    if (event !== 'reg') {
      transaction.reply(489, { reason: 'Bad Event' });
      return true;
    }
    this.#toTag ??= request.from?.tag ?? null;
    let state: SipRequest['subscriptionState'];
    let type: string | undefined;
    try {
      state = request.subscriptionState;
      type = request.contentType?.mediaType;
    } catch {
      transaction.reply(400, { reason: 'Bad Subscription-State or Content-Type' });
      return true;
    }
    let news: ReturnType<typeof newsForContact> = { kind: 'none' };
    if (request.body.length > 0) {
      if (type !== 'application/reginfo+xml') {
        transaction.reply(415, { headers: [['Accept', 'application/reginfo+xml']] });
        return true;
      }
      try {
        news = newsForContact(parseReginfo(request.body), this.#options.sip.aor, this.#options.registration().contact);
      } catch (error) {
        // A document we cannot read changes nothing; the notifier learns why.
        this.#options.log(`reg event NOTIFY with an unreadable body: ${(error as Error).message}`);
        transaction.reply(400, { reason: 'Bad reginfo document' });
        return true;
      }
    }
    transaction.reply(200);
    if (news.kind === 'otherAor') this.#options.log('reg event NOTIFY about another address-of-record: ignored');
    if (news.kind === 'logout')
      this.#options.post({ type: 'regEvent', reason: news.reason, retryAfter: news.retryAfter });
    else if (state?.state === 'terminated') {
      // RFC 6665 §4.2.2: deactivated/timeout may be re-subscribed at once; others are final here.
      if (state.reason === 'deactivated' || state.reason === 'timeout') this.start();
      else this.stop(false);
    } else if (state?.expires !== undefined && this.#active) this.#schedule(state.expires);
    return true;
  }
}
