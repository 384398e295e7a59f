/**
 * Out-of-dialog requests other than INVITE (RFC 3261 §8.1): OPTIONS, MESSAGE (RFC 3428),
 * REGISTER, SUBSCRIBE, NOTIFY, REFER. One request, its digest and failover retries (in the
 * sender), and 3xx following (§8.1.3.4) when asked. Resolves with the final response.
 */
import { DigestClient } from '../auth/digest-client.ts';
import type { SipResponse } from '../message/message.ts';
import { newTag } from '../transaction/server-transaction.ts';
import type { DialogHost } from '../dialog/dialog-host.ts';
import { headerPairs } from '../dialog/server-request.ts';
import { buildOutOfDialogRequest, newCallId, redirectTargets } from './uac-request.ts';
import type { RequestOptions, UserAgentLimits } from './ua-options.ts';

/** What an out-of-dialog request needs from the UA core. */
export interface OutOfDialogContext {
  readonly host: DialogHost;
  readonly limits: UserAgentLimits;
  /** Our From value (no tag). */
  readonly from: string;
  routeSetFor(proxy: string | undefined): string[];
  /** Allow/Supported, for methods that create a dialog or subscription. */
  capabilityHeaders(): Array<[string, string]>;
}

/** Sends `options.method` (default OPTIONS) to `uri`; resolves with the final response, whatever its status. */
export async function sendOutOfDialog(
  context: OutOfDialogContext,
  uri: string,
  options: RequestOptions,
): Promise<SipResponse> {
  const method = options.method ?? 'OPTIONS';
  const auth = options.auth === undefined ? undefined : new DigestClient({ credentials: options.auth });
  const callId = options.callId ?? newCallId();
  const fromTag = newTag();
  const tried = new Set([uri]);
  let target = uri;
  let cseq = options.cseq ?? 1;
  for (let redirects = 0; ; redirects++) {
    const headers = headerPairs(options.headers);
    if (options.body !== undefined && options.contentType !== undefined)
      headers.push(['Content-Type', options.contentType]);
    if (method === 'SUBSCRIBE' || method === 'REFER') headers.unshift(...context.capabilityHeaders());
    const request = buildOutOfDialogRequest({
      method,
      uri: target,
      from: options.from ?? context.from,
      fromTag,
      to: options.to ?? uri,
      callId,
      cseq,
      routeSet: context.routeSetFor(options.proxy),
      headers,
      body: options.body,
    });
    const outcome = await context.host.send(request, {
      auth,
      onProvisional: (response) => options.onProvisional?.(response, undefined),
    }).final;
    const response = outcome.response;
    // §8.1.3.4: a new request to the next Contact of a 3xx, never one already tried.
    const next =
      response.status >= 300 && response.status < 400 && options.followRedirects === true
        ? redirectTargets(response, tried)[0]
        : undefined;
    if (next === undefined || redirects >= context.limits.maxRedirects) return response;
    tried.add(next);
    target = next;
    cseq = outcome.request.cseq!.seq + 1;
  }
}
