// Smoke test for the mediasoup worker that scripts/setup/media-worker.sh builds from source
// against Debian's libraries (see docs/media-worker.md). It proves that the binary starts
// under the mediasoup Node package of the same version, that RTP of each codec family talkbus
// uses goes in through a PlainTransport and comes out of another one unchanged, and that
// closing the worker really ends its process.
//
// Run: node --test test/media-worker/worker.test.ts
// The binary is MEDIASOUP_WORKER_BIN if set, otherwise the cache path that
// `scripts/setup/media-worker.sh --print-path` computes. Loopback only; every wait is bounded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { accessSync, constants as fsConstants } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';

const LOOPBACK = '127.0.0.1';
const TEST_TIMEOUT_MS = 60_000;
const DELIVERY_TIMEOUT_MS = 5_000;
const SHUTDOWN_TIMEOUT_MS = 5_000;

const setupScript = fileURLToPath(new URL('../../scripts/setup/media-worker.sh', import.meta.url));

function resolveWorkerBin(): string {
  const fromEnv = process.env['MEDIASOUP_WORKER_BIN'];
  const bin =
    fromEnv !== undefined && fromEnv !== ''
      ? fromEnv
      : (execFileSync('bash', [setupScript, '--print-path'], { encoding: 'utf8', timeout: 10_000 })
          .trim()
          .split('\n')
          .at(-1) ?? '');
  try {
    accessSync(bin, fsConstants.X_OK);
  } catch {
    throw new Error(
      `no executable mediasoup worker at "${bin}": build it with \`npm run setup\` ` +
        '(scripts/setup/media-worker.sh) or point MEDIASOUP_WORKER_BIN at one',
    );
  }
  return bin;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function bindUdp(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, LOOPBACK, () => {
        socket.off('error', reject);
        resolve();
      });
    }),
    2_000,
    'bind a UDP socket on loopback',
  );
  return socket;
}

function closeUdp(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

function rtpPacket(opts: {
  payloadType: number;
  seq: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  payload: Buffer;
}): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80; // V=2, no padding, no extension, no CSRC
  header[1] = (opts.marker ? 0x80 : 0) | opts.payloadType;
  header.writeUInt16BE(opts.seq & 0xffff, 2);
  header.writeUInt32BE(opts.timestamp >>> 0, 4);
  header.writeUInt32BE(opts.ssrc >>> 0, 8);
  // A fresh buffer per packet: dgram keeps a reference until the datagram is sent.
  return Buffer.concat([header, opts.payload]);
}

type ReceivedRtp = { payloadType: number; seq: number; ssrc: number; payload: Buffer };

function parseRtp(msg: Buffer): ReceivedRtp | undefined {
  if (msg.length < 12 || msg[0]! >> 6 !== 2) return undefined;
  const byte1 = msg[1]!;
  // RTCP (SR/RR/SDES/BYE/APP/feedback: 192..223) shares the port because of rtcp-mux.
  if (byte1 >= 192 && byte1 <= 223) return undefined;
  const csrcCount = msg[0]! & 0x0f;
  let offset = 12 + 4 * csrcCount;
  if ((msg[0]! & 0x10) !== 0) {
    if (msg.length < offset + 4) return undefined;
    offset += 4 + 4 * msg.readUInt16BE(offset + 2);
  }
  let end = msg.length;
  if ((msg[0]! & 0x20) !== 0) end -= msg[msg.length - 1]!;
  if (end < offset) return undefined;
  return {
    payloadType: byte1 & 0x7f,
    seq: msg.readUInt16BE(2),
    ssrc: msg.readUInt32BE(8),
    payload: Buffer.from(msg.subarray(offset, end)),
  };
}

type CodecCase = {
  name: string;
  kind: types.MediaKind;
  codec: types.RtpCodecParameters;
  ssrc: number;
  count: number;
  clockTicksPerPacket: number;
  payload: (i: number) => Buffer;
};

