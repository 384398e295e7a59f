/**
 * Interop with a real soft-phone: talkbus's media endpoint and baresip 1.0.0 (Debian
 * `baresip-core`) exchange audio both ways over UDP on 127.0.0.1, and each side detects the
 * other's tone (Goertzel from `@talkbus/rtp`).
 *
 * - Signalling: talkbus's `SipUserAgent` on a real `SipTransportLayer` calls baresip's
 *   auto-answering account; `packages/sdp`'s `MediaSession` makes the offer and reads the answer.
 * - Media: the `media` service on a real mediasoup worker behind an embedded broker,
 *   `media.endpoint.create` / `update`, a 1 kHz tone input, a WAV output.
 * - talkbus hears baresip: its `ausine` source (440 Hz) is found in our WAV output.
 * - baresip hears talkbus: its `sndfile` filter writes what it decoded (`…-dec.wav`), which
 *   must hold our 1 kHz and not its own 440 Hz; its `callstat` is also checked.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ServiceBroker } from 'moleculer';
import { call, mediaStreamFromNegotiated, type MediaStreamParams } from '@talkbus/contracts';
import { parseWav, toneAmplitude, wavToPcm16 } from '@talkbus/rtp';
import { createBroker, loadConfig } from '@talkbus/runtime';
import { MediaSession, type NegotiatedMedia } from '@talkbus/sdp';
import { createMediaService } from '@talkbus/service-media';
import { SipTransportLayer, SipUserAgent } from '@talkbus/sip';
import { baresipAvailable, startBaresip, type Baresip } from './baresip.ts';
import { requirePeer } from '../support/peers.ts';

/** Amplitude of a frequency over the middle of a recording (the call's edges are left out). */
function amplitudeIn(pcm: Int16Array, frequency: number): number {
  const middle = pcm.subarray(Math.floor(pcm.length / 4), Math.floor((pcm.length * 3) / 4));
  return middle.length === 0 ? 0 : toneAmplitude(middle, frequency, { sampleRate: 8000 });
}

async function wavPcm(file: string): Promise<{ pcm: Int16Array; sampleRate: number }> {
  const wav = parseWav(await readFile(file));
  return { pcm: wavToPcm16(wav), sampleRate: wav.sampleRate };
}

