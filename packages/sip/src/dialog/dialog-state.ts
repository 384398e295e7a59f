/**
 * The state of one dialog (RFC 3261 §12): its id, sequence numbers, URIs, remote target and
 * route set, and its phase. The phase changes only through {@link DialogState.dispatch}, whose
 * table is the whole life of a dialog (STYLE §4):
 *
 * ```
 *            1xx with To tag (UAC) / 1xx sent with To tag (UAS)
 *                     |
 *                     v          2xx
 *                 +-------+ ----------------> +-----------+
 *                 | early |                   | confirmed |  2xx (retransmission, target refresh)
 *                 +-------+ <-+ 1xx           +-----------+ --+
 *                     |     --+                 |    ^        |
 *    3xx–6xx, BYE,    |                         |    +--------+
 *    terminate        v        BYE, terminate   v
 *                 +------------+ <--------------+
 *                 | terminated |
 *                 +------------+
 * ```
 * A 2xx creates a dialog directly in `confirmed` when no 1xx with that To tag came first.
 */
import { SipRequest, type SipResponse } from '../message/message.ts';
import { parseUri, type Uri } from '../uri/uri.ts';
import { SipError, UaErrorCode } from './sip-error.ts';

/** Phases of a dialog. */
export const DialogPhase = {
  Early: 'early',
  Confirmed: 'confirmed',
  Terminated: 'terminated',
} as const;
/** One of {@link DialogPhase}. */
export type DialogPhase = (typeof DialogPhase)[keyof typeof DialogPhase];

/** What moves a dialog. */
export type DialogEvent = 'provisional' | 'success' | 'failure' | 'bye' | 'terminate';

/** The transition table: phase × event → next phase (missing = the event is ignored). */
const TABLE: Readonly<Record<DialogPhase, Partial<Record<DialogEvent, DialogPhase>>>> = {
  early: {
    provisional: 'early',
    // §12.1: a 2xx "establishes" the dialog; §13.2.2.4 confirms an early one with the same id.
    success: 'confirmed',
    // §12.3: "a non-2xx final response to the INVITE terminates all early dialogs of that request".
    failure: 'terminated',
    bye: 'terminated',
    terminate: 'terminated',
  },
  confirmed: { success: 'confirmed', bye: 'terminated', terminate: 'terminated' },
  terminated: {},
};

/** Which side created the dialog (the side that sent the initial request owns its Call-ID, §14.1). */
export type DialogRole = 'uac' | 'uas';

/** §12: the dialog ID. */
export interface DialogId {
  callId: string;
  localTag: string;
  remoteTag: string;
}

/** A map key for a dialog id (Call-ID and tags compare case-sensitively, §12). */
export function dialogKey(id: DialogId): string {
  return `${id.callId}\u0000${id.localTag}\u0000${id.remoteTag}`;
}

/** The URI inside a name-addr or addr-spec route value (`<sip:p1;lr>` → `sip:p1;lr`). */
export function routeUri(value: string): Uri {
  const open = value.indexOf('<');
  const close = value.indexOf('>', open + 1);
  return parseUri(open >= 0 && close > open ? value.slice(open + 1, close) : value.trim());
}

/** The first Contact URI of a message, as text, or undefined. */
function contactTarget(message: SipRequest | SipResponse): string | undefined {
  const contact = message.contact.contacts[0];
  return contact === undefined ? undefined : contact.uri.toString();
}

/** The raw From/To value with `;tag=` appended when it has none. */
function withTag(raw: string, tag: string): string {
  return /;\s*tag\s*=/i.test(raw.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/<[^>]*>/g, '<>'))
    ? raw
    : `${raw};tag=${tag}`;
}

/** Initial values of a {@link DialogState}. */
export interface DialogStateInit {
  id: DialogId;
  role: DialogRole;
  phase: DialogPhase;
  /** Local sequence number; undefined = empty (§12.1.1: the UAS starts empty). */
  localSeq: number | undefined;
  remoteSeq: number | undefined;
  /** Our From (UAC) or To (UAS) header value, with our tag. */
  localHeader: string;
  /** The peer's header value, with its tag. */
  remoteHeader: string;
  remoteTarget: string;
  /** Route values in the order this side sends them. */
  routeSet: string[];
  /** §12.1.1: the request was sent over TLS with a sips Request-URI. */
  secure: boolean;
}

