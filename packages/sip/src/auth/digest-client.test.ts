import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipRequest, SipResponse } from '../message/message.ts';
import { parseMessage } from '../message/parser.ts';
import { serializeMessage } from '../message/serializer.ts';
import { readCredentials, type DigestCredentialsValue } from './auth-params.ts';
import { authorizeAck, authorizeCancel } from './cancel-ack.ts';
import { computeDigestResponse, computeHa1, digestAlgorithm } from './digest-algorithm.ts';
import { DigestClient, type DigestRetry } from './digest-client.ts';

const fixedRandom = (hex: string) => () => Buffer.from(hex, 'hex');

function request(method = 'INVITE', uri = 'sip:bob@example.com', body = ''): SipRequest {
  return new SipRequest({
    method,
    uri,
    headers: [
      ['Via', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKfirst'],
      ['Max-Forwards', '70'],
      ['From', '<sip:alice@example.com>;tag=a1'],
      ['To', '<sip:bob@example.com>'],
      ['Call-ID', 'call-1@192.0.2.1'],
      ['CSeq', `7 ${method}`],
    ],
    body,
  });
}

function challenge(status: 401 | 407, ...values: string[]): SipResponse {
  const name = status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
  return new SipResponse({
    status,
    reason: status === 401 ? 'Unauthorized' : 'Proxy Authentication Required',
    headers: values.map((v) => [name, v] as const),
  });
}

function ok(result: DigestRetry, wire = true): SipRequest {
  if (!result.ok) assert.fail(`expected a retry, got ${result.error.code}: ${result.error.message}`);
  // Everything we send must survive the wire (the HTTP examples' Request-URIs are not SIP ones).
  return wire ? (parseMessage(serializeMessage(result.request)) as SipRequest) : result.request;
}

function credentials(req: SipRequest, header = 'Authorization', index = 0): DigestCredentialsValue {
  const raw = req.headers.getAll(header)[index];
  assert.ok(raw, `no ${header}[${index}]`);
  const value = readCredentials(raw, header === 'Authorization' ? 'www' : 'proxy');
  assert.notEqual(value, 'unsupported');
  return value as DigestCredentialsValue;
}

test('RFC 2617 §3.5 worked example through the client: exact credentials, quoting rules', () => {
  const client = new DigestClient({
    credentials: { username: 'Mufasa', password: 'Circle Of Life' },
    randomBytes: fixedRandom('0a4f113b'),
  });
  const get = new SipRequest({ method: 'GET', uri: '/dir/index.html', headers: [['CSeq', '1 GET']] });
  const response = challenge(
    401,
    'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  );
  const retry = client.handleChallenge(get, response);
  assert.ok(retry.ok);
  assert.equal(
    retry.request.headers.get('Authorization'),
    'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", ' +
      'response="6629fae49393a05397450978507c4ef1", cnonce="0a4f113b", qop=auth, nc=00000001, opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  );
});

test('RFC 7616 §3.9.1: offered SHA-256 and MD5, the client answers SHA-256 with a right response', () => {
  const client = new DigestClient({ credentials: { username: 'Mufasa', password: 'Circle of Life' } });
  const common =
    'realm="http-auth@example.org", qop="auth, auth-int", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
  // MD5 first: the strongest wins, not the topmost (our RFC 8760 §2.4 local policy).
  const retry = ok(
    client.handleChallenge(
      request('GET', '/dir/index.html'),
      challenge(401, `Digest ${common}, algorithm=MD5`, `Digest ${common}, algorithm=SHA-256`),
    ),
    false,
  );
  const sent = credentials(retry);
  assert.equal(sent.algorithm, 'SHA-256');
  assert.equal(sent.qop, 'auth');
  assert.equal(sent.opaque, 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS');
  const expected = computeDigestResponse({
    algorithm: digestAlgorithm('SHA-256')!,
    ha1: computeHa1('SHA-256', 'Mufasa', 'http-auth@example.org', 'Circle of Life'),
    nonce: sent.nonce,
    qop: 'auth',
    nc: '00000001',
    cnonce: sent.cnonce!,
    method: 'GET',
    uri: '/dir/index.html',
    body: Buffer.alloc(0),
  });
  assert.equal(sent.response, expected);
});

test('the retry is a copy: CSeq + 1, same Via (the transaction layer rebrands it), body kept, original untouched', () => {
  const client = new DigestClient({ credentials: { username: 'alice', password: 'pw' } });
  const invite = request('INVITE', 'sip:bob@example.com', 'v=0\r\n');
  const retry = ok(client.handleChallenge(invite, challenge(407, 'Digest realm="proxy", nonce="n1", qop="auth"')));
  assert.equal(retry.cseq?.seq, 8);
  assert.equal(retry.cseq?.method, 'INVITE');
  assert.equal(retry.topVia?.branch, 'z9hG4bKfirst');
  assert.equal(retry.body.toString(), 'v=0\r\n');
  assert.equal(retry.headers.count('Proxy-Authorization'), 1);
  assert.equal(retry.headers.count('Authorization'), 0);
  assert.equal(invite.cseq?.seq, 7);
  assert.equal(invite.headers.count('Proxy-Authorization'), 0);
});

test('auth-int: chosen when it is the only qop, or when preferred; the digest covers the body', () => {
  const both = 'Digest realm="r", nonce="n", qop="auth,auth-int"';
  const plain = new DigestClient({ credentials: { username: 'u', password: 'p' } });
  assert.equal(credentials(ok(plain.handleChallenge(request(), challenge(401, both)))).qop, 'auth');
  const intOnly = ok(
    plain.handleChallenge(
      request('MESSAGE', 'sip:bob@example.com', 'hello'),
      challenge(401, 'Digest realm="r2", nonce="n", qop="auth-int"'),
    ),
  );
  assert.equal(credentials(intOnly).qop, 'auth-int');
  const prefer = new DigestClient({ credentials: { username: 'u', password: 'p' }, preferAuthInt: true });
  assert.equal(credentials(ok(prefer.handleChallenge(request(), challenge(401, both)))).qop, 'auth-int');
});

test('several challenges (forking, §22.3): one credentials header per realm and kind, others kept', () => {
  const client = new DigestClient({
    credentials: [
      { username: 'alice-a', password: 'pa', realm: 'a.example' },
      { username: 'alice-b', password: 'pb', realm: ['b.example'] },
      { username: 'alice-c', password: 'pc', realm: (realm) => realm.endsWith('.c.example') },
    ],
  });
  const response = new SipResponse({
    status: 407,
    reason: 'Proxy Authentication Required',
    headers: [
      ['Proxy-Authenticate', 'Digest realm="a.example", nonce="na", algorithm=MD5, qop="auth"'],
      ['Proxy-Authenticate', 'Digest realm="a.example", nonce="na", algorithm=SHA-256, qop="auth"'],
      ['WWW-Authenticate', 'Digest realm="b.example", nonce="nb", qop="auth"'],
      ['WWW-Authenticate', 'Digest realm="x.c.example", nonce="nc"'],
      ['WWW-Authenticate', 'Digest realm="nobody.example", nonce="nn"'],
    ],
  });
  const sent = request();
  sent.headers.append(
    'Authorization',
    'Digest username="z", realm="z.example", nonce="zz", uri="sip:bob@example.com", response="00"',
  );
  const result = client.handleChallenge(sent, response);
  const retry = ok(result);
  assert.ok(result.ok);
  assert.deepEqual(result.realms.sort(), ['a.example', 'b.example', 'x.c.example']);
  const proxy = credentials(retry, 'Proxy-Authorization');
  assert.equal(proxy.username, 'alice-a');
  assert.equal(proxy.algorithm, 'SHA-256');
  assert.equal(retry.headers.count('Proxy-Authorization'), 1);
  const www = retry.headers.getAll('Authorization').map((raw) => readCredentials(raw, 'www') as DigestCredentialsValue);
  assert.deepEqual(
    www.map((c) => c.realm),
    ['z.example', 'b.example', 'x.c.example'],
  );
  // RFC 2069 form: no qop, so no cnonce/nc; no algorithm in the challenge, none echoed.
  const legacy = www[2]!;
  assert.equal(legacy.qop, undefined);
  assert.equal(legacy.nc, undefined);
  assert.equal(legacy.cnonce, undefined);
  assert.equal(legacy.algorithm, undefined);
});

test('no usable challenge: typed failures, never a throw', () => {
  const client = new DigestClient({ credentials: { username: 'u', password: 'p', realm: 'mine' } });
  const failure = (response: SipResponse, req = request()) => {
    const result = client.handleChallenge(req, response);
    assert.equal(result.ok, false);
    return result.ok ? undefined : result.error;
  };
  assert.equal(failure(challenge(401, 'Basic realm="mine"'))?.code, 'AUTH_NO_SUPPORTED_CHALLENGE');
  assert.equal(
    failure(challenge(401, 'Digest realm="mine", nonce="n", algorithm=AKAv1-MD5'))?.code,
    'AUTH_NO_SUPPORTED_CHALLENGE',
  );
  assert.equal(
    failure(challenge(401, 'Digest realm="mine", nonce="n", qop="auth-conf"'))?.code,
    'AUTH_NO_SUPPORTED_CHALLENGE',
  );
  assert.equal(failure(challenge(401, 'Digest realm="theirs", nonce="n"'))?.code, 'AUTH_NO_CREDENTIALS');
  assert.equal(failure(challenge(401))?.code, 'AUTH_NO_SUPPORTED_CHALLENGE');
  assert.equal(failure(new SipResponse({ status: 403, reason: 'Forbidden' }))?.code, 'AUTH_NOT_A_CHALLENGE');
  assert.equal(
    failure(challenge(401, 'Digest realm="mine", nonce="n"'), request('ACK'))?.code,
    'AUTH_NOT_CHALLENGEABLE',
  );
  assert.equal(
    failure(challenge(407, 'Digest realm="mine", nonce="n"'), request('CANCEL'))?.code,
    'AUTH_NOT_CHALLENGEABLE',
  );
  const noCseq = request();
  noCseq.headers.remove('CSeq');
  assert.equal(failure(challenge(401, 'Digest realm="mine", nonce="n"'), noCseq)?.code, 'AUTH_NOT_A_CHALLENGE');
  const badCseq = request();
  badCseq.headers.set('CSeq', 'x INVITE');
  assert.equal(failure(challenge(401, 'Digest realm="mine", nonce="n"'), badCseq)?.code, 'AUTH_NOT_A_CHALLENGE');
  const error = failure(challenge(401, 'Digest realm="theirs", nonce="n"'));
  assert.equal(error?.name, 'SipAuthError');
  assert.equal(error?.status, 401);
});

const MALFORMED = [
  'Digest',
  'Digest realm="mine"',
  'Digest nonce="n"',
  'Digest realm="mine", nonce="unterminated',
  'Digest realm=, nonce="n"',
  'Digest realm="mine",, nonce="n"',
  'Digest realm="mine" nonce="n"',
  'Digest =x',
  '"Digest" realm="mine"',
  '',
  ',,,',
  'Digest realm="mine", nonce="\u0000"',
  `Digest realm="mine", nonce="${'n'.repeat(1025)}"`,
  `Digest realm="${'r'.repeat(1025)}", nonce="n"`,
  `Digest realm="mine", nonce="n", opaque="${'o'.repeat(1025)}"`,
  `Digest realm="mine", nonce="n", x="${'x'.repeat(5000)}"`,
  `Digest ${'a=b, '.repeat(2000)}realm="mine", nonce="n"`,
  'Digest realm="mine", nonce="n", qop=',
  'Digest realm="mine", nonce="n", \\',
];

test('malformed or oversized challenges: AUTH_MALFORMED_CHALLENGE, and a good one beside them still works', () => {
  const client = new DigestClient({ credentials: { username: 'u', password: 'p' } });
  for (const value of MALFORMED) {
    const result = client.handleChallenge(request(), challenge(401, value));
    assert.equal(result.ok, false, JSON.stringify(value.slice(0, 60)));
    if (!result.ok)
      assert.match(result.error.code, /^AUTH_(MALFORMED_CHALLENGE|NO_SUPPORTED_CHALLENGE)$/, value.slice(0, 60));
  }
  const mixed = client.handleChallenge(
    request(),
    challenge(401, ...MALFORMED.slice(0, 12), 'Digest realm="mine", nonce="good"'),
  );
  assert.equal(credentials(ok(mixed)).nonce, 'good');
  // At most AUTH_LIMITS.maxChallenges (16) are read: a 17th, even a good one, is ignored.
  const flood = client.handleChallenge(
    request(),
    challenge(401, ...MALFORMED.slice(0, 16), 'Digest realm="mine", nonce="good"'),
  );
  assert.equal(flood.ok ? '' : flood.error.code, 'AUTH_MALFORMED_CHALLENGE');
  // A nonce of exactly 1 KiB is accepted.
  const big = client.handleChallenge(request(), challenge(401, `Digest realm="big", nonce="${'n'.repeat(1024)}"`));
  assert.equal(big.ok, true);
});

test('random challenge bytes never make the client throw', () => {
  const client = new DigestClient({ credentials: { username: 'u', password: 'p' } });
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  const alphabet = 'Digest realm nonce qop auth-int algorithm=SHA-256 MD5-sess "\\,= \t\r\n;:<>\u00e9\u0001';
  for (let i = 0; i < 3000; i++) {
    let text = 'Digest realm="r", nonce="n", ';
    const length = next() % 80;
    for (let j = 0; j < length; j++) text += alphabet[next() % alphabet.length];
    const result = client.handleChallenge(request(), challenge(i % 2 === 0 ? 401 : 407, text));
    assert.equal(typeof result.ok, 'boolean');
  }
});

test('userhash=true: username is H(username:realm) and userhash=true is a bare token', () => {
  const client = new DigestClient({ credentials: { username: 'Jäsøn Doe', password: 'pw' } });
  const retry = ok(
    client.handleChallenge(
      request(),
      challenge(401, 'Digest realm="api@example.org", nonce="n", algorithm=SHA-512-256, qop="auth", userhash=true'),
    ),
  );
  const raw = retry.headers.get('Authorization')!;
  assert.match(raw, /username="793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b"/);
  assert.match(raw, /, userhash=true$/);
  assert.match(raw, /algorithm=SHA-512-256,/);
});

test('precomputed HA1: only algorithms whose hash has one are answered', () => {
  const ha1 = computeHa1('MD5', 'u', 'r', 'p');
  const client = new DigestClient({ credentials: { username: 'u', ha1: { MD5: ha1.toUpperCase() } } });
  const retry = ok(
    client.handleChallenge(
      request(),
      challenge(
        401,
        'Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth"',
        'Digest realm="r", nonce="n", algorithm=MD5, qop="auth"',
      ),
    ),
  );
  assert.equal(credentials(retry).algorithm, 'MD5');
  const none = client.handleChallenge(request(), challenge(401, 'Digest realm="r", nonce="n", algorithm=SHA-256'));
  assert.equal(none.ok ? '' : none.error.code, 'AUTH_NO_CREDENTIALS');
  const sha = new DigestClient({ credentials: { username: 'u', password: 'p' }, algorithms: ['SHA-256'] });
  const refused = sha.handleChallenge(request(), challenge(401, 'Digest realm="r", nonce="n", algorithm=MD5'));
  assert.equal(refused.ok ? '' : refused.error.code, 'AUTH_NO_SUPPORTED_CHALLENGE');
});

test("cache: pre-emptive credentials for later requests with nc incremented, the request's own method and URI", () => {
  const client = new DigestClient({ credentials: { username: 'u', password: 'p' } });
  ok(
    client.handleChallenge(
      request('REGISTER', 'sip:example.com'),
      challenge(401, 'Digest realm="r", nonce="n", qop="auth"'),
    ),
  );
  assert.deepEqual(client.cachedRealms, ['www r']);
  const bye = client.authorize(request('BYE', 'sip:bob@192.0.2.9:5062;transport=tcp'));
  const sent = credentials(bye);
  assert.equal(sent.nc, '00000002');
  assert.equal(sent.uri, 'sip:bob@192.0.2.9:5062;transport=tcp');
  assert.equal(credentials(client.authorize(bye)).nc, '00000003', 'replaces, does not add');
  assert.equal(bye.headers.count('Authorization'), 1);
  const expected = computeDigestResponse({
    algorithm: digestAlgorithm('MD5')!,
    ha1: computeHa1('MD5', 'u', 'r', 'p'),
    nonce: 'n',
    qop: 'auth',
    nc: '00000003',
    cnonce: credentials(bye).cnonce!,
    method: 'BYE',
    uri: 'sip:bob@192.0.2.9:5062;transport=tcp',
    body: Buffer.alloc(0),
  });
  assert.equal(credentials(bye).response, expected);
  // A new nonce for the realm restarts nc at 1.
  ok(
    client.handleChallenge(
      request('REGISTER', 'sip:example.com'),
      challenge(401, 'Digest realm="r", nonce="n2", qop="auth"'),
    ),
  );
  assert.equal(credentials(client.authorize(request('OPTIONS'))).nc, '00000002');
  client.forget('r');
  assert.equal(client.authorize(request('OPTIONS')).headers.count('Authorization'), 0);
});

test('-sess keeps one cnonce per nonce (H(A1) binds it), plain algorithms draw a new one per request', () => {
  let counter = 0;
  const client = new DigestClient({
    credentials: { username: 'u', password: 'p' },
    randomBytes: () => Buffer.from([counter++]),
  });
  ok(client.handleChallenge(request(), challenge(401, 'Digest realm="s", nonce="n", algorithm=MD5-sess, qop="auth"')));
  const first = credentials(client.authorize(request('INFO'))).cnonce;
  const second = credentials(client.authorize(request('INFO'))).cnonce;
  assert.equal(first, second);
  client.forget();
  ok(client.handleChallenge(request(), challenge(401, 'Digest realm="p", nonce="n", qop="auth"')));
  assert.notEqual(
    credentials(client.authorize(request('INFO'))).cnonce,
    credentials(client.authorize(request('INFO'))).cnonce,
  );
});

test('wrong password: the same nonce again, or a fresh nonce after a first use, is AUTH_REJECTED', () => {
  const client = new DigestClient({ credentials: { username: 'u', password: 'wrong' } });
  const first = ok(client.handleChallenge(request(), challenge(401, 'Digest realm="r", nonce="n1", qop="auth"')));
  const same = client.handleChallenge(first, challenge(401, 'Digest realm="r", nonce="n1", qop="auth"'));
  assert.equal(same.ok ? '' : same.error.code, 'AUTH_REJECTED');
  assert.equal(same.ok ? 0 : same.error.status, 401);
  assert.equal(same.ok ? '' : same.error.realm, 'r');
  const fresh = client.handleChallenge(first, challenge(401, 'Digest realm="r", nonce="n2", qop="auth"'));
  assert.equal(fresh.ok ? '' : fresh.error.code, 'AUTH_REJECTED');
  // Without qop there is no nc to tell: not stale means rejected.
  const legacy = ok(client.handleChallenge(request(), challenge(407, 'Digest realm="l", nonce="n1"')));
  const again = client.handleChallenge(legacy, challenge(407, 'Digest realm="l", nonce="n2"'));
  assert.equal(again.ok ? '' : again.error.code, 'AUTH_REJECTED');
});

test('a pre-emptive reuse (nc > 1) answered with a new nonce, stale false, earns one retry', () => {
  const client = new DigestClient({ credentials: { username: 'u', password: 'p' } });
  ok(client.handleChallenge(request(), challenge(401, 'Digest realm="r", nonce="n1", qop="auth"')));
  const reuse = client.authorize(request('REGISTER'));
  const retry = ok(client.handleChallenge(reuse, challenge(401, 'Digest realm="r", nonce="n2", qop="auth"')));
  assert.equal(credentials(retry).nc, '00000001');
  const rejected = client.handleChallenge(retry, challenge(401, 'Digest realm="r", nonce="n3", qop="auth"'));
  assert.equal(rejected.ok ? '' : rejected.error.code, 'AUTH_REJECTED');
});

test('stale=true: retry with the new nonce without new credentials, bounded', () => {
  const client = new DigestClient({ credentials: { username: 'u', password: 'p' }, maxStaleRetries: 2 });
  let sent = ok(client.handleChallenge(request(), challenge(401, 'Digest realm="r", nonce="n1", qop="auth"')));
  sent = ok(client.handleChallenge(sent, challenge(401, 'Digest realm="r", nonce="n2", qop="auth", stale=TRUE')));
  assert.equal(credentials(sent).nonce, 'n2');
  assert.equal(sent.cseq?.seq, 9);
  sent = ok(client.handleChallenge(sent, challenge(401, 'Digest realm="r", nonce="n3", qop="auth", stale=true')));
  const loop = client.handleChallenge(sent, challenge(401, 'Digest realm="r", nonce="n4", qop="auth", stale=true'));
  assert.equal(loop.ok ? '' : loop.error.code, 'AUTH_STALE_LOOP');
});

test('CANCEL and ACK (§22.1, §17.1.1.3, §13.2.2.4)', () => {
  const client = new DigestClient({ credentials: { username: 'u', password: 'p' } });
  const invite = ok(client.handleChallenge(request(), challenge(407, 'Digest realm="proxy", nonce="n", qop="auth"')));
  const inviteCredentials = invite.headers.get('Proxy-Authorization');

  const cancel = authorizeCancel(request('CANCEL'), invite);
  assert.equal(cancel.headers.get('Proxy-Authorization'), inviteCredentials);
  assert.equal(
    client.authorize(request('CANCEL')).headers.count('Proxy-Authorization'),
    0,
    'authorize leaves CANCEL alone',
  );

  const ackNon2xx = authorizeAck(request('ACK'), invite, { status: 486, client });
  assert.equal(ackNon2xx.headers.get('Proxy-Authorization'), inviteCredentials);

  const ack2xx = authorizeAck(request('ACK', 'sip:bob@192.0.2.9'), invite, { status: 200, client });
  const fresh = credentials(ack2xx, 'Proxy-Authorization');
  assert.equal(fresh.uri, 'sip:bob@192.0.2.9');
  assert.equal(fresh.nc, '00000002');
  assert.notEqual(ack2xx.headers.get('Proxy-Authorization'), inviteCredentials);
});