/** What `media.endpoint.update` takes from a negotiated m-line (only the three RFC 4733 fields). */
function streamOf(media: NegotiatedMedia): MediaStreamParams {
  const stream = mediaStreamFromNegotiated(media);
  const event = stream.telephoneEvent;
  if (!event) return stream;
  const { payloadType, localPayloadType, clockRate } = event;
  return { ...stream, telephoneEvent: { payloadType, localPayloadType, clockRate } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

requirePeer(baresipAvailable(), 'baresip');
describe('baresip interop', () => {
  let broker: ServiceBroker;
  let dataDir: string;
  let transport: SipTransportLayer;
  let ua: SipUserAgent;
  let baresip: Baresip;

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'talkbus-media-baresip-'));
    const config = loadConfig({
      env: { TALKBUS_DATA_DIR: dataDir, TALKBUS_LOG_LEVEL: 'warn', TALKBUS_NODE_ID: `media-baresip-${process.pid}` },
    });
    // Away from the ranges of services/media's own tests (30000 + pid % 100 × 200).
    const portMin = 52000 + (process.pid % 40) * 100;
    broker = createBroker(config, { logger: false, registry: { stopDelay: 0 } });
    broker.createService(createMediaService({ config, settings: { workers: 1, portMin, portMax: portMin + 99 } }));
    await broker.start();
    transport = new SipTransportLayer({
      listeners: [{ protocol: 'udp', address: '127.0.0.1', port: 0 }],
      user: { onMessage: () => undefined },
    });
    await transport.start();
    ua = new SipUserAgent({ transport, from: 'sip:alice@127.0.0.1' });
    baresip = await startBaresip();
  });

  after(async () => {
    await baresip?.stop();
    ua?.close();
    await transport?.stop();
    await broker?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('talkbus calls baresip: each side detects the other’s tone', { timeout: 30_000 }, async () => {
    const sessionId = 'baresip-1';
    const created = await call(broker, 'media.endpoint.create', { sessionId, account: 'alice' });
    const media = new MediaSession({ transport: { address: created.address, audio: { port: created.audio!.port } } });
    await call(broker, 'media.endpoint.input', { sessionId, input: { kind: 'tone', frequencies: [1000] } });
    await call(broker, 'media.endpoint.output', { sessionId, output: { kind: 'wav', path: 'baresip-heard.wav' } });

    const dialog = await ua.createUAC(baresip.uri, { localSdp: media.createOffer() });
    const negotiated = media.receiveAnswer(dialog.remote.sdp ?? '');
    const audio = negotiated.find((line) => line.kind === 'audio' && line.accepted);
    assert.ok(audio, 'baresip accepted audio');
    assert.equal(audio.codecs[0]?.name.toUpperCase(), 'PCMU');
    await call(broker, 'media.endpoint.update', { sessionId, streams: [streamOf(audio)] });

    // Two seconds of call; RTP flows both ways meanwhile.
    await sleep(2000);
    const stats = await call(broker, 'media.endpoint.stats', { sessionId });
    const callstat = await baresip.command('callstat');
    await call(broker, 'media.endpoint.output', { sessionId, output: { kind: 'null' } }); // closes the WAV
    await dialog.destroy();
    await call(broker, 'media.endpoint.close', { sessionId });

    // talkbus → heard baresip's ausine.
    assert.ok((stats.audio?.packetsReceived ?? 0) >= 50, `talkbus received RTP (${stats.audio?.packetsReceived})`);
    assert.ok((stats.audio?.packetsSent ?? 0) >= 50, `talkbus sent RTP (${stats.audio?.packetsSent})`);
    const heard = await wavPcm(path.join(dataDir, 'media', 'baresip-heard.wav'));
    const at440 = amplitudeIn(heard.pcm, 440);
    assert.ok(heard.pcm.length >= 8000, `talkbus recorded ${heard.pcm.length} samples`);
    assert.ok(at440 > 1000, `talkbus hears baresip's 440 Hz (amplitude ${at440.toFixed(0)})`);
    assert.ok(amplitudeIn(heard.pcm, 1000) < at440 / 10, 'talkbus does not hear its own 1 kHz');

    // baresip → decoded our 1 kHz (its sndfile dump of the decoder's output), not its own tone.
    assert.equal(callstat.ok, true, `callstat: ${callstat.data}`);
    assert.match(callstat.data ?? '', /Call debug \(ESTABLISHED\)/);
    assert.match(callstat.data ?? '', /^\s+0 PCMU\/8000\/1 .*\*$/m, 'baresip uses PCMU');
    const decoded = await waitForDump(baresip, 'dec');
    const at1000 = amplitudeIn(decoded.pcm, 1000);
    assert.ok(decoded.pcm.length >= 8000, `baresip decoded ${decoded.pcm.length} samples`);
    assert.ok(at1000 > 1000, `baresip hears talkbus's 1 kHz (amplitude ${at1000.toFixed(0)})`);
    assert.ok(amplitudeIn(decoded.pcm, 440) < at1000 / 10, 'baresip does not hear its own 440 Hz');
  });
});

/** The `sndfile` dump of one direction, once baresip has closed it (bounded wait). */
async function waitForDump(baresip: Baresip, which: 'enc' | 'dec'): Promise<{ pcm: Int16Array; sampleRate: number }> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const file = (await baresip.dumps()).find((name) => name.endsWith(`-${which}.wav`));
    if (file) {
      try {
        const wav = await wavPcm(file);
        if (wav.pcm.length > 0) return wav;
      } catch {
        // still being written
      }
    }
    if (Date.now() > deadline) throw new Error(`baresip wrote no ${which} dump in ${baresip.dir}`);
    await sleep(100);
  }
}
