import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { parseMessage } from '@talkbus/sip';
import { loadConfig } from './config.ts';
import { SipEndpoint } from './sip-endpoint.ts';

function config(nodeID: string, env: Record<string, string> = {}) {
  return loadConfig({
    env: {
      TALKBUS_NODE_ID: nodeID,
      TALKBUS_SIP_LISTEN_ADDRESS: '127.0.0.1',
      TALKBUS_SIP_UDP_PORT: '0',
      TALKBUS_SIP_TCP_PORT: '0',
      TALKBUS_SIP_WS_PORT: '0',
      ...env,
    },
  });
}

test('sip.* config: defaults, env overrides and a bad value naming its key', () => {
  const defaults = loadConfig({ env: {} }).sip;
  assert.equal(defaults.udpPort, 5060);
  assert.deepEqual(defaults.transports, ['udp', 'tcp', 'tls', 'ws']);
  assert.equal(defaults.timers.t1, 500);
  const tuned = config('n', {
    TALKBUS_SIP_TRANSPORTS: 'udp,tcp',
    TALKBUS_SIP_T1: '50',
    TALKBUS_SIP_TLS_VERIFY: 'false',
  });
  assert.deepEqual(tuned.sip.transports, ['udp', 'tcp']);
  assert.equal(tuned.sip.timers.t1, 50);
  assert.equal(tuned.sip.tlsVerify, false);
  assert.throws(() => config('n', { TALKBUS_SIP_UDP_PORT: '70000' }), /sip\.udpPort/);
});

test('one endpoint per node, reference counted; default listeners; OPTIONS answered 200', async () => {
  const cfg = config('endpoint-a');
  const first = await SipEndpoint.acquire(cfg);
  const second = await SipEndpoint.acquire(cfg);
  assert.equal(first, second);
  const protocols = first.stack.listeners.map((l) => l.protocol).sort();
  assert.deepEqual(protocols, ['tcp', 'udp', 'ws'], 'no TLS listener without a certificate');
  const udp = first.stack.listeners.find((l) => l.protocol === 'udp')!;

  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const answer = new Promise<Buffer>((resolve) => socket.once('message', resolve));
  const port = socket.address().port;
  socket.send(
    [
      'OPTIONS sip:node@127.0.0.1 SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKtest1`,
      'Max-Forwards: 70',
      'From: <sip:probe@127.0.0.1>;tag=1',
      'To: <sip:node@127.0.0.1>',
      'Call-ID: probe-1',
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
    udp.port,
    '127.0.0.1',
  );
  const response = parseMessage(await answer);
  assert.equal(response.kind === 'response' ? response.status : 0, 200);
  socket.close();

  await first.release();
  assert.equal(first.stack.listeners.length, 3, 'still up: one user left');
  await second.release();
  assert.equal(first.stack.listeners.length, 0, 'stopped by the last user');
});

test('account stacks: own address, port taken → SIP_PORT_IN_USE, foreign address → SIP_ADDRESS_NOT_LOCAL', async () => {
  const endpoint = await SipEndpoint.acquire(config('endpoint-b'));
  try {
    const own = await endpoint.openAccountStack({ localIp: '127.0.0.1', localPort: 0 });
    assert.ok(own.listeners.length === 2 && own.listeners.every((l) => l.address === '127.0.0.1'));
    await endpoint.closeAccountStack(own);
    assert.equal(own.listeners.length, 0);

    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    await assert.rejects(endpoint.openAccountStack({ localIp: '127.0.0.1', localPort: taken }), {
      type: 'SIP_PORT_IN_USE',
    });
    blocker.close();
    await assert.rejects(endpoint.openAccountStack({ localIp: '192.0.2.77', localPort: 0 }), {
      type: 'SIP_ADDRESS_NOT_LOCAL',
    });
  } finally {
    await endpoint.release();
  }
});
