import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedClock } from '../clock.ts';
import { SipRequest, type SipResponse } from '../message/message.ts';
import { parseMessage } from '../message/parser.ts';
import { serializeMessage } from '../message/serializer.ts';
import {
  computeHa1,
  computeUserhash,
  DIGEST_ALGORITHMS,
  type DigestAlgorithm,
  type DigestQop,
} from './digest-algorithm.ts';
import { DigestClient } from './digest-client.ts';
import { DigestServer, type DigestServerOptions, type DigestVerification } from './digest-server.ts';
import { NC_WINDOW, NonceCountTracker } from './nonce.ts';

const SECRET = 'a secret of at least sixteen bytes';
const USERS = new Map([['alice', 'wonderland']]);

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
      ['CSeq', `1 ${method}`],
    ],
    body,
  });
}

/** Through bytes, as on the wire. */
function wire<T extends SipRequest | SipResponse>(message: T): T {
  return parseMessage(serializeMessage(message)) as T;
}

function setup(options: Partial<DigestServerOptions> = {}, password = 'wonderland') {
  const clock = new SimulatedClock(1_000_000);
  const server = new DigestServer({
    realm: 'example.com',
    secret: SECRET,
    clock,
    lookup: (user) => (USERS.has(user) ? { password: USERS.get(user)! } : undefined),
    ...options,
  });
  const client = new DigestClient({ credentials: { username: 'alice', password } });
  /** Sends `req` until it is answered (at most 3 rounds); returns the last verification and request. */
  const exchange = async (req: SipRequest): Promise<{ result: DigestVerification; sent: SipRequest }> => {
    let sent = wire(req);
    for (let round = 0; ; round++) {
      const result = await server.verify(sent);
      if (result.ok || round === 3 || result.error.status === 400) return { result, sent };
      const retry = client.handleChallenge(
        sent,
        wire(server.challengeResponse(sent, { stale: result.stale, toTag: 't' })!),
      );
      if (!retry.ok) return { result, sent };
      sent = wire(retry.request);
    }
  };
  return { clock, server, client, exchange };
}

function code(result: DigestVerification): string {
  return result.ok ? 'OK' : result.error.code;
}

const QOPS: Array<readonly DigestQop[]> = [['auth'], ['auth-int'], ['auth', 'auth-int'], []];

for (const algorithm of DIGEST_ALGORITHMS) {
  for (const qop of QOPS) {
    for (const proxy of [false, true]) {
      test(`round trip: ${algorithm} × qop=${qop.join('+') || 'none'} × ${proxy ? 407 : 401}`, async () => {
        const { server, client, exchange } = setup({ algorithms: [algorithm], qop, proxy });
        const { result, sent } = await exchange(
          request('INVITE', 'sip:bob@example.com', 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n'),
        );
        assert.equal(code(result), 'OK');
        assert.ok(result.ok);
        assert.equal(result.username, 'alice');
        assert.equal(result.algorithm, algorithm);
        assert.equal(result.qop, qop.length === 0 ? undefined : qop[0]);
        assert.equal(sent.headers.count(proxy ? 'Proxy-Authorization' : 'Authorization'), 1);
        assert.equal(sent.headers.count(proxy ? 'Authorization' : 'Proxy-Authorization'), 0);
        // Pre-emptive in-dialog request from the cache passes too (nc 2).
        const bye = wire(client.authorize(request('BYE', 'sip:bob@192.0.2.9:5070')));
        assert.equal(code(await server.verify(bye)), 'OK');
        if (qop.length > 0) assert.equal(code(await server.verify(bye)), 'AUTH_REPLAY');
      });
    }
  }
}

test('the server offers every algorithm, strongest first; the client takes the strongest', async () => {
  const { server, exchange } = setup({ algorithms: ['SHA-256', 'MD5'] });
  const challenges = server.challengeResponse(request(), { toTag: 't' })!.headers.getAll('WWW-Authenticate');
  assert.equal(challenges.length, 2);
  assert.match(
    challenges[0]!,
    /^Digest realm="example.com", nonce="[A-Za-z0-9_-]{43}", opaque="[^"]+", algorithm=SHA-256, qop="auth"$/,
  );
  const { result } = await exchange(request());
  assert.ok(result.ok);
  assert.equal(result.algorithm, 'SHA-256');
});

