import { scanHostAt } from './host.ts';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError } from '../errors.ts';
import { uriEquals } from './compare.ts';
import { parseUri, type Uri } from './uri.ts';
import { SipUri } from './sip-uri.ts';
import { TelUri } from './tel-uri.ts';

function sip(text: string): SipUri {
  const uri = parseUri(text);
  assert.ok(uri instanceof SipUri, text);
  return uri;
}

describe('sip URI parsing', () => {
  it('reads every component', () => {
    const uri = sip(
      'sips:alice:secret@Atlanta.example.com:5061;transport=TCP;lr;maddr=239.255.255.1;ttl=15?subject=project%20x&priority=urgent',
    );
    assert.equal(uri.scheme, 'sips');
    assert.equal(uri.user, 'alice');
    assert.equal(uri.password, 'secret');
    assert.equal(uri.host, 'Atlanta.example.com');
    assert.equal(uri.port, 5061);
    assert.equal(uri.transport, 'tcp');
    assert.equal(uri.lr, true);
    assert.equal(uri.maddr, '239.255.255.1');
    assert.equal(uri.ttl, 15);
    assert.deepEqual(uri.headers, [
      { name: 'subject', value: 'project%20x' },
      { name: 'priority', value: 'urgent' },
    ]);
  });

  it('keeps IPv6 references and ports', () => {
    const uri = sip('sip:[2001:db8::10]:5070;transport=udp');
    assert.equal(uri.host, '[2001:db8::10]');
    assert.equal(uri.port, 5070);
    assert.equal(uri.hostKind, 'ipv6');
    assert.equal(sip('sip:[::1]').hostport, '[::1]');
  });

  it('reads a user part holding ";" and "?" (RFC 4475 §3.1.1.9 semiuri)', () => {
    const uri = sip('sip:user;par=u%40example.net@example.com');
    assert.equal(uri.user, 'user;par=u%40example.net');
    assert.equal(uri.decodedUser, 'user;par=u@example.net');
    assert.equal(uri.host, 'example.com');
    assert.equal(uri.params.size, 0);
  });

  it('unescapes once, never recursively (RFC 4475 §3.1.1.3 esc01)', () => {
    const uri = sip('sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31');
    assert.equal(uri.decodedUser, 'caller');
    assert.equal(uri.lr, true);
    assert.equal(uri.params.get('name'), 'value%41');
    assert.equal(sip('sip:sips%3Auser%40example.com@example.net').decodedUser, 'sips:user@example.com');
  });

  it('round-trips its wire form', () => {
    for (const text of [
      'sip:alice@atlanta.com',
      'sip:%61lice@atlanta.com;transport=TCP',
      'sips:bob:pw@[::1]:5061;lr;foo=bar?h=v&i=',
      'sip:+1-212-555-1212:1234@gateway.com;user=phone',
      'sip:null-%00-null@example.com',
    ]) {
      assert.equal(parseUri(text).toString(), text);
    }
  });

  it('rejects malformed URIs with INVALID_URI', () => {
    for (const text of [
      'sip:',
      'sip:user@',
      'sip:@host',
      'sip:host:99999',
      'sip:user@example.com; lr',
      'sip:a b@c',
      'sip:host;=x',
      'sip:[::1',
      'sip:1.2.3',
      'sip:host?x',
      '<sip:a@b>',
      'tel:',
      'tel:+',
      'tel:+1;ext=abc',
      'foo:',
    ]) {
      assert.throws(
        () => parseUri(text),
        (error: unknown) => error instanceof SipParseError && error.code === 'INVALID_URI',
        text,
      );
    }
  });

  it('keeps unknown schemes opaque', () => {
    const uri = parseUri('soap.beep://192.0.2.103:3002');
    assert.equal(uri.kind, 'absolute');
    assert.equal(uri.scheme, 'soap.beep');
    assert.equal(uri.toString(), 'soap.beep://192.0.2.103:3002');
  });
});