/** §12 dialog state: data plus the rules that read and change it. */
export class DialogState {
  readonly id: DialogId;
  readonly role: DialogRole;
  #phase: DialogPhase;
  /** §12.2.1.1: incremented by one for each new request (ACK and CANCEL reuse their INVITE's). */
  localSeq: number | undefined;
  /** §12.2.2: the highest CSeq number received. */
  remoteSeq: number | undefined;
  readonly localHeader: string;
  readonly remoteHeader: string;
  /** §12.1: the peer's Contact; changed by target refresh requests and their 2xx (§12.2). */
  remoteTarget: string;
  /** Route values (name-addr text) in sending order; fixed once the dialog is confirmed (§12.2). */
  routeSet: string[];
  readonly secure: boolean;

  constructor(init: DialogStateInit) {
    this.id = init.id;
    this.role = init.role;
    this.#phase = init.phase;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.localHeader = init.localHeader;
    this.remoteHeader = init.remoteHeader;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.secure = init.secure;
  }

  /**
   * §12.1.2, a UAC's dialog from a 1xx or 2xx with a To tag: "The route set MUST be set to the
   * list of URIs in the Record-Route header field from the response, taken in reverse order …
   * The remote target MUST be set to the URI from the Contact header field of the response. The
   * local sequence number MUST be set to the value of the sequence number in the CSeq header
   * field of the request. The remote sequence number MUST be empty."
   */
  static forUac(request: SipRequest, response: SipResponse): DialogState {
    const phase = response.status >= 200 ? DialogPhase.Confirmed : DialogPhase.Early;
    return new DialogState({
      id: { callId: request.callId!, localTag: request.from!.tag!, remoteTag: response.to!.tag! },
      role: 'uac',
      phase,
      localSeq: request.cseq!.seq,
      remoteSeq: undefined,
      localHeader: request.headers.get('from')!,
      remoteHeader: response.headers.get('to')!,
      remoteTarget: contactTarget(response) ?? request.requestUri,
      routeSet: response.headers.values('record-route').reverse(),
      secure: request.uri.scheme === 'sips',
    });
  }

  /**
   * §12.1.1, a UAS's dialog from the request it answers with a To tag: "The route set MUST be
   * set to the list of URIs in the Record-Route header field from the request, taken in order …
   * The remote target MUST be set to the URI from the Contact header field of the request. The
   * remote sequence number MUST be set to the value of the sequence number in the CSeq header
   * field of the request. The local sequence number MUST be empty."
   */
  static forUas(request: SipRequest, localTag: string, phase: DialogPhase): DialogState {
    return new DialogState({
      id: { callId: request.callId!, localTag, remoteTag: request.from?.tag ?? '' },
      role: 'uas',
      phase,
      localSeq: undefined,
      remoteSeq: request.cseq!.seq,
      localHeader: withTag(request.headers.get('to')!, localTag),
      remoteHeader: request.headers.get('from')!,
      remoteTarget: contactTarget(request) ?? request.from!.uri.toString(),
      routeSet: request.headers.values('record-route'),
      secure: request.uri.scheme === 'sips',
    });
  }

  /** The current phase. */
  get phase(): DialogPhase {
    return this.#phase;
  }

