/**
 * The shared transport suite (STYLE §8: one suite every implementation runs): UDP, TCP, TLS, WS
 * and WSS, each on 127.0.0.1 and ::1, two real `SipTransportLayer`s talking over loopback.
 * Timers (idle close) run on a SimulatedClock, so nothing here sleeps.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isReliable, SimulatedClock, TransportError, type TransportProtocol } from '@talkbus/sip';
import { freePort } from '../support/ports.ts';
import {
  autoAnswer,
  makePeerTls,
  optionsRequest,
  requestLike,
  responseTo,
  startPair,
  type TestLayer,
} from './support.ts';

/** Peers verify each other against the self-signed certificate as their CA (verification stays on). */
const { tls } = makePeerTls();
const IDLE_MS = 1000;

const protocols: TransportProtocol[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];
for (const protocol of protocols) {
  for (const host of ['127.0.0.1', '::1']) {
    describe(`${protocol} on ${host}`, () => {
      let clock: SimulatedClock;
      let a: TestLayer;
      let b: TestLayer;
      beforeEach(async () => {
        clock = new SimulatedClock();
        ({ a, b } = await startPair([protocol], host, { tls, clock, limits: { idleTimeoutMs: IDLE_MS } }));
      });
      afterEach(async () => {
        await a.layer.stop();
        await b.layer.stop();
      });

      it('request in, response back (on the same connection), with rport and received (RFC 3581)', async () => {
        const request = optionsRequest();
        const sent = await a.layer.send(request, { destination: b.address(protocol) });
        assert.equal(sent.destination.protocol, protocol);
        const inbound = await b.user.message('the request', requestLike(request));
        const via = inbound.message.topVia!;
        assert.equal(via.transport, protocol.toUpperCase());
        assert.equal(via.rport, sent.local.port, 'rport = the source port');
        assert.equal(via.received, host, 'received is added when rport was asked for');
        assert.equal(inbound.source.port, sent.local.port);
        const response = await a.user.message('the 200', responseTo(request, 200));
        if (isReliable(protocol)) {
          assert.equal(inbound.connectionId !== null, true);
          assert.equal(response.connectionId, sent.connectionId, 'the response came back on our connection');
          assert.equal(b.layer.connections.length, 1);
          // A second request reuses the connection (by protocol, address and port).
          const again = await a.layer.send(optionsRequest(), { destination: b.address(protocol) });
          assert.equal(again.connectionId, sent.connectionId);
        } else assert.equal(response.connectionId, null);
      });

      it('the far side can send back over the same connection by its id', async () => {
        autoAnswer(a);
        const first = optionsRequest();
        await a.layer.send(first, { destination: b.address(protocol) });
        const inbound = await b.user.message('the request', requestLike(first));
        const reverse = optionsRequest();
        const sent = await b.layer.send(reverse, { destination: inbound.source, connectionId: inbound.connectionId });
        if (isReliable(protocol)) assert.equal(sent.connectionId, inbound.connectionId);
        await a.user.message('the reverse request', requestLike(reverse));
        await b.user.message('the 200 to the reverse request', responseTo(reverse, 200));
      });

      it('a malformed request gets its status (400) and is reported; the flow goes on', async () => {
        const bad = optionsRequest({ omit: 'CSeq', headers: [['CSeq', '1 INVITE']] });
        await a.layer.send(bad, { destination: b.address(protocol) });
        await a.user.message('the 400', responseTo(bad, 400));
        assert.equal(b.user.malformed[0]?.error.code, 'CSEQ_METHOD_MISMATCH');
        const good = optionsRequest();
        await a.layer.send(good, { destination: b.address(protocol) });
        await a.user.message('the 200', responseTo(good, 200));
      });

      it('an oversized message is refused with 413', async () => {
        const big = optionsRequest({ body: 'x'.repeat(40_000), headers: [['Content-Type', 'text/plain']] });
        await a.layer.send(big, { destination: b.address(protocol) }).catch(() => undefined);
        await a.user.message('the 413', responseTo(big, 413));
        assert.equal(b.user.malformed[0]?.error.code, 'BODY_TOO_LARGE');
        assert.equal(b.user.messages.length, 0);
      });

      if (isReliable(protocol)) {
        it('closes idle connections after the configured time, but not while retained', async () => {
          const request = optionsRequest();
          const sent = await a.layer.send(request, { destination: b.address(protocol) });
          await a.user.message('the 200', responseTo(request, 200));
          const release = a.layer.retainConnection(sent.connectionId!);
          clock.advance(IDLE_MS + 1);
          assert.equal(a.layer.isConnectionOpen(sent.connectionId!), true, 'retained');
          await b.user.waitFor('b closes its side', () => b.user.closed[0]);
          release();
          clock.advance(IDLE_MS + 1);
          const closed = await a.user.waitFor('a closes', () =>
            a.user.closed.find((c) => c.connectionId === sent.connectionId),
          );
          assert.equal(closed.failure, null);
          assert.equal(a.layer.connections.length, 0);
        });

        it('a refused connection fails the send with CONNECT_FAILED', async () => {
          const port = await freePort();
          await assert.rejects(
            a.layer.send(optionsRequest(), { destination: { protocol, address: host, port } }),
            (error: unknown) => error instanceof TransportError && error.code === 'CONNECT_FAILED',
          );
          assert.equal(a.layer.connections.length, 0);
        });
      }
    });
  }
}