// Payloads that mediasoup's codec parsers take for what they claim to be: a video consumer
// forwards nothing until it has seen a key frame, so every video packet here is one.
const codecCases: CodecCase[] = [
  {
    name: 'PCMU',
    kind: 'audio',
    codec: { mimeType: 'audio/PCMU', payloadType: 0, clockRate: 8000 },
    ssrc: 0x11110001,
    count: 50,
    clockTicksPerPacket: 160,
    payload: (i) => Buffer.alloc(160, 0xff - (i % 16)), // µ-law near-silence, varying
  },
  {
    name: 'opus',
    kind: 'audio',
    codec: { mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 },
    ssrc: 0x11110002,
    count: 50,
    clockTicksPerPacket: 960,
    // TOC byte: config 12 (hybrid SWB 20 ms), mono, one frame; then opaque frame bytes.
    payload: (i) => Buffer.concat([Buffer.from([0x60]), Buffer.alloc(40, i & 0xff)]),
  },
  {
    name: 'VP8',
    kind: 'video',
    codec: { mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 },
    ssrc: 0x11110003,
    count: 30,
    clockTicksPerPacket: 3000,
    // Payload descriptor S=1, PID=0; VP8 key frame tag (P=0), start code 9d 01 2a, 320x240.
    payload: (i) =>
      Buffer.concat([
        Buffer.from([0x10, 0x50, 0x03, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]),
        Buffer.alloc(64, i & 0xff),
      ]),
  },
  {
    name: 'H264',
    kind: 'video',
    codec: {
      mimeType: 'video/H264',
      payloadType: 102,
      clockRate: 90000,
      parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
    },
    ssrc: 0x11110004,
    count: 15,
    clockTicksPerPacket: 3000,
    // Single NAL unit: SPS (type 7, what mediasoup takes as a key frame), baseline 3.1.
    payload: (i) => Buffer.concat([Buffer.from([0x67, 0x42, 0xe0, 0x1f]), Buffer.alloc(16, i & 0xff)]),
  },
];

const routerCodecs: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/PCMU', clockRate: 8000 },
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
  },
];

async function plainTransport(
  router: types.Router,
  srtpCryptoSuite?: types.SrtpCryptoSuite,
): Promise<types.PlainTransport> {
  return router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: LOOPBACK },
    rtcpMux: true,
    comedia: false,
    ...(srtpCryptoSuite === undefined ? {} : { enableSrtp: true, srtpCryptoSuite }),
  });
}

// Sends c.count RTP packets from a UDP socket into a PlainTransport producer and receives
// them from a PlainTransport consumer on another UDP socket. With srtpCryptoSuite, the media
// also crosses an SRTP hop between two more PlainTransports of the same router (consumer on
// one, producer on the other), so every packet is protected and unprotected once: that is
// what exercises the libsrtp 3 -> 2 compatibility layer of the build.
async function relayThroughWorker(
  router: types.Router,
  c: CodecCase,
  srtpCryptoSuite?: types.SrtpCryptoSuite,
): Promise<void> {
  const label = srtpCryptoSuite === undefined ? c.name : `${c.name} over SRTP ${srtpCryptoSuite}`;
  const sender = await bindUdp();
  const receiver = await bindUdp();
  try {
    const rtpCapabilities = router.rtpCapabilities;

    // In: the worker accepts RTP on the producer transport only from the address it is
    // connected to (comedia off), so connect it to the sending socket.
    const inTransport = await plainTransport(router);
    await inTransport.connect({ ip: LOOPBACK, port: sender.address().port });
    const producer = await inTransport.produce({
      kind: c.kind,
      rtpParameters: { codecs: [c.codec], encodings: [{ ssrc: c.ssrc }] },
    });

    let outProducer = producer;
    if (srtpCryptoSuite !== undefined) {
      const a = await plainTransport(router, srtpCryptoSuite);
      const b = await plainTransport(router, srtpCryptoSuite);
      assert.ok(a.srtpParameters !== undefined && b.srtpParameters !== undefined, `${label}: no SRTP keys`);
      // Each side decrypts with the keys the other side encrypts with.
      await a.connect({ ip: LOOPBACK, port: b.tuple.localPort, srtpParameters: b.srtpParameters });
      await b.connect({ ip: LOOPBACK, port: a.tuple.localPort, srtpParameters: a.srtpParameters });
      const hopConsumer = await a.consume({ producerId: producer.id, rtpCapabilities });
      outProducer = await b.produce({ kind: c.kind, rtpParameters: hopConsumer.rtpParameters });
    }

    // Out: a consumer on another transport, connected to the receiving socket.
    const outTransport = await plainTransport(router);
    await outTransport.connect({ ip: LOOPBACK, port: receiver.address().port });
    assert.ok(router.canConsume({ producerId: outProducer.id, rtpCapabilities }), `${label}: router cannot consume`);
    const consumer = await outTransport.consume({ producerId: outProducer.id, rtpCapabilities });
    const outCodec = consumer.rtpParameters.codecs[0];
    const outSsrc = consumer.rtpParameters.encodings?.[0]?.ssrc;
    assert.ok(outCodec !== undefined && outSsrc !== undefined, `${label}: consumer has no codec/SSRC`);
    assert.equal(outCodec.mimeType.toLowerCase(), c.codec.mimeType.toLowerCase());

    const received: ReceivedRtp[] = [];
    let resolveAll: () => void = () => {};
    const allReceived = new Promise<void>((resolve) => (resolveAll = resolve));
    receiver.on('message', (msg) => {
      const rtp = parseRtp(msg);
      if (rtp === undefined || rtp.ssrc !== outSsrc) return;
      received.push(rtp);
      if (received.length >= c.count) resolveAll();
    });

    const sent: Buffer[] = [];
    for (let i = 0; i < c.count; i++) {
      const payload = c.payload(i);
      sent.push(payload);
      const packet = rtpPacket({
        payloadType: c.codec.payloadType,
        seq: 1000 + i,
        timestamp: 90_000 + i * c.clockTicksPerPacket,
        ssrc: c.ssrc,
        marker: c.kind === 'video',
        payload,
      });
      await new Promise<void>((resolve, reject) =>
        sender.send(packet, inTransport.tuple.localPort, LOOPBACK, (err) => (err ? reject(err) : resolve())),
      );
      // A little pacing keeps this a smoke test of the path, not of socket buffers.
      await new Promise((resolve) => setTimeout(resolve, 1));
    }

    await withTimeout(allReceived, DELIVERY_TIMEOUT_MS, `${label}: ${c.count} RTP packets out of the consumer`).catch(
      (err: unknown) => {
        throw new Error(`${err instanceof Error ? err.message : String(err)} (got ${received.length})`);
      },
    );

    assert.equal(received.length, c.count, `${label}: packets out`);
    for (let i = 0; i < c.count; i++) {
      const rtp = received[i]!;
      assert.equal(rtp.payloadType, outCodec.payloadType, `${label}: payload type of packet ${i}`);
      assert.ok(rtp.payload.equals(sent[i]!), `${label}: payload of packet ${i} changed`);
      if (i > 0) assert.equal(rtp.seq, (received[i - 1]!.seq + 1) & 0xffff, `${label}: sequence gap at ${i}`);
    }

    const producerStats = await producer.getStats();
    assert.equal(producerStats[0]?.packetCount, c.count, `${label}: packets the producer counted`);
    if (outProducer !== producer) {
      const decrypted = await outProducer.getStats();
      assert.equal(decrypted[0]?.packetCount, c.count, `${label}: packets decrypted on the SRTP hop`);
    }
  } finally {
    await Promise.all([closeUdp(sender), closeUdp(receiver)]);
  }
}

