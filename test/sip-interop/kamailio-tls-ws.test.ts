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
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SipTransportLayer, SipUserAgent, type TransportProtocol } from '@talkbus/sip';
import { freePort } from '../support/ports.ts';
import { startChild, type Child } from '../support/process.ts';
import { makeCertificate } from '../sip-transport/support.ts';

const KAMAILIO = '/usr/sbin/kamailio';
const MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules';
const HOST = '127.0.0.1';

const available =
  existsSync(KAMAILIO) && ['tls.so', 'websocket.so', 'xhttp.so'].every((m) => existsSync(join(MODULES, m)));

function tlsConfig(dir: string): string {
  return `[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
private_key = ${join(dir, 'key.pem')}
certificate = ${join(dir, 'cert.pem')}

[client:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
`;
}

/** WebSocket rides a plain TCP listener: xhttp takes the HTTP upgrade, websocket the frames. */
function kamailioConfig(dir: string, tlsPort: number, wsPort: number): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=1
tcp_children=1
auto_aliases=no
enable_tls=yes
tcp_accept_no_cl=yes
listen=tls:${HOST}:${tlsPort}
listen=tcp:${HOST}:${wsPort}
mpath="${MODULES}"
loadmodule "tls.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "xhttp.so"
loadmodule "websocket.so"
loadmodule "kex.so"
loadmodule "corex.so"
modparam("tls", "config", "${join(dir, 'tls.cfg')}")
modparam("usrloc", "db_mode", 0)
event_route[xhttp:request] {
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
}
`;
}

/** Resolves once a TCP connect to `port` succeeds; rejects after `timeoutMs`. */
async function listening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: HOST, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${HOST}:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe(
  'Kamailio interop over TLS and WebSocket',
  { skip: available ? false : 'kamailio tls/websocket missing', timeout: 60_000 },
  () => {
    const certificate = makeCertificate();
    let dir = '';
    let kamailio: Child | undefined;
    const ports: Partial<Record<TransportProtocol, number>> = {};

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'talkbus-kamailio-tls-ws-'));
      writeFileSync(join(dir, 'cert.pem'), certificate.cert);
      writeFileSync(join(dir, 'key.pem'), certificate.key, { mode: 0o600 });
      writeFileSync(join(dir, 'tls.cfg'), tlsConfig(dir));
      ports.tls = await freePort();
      ports.ws = await freePort();
      const file = join(dir, 'kamailio.cfg');
      writeFileSync(file, kamailioConfig(dir, ports.tls, ports.ws));
      execFileSync(KAMAILIO, ['-c', '-f', file], { stdio: 'ignore', timeout: 20_000 });
      kamailio = startChild(KAMAILIO, ['-DD', '-E', '-m', '64', '-M', '8', '-f', file, '-Y', join(dir, 'run')]);
      await Promise.all([listening(ports.tls, 10_000), listening(ports.ws, 10_000)]);
    });

    after(async () => {
      await kamailio?.stop(3000);
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
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
          await kamailio!.waitFor(new RegExp(`talkbus-test: REGISTER over ${protocol} from`), 2000);
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
  },
);
