import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError } from '../errors.ts';
import type { SipUri } from '../uri/sip-uri.ts';
import { parseMessage } from './parser.ts';
import { SipRequest } from './message.ts';
import { digestChallenge, formatAuthValue, parseAuthValue } from './values/auth.ts';
import { formatVia, isRfc3261Branch, parseViaValue } from './values/via.ts';
import { formatNameAddr, parseNameAddr } from './values/name-addr.ts';
import { Params } from '../syntax/params.ts';

function request(headers: string): SipRequest {
  const message = parseMessage(`NOTIFY sip:a@b.example SIP/2.0\r\n${headers}Content-Length: 0\r\n\r\n`);
  assert.ok(message instanceof SipRequest);
  return message;
}

function invalid(read: () => unknown, header: string): void {
  assert.throws(read, (e: unknown) => e instanceof SipParseError && e.header === header && e.status === 400);
}

describe('typed header accessors', () => {
  it('Via: branch, received, rport, maddr, ttl, IPv6 sent-by', () => {
    const message = request(
      'Via: SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bKabc;received=192.0.2.1;rport=5071;maddr=224.0.1.75;ttl=16, SIP/2.0/TLS b.example;rport\r\n',
    );
    const [top, second] = message.via;
    assert.equal(top?.host, '[2001:db8::9]');
    assert.equal(top?.port, 5070);
    assert.equal(top?.branch, 'z9hG4bKabc');
    assert.equal(top?.received, '192.0.2.1');
    assert.equal(top?.rport, 5071);
    assert.equal(top?.maddr, '224.0.1.75');
    assert.equal(top?.ttl, 16);
    assert.equal(second?.transport, 'TLS');
    assert.equal(second?.rport, null);
    assert.equal(isRfc3261Branch(top?.branch), true);
    invalid(() => request('Via: SIP/2.0/UDP a.example;ttl=300\r\n').via, 'Via');
    invalid(() => request('Via: SIP/2.0/UDP a.example;received=nothost\r\n').via, 'Via');
    invalid(() => request('Via: SIP/2.0/UDP\r\n').via, 'Via');
    const built = formatVia({ transport: 'tcp', host: 'c.example', port: 5060, branch: 'z9hG4bK1', rport: true });
    assert.equal(built, 'SIP/2.0/TCP c.example:5060;branch=z9hG4bK1;rport');
    assert.equal(parseViaValue(built).rport, null);
  });

  it('Contact: *, expires and q, several fields', () => {
    assert.equal(request('Contact: *\r\n').contact.wildcard, true);
    const { contacts } = request(
      'Contact: <sip:a@b.example>;expires=3600;q=0.7, "X" <sip:c@d.example>\r\nm: sip:e@f.example;expires=99999999999\r\n',
    ).contact;
    assert.deepEqual(
      contacts.map((c) => [c.uri.toString(), c.expires, c.q, c.displayName]),
      [
        ['sip:a@b.example', 3600, 0.7, undefined],
        ['sip:c@d.example', undefined, undefined, 'X'],
        ['sip:e@f.example', 0xffffffff, undefined, undefined],
      ],
    );
    invalid(() => request('Contact: <sip:a@b.example>,,<sip:c@d.example>\r\n').contact, 'Contact');
  });

  it('Route and Record-Route keep order and lr', () => {
    const message = request(
      'Route: <sip:p1.example;lr>, <sip:p2.example;lr>\r\nRoute: <sip:p3.example>\r\nRecord-Route: <sip:rr.example;lr>\r\n',
    );
    assert.deepEqual(
      message.route.map((r) => (r.uri as SipUri).host),
      ['p1.example', 'p2.example', 'p3.example'],
    );
    assert.equal((message.route[2]!.uri as SipUri).lr, false);
    assert.equal((message.recordRoute[0]!.uri as SipUri).lr, true);
  });

  it('Authorization / WWW-Authenticate: digest params, commas inside quotes, never split', () => {
    const message = request(
      'WWW-Authenticate: Digest realm="atlanta, example", nonce="84a4cc6f3082121f32b42a2187831a9e", qop="auth,auth-int", algorithm=SHA-256, stale=TRUE, opaque=""\r\n' +
        'Proxy-Authorization: Digest username="bob", realm="b", nonce="n", uri="sip:a@b.example", response="0123", qop=auth, nc=00000001, cnonce="x\\"y"\r\n',
    );
    const challenge = digestChallenge(message.wwwAuthenticate[0]!);
    assert.deepEqual(challenge, {
      realm: 'atlanta, example',
      nonce: '84a4cc6f3082121f32b42a2187831a9e',
      opaque: '',
      algorithm: 'SHA-256',
      qop: ['auth', 'auth-int'],
      stale: true,
      domain: undefined,
    });
    const credentials = message.proxyAuthorization[0]!;
    assert.equal(credentials.params.get('cnonce'), 'x"y');
    assert.equal(credentials.params.get('nc'), '00000001');
    assert.equal(parseAuthValue('Basic QWxhZGRpbjpvcGVu', 'Authorization').token68, 'QWxhZGRpbjpvcGVu');
    const formatted = formatAuthValue('Digest', [
      ['username', 'bob'],
      ['qop', 'auth'],
      ['nc', '00000001'],
    ]);
    assert.equal(formatted, 'Digest username="bob", qop=auth, nc=00000001');
    assert.equal(
      formatAuthValue('Digest', [['qop', 'auth,auth-int']], { challenge: true }),
      'Digest qop="auth,auth-int"',
    );
  });

  it('Event, Subscription-State, Allow-Events', () => {
    const message = request(
      'Event: dialog;id=1234\r\nSubscription-State: terminated;reason=probation;retry-after=30\r\nAllow-Events: presence, dialog\r\n',
    );
    assert.equal(message.event?.value, 'dialog');
    assert.equal(message.event?.id, '1234');
    assert.equal(message.subscriptionState?.state, 'terminated');
    assert.equal(message.subscriptionState?.reason, 'probation');
    assert.equal(message.subscriptionState?.retryAfter, 30);
    assert.deepEqual(message.allowEvents, ['presence', 'dialog']);
  });

  it('RSeq, RAck, Session-Expires, Min-SE, Retry-After, Expires, Min-Expires', () => {
    const message = request(
      'RSeq: 988789\r\nRAck: 776656 1 INVITE\r\nSession-Expires: 1800;refresher=uas\r\nMin-SE: 90\r\nRetry-After: 18000 (in a meeting);duration=3600\r\nExpires: 7200\r\nMin-Expires: 60\r\n',
    );
    assert.equal(message.rseq, 988789);
    assert.deepEqual(message.rack, { rseq: 776656, cseq: 1, method: 'INVITE' });
    assert.equal(message.sessionExpires?.seconds, 1800);
    assert.equal(message.sessionExpires?.refresher, 'uas');
    assert.equal(message.minSE, 90);
    assert.equal(message.retryAfter?.seconds, 18000);
    assert.equal(message.retryAfter?.comment, 'in a meeting');
    assert.equal(message.retryAfter?.duration, 3600);
    assert.equal(message.expires, 7200);
    assert.equal(message.minExpires, 60);
    invalid(() => request('RSeq: 0\r\n').rseq, 'RSeq');
    invalid(() => request('Expires: soon\r\n').expires, 'Expires');
  });

  it('Refer-To with an embedded Replaces, Referred-By, Replaces', () => {
    const message = request(
      'Refer-To: <sip:dave@denver.example.org?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>\r\n' +
        'Referred-By: <sip:carol@cleveland.example.org>;cid="20398823.2UWQFN309shb3@referrer.example"\r\n' +
        'Replaces: 98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff;early-only\r\n',
    );
    const referTo = message.referTo!.uri as SipUri;
    assert.equal(referTo.headers[0]?.name, 'Replaces');
    assert.equal(message.referredBy?.params.get('cid'), '20398823.2UWQFN309shb3@referrer.example');
    assert.deepEqual(message.replaces, {
      callId: '98732@sip.example.com',
      toTag: 'ff87ff',
      fromTag: 'r33th4x0r',
      earlyOnly: true,
    });
    invalid(() => request('Replaces: 98732@sip.example.com;from-tag=a\r\n').replaces, 'Replaces');
  });

  it('Reason, Privacy, P-Asserted-Identity, P-Preferred-Identity, Diversion, History-Info', () => {
    const message = request(
      'Reason: SIP;cause=200;text="Call completed elsewhere", Q.850;cause=16;text="Terminated"\r\n' +
        'Privacy: id; header ;user\r\n' +
        'P-Asserted-Identity: "Cullen Jennings" <sip:fluffy@cisco.com>, tel:+14085264000\r\n' +
        'P-Preferred-Identity: <sip:alice@atlanta.example.com>\r\n' +
        'Diversion: <tel:+12125550100>;reason=unconditional;counter=1\r\n' +
        'History-Info: <sip:bob@example.com>;index=1, <sip:bob@192.0.2.4>;index=1.1\r\n',
    );
    assert.deepEqual(
      message.reasons.map((r) => [r.protocol, r.cause, r.text]),
      [
        ['SIP', 200, 'Call completed elsewhere'],
        ['Q.850', 16, 'Terminated'],
      ],
    );
    assert.deepEqual(message.privacy, ['id', 'header', 'user']);
    assert.equal(message.pAssertedIdentity[0]?.displayName, 'Cullen Jennings');
    assert.equal(message.pAssertedIdentity[1]?.uri.scheme, 'tel');
    assert.equal(message.pPreferredIdentity.length, 1);
    assert.equal(message.diversion[0]?.params.get('reason'), 'unconditional');
    assert.deepEqual(
      message.historyInfo.map((h) => h.params.get('index')),
      ['1', '1.1'],
    );
  });

  it('Require, Supported, Allow, Unsupported, Date, Content-Type params', () => {
    const message = request(
      'Require: 100rel\r\nSupported: timer, replaces\r\nSupported:\r\nAllow: INVITE, ACK,BYE\r\nUnsupported: foo\r\nDate: Sat, 13 Nov 2010 23:29:00 GMT\r\n' +
        'Content-Type: multipart/mixed ; boundary="abc def"\r\n',
    );
    assert.deepEqual(message.require, ['100rel']);
    assert.deepEqual(message.supported, ['timer', 'replaces']);
    assert.deepEqual(message.allow, ['INVITE', 'ACK', 'BYE']);
    assert.deepEqual(message.unsupported, ['foo']);
    assert.equal(message.date?.toISOString(), '2010-11-13T23:29:00.000Z');
    assert.equal(message.contentType?.params.get('boundary'), 'abc def');
  });

  it('typed values are cached until the header changes', () => {
    const message = request('Max-Forwards: 70\r\n');
    assert.equal(message.maxForwards, 70);
    message.headers.set('Max-Forwards', '69');
    assert.equal(message.maxForwards, 69);
    message.headers.prepend('Via', 'SIP/2.0/UDP new.example;branch=z9hG4bKn');
    message.headers.append('Via', 'SIP/2.0/UDP old.example;branch=z9hG4bKo');
    assert.deepEqual(
      message.via.map((v) => v.host),
      ['new.example', 'old.example'],
    );
    assert.equal(message.headers.removeFirstValue('Via'), true);
    assert.deepEqual(
      message.via.map((v) => v.host),
      ['old.example'],
    );
  });

  it('formats name-addrs', () => {
    const value = parseNameAddr('"A \\"B\\"" <sip:a@b.example>;tag=x', 'From');
    assert.equal(value.displayName, 'A "B"');
    assert.equal(formatNameAddr(value), '"A \\"B\\"" <sip:a@b.example>;tag=x');
    assert.equal(
      formatNameAddr({ displayName: 'Bob', uri: 'sip:bob@b.example', params: new Params().set('tag', 'abc') }),
      'Bob <sip:bob@b.example>;tag=abc',
    );
  });
});