test('wrong password: AUTH_BAD_CREDENTIALS on the server, AUTH_REJECTED on the client (no loop)', async () => {
  const { server, client } = setup({}, 'not the password');
  const first = wire(request('REGISTER', 'sip:example.com'));
  const challenge = wire(server.challengeResponse(first, { toTag: 't' })!);
  const retry = client.handleChallenge(first, challenge);
  assert.ok(retry.ok);
  const verdict = await server.verify(wire(retry.request));
  assert.equal(code(verdict), 'AUTH_BAD_CREDENTIALS');
  assert.equal(verdict.ok ? 0 : verdict.error.status, 401);
  const second = client.handleChallenge(
    wire(retry.request),
    wire(server.challengeResponse(retry.request, { toTag: 't' })!),
  );
  assert.equal(second.ok ? '' : second.error.code, 'AUTH_REJECTED');
  // An unknown user looks exactly like a wrong password.
  const stranger = new DigestClient({ credentials: { username: 'mallory', password: 'x' } });
  const probe = stranger.handleChallenge(first, challenge);
  assert.ok(probe.ok);
  assert.equal(code(await server.verify(wire(probe.request))), 'AUTH_BAD_CREDENTIALS');
});

test('stale nonce: right answer on an expired nonce gets stale=true, the client retries alone', async () => {
  const { clock, server, client, exchange } = setup({ nonceLifetimeMs: 60_000 });
  assert.equal(code((await exchange(request('REGISTER', 'sip:example.com'))).result), 'OK');
  clock.advance(61_000);
  const late = wire(client.authorize(request('REGISTER', 'sip:example.com')));
  const verdict = await server.verify(late);
  assert.equal(code(verdict), 'AUTH_STALE_NONCE');
  assert.equal(verdict.ok ? false : verdict.stale, true);
  const challenge = wire(server.challengeResponse(late, { stale: true, toTag: 't' })!);
  assert.match(challenge.headers.get('WWW-Authenticate')!, /, stale=true$/);
  const retry = client.handleChallenge(late, challenge);
  assert.ok(retry.ok);
  assert.equal(code(await server.verify(wire(retry.request))), 'OK');
  // A wrong password on an expired nonce is not told "stale".
  const { clock: clock2, server: server2, client: wrong } = setup({ nonceLifetimeMs: 60_000 }, 'bad');
  const first = wire(request());
  const retry2 = wrong.handleChallenge(first, wire(server2.challengeResponse(first, { toTag: 't' })!));
  assert.ok(retry2.ok);
  clock2.advance(61_000);
  const verdict2 = await server2.verify(wire(retry2.request));
  assert.equal(code(verdict2), 'AUTH_BAD_CREDENTIALS');
  assert.equal(verdict2.ok ? true : verdict2.stale, false);
});

test('nc: replays refused, reordering inside the window accepted, too old refused', async () => {
  const { server, client, exchange } = setup();
  await exchange(request('REGISTER', 'sip:example.com'));
  const later = [2, 3, 4].map(() => wire(client.authorize(request('OPTIONS', 'sip:example.com'))));
  assert.equal(code(await server.verify(later[2]!)), 'OK'); // nc 4 first
  assert.equal(code(await server.verify(later[0]!)), 'OK'); // nc 2 late
  assert.equal(code(await server.verify(later[0]!)), 'AUTH_REPLAY');
  assert.equal(code(await server.verify(later[1]!)), 'OK');
  const tracker = new NonceCountTracker(2);
  assert.equal(tracker.use('a', 1), 'ok');
  assert.equal(tracker.use('a', 1 + NC_WINDOW + 5), 'ok');
  assert.equal(tracker.use('a', 2), 'replay', 'older than the window');
  assert.equal(tracker.use('b', 1), 'ok');
  assert.equal(tracker.use('c', 1), 'ok');
  assert.equal(tracker.size, 2, 'bounded');
  assert.equal(tracker.use('a', 100), 'unknown', 'evicted: ask for a new nonce');
  assert.equal(tracker.use('z', 7), 'unknown');
});

