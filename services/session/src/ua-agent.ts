/**
 * The {@link SipAgent} on `@talkbus/sip`'s `SipUserAgent`: each call's SIP port drives one
 * INVITE (`createUAC` / `createUAS`) and then its `Dialog`; whatever the UA reports becomes a
 * call input. Session timers and §14.1 glare are the call table's (the UA runs with its session
 * timer off and only retries a 491 itself before giving the table the final answer).
 */
import { randomUUID } from 'node:crypto';
import {
  SipError,
  parseSipfrag,
  referNotify,
  type Dialog,
  type IncomingRequest,
  type ServerResponse,
  type SipResponse,
  type SipUserAgent,
} from '@talkbus/sip';
import type { CallInput, HeaderList, SessionExpiresValue } from './call-model.ts';
import type { CallSipPort } from './ports.ts';
import type { IncomingInvite, SipAccount, SipAgent, SipAgentHandlers } from './sip-agent.ts';
import { allowsUpdate, bodyOf, dtmfOf, fromOf, sessionExpiresOf, statusOf } from './sip-values.ts';

type Post = (input: CallInput) => void;

/** A call's dialog-level port; the INVITE part is added by the UAC/UAS ports. */
abstract class DialogPort implements CallSipPort {
  protected dialog: Dialog | null = null;
  protected readonly post: Post;
  readonly #requests = new Map<string, ServerResponse>();

  constructor(post: Post) {
    this.post = post;
  }

  abstract invite(request: { target: string; sdp: string; headers: HeaderList }): void;
  abstract cancel(): void;
  abstract respond(status: number, options: { sdp?: string; headers?: HeaderList }): void;

  protected attach(dialog: Dialog): void {
    this.dialog = dialog;
    const remember = (res: ServerResponse): string => {
      const id = randomUUID();
      this.#requests.set(id, res);
      return id;
    };
    dialog.on('destroy', (info) => {
      if (info.initiator !== 'remote') return;
      if (info.reason === 'bye') this.post({ type: 'sip.bye' });
      else this.post({ type: 'sip.dialogGone', status: info.reason === '481' ? 481 : 408 });
    });
    const reoffer = (method: 'INVITE' | 'UPDATE') => (req: IncomingRequest, res: ServerResponse) =>
      this.post({
        type: 'sip.reoffer',
        requestId: remember(res),
        method,
        sdp: bodyOf(req.message),
        sessionExpires: sessionExpiresOf(req.message),
      });
    dialog.on('modify', reoffer('INVITE'));
    dialog.on('update', reoffer('UPDATE'));
    dialog.on('ack', (ack) => this.post({ type: 'sip.ack', sdp: bodyOf(ack) }));
    dialog.on('message', (req, res) =>
      this.post({
        type: 'sip.message',
        requestId: remember(res),
        contentType: req.get('Content-Type') ?? 'text/plain',
        body: bodyOf(req.message) ?? '',
      }),
    );
    dialog.on('info', (req, res) => this.post({ type: 'sip.info', requestId: remember(res), ...dtmfOf(req.body) }));
    dialog.on('refer', (req, res) =>
      this.post({
        type: 'sip.refer',
        requestId: remember(res),
        referTo: req.get('Refer-To')?.replace(/^\s*<|>\s*$/g, '') ?? '',
        referredBy: req.get('Referred-By') ?? null,
      }),
    );
    dialog.on('notify', (req, res) => {
      const state = req.get('Subscription-State') ?? '';
      this.post({
        type: 'sip.notify',
        requestId: remember(res),
        fragStatus: parseSipfrag(req.body)?.status ?? null,
        terminated: /^\s*terminated/i.test(state),
      });
    });
  }

