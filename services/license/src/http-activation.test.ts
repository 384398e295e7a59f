/**
 * A device outside the cluster: the `license` service on one embedded broker activates and
 * deactivates over HTTP against the `license-server` of another (its real endpoint on 127.0.0.1),
 * and copes with servers that are down, stall, or answer licenses it must not accept.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { stat } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { ServiceBroker } from 'moleculer';
import type { LicenseFile, ProductKeyInfo } from '@talkbus/contracts';
import { createLicenseServerService, createLicenseService } from './index.ts';
import { signLicense } from './license-file.ts';
import { generateSigningKeyPair } from './signing.ts';
import { EventRecorder, freePort, keyOnDisk, tempDir, testBroker, testConfig } from './test-support.ts';

const DEVICE = 'http-client-device-1';

/** A one-route HTTP server for answers the real server never gives. */
async function fakeServer(
  answer: (res: http.ServerResponse) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('activation over HTTP', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let serverBroker: ServiceBroker;
  let clientBroker: ServiceBroker;
  let events: EventRecorder;
  let serverUrl: string;
  let licensePath: string;
  let privateKeyPem: string;
  let activations = 0;

  const activate = async (server: string, key = 'HTTP-KEY-0001') => {
    assert.deepEqual(await clientBroker.call('license.activate', { server, key }), { accepted: true });
    return events.next('license.activated', ++activations);
  };

  before(async () => {
    tmp = await tempDir();
    const key = await keyOnDisk(tmp.dir);
    privateKeyPem = key.privateKeyPem;
    const port = await freePort();
    serverUrl = `http://127.0.0.1:${port}`;
    const serverConfig = testConfig(`${tmp.dir}/server`, 'license-http-server', {
      mode: 'server',
      privateKeyPath: key.privateKeyPath,
      httpHost: '127.0.0.1',
      httpPort: port,
    });
    serverBroker = testBroker(serverConfig);
    serverBroker.createService(createLicenseServerService({ config: serverConfig }));

    const clientConfig = testConfig(`${tmp.dir}/client`, 'license-http-client', {
      mode: 'client',
      publicKey: key.publicKeyPath,
      deviceId: DEVICE,
    });
    licensePath = clientConfig.license.path;
    clientBroker = testBroker(clientConfig);
    events = new EventRecorder().attach(clientBroker);
    clientBroker.createService(createLicenseService({ config: clientConfig }, { httpTimeoutMs: 300 }));

    await Promise.all([serverBroker.start(), clientBroker.start()]);
    await serverBroker.call('license-server.addKey', { key: 'HTTP-KEY-0001', product: 'talkbus-pro', seats: 1 });
  });

  after(async () => {
    await clientBroker?.stop();
    await serverBroker?.stop();
    await tmp?.remove();
  });

  test('activate over HTTP, verify, deactivate over HTTP: events in order, seat freed on the server', async () => {
    const activated = await activate(serverUrl);
    assert.equal(activated.activated, true, activated.reason ?? '');
    assert.equal(activated.license?.deviceId, DEVICE);
    assert.equal((await clientBroker.call<{ status: string }, object>('license.verify', {})).status, 'valid');
    const used = async () =>
      (await serverBroker.call<{ keys: ProductKeyInfo[] }, object>('license-server.listKeys', {})).keys[0]!.used;
    assert.equal(await used(), 1);

    // A base path with a trailing slash is kept: http://host:port/ + v1/deactivate.
    assert.deepEqual(await clientBroker.call('license.deactivateDevice', { server: `${serverUrl}/` }), {
      accepted: true,
    });
    assert.deepEqual(await events.next('license.deviceDeactivated', 1), { deactivated: true, reason: null });
    assert.equal(await used(), 0);
    await assert.rejects(stat(licensePath), { code: 'ENOENT' });
    assert.deepEqual(
      events.seen.map((e) => e.name),
      ['license.activated', 'license.deviceDeactivated'],
    );
  });

  test('server unreachable (closed port): activated:false, LICENSE_SERVER_UNREACHABLE, quickly', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const started = performance.now();
    const event = await activate(closed);
    assert.equal(event.activated, false);
    assert.match(event.reason ?? '', /^LICENSE_SERVER_UNREACHABLE: .*ECONNREFUSED/);
    assert.ok(performance.now() - started < 2000);
  });

  test('a server that accepts and never answers: LICENSE_SERVER_UNREACHABLE after the HTTP bound (300 ms)', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const started = performance.now();
      const event = await activate(`http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`);
      const elapsed = performance.now() - started;
      assert.equal(event.activated, false);
      assert.match(event.reason ?? '', /^LICENSE_SERVER_UNREACHABLE: .*300 ms/);
      assert.ok(elapsed >= 250 && elapsed < 2000, `took ${elapsed} ms`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  test('answers that are not a license for this device, from this server, are refused and nothing is written', async () => {
    const payload = {
      format: 'talkbus-license/1' as const,
      licenseId: 'lic-fake',
      product: 'p',
      keyId: '0123456789abcdef',
      deviceId: DEVICE,
      issuedAt: Date.now(),
      expiresAt: null,
    };
    const answers: [string, (res: http.ServerResponse) => void, RegExp][] = [
      [
        'signed by another key',
        (res) => res.end(JSON.stringify(signLicense(payload, generateSigningKeyPair().privateKeyPem))),
        /^LICENSE_BAD_SIGNATURE: /,
      ],
      [
        'for another device',
        (res) => res.end(JSON.stringify(signLicense({ ...payload, deviceId: 'someone-else-01' }, privateKeyPem))),
        /^LICENSE_OTHER_DEVICE: /,
      ],
      ['not a license', (res) => res.end('{"hello":"world"}'), /^LICENSE_MALFORMED: /],
      ['HTML', (res) => res.end('<html>oops</html>'), /^LICENSE_SERVER_UNREACHABLE: .*not JSON/],
      [
        'a 502 without our error shape',
        (res) => ((res.statusCode = 502), res.end('{}')),
        /^LICENSE_SERVER_UNREACHABLE: .*HTTP 502/,
      ],
      [
        'a huge answer',
        (res) => res.end(`{"payload":"${'a'.repeat(100_000)}"}`),
        /^LICENSE_SERVER_UNREACHABLE: .*more than/,
      ],
    ];
    for (const [what, answer, reason] of answers) {
      const fake = await fakeServer(answer);
      try {
        const event = await activate(fake.url);
        assert.equal(event.activated, false, what);
        assert.match(event.reason ?? '', reason, what);
        await assert.rejects(stat(licensePath), { code: 'ENOENT' }, `${what}: nothing written`);
      } finally {
        await fake.close();
      }
    }
    const good: LicenseFile = signLicense(payload, privateKeyPem);
    const fake = await fakeServer((res) => res.end(JSON.stringify(good)));
    try {
      assert.equal((await activate(fake.url)).activated, true, 'the same shape, correctly signed, is accepted');
    } finally {
      await fake.close();
    }
  });
});
