/**
 * DTMF both ways as RFC 4733 telephone events through real mediasoup workers: keys the peer
 * sends become `media.dtmfReceived` with their durations; `media.endpoint.dtmf` sends events the
 * peer decodes with the right keys, durations, marker bit and three end packets (§2.5.1.4).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call } from '@talkbus/contracts';
import {
  TelephoneEventReceiver,
  TelephoneEventSender,
  parseTelephoneEvent,
  serializeRtpPacket,
  telephoneEventCode,
} from '@talkbus/rtp';
import { connectedEndpoint, RtpPeer, sleep, startMedia, waitFor, type MediaHarness } from './test-support.ts';

let harness: MediaHarness;
before(async () => {
  harness = await startMedia();
});
after(() => harness.dispose());

describe('DTMF (RFC 4733)', () => {
  test('events from the peer become media.dtmfReceived with their durations', async () => {
    const peer = await new RtpPeer().bind();
    try {
      // The peer uses telephone-event 96 in our SDP: the number mediasoup must map.
      const info = await connectedEndpoint(harness.broker, 'dtmf-in', peer, {
        telephoneEvent: { payloadType: 96, localPayloadType: 96, clockRate: 8000 },
      });
      const port = info.audio!.port;
      await peer.sendTone(port, 10, [440]); // audio first: the SSRC is learnt from it
      await waitFor('rtpStarted', () =>
        harness.events.some((event) => event.name === 'media.rtpStarted' && event.payload['sessionId'] === 'dtmf-in'),
      );
      const sender = new TelephoneEventSender({ payloadType: 96, ssrc: peer.ssrc });
      let sequence = 20_000;
      let timestamp = 900_000;
      for (const [key, durationMs] of [
        ['5', 120],
        ['#', 200],
      ] as const) {
        for (const { packet } of sender.press({
          event: telephoneEventCode(key),
          durationMs,
          timestamp,
          sequenceNumber: sequence,
        })) {
          peer.socket.send(serializeRtpPacket(packet), port, '127.0.0.1');
          sequence = (packet.sequenceNumber + 1) & 0xffff;
          await sleep(20);
        }
        timestamp += 8 * (durationMs + 100);
        await sleep(60);
      }
      const received = await waitFor('two keys', () => {
        const keys = harness.events.filter(
          (event) => event.name === 'media.dtmfReceived' && event.payload['sessionId'] === 'dtmf-in',
        );
        return keys.length >= 2 ? keys : undefined;
      });
      assert.deepEqual(
        received.map((event) => [event.payload['key'], event.payload['durationMs'], event.payload['method']]),
        [
          ['5', 120, 'rfc4733'],
          ['#', 200, 'rfc4733'],
        ],
      );
    } finally {
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'dtmf-in' }).catch(() => undefined);
      await peer.close();
    }
  });

  test('media.endpoint.dtmf sends events the peer decodes, with durations and end packets', async () => {
    const peer = await new RtpPeer().bind();
    try {
      await connectedEndpoint(harness.broker, 'dtmf-out', peer, {
        telephoneEvent: { payloadType: 100, localPayloadType: 101, clockRate: 8000 },
      });
      const result = await call(
        harness.broker,
        'media.endpoint.dtmf',
        { sessionId: 'dtmf-out', digits: '1*', durationMs: 100 },
        { timeout: 5000 },
      );
      assert.deepEqual(result, { sent: '1*', durationMs: 100 });
      await sleep(60);
      const events = peer.received.filter((packet) => packet.payloadType === 100);
      const receiver = new TelephoneEventReceiver();
      const ends = events.flatMap((packet) => receiver.receive(packet, 0)).filter((report) => report.kind === 'end');
      assert.deepEqual(
        ends.map((report) => [report.key, report.duration, report.startLost]),
        [
          ['1', 800, false],
          ['*', 800, false],
        ],
      );
      // Three end packets per key (§2.5.1.4), all with the event's timestamp; one SSRC with the audio.
      const endPackets = events.filter((packet) => parseTelephoneEvent(packet.payload).end);
      assert.equal(endPackets.length, 6);
      assert.equal(new Set(peer.received.map((packet) => packet.ssrc)).size, 1);
      assert.ok(
        peer.received.some((packet) => packet.payloadType === 0),
        'audio around the events',
      );
    } finally {
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'dtmf-out' }).catch(() => undefined);
      await peer.close();
    }
  });
});
