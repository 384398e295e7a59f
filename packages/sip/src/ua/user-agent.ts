/**
 * `SipUserAgent`: the UA core (RFC 3261 §8) over one transaction layer, with an API shaped like
 * drachtio-srf's `Srf`: `createUAC`, `createUAS`, `request`, and `'invite'` / `'request'`
 * events. It is the transaction layer's `TransactionUser` and the dialogs' `DialogHost`; it keeps
 * the dialog table (§12: a request whose To tag matches no dialog gets 481) and answers what §8.2
 * and §11 give the core to answer (405, 415, 420, 483, 406, OPTIONS).
 */
import { EventEmitter } from 'node:events';
import { copyCredentials } from '../auth/cancel-ack.ts';
import { DigestClient } from '../auth/digest-client.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { formatVia } from '../message/values/via.ts';
import { createBranch } from '../transaction/branch.ts';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.ts';
import type { ServerTransactionLike } from '../transaction/server-transaction.ts';
import type { TransactionError } from '../transaction/transaction-errors.ts';
import { TransactionLayer } from '../transaction/transaction-layer.ts';
import type { AnyServerTransaction, TransactionUser } from '../transaction/transaction-user.ts';
import { locateServers, systemDnsResolver, type DnsResolver, type ServerTarget } from '../transport/resolver.ts';
import type { InboundMessage, SendTarget, TransportAddress } from '../transport/transport-types.ts';
import { SipUri } from '../uri/sip-uri.ts';
import type { Uri } from '../uri/uri.ts';
import type { DialogHost, OutgoingOptions, OutgoingRequest } from '../dialog/dialog-host.ts';
import { handleInDialogRequest } from '../dialog/dialog-incoming.ts';
import { dialogKey } from '../dialog/dialog-state.ts';
import type { Dialog } from '../dialog/dialog.ts';
import { IncomingRequest, ServerResponse } from '../dialog/server-request.ts';
import { DEFAULT_SESSION_TIMER, type SessionTimerConfig } from '../dialog/session-timer.ts';
import { SipError, UaErrorCode } from '../dialog/sip-error.ts';
import { sendRequest, type SenderContext } from './request-sender.ts';
import { createUacDialog } from './uac-invite.ts';
import { nameAddr, proxyRoute } from './uac-request.ts';
import { sendOutOfDialog } from './out-of-dialog.ts';
import { contactValue, hostText, identityUser } from './local-identity.ts';
import { checkUasRequest, safeReply, type UasPolicy } from './uas-checks.ts';
import { InviteServer } from './uas-invite.ts';
import { RecentInvites } from './recent-invites.ts';
import { Subscriptions, type SubscribeOptions } from './subscription.ts';
import {
  DEFAULT_ACCEPT,
  DEFAULT_ALLOW,
  DEFAULT_UA_LIMITS,
  type CreateUacOptions,
  type CreateUasOptions,
  type RequestOptions,
  type SipUserAgentEvents,
  type SipUserAgentOptions,
  type UserAgentLimits,
} from './ua-options.ts';

export { DEFAULT_ACCEPT, DEFAULT_ALLOW } from './ua-options.ts';

/** Methods whose requests carry our Contact (§8.1.1.8; RFC 3311, RFC 3515, RFC 6665). */
const CONTACT_METHODS = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

/** A SIP user agent (see the file comment and the README for examples). */
export class SipUserAgent extends EventEmitter<SipUserAgentEvents> {
  /** The transaction layer (for wiring a transport that has no `setUser`, and for tests). */
  readonly transactionLayer: TransactionLayer;
  readonly #options: SipUserAgentOptions;
  readonly #clock: Clock;
  readonly #limits: UserAgentLimits;
  readonly #policy: UasPolicy;
  readonly #auth: DigestClient | undefined;
  readonly #sessionTimer: SessionTimerConfig | undefined;
  readonly #dialogs = new Map<string, Dialog>();
  readonly #recentInvites: RecentInvites;
  readonly #ackTargets = new WeakMap<SipRequest, SendTarget>();
  readonly #invites: InviteServer;
  readonly #subscriptions: Subscriptions;
  readonly #host: DialogHost;
  readonly #sender: SenderContext;
  readonly #userAgent: string;
  #dns: DnsResolver | undefined;