test('an evicted nonce is answered stale, and the client recovers', async () => {
  const { server, client, exchange } = setup({ maxTrackedNonces: 1 });
  await exchange(request('REGISTER', 'sip:example.com'));
  // Another client's first use pushes ours out of the one-slot cache.
  const intruder = new DigestClient({ credentials: { username: 'alice', password: 'wonderland' } });
  const first = wire(request());
  const retry = intruder.handleChallenge(first, wire(server.challengeResponse(first, { toTag: 't' })!));
  assert.ok(retry.ok);
  assert.equal(code(await server.verify(wire(retry.request))), 'OK');
  const verdict = await server.verify(wire(client.authorize(request('OPTIONS', 'sip:example.com'))));
  assert.equal(code(verdict), 'AUTH_STALE_NONCE');
  assert.equal(server.trackedNonces, 1);
});

test('auth-int protects the body: a changed body fails', async () => {
  const { server, exchange } = setup({ qop: ['auth-int'] });
  const { result, sent } = await exchange(request('MESSAGE', 'sip:bob@example.com', 'hello'));
  assert.ok(result.ok);
  const tampered = wire(sent);
  tampered.body = Buffer.from('HELLO');
  assert.equal(code(await server.verify(tampered)), 'AUTH_BAD_CREDENTIALS');
});

test('nonces: not ours, another realm, tampered, or from another secret are AUTH_INVALID_NONCE', async () => {
  const { server, exchange } = setup();
  const { sent } = await exchange(request());
  const raw = sent.headers.get('Authorization')!;
  const nonce = /nonce="([^"]+)"/.exec(raw)![1]!;
  const swap = (replacement: string) => {
    const copy = wire(sent);
    copy.headers.set('Authorization', raw.replace(nonce, replacement));
    return copy;
  };
  assert.equal(code(await server.verify(swap('abc'))), 'AUTH_INVALID_NONCE');
  // One character of the random part flipped (the last one carries padding bits only partly).
  const flipped = `${nonce.slice(0, 15)}${nonce[15] === 'A' ? 'B' : 'A'}${nonce.slice(16)}`;
  assert.equal(code(await server.verify(swap(flipped))), 'AUTH_INVALID_NONCE');
  const otherRealm = new DigestServer({ realm: 'other.example', secret: SECRET, lookup: () => undefined });
  const otherNonce = /nonce="([^"]+)"/.exec(otherRealm.challenges()[0]!)![1]!;
  assert.equal(code(await server.verify(swap(otherNonce))), 'AUTH_INVALID_NONCE');
  const otherSecret = new DigestServer({
    realm: 'example.com',
    secret: 'another secret, sixteen+ bytes',
    lookup: () => undefined,
  });
  assert.equal(code(await otherSecret.verify(sent)), 'AUTH_INVALID_NONCE');
});

