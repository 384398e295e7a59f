/**
 * `SipTransportLayer.sendKeepAlive` (RFC 5626 §4.4.1) over real loopback sockets: a double-CRLF
 * ping answered by the far layer's CRLF pong on TCP, TLS, WS and WSS (by connection id and by
 * target); a silent peer fails the flow after the pong bound (SimulatedClock, no sleeping); UDP
 * sends a CRLF datagram that the far side ignores.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { SimulatedClock, TransportError, type TransportProtocol } from '@talkbus/sip';
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

  it('udp: a CRLF datagram, ignored by the far side; no round trip', async () => {
    const { a, b } = await startPair(['udp'], '127.0.0.1');
    layers.push(a, b);
    const result = await a.layer.sendKeepAlive({ destination: b.address('udp') });
    assert.deepEqual(result, { connectionId: null, roundTripMs: undefined });
    const request = optionsRequest();
    await a.layer.send(request, { destination: b.address('udp') });
    await b.user.message('the request', requestLike(request));
    assert.equal(b.user.malformed.length, 0);
    assert.equal(b.user.messages.length, 1);
  });
});