test('mediasoup worker built from source relays RTP and shuts down', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const workerBin = resolveWorkerBin();

  // A cache path names the mediasoup version it was built from; the Node side and the
  // worker speak a FlatBuffers protocol that must come from the same version.
  const cached = /\/mediasoup-worker\/([^/]+)-[0-9a-f]{12}\/mediasoup-worker$/.exec(workerBin);
  if (cached !== null) {
    assert.equal(cached[1], mediasoup.version, 'worker binary and mediasoup package versions differ');
  }

  const worker = await withTimeout(
    mediasoup.createWorker({ workerBin, logLevel: 'warn' }),
    10_000,
    `start the worker ${workerBin}`,
  );
  const pid = worker.pid;
  let died: Error | undefined;
  worker.on('died', (err) => (died = err));
  const subprocessClosed = new Promise<void>((resolve) => worker.once('subprocessclose', resolve));
  t.after(() => {
    if (!worker.closed) worker.close();
  });

  assert.ok(Number.isInteger(pid) && pid > 0, 'worker has a pid');

  const router = await worker.createRouter({ mediaCodecs: routerCodecs });
  const routerMimeTypes = router.rtpCapabilities.codecs?.map((codec) => codec.mimeType) ?? [];
  for (const mimeType of ['audio/PCMU', 'audio/opus', 'video/VP8', 'video/H264']) {
    assert.ok(routerMimeTypes.includes(mimeType), `router offers ${mimeType}`);
  }

  for (const c of codecCases) {
    await t.test(`${c.name}: RTP in through one PlainTransport, out through another`, () =>
      relayThroughWorker(router, c),
    );
  }

  const pcmu = codecCases[0]!;
  const srtpSuites: types.SrtpCryptoSuite[] = [
    'AEAD_AES_256_GCM',
    'AEAD_AES_128_GCM',
    'AES_CM_128_HMAC_SHA1_80',
    'AES_CM_128_HMAC_SHA1_32',
  ];
  for (const suite of srtpSuites) {
    await t.test(`PCMU across an SRTP hop (${suite})`, () =>
      relayThroughWorker(router, { ...pcmu, ssrc: pcmu.ssrc + 0x100 + srtpSuites.indexOf(suite), count: 20 }, suite),
    );
  }

  assert.equal(died, undefined, 'worker died during the test');

  worker.close();
  assert.equal(worker.closed, true);
  await withTimeout(subprocessClosed, SHUTDOWN_TIMEOUT_MS, 'worker process exit after close()');
  assert.equal(worker.subprocessClosed, true);
  // The process has been reaped, so signal 0 cannot reach it any more.
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
});