  /** Applies an event through the table; returns the phase it leads to (unchanged when the table has no entry). */
  dispatch(event: DialogEvent): DialogPhase {
    const next = TABLE[this.#phase][event];
    if (next !== undefined) this.#phase = next;
    return this.#phase;
  }

  /**
   * §12.2.2: "If the remote sequence number is empty, it MUST be set to the value of the
   * sequence number in the CSeq header field value in the request. If the remote sequence number
   * was not empty, but the sequence number of the request is lower than the remote sequence
   * number, the request is out of order and MUST be rejected with a 500". Returns false for an
   * out-of-order request (answer 500).
   */
  acceptRemoteSeq(request: SipRequest): boolean {
    const seq = request.cseq!.seq;
    if (this.remoteSeq !== undefined && seq < this.remoteSeq) return false;
    this.remoteSeq = seq;
    return true;
  }

  /**
   * §12.2.1.1 / §12.2.2 target refresh: a re-INVITE, UPDATE (RFC 3311 §5.1) or their 2xx with
   * a Contact replaces the remote target. "The route set … MUST NOT be changed".
   */
  refreshTarget(message: SipRequest | SipResponse): void {
    const target = contactTarget(message);
    if (target !== undefined) this.remoteTarget = target;
  }

  /**
   * §13.2.2.4: a 2xx for an early dialog's id confirms it, and "the route set for the dialog
   * MUST be recomputed based on the 2xx response"; the remote target is the 2xx's Contact.
   */
  confirmWith(response: SipResponse): void {
    if (this.#phase === DialogPhase.Early && this.role === 'uac') {
      this.routeSet = response.headers.values('record-route').reverse();
    }
    this.refreshTarget(response);
    this.dispatch('success');
  }

  /** The next local CSeq number (§12.2.1.1), choosing an initial one when empty (§8.1.1.5: below 2**31). */
  nextLocalSeq(random: () => number = Math.random): number {
    if (this.localSeq === undefined) this.localSeq = 1 + Math.floor(random() * 0x7fff);
    else this.localSeq++;
    if (this.localSeq >= 2 ** 31)
      throw new SipError(UaErrorCode.InvalidState, 'local CSeq exhausted (§8.1.1.5: below 2**31)');
    return this.localSeq;
  }
}

/** What {@link buildInDialogRequest} makes. */
export interface InDialogRequest {
  request: SipRequest;
  /** Where the request goes first: the first route, or the remote target (§12.2.1.1, §8.1.2). */
  nextHop: Uri;
}

/**
 * §12.2.1.1 Request-URI and Route: with an empty route set, the Request-URI is the remote
 * target and there is no Route. "If the route set is not empty, and the first URI in the route
 * set contains the lr parameter …, the UAC MUST place the remote target URI into the
 * Request-URI and MUST include a Route header field containing the route set values in order".
 * Otherwise (a strict router, §16.12.1.2 in reverse): "the UAC MUST place the first URI from the
 * route set into the Request-URI, stripping any parameters that are not allowed in a
 * Request-URI. The UAC MUST add a Route header field containing the remainder of the route set
 * values in order … The UAC MUST then place the remote target URI into the Route header field
 * as the last value."
 */
export function routeRequest(state: DialogState): { requestUri: string; routes: string[]; nextHop: Uri } {
  const routes = state.routeSet;
  if (routes.length === 0) {
    const target = parseUri(state.remoteTarget);
    return { requestUri: state.remoteTarget, routes: [], nextHop: target };
  }
  const first = routeUri(routes[0]!);
  if (first.kind !== 'sip' || first.lr) {
    return { requestUri: state.remoteTarget, routes: [...routes], nextHop: first };
  }
  const stripped = first.clone();
  // §19.1.1 Table 1: "method" and URI headers are not allowed in a Request-URI; maddr, ttl,
  // transport and lr are. The hop is the strict router itself.
  stripped.params.delete('method');
  stripped.headers = [];
  return { requestUri: stripped.toString(), routes: [...routes.slice(1), `<${state.remoteTarget}>`], nextHop: first };
}

/** Options of {@link buildInDialogRequest}. */
export interface InDialogRequestOptions {
  method: string;
  /** CSeq number; default the next local one (ACK passes its INVITE's). */
  seq?: number;
  /** Extra headers, in order. */
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: Buffer | string;
}

/**
 * A request within the dialog (§12.2.1.1): To = remote URI and tag, From = local URI and tag,
 * Call-ID of the dialog, CSeq, Max-Forwards 70, Request-URI and Route per {@link routeRequest}.
 * The Via (with a new branch) and Contact are added by whoever sends it.
 */
export function buildInDialogRequest(state: DialogState, options: InDialogRequestOptions): InDialogRequest {
  const { requestUri, routes, nextHop } = routeRequest(state);
  const seq = options.seq ?? state.nextLocalSeq();
  const headers: Array<[string, string]> = [
    ['From', state.localHeader],
    ['To', state.remoteHeader],
    ['Call-ID', state.id.callId],
    ['CSeq', `${seq} ${options.method}`],
    ['Max-Forwards', '70'],
  ];
  for (const route of routes) headers.push(['Route', route]);
  for (const [name, value] of options.headers ?? []) headers.push([name, value]);
  const request = new SipRequest({ method: options.method, uri: requestUri, headers, body: options.body });
  return { request, nextHop };
}