describe('lazy reads (bench/sip-parser: a reader pays only for what it reads)', () => {
  it('topVia parses the first Via field only; via still checks every value', () => {
    const message = request('Via: SIP/2.0/UDP a.example;branch=z9hG4bKtop\r\nVia: SIP/2.0/UDP ;;\r\n');
    assert.equal(message.topVia?.branch, 'z9hG4bKtop');
    invalid(() => message.via, 'Via');
    // A new topmost Via replaces the cached one.
    message.headers.prepend('Via', 'SIP/2.0/TCP b.example;branch=z9hG4bKnew');
    assert.equal(message.topVia?.branch, 'z9hG4bKnew');
    const listed = request('Via: SIP/2.0/UDP a.example;branch=z9hG4bK1, SIP/2.0/UDP b.example;branch=z9hG4bK2\r\n');
    assert.equal(listed.topVia?.host, 'a.example');
    assert.equal(listed.via.length, 2);
    assert.equal(listed.topVia, listed.via[0]);
  });

  it('a name-addr URI read in place is parsed when used, with the error parseNameAddr gives', () => {
    const bad = request('From: <sip:alice@exa mple.com>;tag=1\r\nTo: sip:bob@[::1;tag=2\r\n');
    assert.equal(bad.from?.tag, '1');
    assert.equal(bad.to?.tag, '2');
    invalid(() => bad.from!.uri, 'From');
    invalid(() => bad.to!.uri, 'To');
    assert.throws(
      () => parseNameAddr('<sip:alice@exa mple.com>;tag=1', 'From'),
      (e: unknown) => e instanceof SipParseError && e.header === 'From',
    );
  });

  it('bare addr-specs read in place match the full grammar', () => {
    const message = request(
      'From: sip:alice@a.example;tag=9\r\nTo: sips:bob@b.example:5061;transport=tcp\r\nContact: sip:c@192.0.2.1;expires=60\r\n',
    );
    for (const [value, header] of [
      [message.from!, 'sip:alice@a.example;tag=9'],
      [message.to!, 'sips:bob@b.example:5061;transport=tcp'],
      [message.contact.contacts[0]!, 'sip:c@192.0.2.1;expires=60'],
    ] as const) {
      const full = parseNameAddr(header, 'X');
      assert.equal(value.displayName, full.displayName);
      assert.equal(value.uri.toString(), full.uri.toString());
      assert.deepEqual(value.params.entries, full.params.entries);
    }
    assert.equal(message.from!.tag, '9');
    // Bare, the ";" starts header parameters (§20.10): transport is not the URI's.
    assert.equal(message.to!.params.get('transport'), 'tcp');
    assert.equal((message.to!.uri as SipUri).params.size, 0);
    assert.equal((message.contact.contacts[0]!.uri as SipUri).host, '192.0.2.1');
    assert.equal(message.contact.contacts[0]!.expires, 60);
    // "?" outside <> is refused (RFC 4475 §3.1.2.13), as by the full grammar.
    invalid(() => request('Contact: sip:c@a.example?Subject=x\r\n').contact, 'Contact');
  });

  it('quoted parameter values and UTF-8 values are read in place, as the full grammar reads them', () => {
    // RFC 4475 §3.1.1.2 intmeth: a From whose parameter is a quoted UTF-8 string.
    const values = [
      '"Алиса" <sip:alice@a.example>;p="работающий";tag=t1',
      '<sip:alice@a.example>;p="a;b=c \\"q\\"";tag="quoted tag";x',
      'Bob <sip:bob@b.example>;tag=t2;note="\t"',
    ];
    for (const value of values) {
      const message = request(`From: ${value}\r\nVia: SIP/2.0/UDP h.example;branch=z9hG4bK1;n="a;b"\r\n`);
      const full = parseNameAddr(value, 'From');
      assert.equal(message.from!.displayName, full.displayName, value);
      assert.equal(message.from!.tag, full.params.get('tag'), value);
      assert.deepEqual(message.from!.params.entries, full.params.entries, value);
      assert.equal(message.from!.uri.toString(), full.uri.toString(), value);
      assert.equal(message.topVia!.branch, 'z9hG4bK1');
      assert.deepEqual(
        message.topVia!.params.entries,
        parseViaValue('SIP/2.0/UDP h.example;branch=z9hG4bK1;n="a;b"').params.entries,
      );
    }
    assert.equal(parseNameAddr(values[1]!, 'From').params.get('tag'), 'quoted tag');
    // Unterminated or broken quoted values still give the full grammar's error.
    invalid(() => request('From: <sip:a@a.example>;p="open;tag=1\r\n').from, 'From');
    invalid(() => request('From: <sip:a@a.example>;p="a"b;tag=1\r\n').from, 'From');
  });

  it('folded values are read in place, as their unfolded text reads (RFC 3261 §7.3.1)', () => {
    const message = request(
      'Contact: "A\r\n  B" <sip:a@a.example>\r\n ;\r\n expires = 60 , <sip:b@b.example>;q=0.5\r\n' +
        'Via: SIP / 2.0\r\n /UDP h1.example\r\n  ;branch=z9hG4bK1 ,\r\n SIP/2.0/TCP h2.example;branch=z9hG4bK2\r\n' +
        'CSeq: 7\r\n  INVITE\r\nFrom: <sip:f@f.example>\r\n ;tag = x\r\n',
    );
    const contacts = message.contact.contacts;
    assert.deepEqual(
      contacts.map((c) => [c.displayName, c.uri.toString(), c.expires, c.q]),
      [
        ['A  B', 'sip:a@a.example', 60, undefined],
        [undefined, 'sip:b@b.example', undefined, 0.5],
      ],
    );
    assert.deepEqual(
      message.via.map((v) => [v.transport, v.host, v.branch]),
      [
        ['UDP', 'h1.example', 'z9hG4bK1'],
        ['TCP', 'h2.example', 'z9hG4bK2'],
      ],
    );
    assert.equal(message.topVia?.host, 'h1.example');
    assert.deepEqual(message.cseq, { seq: 7, method: 'INVITE' });
    assert.equal(message.from?.tag, 'x');
    // An empty element between folds is still an error, and errors count offsets in the value.
    invalid(() => request('Route: <sip:r@r.example>,\r\n ,<sip:s@s.example>\r\n').route, 'Route');
    assert.throws(
      () => request('CSeq: 7\r\n INVITE x\r\n').cseq,
      (e: unknown) => e instanceof SipParseError && e.header === 'CSeq',
    );
  });

  it('a UTF-8 Reason-Phrase is decoded; control characters and bad UTF-8 are refused', () => {
    const reason = '= 2**3 * 5**2 но сто девяносто девять - простое';
    const ok = parseMessage(`SIP/2.0 200 ${reason}\r\nContent-Length: 0\r\n\r\n`);
    assert.equal(ok.kind === 'response' && ok.reason, reason);
    assert.throws(() => parseMessage(Buffer.from('SIP/2.0 200 O\x01K\r\n\r\n', 'latin1')), SipParseError);
    assert.throws(() => parseMessage(Buffer.from('SIP/2.0 200 \xd0\xbd\x01\r\n\r\n', 'latin1')), SipParseError);
    assert.throws(
      () => parseMessage(Buffer.from('SIP/2.0 200 \xc0\xafbad\r\n\r\n', 'latin1')),
      (e: unknown) => e instanceof SipParseError && e.code === 'INVALID_UTF8',
    );
    // U+FFFD itself is valid UTF-8.
    const replacement = parseMessage('SIP/2.0 200 \uFFFD\r\n\r\n');
    assert.equal(replacement.kind === 'response' && replacement.reason, '\uFFFD');
  });
});
