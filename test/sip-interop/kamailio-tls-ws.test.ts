/**
 * TLS and WebSocket (RFC 7118) interop against a real Kamailio 5.6 (Debian kamailio-tls-modules,
 * kamailio-websocket-modules; SIPp has neither): the test makes a self-signed certificate with the
 * openssl CLI, starts Kamailio on free loopback ports with the `tls` module and `websocket` +
 * `xhttp` (the WebSocket upgrade), and a talkbus `SipUserAgent` over `SipTransportLayer` sends
 * OPTIONS and REGISTER (Kamailio's registrar saves the binding) over each, getting 200. The
 * talkbus side verifies Kamailio's certificate (its own CA is the self-signed one). Kamailio is
 * stopped by its PID; every wait is bounded.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SipTransportLayer, SipUserAgent, type TransportProtocol } from '@talkbus/sip';
import { kamailioAvailable, startKamailio, type Kamailio } from '../support/kamailio.ts';
import { makeCertificate } from '../sip-transport/support.ts';
import { requirePeer } from '../support/peers.ts';

const HOST = '127.0.0.1';

const available = kamailioAvailable(['tls', 'websocket', 'xhttp']);

/** WebSocket rides a plain TCP listener: xhttp takes the HTTP upgrade, websocket the frames. */
const routes = `event_route[xhttp:request] {
  if ($hdr(Upgrade) =~ "websocket" && $hdr(Connection) =~ "Upgrade" && $rm =~ "GET") {
    if (ws_handle_handshake()) exit;
  }
  xhttp_reply("404", "Not Found", "", "");
}
request_route {
  xlog("L_INFO", "talkbus-test: $rm over $proto from $si\\n");
  if (is_method("OPTIONS")) { sl_send_reply("200", "OK"); exit; }
  if (is_method("REGISTER")) { if (!save("location")) sl_reply_error(); exit; }
  sl_send_reply("404", "Not Here");
}`;

requirePeer(available, 'Kamailio with its tls and websocket modules');
describe('Kamailio interop over TLS and WebSocket', { timeout: 60_000 }, () => {
  const certificate = makeCertificate();
  let kamailio: Kamailio | undefined;
  const ports: Partial<Record<TransportProtocol, number>> = {};

  before(async () => {
    kamailio = await startKamailio({
      transports: ['tls', 'ws'],
      modules: ['xhttp', 'websocket'],
      tls: { cert: certificate.cert, key: certificate.key },
      children: 1,
      checkConfig: true,
      routes,
    });
    ports.tls = kamailio.ports.tls;
    ports.ws = kamailio.ports.ws;
  });

  after(async () => {
    await kamailio?.stop();
  });

  it('a WebSocket client without a WS listener (RFC 7118 §5: .invalid Via and Contact host): OPTIONS 200', async () => {
    const layer = new SipTransportLayer({ listeners: [], user: { onMessage: () => undefined } });
    await layer.start();
    const ua = new SipUserAgent({ transport: layer, from: `sip:alice@${HOST}`, protocols: ['ws'] });
    try {
      const options = await ua.request(`sip:${HOST}:${ports.ws};transport=ws`, { method: 'OPTIONS' });
      assert.equal(options.status, 200, `${options.status} ${options.reason}`);
      assert.match(options.topVia?.host ?? '', /\.invalid$/);
      const invite = ua.createUAC(`sip:bob@${HOST}:${ports.ws};transport=ws`, { localSdp: 'v=0\r\n' });
      await assert.rejects(invite, (error: { status?: number }) => error.status === 404);
    } finally {
      ua.close();
      await layer.stop();
    }
  });

  for (const protocol of ['tls', 'ws'] as const) {
    it(`talkbus UA → Kamailio over ${protocol}: OPTIONS 200, REGISTER 200 with the binding`, async () => {
      const layer = new SipTransportLayer({
        // A listener of the protocol gives the UA its Via sent-by and Contact (a WS client could
        // also go without one, with an .invalid Via host, RFC 7118 §5).
        listeners: [{ protocol, address: HOST, port: 0 }],
        tls: { cert: certificate.cert, key: certificate.key, ca: certificate.cert },
        user: { onMessage: () => undefined },
      });
      await layer.start();
      const ua = new SipUserAgent({
        transport: layer,
        from: `sip:alice@${HOST}`,
        protocols: [protocol],
        timers: { T1: 100, T2: 400, T4: 500 },
      });
      try {
        const target = `sip:${HOST}:${ports[protocol]};transport=${protocol}`;
        const options = await ua.request(target, { method: 'OPTIONS' });
        assert.equal(options.status, 200, `${options.status} ${options.reason}`);
        const local = layer.listeners[0]!;
        const register = await ua.request(target, {
          method: 'REGISTER',
          to: `<sip:alice@${HOST}>`,
          headers: { Contact: `<sip:alice@${HOST}:${local.port};transport=${protocol}>`, Expires: '60' },
        });
        assert.equal(register.status, 200, `${register.status} ${register.reason}`);
        assert.match(register.headers.get('contact') ?? '', /sip:alice@127\.0\.0\.1:\d+;transport=/);
        assert.ok(layer.connections.some((c) => c.protocol === protocol && c.remote.port === ports[protocol]));
        await kamailio!.child.waitFor(new RegExp(`talkbus-test: REGISTER over ${protocol} from`), 2000);
        if (protocol === 'tls') {
          // RFC 5626 §4.4.1 against a real server: Kamailio answers the double-CRLF ping with a CRLF.
          const flow = layer.connections.find((c) => c.protocol === 'tls')!;
          const pong = await layer.sendKeepAlive(flow.id, { pongTimeoutMs: 2000 });
          assert.equal(pong.connectionId, flow.id);
        }
      } finally {
        ua.close();
        await layer.stop();
      }
    });
  }
});
