/**
 * `createUAC`: an INVITE and what follows (RFC 3261 §13.2). Each 1xx with a new To tag makes an
 * early dialog (§12.1.2, forking: several at once); each 2xx is ACKed by the core (§13.2.2.4),
 * the first one's dialog is the call, and the others are ACKed and then ended with BYE. A
 * non-2xx final ends the early dialogs (§12.3); 3xx is followed when asked (§8.1.3.4); 422 is
 * retried once with the peer's Min-SE (RFC 4028 §7.4); cancel through an AbortSignal (§9.1).
 */
import { DigestClient } from '../auth/digest-client.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { newTag } from '../transaction/server-transaction.ts';
import type { DialogHost, FinalOutcome } from '../dialog/dialog-host.ts';
import { DialogState } from '../dialog/dialog-state.ts';
import { Dialog } from '../dialog/dialog.ts';
import { headerPairs } from '../dialog/server-request.ts';
import { sessionTimerRequestHeaders, termsFromResponse, type SessionTimerConfig } from '../dialog/session-timer.ts';
import { SipError, UaErrorCode } from '../dialog/sip-error.ts';
import { buildOutOfDialogRequest, newCallId, redirectTargets } from './uac-request.ts';
import type { CreateUacOptions, PrackContent, UserAgentLimits } from './ua-options.ts';

/** What the INVITE flow needs from the UA core. */
export interface UacContext {
  readonly host: DialogHost;
  readonly limits: UserAgentLimits;
  /** Our From value (no tag). */
  readonly from: string;
  /** Route values for a request (preloaded set, or the given proxy). */
  routeSetFor(proxy: string | undefined): string[];
  /** Headers every dialog-creating request carries (Allow, Supported). */
  inviteHeaders(): Array<[string, string]>;
  hasRoomForDialog(): boolean;
  registerDialog(dialog: Dialog): void;
  /** Whether we PRACK reliable provisional responses (RFC 3262); false: treated as plain 1xx. */
  readonly reliableProvisionals: boolean;
  /** Routes 2xx that arrive after the INVITE transaction ended (§13.2.2.4) to `handler` for a while. */
  rememberInvite(callId: string, handler: (response: SipResponse) => void): () => void;
  report(error: unknown): void;
}

/** Runs one INVITE transaction (with its digest/failover retries) and collects its dialogs. */
class InviteAttempt {
  readonly #context: UacContext;
  readonly #options: CreateUacOptions;
  readonly #forks = new Map<string, Dialog>();
  #chosen: Dialog | undefined;
  /** To tags of forks already sent a BYE. */
  readonly #byes = new Set<string>();
  #canceled = false;
  #invite: SipRequest;
  /** RFC 3262 §4: the RSeq of the last reliable provisional PRACKed, per early dialog (To tag). */
  readonly #rseqs = new Map<string, number>();

  constructor(context: UacContext, invite: SipRequest, options: CreateUacOptions) {
    this.#context = context;
    this.#options = options;
    this.#invite = invite;
  }

