/**
 * The transport layer against hand-written peers on raw sockets: RFC 5626 keep-alives, framing
 * split across many TCP writes, garbage, oversized headers, responses not meant for us
 * (§18.1.2), the §18.1.1 switch to TCP, TLS verification and the RFC 7118 upgrade rules.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { TransportError } from '@talkbus/sip';
import {
  autoAnswer,
  makePeerTls,
  optionsRequest,
  requestLike,
  responseTo,
  startLayer,
  startPair,
  type TestLayer,
} from './support.ts';

const { certificate, tls } = makePeerTls();

/** A raw client: connects, collects everything it reads, and can wait (bounded) for a pattern. */
async function rawClient(
  protocol: 'tcp' | 'tls',
  host: string,
  port: number,
): Promise<{ socket: Socket; text: () => string; waitFor: (pattern: RegExp) => Promise<void>; closed: Promise<void> }> {
  const socket = protocol === 'tls' ? tlsConnect({ host, port, ca: certificate.cert }) : netConnect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once(protocol === 'tls' ? 'secureConnect' : 'connect', resolve);
    socket.once('error', reject);
  });
  let received = '';
  const wakers = new Set<() => void>();
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
    for (const wake of wakers) wake();
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    text: () => received,
    closed,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(received)) return;
          clearTimeout(timer);
          wakers.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          wakers.delete(check);
          reject(new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(received.slice(0, 300))}`));
        }, 3000);
        wakers.add(check);
        check();
      }),
  };
}

function rawRequest(host: string, transport: string, callId: string, extra = ''): string {
  return (
    `OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/${transport} ${host.includes(':') ? `[${host}]` : host}:9;branch=z9hG4bK${callId};rport\r\n` +
    `Max-Forwards: 70\r\nTo: <sip:b@example.com>\r\nFrom: <sip:a@example.com>;tag=r\r\nCall-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\n${extra}Content-Length: 0\r\n\r\n`
  );
}

for (const host of ['127.0.0.1', '::1']) {
  for (const protocol of ['tcp', 'tls'] as const) {
    describe(`raw ${protocol} peer on ${host}`, () => {
      let server: TestLayer;
      before(async () => {
        server = await startLayer([protocol], host, { tls });
        autoAnswer(server);
      });
      after(() => server.layer.stop());

      it('answers a double-CRLF ping with a CRLF pong (RFC 5626 §4.4.1)', async () => {
        const client = await rawClient(protocol, host, server.address(protocol).port);
        client.socket.write('\r\n\r\n');
        await client.waitFor(/^\r\n$/);
        client.socket.destroy();
      });

      it('frames a message written a few bytes at a time, and answers on the same connection', async () => {
        const client = await rawClient(protocol, host, server.address(protocol).port);
        const bytes = Buffer.from(
          rawRequest(host, protocol.toUpperCase(), 'split1') + rawRequest(host, protocol.toUpperCase(), 'split2'),
          'latin1',
        );
        for (let i = 0; i < bytes.length; i += 7) {
          client.socket.write(bytes.subarray(i, i + 7));
          await new Promise((resolve) => setImmediate(resolve));
        }
        await client.waitFor(/Call-ID: split1[\s\S]*Call-ID: split2/);
        assert.match(client.text(), /^SIP\/2\.0 200 OK\r\n/);
        assert.match(client.text(), /;rport=\d+;received=/);
        client.socket.destroy();
      });

      it('survives garbage: framing is lost, the connection is closed, others go on', async () => {
        const client = await rawClient(protocol, host, server.address(protocol).port);
        client.socket.write(Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0x0d, 0x0a, 0x41]));
        await client.closed;
        const second = await rawClient(protocol, host, server.address(protocol).port);
        second.socket.write(rawRequest(host, protocol.toUpperCase(), 'after-garbage'));
        await second.waitFor(/200 OK[\s\S]*after-garbage/);
        second.socket.destroy();
      });

      // The framer keeps the whole lines read before the overflow: the Via routes a 513 (Message
      // Too Large) on the connection, then the connection is closed (the framing is lost).
      it('answers an endless header section with 513, then closes (bounded receive buffer)', async () => {
        const reported = server.user.malformed.length;
        const client = await rawClient(protocol, host, server.address(protocol).port);
        client.socket.write(rawRequest(host, protocol.toUpperCase(), 'huge').replace('Content-Length: 0\r\n\r\n', ''));
        const filler = `X-Filler: ${'y'.repeat(1000)}\r\n`;
        for (let i = 0; i < 40 && !client.socket.destroyed; i++) client.socket.write(filler);
        await client.closed;
        assert.equal(server.user.malformed[reported]?.error.code, 'HEADERS_TOO_LARGE');
        assert.match(client.text(), /^SIP\/2\.0 513 Message Too Large\r\n[\s\S]*Call-ID: huge/);
      });
    });
  }

  describe(`raw udp peer on ${host}`, () => {
    let server: TestLayer;
    before(async () => {
      server = await startLayer(['udp'], host);
      autoAnswer(server);
    });
    after(() => server.layer.stop());

    it('ignores keep-alives, garbage and responses for another sent-by; then answers a request', async () => {
      const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      await new Promise<void>((resolve) => socket.bind(0, host, resolve));
      const answers: string[] = [];
      const answered = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no answer to the request')), 3000);
        socket.on('message', (data) => {
          answers.push(data.toString('latin1'));
          if (answers.some((a) => a.includes('udp-ok'))) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const port = server.address('udp').port;
      const send = (text: string | Buffer) =>
        new Promise<void>((resolve) => socket.send(text, port, host, () => resolve()));
      await send('\r\n\r\n');
      await send(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
      await send(
        `SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx\r\nTo: <sip:b@x>;tag=1\r\nFrom: <sip:a@x>;tag=2\r\nCall-ID: foreign\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
      );
      await send(rawRequest(host, 'UDP', 'udp-ok'));
      await answered;
      assert.equal(answers.length, 1, 'only the request was answered');
      assert.equal(server.user.messages.length, 1, 'the foreign response never reached the user');
      socket.close();
    });
  });
}

