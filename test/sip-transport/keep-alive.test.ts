/**
 * `SipTransportLayer.sendKeepAlive` (RFC 5626 §4.4) over real loopback sockets: a double-CRLF
 * ping answered by the far layer's CRLF pong on TCP, TLS, WS and WSS (by connection id and by
 * target); a silent peer fails the flow after the pong bound (SimulatedClock, no sleeping). Over
 * UDP a STUN Binding request that the far layer answers on its SIP port with our address
 * (§4.4.2, §8; IPv4 and IPv6), STUN kept away from the SIP parser, and a silent UDP peer failing
 * the flow after the RFC 5389 §7.2.1 schedule; `udp: 'crlf'` sends a CRLF datagram the far side ignores.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import {
  SimulatedClock,
  TransportError,
  createBindingRequest,
  parseStunMessage,
  type TransportProtocol,
} from '@talkbus/sip';
import {
  makePeerTls,
  optionsRequest,
  requestLike,
  responseTo,
  startLayer,
  startPair,
  type TestLayer,
} from './support.ts';

const { tls } = makePeerTls();

/** Polls `check` every 5 ms until it holds; rejects after `timeoutMs` (for raw sockets, which no user wakes). */
async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('sendKeepAlive (RFC 5626 §4.4.1)', () => {
  const layers: TestLayer[] = [];
  afterEach(async () => {
    for (const test of layers.splice(0)) await test.layer.stop();
  });

  for (const protocol of ['tcp', 'tls', 'ws', 'wss'] as TransportProtocol[]) {
    it(`${protocol}: ping → pong, by connection id and by target; the flow stays usable`, async () => {
      const { a, b } = await startPair([protocol], '127.0.0.1', { tls });
      layers.push(a, b);
      const first = optionsRequest();
      const sent = await a.layer.send(first, { destination: b.address(protocol) });
      await a.user.message('the 200', responseTo(first, 200));
      const byId = await a.layer.sendKeepAlive(sent.connectionId!);
      assert.equal(byId.connectionId, sent.connectionId);
      assert.equal(typeof byId.roundTripMs, 'number');
      const byTarget = await a.layer.sendKeepAlive({ destination: b.address(protocol) });
      assert.equal(byTarget.connectionId, sent.connectionId);
      // Twice in a row: the second pong is not taken for a ping (no CRLF goes back to b).
      await a.layer.sendKeepAlive(sent.connectionId!);
      const again = optionsRequest();
      await a.layer.send(again, { destination: b.address(protocol) });
      await a.user.message('the second 200', responseTo(again, 200));
      assert.equal(b.user.malformed.length, 0);
      assert.equal(a.user.closed.length, 0);
    });
  }

  it('no open flow: rejects with CONNECTION_CLOSED', async () => {
    const a = await startLayer(['tcp'], '127.0.0.1');
    layers.push(a);
    await assert.rejects(
      a.layer.sendKeepAlive({ destination: { protocol: 'tcp', address: '127.0.0.1', port: 9 } }),
      (error: unknown) => error instanceof TransportError && error.code === 'CONNECTION_CLOSED',
    );
    await assert.rejects(a.layer.sendKeepAlive('no-such-connection'), TransportError);
  });

  it('a peer that never pongs: the flow fails after the bound (connection closed with a failure)', async () => {
    const clock = new SimulatedClock();
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const a = await startLayer(['tcp'], '127.0.0.1', { clock });
      layers.push(a);
      const request = optionsRequest();
      const sent = await a.layer.send(request, { destination: { protocol: 'tcp', address: '127.0.0.1', port } });
      const ping = a.layer.sendKeepAlive(sent.connectionId!, { pongTimeoutMs: 2000 });
      const outcome = ping.then(
        () => 'pong',
        (error: unknown) => error,
      );
      clock.advance(1999);
      assert.equal(a.layer.isConnectionOpen(sent.connectionId!), true);
      clock.advance(1);
      const error = await outcome;
      assert.ok(error instanceof TransportError && error.code === 'CONNECTION_CLOSED', String(error));
      assert.match(error.message, /no keep-alive pong/);
      const closed = await a.user.waitFor('the flow failure', () => a.user.closed[0]);
      assert.equal(closed.connectionId, sent.connectionId);
      assert.match(closed.failure?.message ?? '', /RFC 5626/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  for (const host of ['127.0.0.1', '::1']) {
    it(`udp ${host}: a STUN Binding request, answered on the far SIP port with our address (RFC 5626 §4.4.2, §8)`, async () => {
      const { a, b } = await startPair(['udp'], host);
      layers.push(a, b);
      const result = await a.layer.sendKeepAlive({ destination: b.address('udp') });
      assert.equal(result.connectionId, null);
      assert.equal(typeof result.roundTripMs, 'number');
      assert.deepEqual(result.mappedAddress, a.address('udp'));
      // The STUN exchange never reached either SIP user, and SIP still flows.
      const request = optionsRequest();
      await a.layer.send(request, { destination: b.address('udp') });
      await b.user.message('the request', requestLike(request));
      assert.equal(b.user.messages.length, 1);
      assert.equal(a.user.messages.length + a.user.malformed.length + b.user.malformed.length, 0);
    });
  }

  it('udp: STUN from a raw socket is answered; malformed STUN is dropped, never parsed as SIP', async () => {
    const b = await startLayer(['udp'], '127.0.0.1');
    layers.push(b);
    const raw = createSocket('udp4');
    await new Promise<void>((resolve) => raw.bind(0, '127.0.0.1', resolve));
    try {
      const answers: Buffer[] = [];
      raw.on('message', (data) => answers.push(data));
      const target = b.address('udp');
      const id = Buffer.from('talkbus-stun');
      const broken = createBindingRequest(id).subarray(0, 20);
      broken.writeUInt16BE(8, 2); // says 8 bytes of attributes follow; none do
      raw.send(broken, target.port, target.address);
      raw.send(createBindingRequest(id, { fingerprint: true }), target.port, target.address);
      await until('the answer', () => answers.length > 0);
      const answer = parseStunMessage(answers[0]!);
      assert.equal(answer.class, 'success');
      assert.equal(answer.fingerprint, true);
      assert.deepEqual(answer.transactionId, id);
      assert.deepEqual(answer.xorMappedAddress, { family: 4, address: '127.0.0.1', port: raw.address().port });
      assert.equal(answers.length, 1, 'one answer: the broken request got none');
      assert.equal(b.user.malformed.length + b.user.messages.length, 0);
    } finally {
      raw.close();
    }
  });

  it('udp: a peer that never answers STUN fails the flow after the schedule (SimulatedClock)', async () => {
    const clock = new SimulatedClock();
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    const requests: number[] = [];
    silent.on('message', () => requests.push(clock.now()));
    try {
      const a = await startLayer(['udp'], '127.0.0.1', {
        clock,
        stun: { timers: { rtoMs: 100, maxRequests: 4, lastWaitFactor: 8 } },
      });
      layers.push(a);
      const destination = { protocol: 'udp' as const, address: '127.0.0.1', port: silent.address().port };
      const outcome = a.layer.sendKeepAlive({ destination }).then(
        () => 'answered',
        (error: unknown) => error,
      );
      // Requests at 0, 100, 300, 700; the flow fails 8 RTO after the last: at 1500 ms.
      await until('the first request', () => requests.length === 1);
      for (const [step, count] of [
        [100, 2],
        [200, 3],
        [400, 4],
      ] as const) {
        clock.advance(step);
        await until(`request ${count} on the wire`, () => requests.length === count);
      }
      clock.advance(799);
      assert.deepEqual(requests, [0, 100, 300, 700]);
      clock.advance(1);
      const error = await outcome;
      assert.ok(error instanceof TransportError && error.code === 'CONNECTION_CLOSED', String(error));
      assert.match(error.message, /no STUN Binding response .* within 1500 ms/);
      assert.equal(a.user.closed.length, 0, 'no connection to close over UDP');
    } finally {
      silent.close();
    }
  });

  it("udp: `udp: 'crlf'` sends a CRLF datagram, ignored by the far side; no round trip", async () => {
    const { a, b } = await startPair(['udp'], '127.0.0.1');
    layers.push(a, b);
    const result = await a.layer.sendKeepAlive({ destination: b.address('udp') }, { udp: 'crlf' });
    assert.deepEqual(result, { connectionId: null, roundTripMs: undefined });
    const request = optionsRequest();
    await a.layer.send(request, { destination: b.address('udp') });
    await b.user.message('the request', requestLike(request));
    assert.equal(b.user.malformed.length, 0);
    assert.equal(b.user.messages.length, 1);
  });

  it('stop() fails a STUN keep-alive in flight', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const a = await startLayer(['udp'], '127.0.0.1');
      const destination = { protocol: 'udp' as const, address: '127.0.0.1', port: silent.address().port };
      const outcome = a.layer.sendKeepAlive({ destination }).catch((error: unknown) => error);
      await a.layer.stop();
      const error = await outcome;
      assert.ok(error instanceof TransportError && error.code === 'CONNECTION_CLOSED', String(error));
    } finally {
      silent.close();
    }
  });
});