  respondRequest(requestId: string, status: number, options: { sdp?: string; headers?: HeaderList }): void {
    const res = this.#requests.get(requestId);
    if (!res) return;
    this.#requests.delete(requestId);
    if (res.finalSent) return;
    res.send(status, {
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.sdp ? { body: options.sdp, contentType: 'application/sdp' } : {}),
    });
  }

  reoffer(request: { method: 'INVITE' | 'UPDATE'; sdp: string | null; headers: HeaderList }): void {
    const dialog = this.#need();
    let answer: SipResponse | undefined;
    const done: Promise<{ sdp: string | null; sessionExpires: SessionExpiresValue | null }> =
      request.method === 'INVITE'
        ? dialog
            .modify(request.sdp ?? dialog.local.sdp ?? '', {
              headers: request.headers,
              onAnswer: (response) => (answer = response),
            })
            .then((sdp) => ({ sdp: sdp ?? null, sessionExpires: sessionExpiresOf(answer) }))
        : dialog
            .update({ ...(request.sdp ? { sdp: request.sdp } : {}), headers: request.headers })
            .then((response) => ({ sdp: bodyOf(response), sessionExpires: sessionExpiresOf(response) }));
    done.then(
      (answer) => this.post({ type: 'sip.reofferAnswered', ...answer }),
      (error: unknown) => this.post({ type: 'sip.reofferRejected', status: statusOf(error) }),
    );
  }

  bye(headers?: HeaderList): void {
    void this.dialog?.destroy(headers ? { headers } : {}).catch(() => undefined);
  }

  refer(request: { referTo: string; headers: HeaderList }): void {
    const { 'Referred-By': referredBy, ...headers } = request.headers;
    this.#need()
      .refer(request.referTo, { headers, ...(referredBy ? { referredBy } : {}) })
      .then(
        () => this.post({ type: 'sip.referAccepted' }),
        (error: unknown) => this.post({ type: 'sip.referRejected', status: statusOf(error) }),
      );
  }

  notify(request: { fragStatus: number; terminated: boolean }): void {
    const options = referNotify(request.fragStatus);
    void this.dialog
      ?.notify(request.terminated ? { ...options, subscriptionState: 'terminated;reason=noresource' } : options)
      .catch(() => undefined);
  }

  async message(request: { contentType: string; body: string }): Promise<number> {
    try {
      const response = await this.#need().message({ contentType: request.contentType, body: request.body });
      return response.status;
    } catch (error) {
      return statusOf(error);
    }
  }

  info(request: { contentType: string; body: string }): void {
    void this.#need().info({ contentType: request.contentType, body: request.body });
  }

  dialogIds(): { callId: string; localTag: string; remoteTag: string } | null {
    if (!this.dialog) return null;
    return { callId: this.dialog.sip.id.callId, localTag: this.dialog.local.tag, remoteTag: this.dialog.remote.tag };
  }

  close(): void {
    this.#requests.clear();
  }

  #need(): Dialog {
    if (!this.dialog) throw new SipError('INVALID_STATE' as never, 'no dialog yet');
    return this.dialog;
  }
}

/** The SIP port of an outgoing call. */
class UacPort extends DialogPort {
  readonly #ua: SipUserAgent;
  readonly #account: SipAccount;
  readonly #extra: { referredBy?: string; replaces?: string };
  #abort: AbortController | null = null;
  /**
   * One Call-ID for the INVITE and its retries (RFC 4028 §7.4 after a 422, §8.1.3.4 after a 3xx),
   * each with the next CSeq, so the peer sees one call retried rather than a new one.
   */
  readonly #callId = randomUUID().replaceAll('-', '');
  #cseq = 1;

  constructor(ua: SipUserAgent, account: SipAccount, post: Post, extra: { referredBy?: string; replaces?: string }) {
    super(post);
    this.#ua = ua;
    this.#account = account;
    this.#extra = extra;
  }

