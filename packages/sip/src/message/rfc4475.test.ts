/**
 * Every message of RFC 4475 (fixtures copied bit-exact into ./fixtures/rfc4475): §3.1.1 must
 * parse to the values the RFC describes; §3.1.2 must be rejected with the right code (and, for
 * requests, the status to answer); §3.2-3.4 parse, and the checks named there give the RFC's
 * answer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from './fixtures/load.ts';
import { SipParseError, type SipErrorCode } from '../errors.ts';
import { SipUri } from '../uri/sip-uri.ts';
import { parseMessage } from './parser.ts';
import { checkRequire, validateMessage } from './validate.ts';
import { serializeMessage } from './serializer.ts';
import { parseMultipart } from './multipart.ts';
import type { SipMessage, SipRequest, SipResponse } from './message.ts';
import { isRfc3261Branch } from './values/via.ts';

function accept(name: string): SipMessage {
  const message = parseMessage(fixture(name));
  validateMessage(message);
  return message;
}

function request(name: string): SipRequest {
  const message = accept(name);
  assert.equal(message.kind, 'request');
  return message as SipRequest;
}

function response(name: string): SipResponse {
  const message = accept(name);
  assert.equal(message.kind, 'response');
  return message as SipResponse;
}

function rejects(name: string, code: SipErrorCode, status: number | undefined): void {
  assert.throws(
    () => validateMessage(parseMessage(fixture(name))),
    (error: unknown) => {
      assert.ok(error instanceof SipParseError, `${name}: ${String(error)}`);
      assert.equal(error.code, code, `${name}: ${error.message}`);
      assert.equal(error.status, status, `${name}: status`);
      return true;
    },
  );
}

describe('RFC 4475 §3.1.1 valid messages', () => {
  it('3.1.1.1 wsinv: folding, LWS everywhere, escaped quotes', () => {
    const req = request('wsinv');
    assert.equal(req.method, 'INVITE');
    assert.equal(req.to?.tag, '1918181833n');
    assert.equal(req.from?.tag, '98asjd8');
    assert.equal(req.from?.displayName, 'J Rosenberg \\"');
    assert.equal(req.maxForwards, 68);
    assert.deepEqual(req.cseq, { seq: 9, method: 'INVITE' });
    assert.equal(req.callId, 'wsinv.ndaksdj@192.0.2.1');
    const vias = req.via.map((v) => [v.transport, v.host, v.branch]);
    assert.deepEqual(vias, [
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    assert.equal(req.headers.get('Subject'), '');
    assert.equal(req.headers.get('NewFangledHeader'), 'newfangled value continued newfangled value');
    assert.equal(req.headers.get('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
    const [contact] = req.contact.contacts;
    assert.equal(contact?.displayName, 'Quoted string ""');
    assert.equal(contact?.params.get('newparam'), 'newvalue');
    assert.equal(contact?.params.get('secondparam'), null);
    assert.equal(contact?.q, 0.33);
    const [route] = req.route;
    assert.ok(route?.uri instanceof SipUri && route.uri.lr);
    assert.equal(req.body.length, 150);
    assert.equal(req.contentType?.mediaType, 'application/sdp');
  });

  it('3.1.1.2 intmeth: unusual method, user, password, quoted controls, UTF-8', () => {
    const req = request('intmeth');
    const method = "!interesting-Method0123456789_*+`.%indeed'~";
    assert.equal(req.method, method);
    assert.equal(req.cseq?.method, method);
    const uri = req.uri as SipUri;
    assert.equal(uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert.equal(uri.host, 'example.com');
    assert.equal(req.to?.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
    assert.equal(req.from?.displayName, "token1~` token2'+_ token3*%!.-");
    assert.equal(req.from?.params.get("fromParam''~+*_!.-%"), 'работающий');
    assert.equal(req.from?.tag, "_token~1'+`*%!-.");
    assert.equal(req.callId, 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    assert.equal(req.maxForwards, 255);
    assert.equal(req.headers.get("extensionHeader-!.%*+_`'~"), '\uFEFF大停電');
    assert.equal(req.topVia?.branch, "z9hG4bK-.!%66*_+`'~");
  });

  it('3.1.1.3 esc01: escapes are equivalent, never recursive', () => {
    const req = request('esc01');
    const ruri = req.uri as SipUri;
    assert.equal(ruri.decodedUser, 'sips:user@example.com');
    assert.equal(ruri.host, 'example.net');
    assert.equal((req.to?.uri as SipUri).decodedUser, 'user');
    assert.equal((req.from?.uri as SipUri).decodedUser, 'I have spaces');
    const contact = req.contact.contacts[0]!.uri as SipUri;
    assert.equal(contact.decodedUser, 'caller');
    assert.equal(contact.lr, true);
    assert.equal(contact.params.get('name'), 'value%41');
    assert.equal(req.contentType?.mediaType, 'application/sdp');
  });

  it('3.1.1.4 escnull: %00 stays an escape and contacts stay distinct', () => {
    const req = request('escnull');
    assert.equal((req.to?.uri as SipUri).decodedUser, 'null-\x00-null');
    const users = req.contact.contacts.map((c) => (c.uri as SipUri).user);
    assert.deepEqual(users, ['%00', '%00%00']);
    assert.ok(!serializeMessage(req).includes(0));
  });

  it('3.1.1.5 esc02: RE%47IST%45R is an extension method; C%6Fntact is not Contact', () => {
    const req = request('esc02');
    assert.equal(req.method, 'RE%47IST%45R');
    assert.notEqual(req.method, 'REGISTER');
    assert.equal(req.to?.displayName, '%Z%45');
    assert.equal(req.topVia?.branch, 'z9hG4bK209%fzsnel234');
    assert.equal(req.contact.contacts.length, 2);
    assert.equal(req.headers.get('C%6Fntact'), '<sip:alias2@host2.example.com>');
  });

  it('3.1.1.6 lwsdisp: no LWS between display name and <', () => {
    assert.equal(request('lwsdisp').from?.displayName, 'caller');
  });

  it('3.1.1.7 longreq: long values and 34 Via values', () => {
    const req = request('longreq');
    assert.equal(req.via.length, 34);
    assert.ok((req.to?.uri.toString().length ?? 0) > 200);
    assert.equal(req.from?.tag?.length, 155);
    assert.equal(req.body.length, 150);
    const name = 'Unknown-LongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLong-Name';
    assert.ok(fixture('longreq').includes(Buffer.from(req.headers.get(name)!)));
  });

  it('3.1.1.8 dblreq: octets after Content-Length in a datagram are discarded', () => {
    const req = request('dblreq');
    assert.equal(req.method, 'REGISTER');
    assert.equal(req.body.length, 0);
    assert.equal(req.callId, 'dblreq.0ha0isndaksdj99sdfafnl3lk233412');
    assert.ok(!serializeMessage(req).toString().includes('INVITE'));
  });

  it('3.1.1.9 semiuri: ";" in the user part is not a parameter', () => {
    const req = request('semiuri');
    const uri = req.uri as SipUri;
    assert.equal(uri.user, 'user;par=u%40example.net');
    assert.equal(uri.host, 'example.com');
    assert.equal(uri.params.size, 0);
    assert.deepEqual(req.headers.values('Accept'), [
      'application/sdp',
      'application/pkcs7-mime',
      'multipart/mixed',
      'multipart/signed',
      'message/sip',
      'message/sipfrag',
    ]);
  });

  it('3.1.1.10 transports: varied and unknown transports', () => {
    assert.deepEqual(
      request('transports').via.map((v) => v.transport),
      ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP'],
    );
  });

  it('3.1.1.11 mpart01: a multipart body with a binary part survives', () => {
    const req = request('mpart01');
    assert.equal(req.body.length, 553);
    assert.ok(fixture('mpart01').subarray(-553).equals(req.body));
    const parts = parseMultipart(req.body, req.contentType!);
    assert.equal(parts.length, 2);
    assert.equal(parts[0]!.headers.get('Content-Type'), 'text/plain');
    assert.equal(parts[0]!.body.toString(), 'Hello');
    assert.equal(parts[1]!.headers.get('Content-Type'), 'application/octet-stream');
    assert.equal(parts[1]!.body[0], 0x30);
  });

  it('3.1.1.12 unreason: UTF-8 Reason-Phrase', () => {
    const res = response('unreason');
    assert.equal(res.status, 200);
    assert.equal(res.reason, '= 2**3 * 5**2 но сто девяносто девять - простое');
  });

  it('3.1.1.13 noreason: empty Reason-Phrase', () => {
    const res = response('noreason');
    assert.equal(res.status, 100);
    assert.equal(res.reason, '');
    assert.ok(serializeMessage(res).toString().startsWith('SIP/2.0 100 \r\n'));
  });
});

describe('RFC 4475 §3.1.2 invalid messages', () => {
  const table: Array<[string, SipErrorCode, number | undefined]> = [
    ['badinv01', 'INVALID_HEADER_VALUE', 400], // 3.1.2.1 extraneous separators
    ['clerr', 'CONTENT_LENGTH_EXCEEDS_BODY', 400], // 3.1.2.2
    ['ncl', 'INVALID_CONTENT_LENGTH', 400], // 3.1.2.3 negative
    ['scalar02', 'INVALID_CSEQ', 400], // 3.1.2.4 CSeq 2**65
    ['scalarlg', 'INVALID_CSEQ', undefined], // 3.1.2.5 a response: dropped
    ['quotbal', 'INVALID_HEADER_VALUE', 400], // 3.1.2.6 unterminated quote
    ['ltgtruri', 'INVALID_REQUEST_URI', 400], // 3.1.2.7 <> around Request-URI
    ['lwsruri', 'INVALID_START_LINE', 400], // 3.1.2.8 LWS in Request-URI
    ['lwsstart', 'INVALID_START_LINE', 400], // 3.1.2.9 multiple SP
    ['trws', 'INVALID_START_LINE', 400], // 3.1.2.10 trailing SP
    ['escruri', 'INVALID_REQUEST_URI', 400], // 3.1.2.11 headers in Request-URI
    ['baddate', 'INVALID_DATE', 400], // 3.1.2.12 non-GMT Date
    ['regbadct', 'INVALID_HEADER_VALUE', 400], // 3.1.2.13 "?" in unbracketed Contact
    ['badaspec', 'INVALID_HEADER_VALUE', 400], // 3.1.2.14 spaces in addr-spec
    ['baddn', 'INVALID_HEADER_VALUE', 400], // 3.1.2.15 unquoted display name with ","
    ['badvers', 'VERSION_NOT_SUPPORTED', 505], // 3.1.2.16 SIP/7.0
    ['mismatch01', 'CSEQ_METHOD_MISMATCH', 400], // 3.1.2.17
    ['mismatch02', 'CSEQ_METHOD_MISMATCH', 400], // 3.1.2.18
    ['bigcode', 'INVALID_STATUS_CODE', undefined], // 3.1.2.19 a response: dropped
    ['test', 'INVALID_START_LINE', 400], // extra: Request-Line without version
  ];
  for (const [name, code, status] of table) {
    it(`${name}: ${code}${status === undefined ? ' (dropped)' : ` → ${status}`}`, () => rejects(name, code, status));
  }

  it('rejected requests carry the headers needed for the answer (§8.2.6)', () => {
    for (const name of ['badinv01', 'clerr', 'lwsstart', 'mismatch01', 'badvers']) {
      try {
        validateMessage(parseMessage(fixture(name)));
        assert.fail(name);
      } catch (error) {
        assert.ok(error instanceof SipParseError && error.headers !== undefined, name);
        assert.ok(error.headers.has('Call-ID'), name);
      }
    }
  });
});

describe('RFC 4475 §3.2-3.4 semantics', () => {
  it('3.2.1 badbranch: parses; a bare magic cookie is not an RFC 3261 branch', () => {
    const req = request('badbranch');
    assert.equal(req.topVia?.branch, 'z9hG4bK');
    assert.equal(isRfc3261Branch(req.topVia?.branch), false);
  });

  it('3.3.1 insuf: missing To/From/Call-ID/Max-Forwards → 400', () => rejects('insuf', 'MISSING_HEADER', 400));
  it('3.3.2 unkscm: unknown Request-URI scheme → 416', () => rejects('unkscm', 'UNSUPPORTED_URI_SCHEME', 416));
  it('3.3.3 novelsc: atypical Request-URI scheme → 416', () => rejects('novelsc', 'UNSUPPORTED_URI_SCHEME', 416));

  it('3.3.4 unksm2: unknown schemes in To/From/Contact parse', () => {
    const req = request('unksm2');
    assert.equal(req.to?.uri.scheme, 'isbn');
    assert.equal(req.from?.uri.scheme, 'http');
    assert.equal(req.contact.contacts[0]?.uri.scheme, 'name');
  });

  it('3.3.5 bext01: unknown Require → 420 listing the tags', () => {
    const req = request('bext01');
    assert.deepEqual(req.require, ['nothingSupportsThis', 'nothingSupportsThisEither']);
    assert.deepEqual(req.proxyRequire, ['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
    assert.throws(
      () => checkRequire(req, ['100rel', 'timer']),
      (e: unknown) =>
        e instanceof SipParseError &&
        e.code === 'BAD_EXTENSION' &&
        e.status === 420 &&
        e.message.includes('nothingSupportsThisEither'),
    );
  });

  it('3.3.6 invut: unknown Content-Type parses (415 is the UA core’s)', () => {
    assert.equal(request('invut').contentType?.mediaType, 'application/unknownformat');
  });

  it('3.3.7 regaut01: unknown authorization scheme parses', () => {
    const [auth] = request('regaut01').authorization;
    assert.equal(auth?.scheme, 'NoOneKnowsThisScheme');
    assert.equal(auth?.params.get('opaque-data'), 'here');
  });

  it('3.3.8 multi01: several values in single-value fields → 400', () => rejects('multi01', 'DUPLICATE_HEADER', 400));
  it('3.3.9 mcl01: multiple Content-Length → 400', () => rejects('mcl01', 'MULTIPLE_CONTENT_LENGTH', 400));

  it('3.3.10 bcast: 200 OK with a broadcast second Via parses', () => {
    const res = response('bcast');
    assert.equal(res.via[1]?.host, '255.255.255.255');
  });

  it('3.3.11 zeromf: Max-Forwards 0 parses', () => assert.equal(request('zeromf').maxForwards, 0));

  it('3.3.12 cparam01: unbracketed Contact: ;unknownparam is a header parameter', () => {
    const [contact] = request('cparam01').contact.contacts;
    assert.equal(contact?.params.has('unknownparam'), true);
    assert.equal((contact?.uri as SipUri).params.size, 0);
  });

  it('3.3.13 cparam02: bracketed Contact: ;unknownparam is a URI parameter', () => {
    const [contact] = request('cparam02').contact.contacts;
    assert.equal(contact?.params.size, 0);
    assert.equal((contact?.uri as SipUri).params.has('unknownparam'), true);
  });

  it('3.3.14 regescrt: an escaped Route header in a bracketed Contact URI', () => {
    const uri = request('regescrt').contact.contacts[0]?.uri as SipUri;
    assert.deepEqual(uri.headers, [{ name: 'Route', value: '%3Csip:sip.example.com%3E' }]);
  });

  it('3.3.15 sdp01: unacceptable Accept parses', () => {
    assert.equal(request('sdp01').headers.get('Accept'), 'text/nobodyKnowsThis');
  });

  it('3.4.1 inv2543: an RFC 2543 INVITE is accepted', () => {
    const req = request('inv2543');
    assert.equal(req.topVia?.branch, undefined);
    assert.equal(req.maxForwards, undefined);
    assert.equal(req.from?.tag, undefined);
    assert.equal(req.to?.params.get('user'), 'phone');
    assert.equal(req.body.toString().startsWith('v=0'), true); // no Content-Length: the body runs to the end of the datagram (§18.3)
  });
});