describe('§18.1.1: a UDP request above the MTU limit goes over TCP', () => {
  let a: TestLayer;
  let b: TestLayer;
  before(async () => {
    ({ a, b } = await startPair(['udp', 'tcp'], '127.0.0.1', { onePort: true }));
  });
  after(async () => {
    await a.layer.stop();
    await b.layer.stop();
  });

  it('switches, rewriting the Via transport; a small one stays on UDP', async () => {
    const big = optionsRequest({ body: 'z'.repeat(2000), headers: [['Content-Type', 'text/plain']] });
    const sent = await a.layer.send(big, { destination: b.address('udp') });
    assert.equal(sent.destination.protocol, 'tcp');
    const inbound = await b.user.message('the big request', requestLike(big));
    assert.equal(inbound.source.protocol, 'tcp');
    assert.equal(inbound.message.topVia?.transport, 'TCP');
    await a.user.message('its 200', responseTo(big, 200));
    const small = optionsRequest();
    assert.equal((await a.layer.send(small, { destination: b.address('udp') })).destination.protocol, 'udp');
  });

  it('fails (no silent UDP fallback) when TCP cannot connect', async () => {
    const udpOnly = await startLayer(['udp'], '127.0.0.1');
    try {
      const big = optionsRequest({ body: 'z'.repeat(2000) });
      await assert.rejects(
        a.layer.send(big, { destination: udpOnly.address('udp') }),
        (error: unknown) => error instanceof TransportError && error.code === 'CONNECT_FAILED',
      );
      assert.equal(udpOnly.user.messages.length, 0);
    } finally {
      await udpOnly.layer.stop();
    }
  });
});

describe('TLS peer verification', () => {
  it('is on by default: an unknown self-signed certificate is refused, unless allowed for tests', async () => {
    const server = await startLayer(['tls'], '127.0.0.1', { tls });
    autoAnswer(server);
    const strict = await startLayer(['tls'], '127.0.0.1', { tls: { cert: certificate.cert, key: certificate.key } });
    const lax = await startLayer(['tls'], '127.0.0.1', {
      tls: { cert: certificate.cert, key: certificate.key, rejectUnauthorized: false },
    });
    try {
      await assert.rejects(
        strict.layer.send(optionsRequest(), { destination: server.address('tls') }),
        (error: unknown) =>
          error instanceof TransportError && error.code === 'CONNECT_FAILED' && /certificate/i.test(error.message),
      );
      const request = optionsRequest();
      await lax.layer.send(request, { destination: server.address('tls') });
      await lax.user.message('the 200', responseTo(request, 200));
    } finally {
      for (const layer of [server, strict, lax]) await layer.layer.stop();
    }
  });
});

describe('WebSocket upgrade (RFC 7118 §4)', () => {
  it('refuses a client that does not offer the sip subprotocol', async () => {
    const server = await startLayer(['ws'], '127.0.0.1');
    try {
      const client = await rawClient('tcp', '127.0.0.1', server.address('ws').port);
      client.socket.write(
        'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat\r\n\r\n',
      );
      await client.waitFor(/^HTTP\/1\.1 400 /);
      await client.closed;
    } finally {
      await server.layer.stop();
    }
  });
});

describe('limits', () => {
  it('refuses connections beyond maxConnections', async () => {
    const server = await startLayer(['tcp'], '127.0.0.1', { limits: { maxConnections: 1 } });
    autoAnswer(server);
    try {
      const first = await rawClient('tcp', '127.0.0.1', server.address('tcp').port);
      await server.user.waitFor('one connection', () => (server.layer.connections.length === 1 ? true : undefined));
      const second = await rawClient('tcp', '127.0.0.1', server.address('tcp').port);
      await second.closed;
      first.socket.write(rawRequest('127.0.0.1', 'TCP', 'still-served'));
      await first.waitFor(/still-served/);
      first.socket.destroy();
    } finally {
      await server.layer.stop();
    }
  });
  it('a layer that is not started refuses to send', async () => {
    const server = await startLayer(['udp'], '127.0.0.1');
    await server.layer.stop();
    await assert.rejects(
      server.layer.send(optionsRequest(), { destination: { protocol: 'udp', address: '127.0.0.1', port: 9 } }),
      (error: unknown) => error instanceof TransportError && error.code === 'NO_TRANSPORT',
    );
  });
});