  invite(request: { target: string; sdp: string; headers: HeaderList }): void {
    const abort = new AbortController();
    this.#abort = abort;
    const account = this.#account;
    const headers: HeaderList = { ...request.headers };
    if (this.#extra.referredBy) headers['Referred-By'] = this.#extra.referredBy;
    if (this.#extra.replaces) headers.Replaces = this.#extra.replaces;
    if (account.privacy === 'id') {
      headers.Privacy = 'id';
      headers['P-Preferred-Identity'] = `<${account.aor}>`;
    }
    this.#ua
      .createUAC(request.target, {
        localSdp: request.sdp,
        headers,
        from: fromOf(account),
        signal: abort.signal,
        callId: this.#callId,
        cseq: this.#cseq,
        ...(account.credentials
          ? { auth: { username: account.credentials.username, password: account.credentials.password } }
          : {}),
        ...(account.route[0] ? { proxy: account.route[0].replace(/^<|>$/g, '') } : {}),
        onProvisional: (response: SipResponse) =>
          this.post({ type: 'sip.provisional', status: response.status, sdp: bodyOf(response) }),
      })
      .then(
        (dialog) => {
          this.attach(dialog);
          // RFC 4028 §7.2: the 2xx carries the negotiated interval and who refreshes.
          this.post({
            type: 'sip.answered',
            sdp: dialog.remote.sdp ?? null,
            sessionExpires: sessionExpiresOf(dialog.answer),
            isFocus: /;\s*isfocus/i.test(dialog.remote.contact),
            allowsUpdate: allowsUpdate(dialog.answer),
          });
        },
        (error: unknown) => {
          const response = error instanceof SipError ? error.response : undefined;
          this.#cseq = Math.max(this.#cseq, (response?.cseq?.seq ?? this.#cseq) + 1);
          this.post({
            type: 'sip.rejected',
            status: statusOf(error),
            contacts: response ? (response.contact.contacts?.map((c) => c.uri.toString()) ?? []) : [],
            minSE: response?.minSE ?? null,
          });
        },
      );
  }

  cancel(): void {
    this.#abort?.abort();
  }

  respond(): void {
    // An outgoing call answers nothing.
  }
}

/** The SIP port of an incoming call. */
class UasPort extends DialogPort {
  readonly #ua: SipUserAgent;
  readonly #req: IncomingRequest;
  readonly #res: ServerResponse;

  constructor(ua: SipUserAgent, req: IncomingRequest, res: ServerResponse, post: Post) {
    super(post);
    this.#ua = ua;
    this.#req = req;
    this.#res = res;
    req.signal.addEventListener('abort', () => this.post({ type: 'sip.cancelled' }), { once: true });
  }

  invite(): void {}

  cancel(): void {}

  respond(status: number, options: { sdp?: string; headers?: HeaderList }): void {
    if (this.#res.finalSent) return;
    if (status < 200 || status >= 300) {
      this.#res.send(status, options.headers ? { headers: options.headers } : {});
      return;
    }
    const hadOffer = bodyOf(this.#req.message) !== null;
    this.#ua
      .createUAS(this.#req, this.#res, {
        ...(options.sdp ? { localSdp: options.sdp } : {}),
        ...(options.headers ? { headers: options.headers } : {}),
      })
      .then(
        (dialog) => {
          this.attach(dialog);
          this.post({ type: 'sip.ack', sdp: hadOffer ? null : (dialog.remote.sdp ?? null) });
        },
        (error: unknown) => {
          const status = statusOf(error);
          if (status === 487 || (error as { code?: string }).code === 'CANCELED') this.post({ type: 'sip.cancelled' });
          else this.post({ type: 'sip.dialogGone', status: 408 });
        },
      );
  }
}

/** The agent on one user agent. */
export class UaSipAgent implements SipAgent {
  readonly #ua: SipUserAgent;

  constructor(ua: SipUserAgent, handlers: SipAgentHandlers) {
    this.#ua = ua;
    ua.on('invite', (req, res) => {
      const account = handlers.accountFor(req.uri, req.get('To') ?? '');
      if (!account) {
        res.send(404);
        return;
      }
      handlers.invite(account, this.#incoming(req, res));
    });
    ua.on('request', (req, res) => {
      if (req.method !== 'MESSAGE') {
        res.send(405);
        return;
      }
      const account = handlers.accountFor(req.uri, req.get('To') ?? '');
      if (!account) {
        res.send(404);
        return;
      }
      handlers.message(account, {
        requestUri: req.uri,
        from: req.get('From') ?? '',
        contentType: req.get('Content-Type') ?? 'text/plain',
        body: req.body,
        respond: (status) => {
          if (!res.finalSent) res.send(status);
        },
      });
    });
  }

  #incoming(req: IncomingRequest, res: ServerResponse): IncomingInvite {
    const message = req.message;
    const replaces = message.replaces;
    return {
      requestUri: req.uri,
      from: req.get('From') ?? '',
      to: req.get('To') ?? '',
      pAssertedIdentity: req.get('P-Asserted-Identity'),
      privacy: req.get('Privacy'),
      sdp: bodyOf(message),
      sessionExpires: sessionExpiresOf(message),
      supportsTimer: message.supported.some((tag) => tag.toLowerCase() === 'timer'),
      allowsUpdate: allowsUpdate(message),
      replaces: replaces ? { callId: replaces.callId, toTag: replaces.toTag, fromTag: replaces.fromTag } : null,
      referredBy: req.get('Referred-By') ?? null,
      reject: (status, headers) => {
        if (!res.finalSent) res.send(status, headers ? { headers } : {});
      },
      accept: (post) => new UasPort(this.#ua, req, res, post),
    };
  }

  outgoing(account: SipAccount, post: Post, extra: { referredBy?: string; replaces?: string } = {}): CallSipPort {
    return new UacPort(this.#ua, account, post, extra);
  }

  async message(account: SipAccount, request: { target: string; contentType: string; body: string }): Promise<number> {
    const response = await this.#ua.request(request.target, {
      method: 'MESSAGE',
      from: fromOf(account),
      body: request.body,
      contentType: request.contentType,
      ...(account.credentials
        ? { auth: { username: account.credentials.username, password: account.credentials.password } }
        : {}),
      ...(account.route[0] ? { proxy: account.route[0].replace(/^<|>$/g, '') } : {}),
    });
    return response.status;
  }

  async close(): Promise<void> {}
}
