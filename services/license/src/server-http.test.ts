/**
 * The license server's HTTP endpoint on 127.0.0.1: routes, errors, bounds, and garbage sent
 * over raw sockets. The server must answer or close, and keep serving afterwards.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ServiceBroker } from 'moleculer';
import { createLicenseServerService } from './index.ts';
import { freePort, keyOnDisk, tempDir, testBroker, testConfig } from './test-support.ts';

/** Sends raw bytes and returns all the server answers until it closes (or `waitMs` passes). */
function raw(port: number, chunks: (string | Buffer)[], waitMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(received).toString('latin1'));
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (data) => received.push(data));
    socket.on('close', done);
    socket.on('error', done);
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
  });
}

describe('license server HTTP endpoint', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let broker: ServiceBroker;
  let base: string;
  let port: number;
  let publicKeyPem: string;

  const post = (
    route: string,
    body: string,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ) => fetch(`${base}${route}`, { method: 'POST', body, headers });
  const expectError = async (response: Response, status: number, code: string) => {
    assert.equal(response.status, status);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await response.json()) as { error: { code: string; message: string; data?: unknown } };
    assert.equal(body.error.code, code, JSON.stringify(body));
    assert.equal(typeof body.error.message, 'string');
    return body.error;
  };

  before(async () => {
    tmp = await tempDir();
    const key = await keyOnDisk(tmp.dir);
    publicKeyPem = key.publicKeyPem;
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = testConfig(tmp.dir, 'license-http-server', {
      mode: 'server',
      privateKeyPath: key.privateKeyPath,
      httpHost: '127.0.0.1',
      httpPort: port,
    });
    broker = testBroker(config);
    broker.createService(createLicenseServerService({ config }, { httpRequestTimeoutMs: 500 }));
    await broker.start();
    await broker.call('license-server.addKey', { key: 'HTTP-KEY-0001', product: 'p', seats: 1 });
  });

  after(async () => {
    await broker?.stop();
    await tmp?.remove();
  });

  test('GET /v1/public-key; POST /v1/activate and /v1/deactivate', async () => {
    const keyResponse = await fetch(`${base}/v1/public-key`);
    assert.equal(keyResponse.status, 200);
    assert.deepEqual(await keyResponse.json(), { publicKey: publicKeyPem });

    const issued = await post('/v1/activate', JSON.stringify({ key: 'HTTP-KEY-0001', deviceId: 'http-device-01' }));
    assert.equal(issued.status, 200);
    const file = (await issued.json()) as { payload: string; signature: string };
    assert.match(file.payload, /^[A-Za-z0-9_-]+$/);
    await expectError(
      await post('/v1/activate', JSON.stringify({ key: 'HTTP-KEY-0001', deviceId: 'http-device-02' })),
      409,
      'LICENSE_NO_SEATS',
    );
    const released = await post('/v1/deactivate', JSON.stringify({ deviceId: 'http-device-01' }));
    assert.deepEqual([released.status, await released.json()], [200, { released: true }]);
  });

  test('talkbus errors keep their code and status; bad fields are VALIDATION_ERROR naming the field', async () => {
    await expectError(
      await post('/v1/activate', JSON.stringify({ key: 'NOPE-KEY', deviceId: 'http-device-01' })),
      404,
      'LICENSE_UNKNOWN_KEY',
    );
    const invalid = await expectError(
      await post('/v1/activate', JSON.stringify({ key: 'HTTP-KEY-0001', deviceId: 'x' })),
      400,
      'VALIDATION_ERROR',
    );
    assert.match(JSON.stringify(invalid.data), /deviceId/);
    const extra = await expectError(
      await post('/v1/deactivate', JSON.stringify({ deviceId: 'http-device-01', admin: true })),
      400,
      'VALIDATION_ERROR',
    );
    assert.match(JSON.stringify(extra.data), /admin/);
  });

  test('protocol errors: 404, 405 with Allow, 400 for non-JSON or non-object, 415, 413', async () => {
    await expectError(await fetch(`${base}/v2/activate`), 404, 'NOT_FOUND');
    await expectError(await fetch(`${base}/`), 404, 'NOT_FOUND');
    const wrongMethod = await fetch(`${base}/v1/activate`);
    assert.equal(wrongMethod.headers.get('allow'), 'POST');
    await expectError(wrongMethod, 405, 'METHOD_NOT_ALLOWED');
    await expectError(await fetch(`${base}/v1/public-key`, { method: 'DELETE' }), 405, 'METHOD_NOT_ALLOWED');
    await expectError(await post('/v1/activate', '{"key":'), 400, 'BAD_REQUEST');
    await expectError(await post('/v1/activate', ''), 400, 'BAD_REQUEST');
    await expectError(await post('/v1/activate', '[1,2]'), 400, 'BAD_REQUEST');
    await expectError(await post('/v1/activate', 'null'), 400, 'BAD_REQUEST');
    await expectError(
      await post('/v1/activate', 'key=1', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    await expectError(
      await post('/v1/activate', JSON.stringify({ key: 'x'.repeat(17_000) })),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  test('raw garbage, oversized streamed bodies and stalled requests are answered or dropped, never fatal', async () => {
    assert.match(await raw(port, ['GARBAGE\r\n\r\n']), /^HTTP\/1\.1 400/);
    assert.match(await raw(port, [Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10])]), /^HTTP\/1\.1 400/);
    assert.match(
      await raw(port, [`GET /v1/public-key HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]),
      /^HTTP\/1\.1 400/,
    );
    // Chunked body past 16 KiB, no Content-Length to refuse it by.
    const chunk = 'a'.repeat(8000);
    const chunked = [
      'POST /v1/activate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
      ...Array.from({ length: 4 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`),
    ];
    const tooLarge = await raw(port, chunked);
    assert.match(tooLarge, /^HTTP\/1\.1 413/);
    assert.match(tooLarge, /PAYLOAD_TOO_LARGE/);
    // Headers promise 100 bytes, 10 come, then nothing: the request bound (500 ms here) answers 408.
    const started = performance.now();
    const stalled = await raw(
      port,
      [
        'POST /v1/activate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"key":"ab',
      ],
      3000,
    );
    assert.match(stalled, /^HTTP\/1\.1 408/);
    assert.ok(performance.now() - started < 2000, 'within the bound');
    // Two requests on one connection, the first one broken JSON: both answered in order.
    const body = '{"key":';
    const pipelined = await raw(port, [
      `POST /v1/activate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      'GET /v1/public-key HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ]);
    assert.match(pipelined, /^HTTP\/1\.1 400[\s\S]*HTTP\/1\.1 200[\s\S]*BEGIN PUBLIC KEY/);
    // And it still serves.
    assert.equal((await fetch(`${base}/v1/public-key`)).status, 200);
  });
});