  /** @param options see {@link SipUserAgentOptions} */
  constructor(options: SipUserAgentOptions) {
    super();
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#limits = { ...DEFAULT_UA_LIMITS, ...options.limits };
    this.#sessionTimer =
      options.sessionTimer === undefined ? undefined : { ...DEFAULT_SESSION_TIMER, ...options.sessionTimer };
    this.#userAgent = options.userAgent ?? 'talkbus';
    // Timer M (64*T1, RFC 6026) bounds how long forks' 2xx can still come.
    this.#recentInvites = new RecentInvites(this.#clock, () => 64 * this.transactionLayer.timers.T1 + 1000);
    const reliable = options.reliableProvisionals ?? 'supported';
    const allow = options.allow ?? DEFAULT_ALLOW;
    this.#policy = {
      // RFC 3262: 100rel needs PRACK (Allow) and the option tag (Supported, §8.2.2.3).
      allow: reliable === 'off' || allow.includes('PRACK') ? allow : [...allow, 'PRACK'],
      accept: (options.accept ?? DEFAULT_ACCEPT).map((type) => type.toLowerCase()),
      supported: [
        ...(reliable === 'off' ? [] : ['100rel']),
        ...(this.#sessionTimer === undefined ? [] : ['timer']),
        ...(options.supported ?? []).filter((tag) => reliable === 'off' || tag !== '100rel'),
      ],
      schemes: ['sip', 'sips', 'tel'],
      requiredExtensions: reliable === 'required' ? ['100rel'] : [],
    };
    this.#auth = options.credentials === undefined ? undefined : new DigestClient({ credentials: options.credentials });
    this.transactionLayer = new TransactionLayer({
      maxTransactions: this.#limits.maxTransactions,
      transport: options.transport,
      user: this.#transactionUser(),
      clock: this.#clock,
      timers: options.timers,
    });
    options.transport.setUser?.(this.transactionLayer);
    const resolve = options.resolve ?? ((uri: Uri) => this.#locate(uri));
    this.#sender = {
      layer: this.transactionLayer,
      resolve,
      prepare: (request, target) => this.#prepare(request, target),
      auth: this.#auth,
    };
    this.#host = this.#dialogHost();
    this.#invites = new InviteServer({
      host: this.#host,
      limits: this.#limits,
      hasRoomForDialog: () => this.#dialogs.size < this.#limits.maxDialogs,
      registerDialog: (dialog) => this.#dialogs.set(dialog.id, dialog),
      localContact: (req) => this.#contactFor(this.#localFor(req.inbound)),
      emitInvite: (req, res) => this.emit('invite', req, res),
      reliableProvisionals: reliable,
      t1: () => this.transactionLayer.timers.T1,
    });
    this.#subscriptions = new Subscriptions({
      host: this.#host,
      from: options.from,
      routeSetFor: (proxy) => this.#routeSetFor(proxy),
      capabilityHeaders: () => this.#capabilityHeaders(),
      registerDialog: (dialog) => this.#dialogs.set(dialog.id, dialog),
      findDialog: (key) => this.#dialogs.get(key),
      localContact: (req) => this.#contactFor(this.#localFor(req.inbound)),
    });
  }

  /** Live dialogs (early and confirmed). */
  get dialogCount(): number {
    return this.#dialogs.size;
  }

  /** The dialog with this id, if live. */
  dialog(id: string): Dialog | undefined {
    return this.#dialogs.get(id);
  }

  /**
   * Calls `uri` (drachtio-srf `createUAC`): resolves with the dialog of the first 2xx once its
   * ACK is sent; rejects with a {@link SipError} carrying the final status for ≥ 300. Cancel with
   * `options.signal` (an `AbortController`'s): a CANCEL goes once a provisional response arrived.
   */
  createUAC(uri: string, options: CreateUacOptions = {}): Promise<Dialog> {
    return createUacDialog(
      {
        host: this.#host,
        limits: this.#limits,
        from: this.#options.from,
        routeSetFor: (proxy) => this.#routeSetFor(proxy),
        inviteHeaders: () => [
          ...this.#capabilityHeaders(),
          // RFC 3262 §4: a UAC that insists on reliable provisionals puts 100rel in Require.
          ...(this.#options.reliableProvisionals === 'required' ? [['Require', '100rel'] as [string, string]] : []),
        ],
        reliableProvisionals: (this.#options.reliableProvisionals ?? 'supported') !== 'off',
        hasRoomForDialog: () => this.#dialogs.size < this.#limits.maxDialogs,
        registerDialog: (dialog) => this.#dialogs.set(dialog.id, dialog),
        rememberInvite: (callId, handler) => this.#recentInvites.remember(callId, handler),
        report: (error) => this.#report(error),
      },
      uri,
      options,
    );
  }

  /**
   * Answers an `'invite'` with 200 (`localSdp` as the answer, or the offer when the INVITE had
   * none) and resolves with the dialog once the ACK arrives (drachtio-srf `createUAS`).
   * @throws SipError `CANCELED`, `NO_ACK`, `INVALID_STATE`
   */
  createUAS(req: IncomingRequest, res: ServerResponse, options: CreateUasOptions = {}): Promise<Dialog> {
    return this.#invites.createUAS(req, res, options);
  }

  /**
   * An out-of-dialog request (OPTIONS, MESSAGE, REGISTER, SUBSCRIBE, NOTIFY, …): resolves with
   * its final response whatever the status (a timeout is a local 408, §8.1.3.1). 401/407 are
   * answered with the credentials; 3xx followed when `followRedirects`.
   * @throws SipError `INVALID_ARGUMENT` for a bad URI or proxy
   */
  request(uri: string, options: RequestOptions = {}): Promise<SipResponse> {
    return sendOutOfDialog(
      {
        host: this.#host,
        limits: this.#limits,
        from: this.#options.from,
        routeSetFor: (proxy) => this.#routeSetFor(proxy),
        capabilityHeaders: () => this.#capabilityHeaders(),
      },
      uri,
      options,
    );
  }

  /**
   * Subscribes to an event package (RFC 6665) and resolves with the subscription's dialog once
   * the SUBSCRIBE has its 2xx; NOTIFYs (also one that overtakes the 2xx) go to `onNotify`.
   * @throws SipError for a final response ≥ 300 (e.g. 489 Bad Event) or a timeout
   */
  subscribe(uri: string, options: SubscribeOptions): Promise<Dialog> {
    return this.#subscriptions.subscribe(uri, options);
  }

  /** Ends every dialog and transaction at once, sending nothing (shutdown); timers are released. */
  close(): void {
    for (const dialog of [...this.#dialogs.values()]) dialog.terminate({ initiator: 'local', reason: 'shutdown' });
    this.#recentInvites.close();
    this.transactionLayer.close();
  }

  #transactionUser(): TransactionUser {
    return {
      onRequest: (request, transaction, inbound) => this.#onRequest(request, transaction, inbound),
      onAck: (ack) => {
        const dialog = this.#dialogs.get(this.#incomingKey(ack));
        dialog?.receiveAck(ack);
      },
      onCancel: (_cancel, invite) => this.#invites.cancel(invite),
      onStrayResponse: (response) => this.#onStrayResponse(response),
      onServerTransactionError: (error: TransactionError, transaction: ServerTransactionLike) =>
        this.#options.logger?.debug?.('server transaction failed', {
          code: error.code,
          method: transaction.request.method,
        }),
      onError: (error) => this.#report(error),
    };
  }

  #onRequest(request: SipRequest, transaction: AnyServerTransaction, inbound: InboundMessage): void {
    const rejection = checkUasRequest(request, this.#policy);
    if (rejection !== undefined) {
      safeReply(transaction, rejection.status, { reason: rejection.reason, headers: rejection.headers });
      return;
    }
    const req = new IncomingRequest(transaction, inbound);
    if (request.to?.tag !== undefined) {
      const dialog = this.#dialogs.get(this.#incomingKey(request));
      // §12.2.2: a request with a To tag that matches no dialog: "the UAS … MUST respond to the
      // request with a 481 (Call/Transaction Does Not Exist) status code".
      if (dialog !== undefined) handleInDialogRequest(dialog, req);
      else if (!(request.method === 'NOTIFY' && this.#subscriptions.acceptEarlyNotify(req)))
        safeReply(transaction, 481);
      return;
    }
    if (request.method === 'INVITE') {
      this.#invites.receive(transaction as InviteServerTransaction, req);
      return;
    }
    if (request.method === 'OPTIONS') {
      // §11.2: a 200 with Allow, Accept, Accept-Encoding, Accept-Language and Supported.
      safeReply(transaction, 200, {
        headers: [
          ['Accept', this.#policy.accept.join(', ')],
          ['Accept-Encoding', 'identity'],
          ['Accept-Language', 'en'],
          ...this.#host.responseHeaders(req, true),
        ],
      });
      return;
    }
    if (request.method === 'BYE') {
      safeReply(transaction, 481);
      return;
    }
    // A 2xx to SUBSCRIBE or REFER makes a dialog: it carries our Contact (RFC 6665 §4.2.1, RFC 3515).
    const dialogCreating = request.method === 'SUBSCRIBE' || request.method === 'REFER';
    const res = new ServerResponse(req, { defaultHeaders: () => this.#host.responseHeaders(req, dialogCreating) });
    if (this.listenerCount('request') === 0) {
      safeReply(transaction, 405, { headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS']] });
      return;
    }
    try {
      this.emit('request', req, res);
    } catch (error) {
      this.#report(error);
      if (!res.finalSent) safeReply(transaction, 500);
    }
  }

  #onStrayResponse(response: SipResponse): void {
    try {
      // §13.2.2.4: a 2xx retransmission after the INVITE transaction ended is ACKed again; a
      // 2xx from a fork we had not seen is ACKed and BYEd by the INVITE that is still remembered.
      if (response.cseq?.method !== 'INVITE' || response.status < 200 || response.status >= 300) return;
      const key = dialogKey({
        callId: response.callId!,
        localTag: response.from?.tag ?? '',
        remoteTag: response.to?.tag ?? '',
      });
      const dialog = this.#dialogs.get(key);
      if (dialog !== undefined) dialog.acknowledge(response);
      else this.#recentInvites.route(response);
    } catch (error) {
      this.#options.logger?.debug?.('stray response dropped', { error: String(error) });
    }
  }

  #incomingKey(request: SipRequest): string {
    return dialogKey({ callId: request.callId!, localTag: request.to?.tag ?? '', remoteTag: request.from?.tag ?? '' });
  }

  #dialogHost(): DialogHost {
    return {
      clock: this.#clock,
      sessionTimer: this.#sessionTimer,
      random: () => (this.#options.random ?? Math.random)(),
      send: (request: SipRequest, options: OutgoingOptions): OutgoingRequest =>
        sendRequest(this.#sender, request, options),
      sendAck: (ack, nextHop, invite) => this.#sendAck(ack, nextHop, invite),
      retransmit2xx: (transaction, response, onNoAck) => {
        this.transactionLayer.retransmit2xx(transaction, response, { onNoAck: () => onNoAck() });
      },
      responseHeaders: (req, withContact) => {
        const headers: Array<[string, string]> = [];
        if (withContact) {
          headers.push(['Contact', this.#contactFor(this.#localFor(req.inbound))]);
          // §12.1.1: a response that establishes a dialog copies every Record-Route, in order.
          if (req.message.to?.tag === undefined)
            for (const value of req.message.headers.values('record-route')) headers.push(['Record-Route', value]);
          headers.push(...this.#capabilityHeaders());
        }
        headers.push(['Server', this.#userAgent]);
        return headers;
      },
      dialogEnded: (key) => void this.#dialogs.delete(key),
      report: (error) => this.#report(error),
    };
  }

  #sendAck(ack: SipRequest, nextHop: Uri, invite: SipRequest | undefined): void {
    const send = (target: SendTarget) => void this.#options.transport.send(ack, target).catch(() => undefined);
    const known = this.#ackTargets.get(ack);
    if (known !== undefined) {
      send(known);
      return;
    }
    // §13.2.2.4: "The ACK MUST contain the same credentials as the INVITE."
    if (invite !== undefined) copyCredentials(invite, ack);
    this.#sender
      .resolve(nextHop)
      .then((targets) => {
        const target = targets[0];
        if (target === undefined) return;
        this.#prepare(ack, target);
        const sendTarget = { destination: target, serverName: target.serverName };
        this.#ackTargets.set(ack, sendTarget);
        send(sendTarget);
      })
      .catch((error: unknown) => this.#options.logger?.debug?.('ACK not sent', { error: String(error) }));
  }

  /** Via with a new branch (§8.1.1.7); Contact and User-Agent when missing. */
  #prepare(request: SipRequest, target: ServerTarget): void {
    const local = this.#options.transport.localAddressFor(target);
    request.headers.remove('via');
    request.headers.prepend(
      'Via',
      formatVia({
        transport: target.protocol,
        host: hostText(local.address),
        port: local.port,
        branch: createBranch(),
        rport: true,
      }),
    );
    if (CONTACT_METHODS.has(request.method) && !request.headers.has('contact'))
      request.headers.append('Contact', this.#contactFor(local));
    if (!request.headers.has('user-agent')) request.headers.append('User-Agent', this.#userAgent);
  }

  #localFor(inbound: InboundMessage): TransportAddress {
    try {
      return this.#options.transport.localAddressFor(inbound.source);
    } catch {
      return inbound.local;
    }
  }

  #contactFor(local: TransportAddress): string {
    if (this.#options.contact !== undefined) return nameAddr(this.#options.contact);
    return contactValue(this.#options.contactUser ?? identityUser(this.#options.from) ?? 'talkbus', local);
  }

  #capabilityHeaders(): Array<[string, string]> {
    const headers: Array<[string, string]> = [['Allow', this.#policy.allow.join(', ')]];
    if (this.#policy.supported.length > 0) headers.push(['Supported', this.#policy.supported.join(', ')]);
    return headers;
  }

  #routeSetFor(proxy: string | undefined): string[] {
    const outbound = proxy ?? this.#options.outboundProxy;
    const routes = outbound === undefined ? [] : [proxyRoute(outbound)];
    return [...routes, ...(this.#options.routeSet ?? [])];
  }

  #locate(uri: Uri): Promise<ServerTarget[]> {
    if (!(uri instanceof SipUri))
      return Promise.reject(new SipError(UaErrorCode.InvalidArgument, `cannot route to ${uri.toString()}`));
    // One resolver for the UA's life (a node:dns Resolver per request would be wasted work).
    this.#dns ??= this.#options.dns ?? systemDnsResolver();
    return locateServers(uri, { protocols: this.#options.protocols ?? ['udp', 'tcp'], dns: this.#dns });
  }

  #report(error: unknown): void {
    this.#options.logger?.warn?.('listener or callback threw', {
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
}
