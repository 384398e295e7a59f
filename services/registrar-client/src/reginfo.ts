/**
 * RFC 3680 registration state documents (`application/reginfo+xml`) and what one means for our
 * own contact (guide §5.3.5, table 5-14).
 */
import { parseUri, uriEquals, type Uri } from '@talkbus/sip';
import type { ServerLogoutReason } from '@talkbus/contracts';
import { parseXml, XmlError, type XmlElement } from './xml.ts';

/** One `<contact>` of a `<registration>` (RFC 3680 §5.3). */
export interface ReginfoContact {
  id: string;
  /** `active` or `terminated`. */
  state: string;
  /** registered, created, refreshed, shortened, expired, deactivated, probation, unregistered, rejected. */
  event: string;
  uri: string;
  expires: number | null;
  retryAfter: number | null;
}

/** One `<registration>`: an address-of-record and its contacts. */
export interface ReginfoRegistration {
  aor: string;
  state: string;
  contacts: ReginfoContact[];
}

/** A parsed document. */
export interface Reginfo {
  version: number | null;
  /** `full` or `partial`. */
  state: string;
  registrations: ReginfoRegistration[];
}

function seconds(value: string | undefined): number | null {
  return value !== undefined && /^\d{1,10}$/.test(value) ? Number(value) : null;
}

function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

/**
 * Reads a reginfo document.
 * @throws XmlError (bounded parser; `XML_MALFORMED` also for a document that is not reginfo)
 */
export function parseReginfo(body: string | Buffer): Reginfo {
  const root = parseXml(body);
  if (root.name !== 'reginfo') throw new XmlError('XML_MALFORMED', `root element is <${root.name}>, not <reginfo>`);
  return {
    version: seconds(root.attributes.version),
    state: root.attributes.state ?? 'full',
    registrations: root.children
      .filter((r) => r.name === 'registration')
      .map((r) => ({
        aor: r.attributes.aor ?? '',
        state: r.attributes.state ?? '',
        contacts: r.children
          .filter((c) => c.name === 'contact')
          .map((c) => ({
            id: c.attributes.id ?? '',
            state: c.attributes.state ?? '',
            event: c.attributes.event ?? '',
            uri: (child(c, 'uri')?.text ?? '').trim(),
            expires: seconds(c.attributes.expires),
            retryAfter: seconds(c.attributes['retry-after']),
          })),
      })),
  };
}

/** What a document says about our contact. */
export type OwnContactNews =
  /** Our contact was terminated: log out with this reason (guide table 5-14). */
  | { kind: 'logout'; reason: ServerLogoutReason; retryAfter: number | null; event: string }
  /** Our contact is active, or the document does not mention it. */
  | { kind: 'none' }
  /** No registration of the document is about our address-of-record. */
  | { kind: 'otherAor' };

function sameUri(a: string, b: Uri | undefined): boolean {
  const text = a.replace(/^<|>$/g, '');
  const parsed = (() => {
    try {
      return parseUri(text);
    } catch {
      return undefined;
    }
  })();
  if (parsed && b) return uriEquals(parsed, b);
  return b !== undefined && text === b.toString();
}

/**
 * Maps the document to our contact (RFC 3680 §5.3, guide §5.3.5): a terminated contact with
 * event `expired` → TIMEOUT; `deactivated`, `rejected` or `unregistered` → DEACTIVATED;
 * `probation` → PROBATION (with `retry-after`). Other contacts of our AoR are not ours to act on.
 */
export function newsForContact(info: Reginfo, aor: string, contact: string): OwnContactNews {
  const aorUri = (() => {
    try {
      return parseUri(aor);
    } catch {
      return undefined;
    }
  })();
  const contactUri = (() => {
    try {
      return parseUri(contact.replace(/^<|>$/g, ''));
    } catch {
      return undefined;
    }
  })();
  const ours = info.registrations.filter((r) => sameUri(r.aor, aorUri));
  if (ours.length === 0) return { kind: 'otherAor' };
  for (const registration of ours) {
    for (const entry of registration.contacts) {
      if (entry.state !== 'terminated' || !sameUri(entry.uri, contactUri)) continue;
      switch (entry.event) {
        case 'expired':
          return { kind: 'logout', reason: 'TIMEOUT', retryAfter: null, event: entry.event };
        case 'deactivated':
        case 'rejected':
        case 'unregistered':
          return { kind: 'logout', reason: 'DEACTIVATED', retryAfter: null, event: entry.event };
        case 'probation':
          return { kind: 'logout', reason: 'PROBATION', retryAfter: entry.retryAfter ?? 0, event: entry.event };
      }
    }
  }
  return { kind: 'none' };
}
