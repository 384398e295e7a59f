import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseMessage } from '@talkbus/sip';
import { ConfigError, loadConfig } from './config.ts';
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

test('sip.dnsServers: default [] (system resolver), env list and file, a bad entry named by index and source', () => {
  assert.deepEqual(loadConfig({ env: {} }).sip.dnsServers, []);
  const servers = ['192.0.2.53', '192.0.2.54:5353', '2001:db8::53', '[2001:db8::54]', '[2001:db8::55]:5353'];
  assert.deepEqual(config('n', { TALKBUS_SIP_DNS_SERVERS: servers.join(', ') }).sip.dnsServers, servers);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'talkbus-config-')), 'talkbus.json');
  writeFileSync(file, JSON.stringify({ sip: { dnsServers: ['127.0.0.1:53'] } }));
  assert.deepEqual(loadConfig({ env: {}, file }).sip.dnsServers, ['127.0.0.1:53']);
  writeFileSync(file, JSON.stringify({ sip: { dnsServers: ['127.0.0.1:53', 'localhost'] } }));
  assert.throws(
    () => loadConfig({ env: {}, file }),
    /sip\.dnsServers\[1\] \(from file .*talkbus\.json\): localhost is not/,
  );
  rmSync(path.dirname(file), { recursive: true });
  for (const [bad, why] of [
    ['dns.example.com', /not an IP address/],
    ['192.0.2.300', /not an IPv4 address/],
    ['192.0.2.53:0', /port must be 1 to 65535/],
    ['192.0.2.53:65536', /port must be 1 to 65535/],
    ['[192.0.2.53]:53', /not a bracketed IPv6 address/],
    ['2001:db8::53::5353', /not an IP address/],
    ['fe80::1%eth0', /not an IP address/],
  ] as const)
    assert.throws(
      () => config('n', { TALKBUS_SIP_DNS_SERVERS: `192.0.2.53,${bad}` }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.key === 'sip.dnsServers[1]' &&
        why.test(error.message) &&
        /environment TALKBUS_SIP_DNS_SERVERS/.test(error.message),
      bad,
    );
  assert.throws(() => loadConfig({ env: {}, overrides: { sip: { dnsServers: '192.0.2.53' } } }), /sip\.dnsServers/);
  assert.throws(
    () => loadConfig({ env: {}, overrides: { sip: { dnsServers: Array(9).fill('192.0.2.53') } } }),
    /sip\.dnsServers/,
  );
});

test("the endpoint's stacks look names up at sip.dnsServers", async () => {
  const dns = await startDnsServer('192.0.2.7');
  const endpoint = await SipEndpoint.acquire(
    config('endpoint-dns', { TALKBUS_SIP_DNS_SERVERS: `127.0.0.1:${dns.port}` }),
  );
  try {
    // .test names exist in no public DNS (RFC 2606): only the configured server can answer.
    assert.deepEqual(await endpoint.stack.dns.resolve4('registrar.example.test'), ['192.0.2.7']);
    const own = await endpoint.openAccountStack({ localIp: '127.0.0.1', localPort: 0 });
    assert.deepEqual(await own.dns.resolve4('proxy.example.test'), ['192.0.2.7']);
    await endpoint.closeAccountStack(own);
    assert.deepEqual(dns.questions, ['registrar.example.test', 'proxy.example.test']);
  } finally {
    await endpoint.release();
    dns.socket.close();
  }
});

/**
 * A DNS server on 127.0.0.1 (RFC 1035 §4.1) that answers every query with one A record: enough
 * to see which server a resolver asks.
 */
async function startDnsServer(address: string) {
  const socket = createSocket('udp4');
  const questions: string[] = [];
  socket.on('message', (query, peer) => {
    // Header (12 bytes), then the question: labels up to a zero byte, QTYPE, QCLASS.
    let end = 12;
    const labels: string[] = [];
    while (query[end]! > 0) {
      labels.push(query.toString('latin1', end + 1, end + 1 + query[end]!));
      end += 1 + query[end]!;
    }
    end += 5;
    questions.push(labels.join('.'));
    const header = Buffer.from([0, 0, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
    query.copy(header, 0, 0, 2); // the query's ID
    // The answer: a pointer to the question's name (offset 12), A, IN, TTL 60, 4 bytes.
    const answer = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...address.split('.').map(Number)]);
    socket.send(Buffer.concat([header, query.subarray(12, end), answer]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, questions, port: socket.address().port };
}

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