  async run(
    auth: DigestClient | undefined,
  ): Promise<{ dialog: Dialog } | { outcome: FinalOutcome; canceled: boolean }> {
    const outgoing = this.#context.host.send(this.#invite, {
      onProvisional: (response, request) => this.#provisional(response, request),
      onSuccess: (response, request) => this.#success(response, request),
      onResend: (request) => (this.#invite = request),
      auth,
    });
    const onAbort = () => {
      this.#canceled = true;
      outgoing.cancel();
    };
    const signal = this.#options.signal;
    signal?.addEventListener('abort', onAbort, { once: true });
    const forget = this.#context.rememberInvite(this.#invite.callId!, (response) =>
      this.#success(response, this.#invite),
    );
    let outcome: FinalOutcome;
    try {
      outcome = await outgoing.final;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    const chosen = this.#chosen;
    // §13.2.2.4 / §12.3: early dialogs that no 2xx confirmed end with the transaction.
    for (const fork of this.#forks.values()) {
      if (fork === chosen || fork.state !== 'early') continue;
      fork.sip.dispatch('failure');
      fork.terminate({ initiator: 'remote', reason: chosen === undefined ? 'rejected' : 'not-chosen' });
    }
    if (chosen !== undefined && !this.#canceled) return { dialog: chosen };
    forget();
    return { outcome, canceled: this.#canceled };
  }

  #provisional(response: SipResponse, request: SipRequest): void {
    const tag = response.to?.tag;
    let dialog = tag === undefined ? undefined : this.#forks.get(tag);
    // §12.1.2: "a provisional response with a To tag" (not 100) creates an early dialog.
    if (tag !== undefined && dialog === undefined && response.status > 100 && this.#context.hasRoomForDialog()) {
      dialog = this.#newDialog(request, response);
    }
    if (dialog !== undefined && this.#context.reliableProvisionals && isReliableProvisional(response)) {
      if (!this.#acknowledgeReliable(response, request, dialog)) return;
    }
    try {
      this.#options.onProvisional?.(response, dialog);
    } catch (error) {
      this.#context.report(error);
    }
  }

  /**
   * RFC 3262 §4: PRACK a reliable provisional once, in RSeq order. Returns false for one that
   * "MUST NOT be acknowledged with a PRACK, and MUST NOT be processed further": a retransmission
   * or a response whose RSeq is not one higher than the last.
   */
  #acknowledgeReliable(response: SipResponse, request: SipRequest, dialog: Dialog): boolean {
    let rseq: number | undefined;
    try {
      rseq = response.rseq;
    } catch {
      rseq = undefined;
    }
    if (rseq === undefined) return true; // no RSeq: not a usable reliable response; pass it up as a plain 1xx
    const tag = dialog.sip.id.remoteTag;
    const last = this.#rseqs.get(tag);
    if (last !== undefined && rseq !== last + 1) return false;
    this.#rseqs.set(tag, rseq);
    const sdp = response.body.length > 0 ? response.body.toString('utf8') : undefined;
    if (sdp !== undefined) dialog.session.remoteSdp = sdp;
    let content: PrackContent | undefined;
    try {
      content = this.#options.onReliableProvisional?.(response, dialog);
    } catch (error) {
      this.#context.report(error);
    }
    const headers = { ...content?.headers, RAck: `${rseq} ${request.cseq!.seq} ${request.method}` };
    const body = content?.sdp;
    if (body !== undefined) dialog.session.localSdp = body;
    dialog
      .request('PRACK', body === undefined ? { headers } : { headers, body, contentType: 'application/sdp' })
      .then((answer) => {
        if (answer.status >= 200 && answer.status < 300 && answer.body.length > 0)
          dialog.session.remoteSdp = answer.body.toString('utf8');
        this.#options.onPrackResponse?.(answer, dialog);
      })
      .catch((error: unknown) => this.#context.report(error));
    return true;
  }

  #success(response: SipResponse, request: SipRequest): void {
    const tag = response.to?.tag;
    if (tag === undefined) return; // a 2xx without To tag makes no dialog (§12.1.2); nothing to ACK within
    let dialog = this.#forks.get(tag);
    if (dialog === undefined) dialog = this.#newDialog(request, response);
    else if (dialog.state === 'early') {
      dialog.sip.confirmWith(response);
      if (response.body.length > 0) dialog.session.remoteSdp = response.body.toString('utf8');
    }
    // §13.2.2.4: "The UAC core MUST generate an ACK request for each 2xx received".
    dialog.acknowledge(response, request);
    if (dialog === this.#chosen) return;
    if (this.#chosen === undefined && !this.#canceled && dialog.state !== 'terminated') {
      this.#chosen = dialog;
      dialog.answer = response;
      if (this.#context.host.sessionTimer !== undefined) dialog.startSessionTimer(termsFromResponse(response));
      return;
    }
    // §13.2.2.4: "If … the UAC … does not want to continue with that dialog, it MUST terminate the
    // dialog by sending a BYE request as described in Section 15" — after the ACK, once per fork.
    if (this.#byes.has(tag)) return;
    this.#byes.add(tag);
    const unwanted =
      dialog.state === 'terminated'
        ? new Dialog({ host: this.#context.host, state: DialogState.forUac(request, response), localContact: '' })
        : dialog;
    void unwanted.destroy({ reason: this.#canceled ? 'canceled' : 'unwanted-fork' }).catch(() => undefined);
  }

  #newDialog(request: SipRequest, response: SipResponse): Dialog {
    const dialog = new Dialog({
      host: this.#context.host,
      state: DialogState.forUac(request, response),
      localContact: request.headers.get('contact') ?? '',
      localSdp: this.#options.localSdp,
      ...(response.status >= 200 && response.body.length > 0 ? { remoteSdp: response.body.toString('utf8') } : {}),
    });
    this.#forks.set(dialog.sip.id.remoteTag, dialog);
    this.#context.registerDialog(dialog);
    return dialog;
  }
}

/** A 101–199 response with `Require: 100rel` (RFC 3262 §4). */
function isReliableProvisional(response: SipResponse): boolean {
  if (response.status <= 100 || response.status >= 200) return false;
  try {
    return response.require.some((tag) => tag.toLowerCase() === '100rel');
  } catch {
    return false;
  }
}

/**
 * Sends an INVITE to `uri` and resolves with the dialog of the first 2xx, after its ACK went out.
 * @throws SipError `FINAL_RESPONSE` (≥ 300, with `status`), `CANCELED` (487), `REQUEST_TIMEOUT`,
 *   `TRANSPORT_FAILED`, `REDIRECT_LIMIT`, `LIMIT_REACHED`
 */
export async function createUacDialog(context: UacContext, uri: string, options: CreateUacOptions): Promise<Dialog> {
  if (!context.hasRoomForDialog()) throw new SipError(UaErrorCode.LimitReached, 'maxDialogs reached', { status: 503 });
  const auth = options.auth === undefined ? undefined : new DigestClient({ credentials: options.auth });
  const callId = options.callId ?? newCallId();
  const fromTag = newTag();
  const tried = new Set([uri]);
  let target = uri;
  let cseq = options.cseq ?? 1;
  let redirects = 0;
  let timer: SessionTimerConfig | undefined = context.host.sessionTimer;
  let retried422 = false;
  const body = options.localSdp ?? options.body;
  const contentType = options.localSdp !== undefined ? 'application/sdp' : options.contentType;
  for (;;) {
    if (options.signal?.aborted)
      throw new SipError(UaErrorCode.Canceled, 'INVITE aborted before it was sent', { status: 487 });
    const headers: Array<[string, string]> = [...context.inviteHeaders()];
    if (timer !== undefined) headers.push(...sessionTimerRequestHeaders(timer));
    headers.push(...headerPairs(options.headers));
    if (body !== undefined && contentType !== undefined) headers.push(['Content-Type', contentType]);
    const invite = buildOutOfDialogRequest({
      method: 'INVITE',
      uri: target,
      from: options.from ?? context.from,
      fromTag,
      to: options.to ?? uri,
      callId,
      cseq,
      routeSet: context.routeSetFor(options.proxy),
      headers,
      body,
    });
    const result = await new InviteAttempt(context, invite, options).run(auth);
    if ('dialog' in result) return result.dialog;
    const { response, origin, request } = result.outcome;
    if (result.canceled) throw new SipError(UaErrorCode.Canceled, 'INVITE cancelled', { status: 487, response });
    cseq = request.cseq!.seq + 1;
    if (response.status >= 300 && response.status < 400 && options.followRedirects === true) {
      // §8.1.3.4: a new request to the next Contact; `tried` stops loops.
      const next = redirectTargets(response, tried)[0];
      if (next === undefined || redirects >= context.limits.maxRedirects)
        throw new SipError(UaErrorCode.RedirectLimit, `no further redirect target after ${redirects}`, {
          status: response.status,
          reason: response.reason,
          response,
        });
      redirects++;
      tried.add(next);
      target = next;
      continue;
    }
    // RFC 4028 §7.4: "422 … the UAC MAY retry the request … with a Session-Expires … at least the Min-SE".
    if (response.status === 422 && timer !== undefined && !retried422 && response.minSE !== undefined) {
      retried422 = true;
      const minSE = Math.max(response.minSE, timer.minSE);
      timer = { expires: Math.max(timer.expires, minSE), minSE };
      continue;
    }
    throw SipError.fromResponse(response, 'INVITE', origin === 'canceled' ? undefined : origin);
  }
}