describe('tel URI (RFC 3966)', () => {
  it('reads global numbers with visual separators', () => {
    const uri = parseUri('tel:+86-10-1234;isub=1411;ext=22') as TelUri;
    assert.ok(uri instanceof TelUri);
    assert.equal(uri.isGlobal, true);
    assert.equal(uri.number, '+86-10-1234');
    assert.equal(uri.normalizedNumber, '+86101234');
    assert.equal(uri.isub, '1411');
    assert.equal(uri.ext, '22');
    assert.equal(uri.toString(), 'tel:+86-10-1234;isub=1411;ext=22');
  });

  it('reads local numbers with phone-context', () => {
    const uri = parseUri('tel:7042;phone-context=example.com') as TelUri;
    assert.equal(uri.isGlobal, false);
    assert.equal(uri.phoneContext, 'example.com');
    const hex = parseUri('tel:*61#;phone-context=+1-212') as TelUri;
    assert.equal(hex.normalizedNumber, '*61#');
  });

  it('compares per RFC 3966 §4', () => {
    const eq = (a: string, b: string): boolean => uriEquals(parseUri(a), parseUri(b));
    assert.ok(eq('tel:+1-201-555-0123', 'tel:+1(201)555.0123'));
    assert.ok(eq('tel:7042;phone-context=example.com', 'tel:7042;phone-context=EXAMPLE.com'));
    assert.ok(eq('tel:+1-201-555-0123;ext=1;isub=2', 'tel:+12015550123;isub=2;ext=1'));
    assert.ok(!eq('tel:+1-201-555-0123', 'tel:1-201-555-0123;phone-context=+1'));
    assert.ok(!eq('tel:7042;phone-context=example.com', 'tel:7042;phone-context=example.net'));
    assert.ok(!eq('tel:+12015550123', 'tel:+12015550123;ext=1'));
    assert.ok(!eq('tel:+12015550123', 'sip:+12015550123@example.com'));
  });
});

describe('uriEquals (RFC 3261 §19.1.4)', () => {
  const check = (a: string, b: string): boolean => {
    const left: Uri = parseUri(a);
    const right: Uri = parseUri(b);
    const result = uriEquals(left, right);
    assert.equal(uriEquals(right, left), result, `symmetric: ${a} / ${b}`);
    return result;
  };

  it('treats the §19.1.4 equivalent pairs as equal', () => {
    const pairs: Array<[string, string]> = [
      ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
      ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
      ['sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'],
      ['sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on'],
      [
        'sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com',
        'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com',
      ],
      [
        'sip:alice@atlanta.com?subject=project%20x&priority=urgent',
        'sip:alice@atlanta.com?priority=urgent&subject=project%20x',
      ],
      ['sip:alice@[::1]', 'sip:alice@[0:0:0:0:0:0:0:1]'],
    ];
    for (const [a, b] of pairs) assert.ok(check(a, b), `${a} == ${b}`);
  });

  it('treats the §19.1.4 non-equivalent pairs as different', () => {
    const pairs: Array<[string, string]> = [
      ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'], // different usernames
      ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'], // can resolve to different ports
      ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'], // can resolve to different transports
      ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp'], // different port and transport
      ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'], // different header component
      ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'], // even if that is what it resolves to
      ['sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off'], // intransitivity example
      ['sip:alice@atlanta.com', 'sips:alice@atlanta.com'],
      ['sip:alice@atlanta.com', 'sip:atlanta.com'],
      ['sip:alice:a@atlanta.com', 'sip:alice:b@atlanta.com'],
      ['sip:a%3Ab@atlanta.com', 'sip:a:b@atlanta.com'], // reserved chars differ from their escapes
      ['sip:alice@atlanta.com;maddr=1.2.3.4', 'sip:alice@atlanta.com'],
      ['sip:alice@atlanta.com;user=phone', 'sip:alice@atlanta.com'],
      ['sip:alice@atlanta.com;ttl=1', 'sip:alice@atlanta.com'],
      ['sip:alice@atlanta.com;method=INVITE', 'sip:alice@atlanta.com'],
    ];
    for (const [a, b] of pairs) assert.ok(!check(a, b), `${a} != ${b}`);
  });
});

describe('scanHostAt (the URI and Via readers check a host while finding its end)', () => {
  it('ends a valid hostname or IPv4 address at the first other char, and refuses the rest', () => {
    const cases: Array<[string, number]> = [
      ['a.example.com:5060', 13],
      ['a.example.com.;lr', 14],
      ['192.0.2.1;x', 9],
      ['1.2.3', -1],
      ['256.1.1.1', -1],
      ['1.2.3.4.5', -1],
      ['.a', -1],
      [':5060', -1],
      ['a_b-c.d', 7],
      ['9host.example', 13],
    ];
    for (const [text, end] of cases) assert.equal(scanHostAt(text, 0, text.length), end, text);
    // An empty label is never part of a host: the scan stops before it, or refuses it.
    const end = scanHostAt('a..b', 0, 4);
    assert.ok(end < 0 || 'a..b'.charCodeAt(end) === 0x2e);
    assert.equal(scanHostAt(`${'a'.repeat(256)}`, 0, 256), -1);
    assert.equal(scanHostAt('host.example;', 0, 4), 4, 'stops at the given end');
  });
});
