/**
 * Subscriptions (RFC 6665) as dialogs: `subscribe()` sends SUBSCRIBE and makes the dialog from
 * its 2xx (§4.1.2.1, like an INVITE's: route set from Record-Route reversed) or from a NOTIFY
 * that overtakes the 2xx (§4.1.2.4: "the subscriber MUST be prepared to receive a NOTIFY …
 * before the SUBSCRIBE transaction has completed"). NOTIFYs go to `onNotify`; one with
 * `Subscription-State: terminated` ends the dialog. Refresh or end with
 * `dialog.request('SUBSCRIBE', { headers: { Event, Expires: '0' } })`.
 */
import { DigestClient } from '../auth/digest-client.ts';
import type { SipRequest } from '../message/message.ts';
import { newTag } from '../transaction/server-transaction.ts';
import type { DialogHost } from '../dialog/dialog-host.ts';
import { dialogKey, DialogPhase, DialogState } from '../dialog/dialog-state.ts';
import { Dialog } from '../dialog/dialog.ts';
import { handleInDialogRequest } from '../dialog/dialog-incoming.ts';
import { headerPairs, type IncomingRequest, type ServerResponse } from '../dialog/server-request.ts';
import { SipError, UaErrorCode } from '../dialog/sip-error.ts';
import { buildOutOfDialogRequest, newCallId } from './uac-request.ts';
import type { OutOfDialogOptions } from './ua-options.ts';

/** Options of `SipUserAgent.subscribe`. */
export interface SubscribeOptions extends Omit<OutOfDialogOptions, 'followRedirects' | 'signal'> {
  /** Event package, e.g. `reg` (RFC 3680), `presence`, `message-summary`. */
  event: string;
  /** Expires, seconds. Default 3600. */
  expires?: number;
  /** Accept header, e.g. `application/reginfo+xml`. */
  accept?: string;
  /** Every NOTIFY of the subscription (answer with `res.send(200)`). Unset: 200 at once. */
  onNotify?: (req: IncomingRequest, res: ServerResponse, dialog: Dialog) => void;
}

/** What subscriptions need from the UA core. */
export interface SubscriptionContext {
  readonly host: DialogHost;
  readonly from: string;
  routeSetFor(proxy: string | undefined): string[];
  capabilityHeaders(): Array<[string, string]>;
  registerDialog(dialog: Dialog): void;
  findDialog(key: string): Dialog | undefined;
  localContact(req: IncomingRequest): string;
}

interface Pending {
  request: SipRequest;
  options: SubscribeOptions;
}

/** The SUBSCRIBEs waiting for their 2xx, by Call-ID and our tag. */
export class Subscriptions {
  readonly #context: SubscriptionContext;
  readonly #pending = new Map<string, Pending>();

  constructor(context: SubscriptionContext) {
    this.#context = context;
  }

  /**
   * Subscribes; resolves with the dialog once the SUBSCRIBE got its 2xx.
   * @throws SipError for a final response ≥ 300 (`status` 489 Bad Event, 403 …), timeouts
   */
  async subscribe(uri: string, options: SubscribeOptions): Promise<Dialog> {
    const context = this.#context;
    const headers: Array<[string, string]> = [
      ...context.capabilityHeaders(),
      ['Event', options.event],
      ['Expires', String(options.expires ?? 3600)],
    ];
    if (options.accept !== undefined) headers.push(['Accept', options.accept]);
    headers.push(...headerPairs(options.headers));
    if (options.body !== undefined && options.contentType !== undefined)
      headers.push(['Content-Type', options.contentType]);
    const fromTag = newTag();
    const callId = options.callId ?? newCallId();
    const request = buildOutOfDialogRequest({
      method: 'SUBSCRIBE',
      uri,
      from: options.from ?? context.from,
      fromTag,
      to: options.to ?? uri,
      callId,
      cseq: options.cseq ?? 1,
      routeSet: context.routeSetFor(options.proxy),
      headers,
      body: options.body,
    });
    const key = `${callId}\u0000${fromTag}`;
    const pending: Pending = { request, options };
    this.#pending.set(key, pending);
    try {
      const outcome = await context.host.send(request, {
        auth: options.auth === undefined ? undefined : new DigestClient({ credentials: options.auth }),
        onResend: (again) => (pending.request = again),
        onProvisional: (response) => options.onProvisional?.(response, undefined),
      }).final;
      const { response } = outcome;
      if (response.status >= 300 || response.status < 200)
        throw SipError.fromResponse(response, 'SUBSCRIBE', outcome.origin === 'canceled' ? undefined : outcome.origin);
      if (response.to?.tag === undefined)
        throw new SipError(UaErrorCode.FinalResponse, 'a 2xx to SUBSCRIBE without To tag', { status: 500 });
      const existing = context.findDialog(dialogKey({ callId, localTag: fromTag, remoteTag: response.to.tag }));
      if (existing !== undefined) {
        existing.sip.refreshTarget(response);
        return existing;
      }
      const dialog = this.#newDialog(DialogState.forUac(outcome.request, response), options, '');
      return dialog;
    } finally {
      this.#pending.delete(key);
    }
  }

  /**
   * A NOTIFY with a To tag that matches no dialog: if it belongs to a SUBSCRIBE still waiting
   * for its 2xx, make the dialog from it (RFC 6665 §4.1.2.4) and handle it there. False when it
   * is not ours (the core answers 481).
   */
  acceptEarlyNotify(req: IncomingRequest): boolean {
    const notify = req.message;
    const pending = this.#pending.get(`${notify.callId}\u0000${notify.to?.tag}`);
    if (pending === undefined || notify.from?.tag === undefined) return false;
    const subscribe = pending.request;
    const state = new DialogState({
      id: { callId: notify.callId!, localTag: notify.to!.tag!, remoteTag: notify.from.tag },
      role: 'uac',
      phase: DialogPhase.Confirmed,
      localSeq: subscribe.cseq!.seq,
      remoteSeq: undefined,
      localHeader: subscribe.headers.get('from')!,
      remoteHeader: notify.headers.get('from')!,
      remoteTarget: notify.contact.contacts[0]?.uri.toString() ?? notify.from.uri.toString(),
      // The NOTIFY is a request to us: its Record-Route is our route set in order (§12.1.1).
      routeSet: notify.headers.values('record-route'),
      secure: subscribe.uri.scheme === 'sips',
    });
    const dialog = this.#newDialog(state, pending.options, this.#context.localContact(req));
    handleInDialogRequest(dialog, req);
    return true;
  }

  #newDialog(state: DialogState, options: SubscribeOptions, localContact: string): Dialog {
    const dialog = new Dialog({ host: this.#context.host, state, localContact });
    dialog.on('notify', (req, res) => {
      try {
        if (options.onNotify !== undefined) options.onNotify(req, res, dialog);
        else res.send(200);
      } finally {
        // RFC 6665 §4.1.3: a NOTIFY with "terminated" ends the subscription (and this dialog).
        if (req.message.subscriptionState?.state === 'terminated')
          dialog.terminate({ initiator: 'remote', reason: 'subscription-terminated' });
      }
    });
    this.#context.registerDialog(dialog);
    return dialog;
  }
}
