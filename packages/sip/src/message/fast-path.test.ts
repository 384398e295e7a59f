/**
 * The typed getters read a value written the common way in one pass, in place in the header
 * section, and everything else through the full grammar (name-addr.ts, via.ts, numbers.ts,
 * message.ts). This differential test holds them to each other: every RFC 4475 message and
 * seeded mutations of them are read twice — as parsed (fields in place) and as a copy whose
 * fields were built by code from the same raw values (plain fields, which only the full
 * grammar reads) — and both readings must agree: the same values, or an error from the same
 * header with the same code.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { SipParseError } from '../errors.ts';
import { seededRandom } from '@talkbus/testing';
import { fixture, fixtureNames } from './fixtures/load.ts';
import { mutate } from './fixtures/mutate.ts';
import { SipRequest, SipResponse, type SipMessage } from './message.ts';
import type { NameAddr } from './values/name-addr.ts';
import type { Via } from './values/via.ts';
import { parseMessage } from './parser.ts';

const CASES = 50_000;
const SEED = 0xfa57ba7e;

/** The same message with every field rebuilt by code from its name and raw value. */
function rebuilt(message: SipMessage): SipMessage {
  const headers = message.headers.fields.map((field) => [field.name, field.raw] as const);
  const common = { headers, body: message.body, version: message.version };
  return message.kind === 'request'
    ? new SipRequest({ ...common, method: message.method, uri: message.requestUri })
    : new SipResponse({ ...common, status: message.status, reason: message.reason });
}

/** What a read gave, as plain data: a value, or the error's header and code. */
function outcome(read: () => unknown): unknown {
  try {
    return { value: read() };
  } catch (error) {
    if (!(error instanceof SipParseError)) throw error;
    return { error: [error.header, error.code, error.status] };
  }
}

function nameAddr(value: NameAddr | undefined): unknown {
  if (value === undefined) return undefined;
  return {
    displayName: value.displayName,
    params: value.params.entries,
    uri: outcome(() => value.uri.toString()),
  };
}

function via(value: Via | undefined): unknown {
  if (value === undefined) return undefined;
  const { params, ...rest } = value;
  return { ...rest, params: params.entries };
}

/** Every getter the in-place readers serve, read once each. */
function readings(message: SipMessage): Record<string, unknown> {
  return {
    topVia: outcome(() => via(message.topVia)),
    via: outcome(() => message.via.map(via)),
    from: outcome(() => {
      const from = message.from;
      return from === undefined ? undefined : { tag: from.tag, ...(nameAddr(from) as object) };
    }),
    to: outcome(() => {
      const to = message.to;
      return to === undefined ? undefined : { tag: to.tag, ...(nameAddr(to) as object) };
    }),
    contact: outcome(() => {
      const contact = message.contact;
      return {
        wildcard: contact.wildcard,
        contacts: contact.contacts.map((c) => ({ expires: c.expires, q: c.q, ...(nameAddr(c) as object) })),
      };
    }),
    route: outcome(() => message.route.map(nameAddr)),
    callId: outcome(() => message.callId),
    cseq: outcome(() => message.cseq),
  };
}

describe('in-place readers against the full grammar (differential)', () => {
  it('read every RFC 4475 message as the full grammar does', () => {
    let compared = 0;
    for (const name of fixtureNames()) {
      let message: SipMessage;
      try {
        message = parseMessage(fixture(name));
      } catch {
        continue;
      }
      assert.deepEqual(readings(message), readings(rebuilt(message)), name);
      compared++;
    }
    assert.ok(compared >= 30, `only ${compared} fixtures parsed`);
  });

  it('read hand-picked values of every shape as the full grammar does', () => {
    const values: Record<string, string[]> = {
      From: [
        '<sip:a@b.example>;tag="x y"',
        '"A" <sip:a@b.example>;TAG=1;tag=2',
        'A  B <sip:a@b.example>;tag=1',
        'A B<sip:a@b.example>',
        '"\\"\\\\" <sip:a@b.example>;tag=t',
        '<sip:a@b.example>;tag',
        '<sip:a@b.example>;tag=',
        '"Ж" <sip:a@b.example>;p="ю;=,";tag=t',
        'sip:a@b.example?x=y',
        'sip:a@b.example;tag=1;p="q"',
        '<sips:a@b.example:5061;transport=tcp>;tag=1',
        '<tel:+1-555>;tag=1',
        '< sip:a@b.example>;tag=1',
      ],
      Contact: [
        '<sip:a@b.example>;expires="60";q=0.5',
        '<sip:a@b.example>;EXPIRES=60;Q=1.0',
        '*',
        '<sip:a@b.example>,<sip:c@d.example>;q=0.1',
        '<sip:a,b@c.example>',
        '"a,b" <sip:c@d.example>',
        'sip:a@b.example;expires=10, sip:c@d.example',
        '<sip:a@b.example>;q=2',
        '<sip:a@b.example>,',
      ],
      Via: [
        'SIP/2.0/UDP h.example;branch="z9hG4bK1"',
        'SIP/2.0/udp h.example:5060;BRANCH=x;rport',
        'SIP/2.0/UDP h.example;received=192.0.2.1;rport=5',
        'SIP/2.0/UDP h.example;x="a,b";branch=z9hG4bK2',
        'SIP/2.0/UDP h.example , SIP/2.0/TCP g.example;branch=z9hG4bK3',
        'SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK4',
        'SIP/2.0/UDP h.example;branch',
        'SIP/2.0/UDP h.example;ttl=300',
        'SIP/2.0/UDP h.example;received=x',
      ],
      Route: ['<sip:r@r.example;lr>,<sip:s@s.example;lr>', '<sip:r@r.example;lr>;x="y,z"'],
      'Call-ID': ['a@b', 'a@b@c', '@a', 'a b'],
      CSeq: ['1 INVITE', '01 INVITE', '2147483648 INVITE', '1  INVITE', '1 INVITE x'],
    };
    for (const [name, list] of Object.entries(values)) {
      for (const value of list) {
        const message = parseMessage(`OPTIONS sip:a@b.example SIP/2.0\r\n${name}: ${value}\r\n\r\n`);
        assert.deepEqual(readings(message), readings(rebuilt(message)), `${name}: ${value}`);
      }
    }
  });

  it(`read ${CASES} mutated torture messages as the full grammar does`, () => {
    const next = seededRandom(SEED);
    const corpus = fixtureNames().map(fixture);
    let compared = 0;
    for (let i = 0; i < CASES; i++) {
      const input = mutate(corpus[Math.floor(next() * corpus.length)]!, next);
      let message: SipMessage;
      try {
        message = parseMessage(input);
      } catch {
        continue;
      }
      const inPlace = readings(message);
      const full = readings(rebuilt(message));
      if (!isDeepStrictEqual(inPlace, full))
        assert.deepEqual(inPlace, full, `case ${i}: ${JSON.stringify(input.toString('latin1'))}`);
      compared++;
    }
    // About a fifth still parse (the readers then see odd values); the rest are refused, most
    // for a Content-Length that no longer fits.
    assert.ok(compared > CASES / 10, `only ${compared} of ${CASES} cases parsed`);
  });
});