test('credential checks: missing, malformed, not offered, URI mismatch, opaque', async () => {
  const { server, exchange } = setup();
  assert.equal(code(await server.verify(request())), 'AUTH_MISSING_CREDENTIALS');
  const { sent } = await exchange(request());
  const raw = sent.headers.get('Authorization')!;
  const withHeader = (value: string, uri = 'sip:bob@example.com') => {
    const copy = new SipRequest({ method: 'INVITE', uri, headers: sent.headers.clone() });
    copy.headers.set('Authorization', value);
    return copy;
  };
  const cases: Array<[string, string, string?]> = [
    ['Digest realm="example.com", nonce="x"', 'AUTH_MALFORMED_CREDENTIALS'],
    ['Digest username="alice", realm="example.com', 'AUTH_MALFORMED_CREDENTIALS'],
    [raw.replace(/nc=\w+/, 'nc=1'), 'AUTH_MALFORMED_CREDENTIALS'],
    [raw.replace(/nc=\w+/, 'nc=00000000'), 'AUTH_MALFORMED_CREDENTIALS'],
    [raw.replace(/response="\w+"/, 'response="zz"'), 'AUTH_MALFORMED_CREDENTIALS'],
    [raw.replace(/, cnonce="\w+"/, ''), 'AUTH_MALFORMED_CREDENTIALS'],
    [raw.replace('algorithm=SHA-256', 'algorithm=SHA-512-256'), 'AUTH_UNSUPPORTED_PARAMETERS'],
    [raw.replace('qop=auth', 'qop=auth-int'), 'AUTH_UNSUPPORTED_PARAMETERS'],
    [raw.replace(', qop=auth', ''), 'AUTH_UNSUPPORTED_PARAMETERS'],
    [raw.replace(/opaque="[^"]+"/, 'opaque="changed"'), 'AUTH_INVALID_NONCE'],
    [raw, 'AUTH_URI_MISMATCH', 'sip:carol@example.com'],
    [raw.replace('realm="example.com"', 'realm="elsewhere"'), 'AUTH_MISSING_CREDENTIALS'],
    [
      `Digest username="a", realm="example.com", nonce="${'n'.repeat(1025)}", uri="x", response="y"`,
      'AUTH_MALFORMED_CREDENTIALS',
    ],
    ['Basic YWxpY2U6d29uZGVybGFuZA==', 'AUTH_MISSING_CREDENTIALS'],
  ];
  for (const [value, expected, uri] of cases) {
    const verdict = await server.verify(withHeader(value, uri));
    assert.equal(code(verdict), expected, value.slice(0, 80));
    if (expected === 'AUTH_MALFORMED_CREDENTIALS') assert.equal(verdict.ok ? 0 : verdict.error.status, 400);
  }
  // Equivalent URI forms (§19.1.4) are accepted; checkUri: false skips the check.
  const tolerant = await server.verify(withHeader(raw.replace(/nc=\w+/, 'nc=00000009'), 'sip:bob@EXAMPLE.com'));
  assert.equal(
    code(tolerant),
    'AUTH_BAD_CREDENTIALS',
    'the URI check passes; the digest (over the uri param) does not, since nc changed',
  );
  // Another realm's broken credentials beside ours do not matter.
  const both = withHeader('Digest garbage "');
  both.headers.append('Authorization', raw.replace(/nc=\w+/, 'nc=00000002'));
  assert.notEqual(code(await server.verify(both)), 'AUTH_MALFORMED_CREDENTIALS');
});

test('userhash: the server resolves the hash to the user', async () => {
  const { exchange } = setup({
    userhash: true,
    algorithms: ['SHA-256'],
    resolveUserhash: (hash, algorithm, realm) =>
      hash === computeUserhash(algorithm, 'alice', realm) ? 'alice' : undefined,
  });
  const { result, sent } = await exchange(request());
  assert.ok(result.ok);
  assert.equal(result.username, 'alice');
  assert.match(sent.headers.get('Authorization')!, /userhash=true/);
  assert.doesNotMatch(sent.headers.get('Authorization')!, /username="alice"/);
  const { exchange: noResolver } = setup({ userhash: true });
  assert.equal(code((await noResolver(request())).result), 'AUTH_BAD_CREDENTIALS');
});

test('stored HA1 instead of passwords (async lookup), on both sides', async () => {
  const algorithms: DigestAlgorithm[] = ['MD5', 'MD5-sess'];
  for (const algorithm of algorithms) {
    const server = new DigestServer({
      realm: 'example.com',
      secret: SECRET,
      algorithms: [algorithm],
      clock: new SimulatedClock(5),
      lookup: async () => ({ ha1: { MD5: computeHa1('MD5', 'alice', 'example.com', 'wonderland') } }),
    });
    const client = new DigestClient({
      credentials: { username: 'alice', ha1: { MD5: computeHa1('MD5', 'alice', 'example.com', 'wonderland') } },
    });
    const first = wire(request());
    const retry = client.handleChallenge(first, wire(server.challengeResponse(first, { toTag: 't' })!));
    assert.ok(retry.ok);
    assert.equal(code(await server.verify(wire(retry.request))), 'OK', algorithm);
  }
  assert.throws(() => new DigestServer({ realm: 'r', secret: 'short', lookup: () => undefined }), RangeError);
});

test('random credentials bytes never make the server throw', async () => {
  const { server, exchange } = setup();
  const { sent } = await exchange(request());
  const raw = sent.headers.get('Authorization')!;
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let i = 0; i < 2000; i++) {
    const chars = [...raw];
    for (let k = 0; k < 3; k++) chars[next() % chars.length] = String.fromCharCode(next() % 128);
    const copy = new SipRequest({ method: 'INVITE', uri: 'sip:bob@example.com', headers: sent.headers.clone() });
    copy.headers.set('Authorization', chars.join(''));
    const verdict = await server.verify(copy);
    assert.equal(typeof verdict.ok, 'boolean');
  }
});
