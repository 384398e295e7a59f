/**
 * Interop: our DigestClient answers the 401 of a real registrar (Kamailio 5.6 with auth_db over
 * db_text) for REGISTER over UDP on loopback, with MD5 and SHA-256, and gives up with
 * AUTH_REJECTED on a wrong password. Skipped when kamailio is not installed.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { DigestClient, parseMessage, serializeMessage, SipRequest, type SipResponse } from '@talkbus/sip';
import { kamailioAvailable, startKamailio, type Kamailio } from '../support/kamailio.ts';
import { stopAllChildren } from '../support/process.ts';
import { requirePeer } from '../support/peers.ts';

const HOST = '127.0.0.1';

const routes = `request_route {
  if (is_method("REGISTER")) {
    if (!www_authorize("$td", "subscriber")) {
      www_challenge("$td", "1");
      exit;
    }
    if (!save("location")) sl_reply_error();
    exit;
  }
  sl_send_reply("404", "Not Here");
}`;

function startRegistrar(algorithm: string): Promise<Kamailio> {
  return startKamailio({
    transports: ['udp'],
    children: 1,
    users: { alice: 'wonderland' },
    params: [['auth', 'algorithm', algorithm]],
    routes,
  });
}

/** Sends `request` and resolves with its final response; retransmits every 500 ms (Timer E-like), 5 s at most. */
function transact(socket: Socket, port: number, request: SipRequest): Promise<SipResponse> {
  const branch = request.topVia?.branch;
  const bytes = serializeMessage(request);
  return new Promise((resolve, reject) => {
    const send = () => socket.send(bytes, port, HOST);
    const onMessage = (data: Buffer) => {
      let message;
      try {
        message = parseMessage(data);
      } catch {
        return;
      }
      if (message.kind !== 'response' || message.topVia?.branch !== branch || message.status < 200) return;
      cleanup();
      resolve(message);
    };
    const retransmit = setInterval(send, 500);
    const timeout = setTimeout(() => {
      cleanup();
      reject(new Error(`no final response to ${request.method} within 5 s`));
    }, 5000);
    const cleanup = () => {
      clearInterval(retransmit);
      clearTimeout(timeout);
      socket.off('message', onMessage);
    };
    socket.on('message', onMessage);
    send();
  });
}

function register(localPort: number, registrarPort: number): SipRequest {
  return new SipRequest({
    method: 'REGISTER',
    uri: `sip:${HOST}:${registrarPort}`,
    headers: [
      ['Via', `SIP/2.0/UDP ${HOST}:${localPort};rport;branch=z9hG4bK${randomBytes(8).toString('hex')}`],
      ['Max-Forwards', '70'],
      ['From', `<sip:alice@${HOST}>;tag=${randomBytes(4).toString('hex')}`],
      ['To', `<sip:alice@${HOST}>`],
      ['Call-ID', `${randomBytes(8).toString('hex')}@${HOST}`],
      ['CSeq', '1 REGISTER'],
      ['Contact', `<sip:alice@${HOST}:${localPort}>`],
      ['Expires', '60'],
    ],
  });
}

/** What the transaction layer does to a retry: a new branch (§8.1.1.7). */
function newBranch(request: SipRequest, localPort: number): SipRequest {
  request.headers.set('Via', `SIP/2.0/UDP ${HOST}:${localPort};rport;branch=z9hG4bK${randomBytes(8).toString('hex')}`);
  return request;
}

async function ready(socket: Socket, registrar: Kamailio, localPort: number): Promise<void> {
  // Kamailio is ready when it answers; poll with OPTIONS (404 from the route), bounded.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const options = register(localPort, registrar.port);
    options.method = 'OPTIONS';
    options.headers.set('CSeq', '1 OPTIONS');
    try {
      await transact(socket, registrar.port, options);
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`kamailio not ready: ${registrar.child.output().slice(-2000)}`, { cause: error });
    }
  }
}

const available = kamailioAvailable(['auth_db']);

requirePeer(available, 'Kamailio');
describe('DigestClient against Kamailio (REGISTER over UDP)', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
    await stopAllChildren();
  });

  for (const algorithm of ['MD5', 'SHA-256']) {
    test(`${algorithm}: 401 answered, 200 OK; wrong password ends in AUTH_REJECTED`, { timeout: 30_000 }, async () => {
      const registrar = await startRegistrar(algorithm);
      cleanup.push(() => registrar.stop());
      const socket = createSocket('udp4');
      cleanup.push(() => {
        socket.close();
      });
      await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
      const localPort = socket.address().port;
      await ready(socket, registrar, localPort);

      const client = new DigestClient({ credentials: { username: 'alice', password: 'wonderland', realm: HOST } });
      const first = register(localPort, registrar.port);
      const challenge = await transact(socket, registrar.port, first);
      assert.equal(challenge.status, 401);
      assert.match(challenge.headers.get('WWW-Authenticate') ?? '', new RegExp(`algorithm=${algorithm}`));
      const retry = client.handleChallenge(first, challenge);
      assert.ok(retry.ok, retry.ok ? '' : retry.error.message);
      const answer = await transact(socket, registrar.port, newBranch(retry.request, localPort));
      assert.equal(answer.status, 200, `${answer.status} ${answer.reason}`);
      assert.equal(answer.contact.contacts.length, 1);

      // Refresh, authorized up front from the cache (nc=2): no new challenge.
      const refresh = register(localPort, registrar.port);
      refresh.headers.set('Call-ID', first.callId!);
      refresh.headers.set('From', first.headers.get('From')!);
      refresh.headers.set('CSeq', '3 REGISTER');
      const refreshed = await transact(socket, registrar.port, client.authorize(refresh));
      assert.equal(refreshed.status, 200, `${refreshed.status} ${refreshed.reason}`);

      const wrong = new DigestClient({ credentials: { username: 'alice', password: 'not it' } });
      const attempt = register(localPort, registrar.port);
      const retryWrong = wrong.handleChallenge(attempt, await transact(socket, registrar.port, attempt));
      assert.ok(retryWrong.ok);
      const again = await transact(socket, registrar.port, newBranch(retryWrong.request, localPort));
      assert.equal(again.status, 401);
      const verdict = wrong.handleChallenge(retryWrong.request, again);
      assert.equal(verdict.ok ? 'retried' : verdict.error.code, 'AUTH_REJECTED');
    });
  }
});
