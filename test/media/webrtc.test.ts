/**
 * The WebRTC peer of a call (services/media/src/webrtc.ts) against an independent WebRTC stack:
 * `werift` (pure TypeScript) plays the browser. It makes an offer (PCMU), the test answers it
 * from `media.webrtc.create` (ICE-lite, DTLS passive on mediasoup's side), werift connects (ICE,
 * DTLS, SRTP), sends a 440 Hz tone that the call's SIP peer (a UDP socket the test owns) must
 * receive, and hears the SIP peer's 1 kHz through `media.webrtc.consume`. Loopback only.
 *
 * Needs the worker's dtls-bio-callback.patch (docs/media-worker.md): without it the worker dies
 * (SIGSEGV) on werift's ClientHello.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  call,
  ErrorCode,
  TalkbusError,
  type MediaWebRtcConsumerInfo,
  type MediaWebRtcTransportInfo,
} from '@talkbus/contracts';
import { G711Law, g711Decode, g711Encode, serializeRtpPacket } from '@talkbus/rtp';
import sdpTransform from 'sdp-transform';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import {
  amplitudeOf,
  connectedEndpoint,
  RtpPeer,
  sleep,
  startMedia,
  waitFor,
  type MediaHarness,
} from '../../services/media/src/test-support.ts';

let harness: MediaHarness;
before(async () => {
  harness = await startMedia();
});
after(() => harness.dispose());

/** The webrtc actions are not in the contracts' typed catalog (catalog.ts) yet: call them by name. */
const rtc = <R = unknown>(name: string, params: Record<string, unknown>) =>
  harness.broker.call(name, params) as Promise<R>;

/** 20 ms of a PCMU tone, frame `index`. */
function toneFrame(frequency: number, index: number): Buffer {
  const pcm = new Int16Array(160);
  for (let sample = 0; sample < 160; sample++)
    pcm[sample] = Math.round(8000 * Math.sin((2 * Math.PI * frequency * (index * 160 + sample)) / 8000));
  return Buffer.from(g711Encode(G711Law.Mulaw, pcm));
}

describe('media.webrtc with werift as the browser', () => {
  test('ICE-lite + DTLS-SRTP: werift connects, its 440 Hz reaches the SIP peer, the SIP peer 1 kHz reaches werift', async () => {
    const sipPeer = await new RtpPeer().bind();
    const pc = new RTCPeerConnection({
      codecs: {
        audio: [new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 })],
        video: [],
      },
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceFilterCandidatePair: (pair) => pair.localCandidate.host === '127.0.0.1',
      iceUseIpv6: false,
    });
    let sending: ReturnType<typeof setInterval> | undefined;
    let sipSending = true;
    try {
      const endpoint = await connectedEndpoint(harness.broker, 'web-1', sipPeer);
      const sipPort = endpoint.audio!.port;
      const transport = await rtc<MediaWebRtcTransportInfo>('media.webrtc.create', { sessionId: 'web-1' });
      assert.equal(transport.iceParameters.iceLite, true);
      assert.ok(transport.iceCandidates.length > 0);
      assert.ok(transport.iceCandidates.every((candidate) => candidate.address === '127.0.0.1'));
      assert.ok(transport.dtlsParameters.fingerprints.length > 0);
      assert.ok(Array.isArray(transport.routerRtpCapabilities['codecs']));
      await assert.rejects(rtc('media.webrtc.create', { sessionId: 'web-1' }), (err: unknown) =>
        TalkbusError.is(err, ErrorCode.MEDIA_ENDPOINT_EXISTS),
      );

      // The SIP peer talks (1 kHz) so its SSRC is learnt and the browser can consume it.
      const sipTone = (async () => {
        for (let frame = 0; sipSending && frame < 750; frame++) {
          sipPeer.send(sipPort, 0, toneFrame(1000, frame));
          await sleep(20);
        }
      })();

      // The browser: one sendrecv PCMU transceiver.
      const track = new MediaStreamTrack({ kind: 'audio' });
      const transceiver = pc.addTransceiver(track, { direction: 'sendrecv' });
      const heard: Buffer[] = [];
      transceiver.onTrack.subscribe((remote) => {
        remote.onReceiveRtp.subscribe((packet) => {
          if (packet.header.payloadType === 0) heard.push(Buffer.from(packet.payload));
        });
      });
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      const parsed = sdpTransform.parse(pc.localDescription!.sdp);
      const media = parsed.media[0]!;
      const fingerprint = media.fingerprint ?? parsed.fingerprint!;
      const mid = String(media.mid);
      const ssrc = Number(media.ssrcs?.find((line) => line.attribute === 'cname')?.id);
      assert.ok(ssrc > 0, 'werift announces its SSRC');

      await rtc('media.webrtc.connect', {
        sessionId: 'web-1',
        dtlsParameters: { role: 'client', fingerprints: [{ algorithm: fingerprint.type, value: fingerprint.hash }] },
      });
      const produced = await rtc<{ producerId: string }>('media.webrtc.produce', {
        sessionId: 'web-1',
        kind: 'audio',
        rtpParameters: {
          mid,
          codecs: [{ mimeType: 'audio/PCMU', payloadType: 0, clockRate: 8000 }],
          encodings: [{ ssrc }],
          headerExtensions: [],
          rtcp: { cname: 'werift', reducedSize: true },
        },
      });
      assert.ok(produced.producerId);

      const consumer = await (async () => {
        // Bounded retry: consume needs the SIP peer's producer (SSRC learning, ≤ 3 s).
        const deadline = Date.now() + 3000;
        for (;;) {
          try {
            return await rtc<MediaWebRtcConsumerInfo>('media.webrtc.consume', {
              sessionId: 'web-1',
              rtpCapabilities: {
                codecs: [
                  {
                    kind: 'audio',
                    mimeType: 'audio/PCMU',
                    preferredPayloadType: 0,
                    clockRate: 8000,
                    channels: 1,
                    rtcpFeedback: [],
                  },
                ],
                headerExtensions: [],
              },
            });
          } catch (err) {
            if (!TalkbusError.is(err, ErrorCode.MEDIA_NOT_NEGOTIATED) || Date.now() > deadline) throw err;
            await sleep(50);
          }
        }
      })();
      const encoding = (consumer.rtpParameters['encodings'] as { ssrc: number }[])[0]!;
      const consumerCodec = (consumer.rtpParameters['codecs'] as { payloadType: number }[])[0]!;
      assert.equal(consumerCodec.payloadType, 0);

      const candidate = transport.iceCandidates[0]!;
      const answer = [
        'v=0',
        'o=- 1 1 IN IP4 127.0.0.1',
        's=-',
        't=0 0',
        'a=ice-lite',
        `a=group:BUNDLE ${mid}`,
        'a=msid-semantic: WMS *',
        ...transport.dtlsParameters.fingerprints
          .filter((entry) => entry.algorithm === 'sha-256')
          .map((entry) => `a=fingerprint:${entry.algorithm} ${entry.value}`),
        `m=audio ${candidate.port} UDP/TLS/RTP/SAVPF 0`,
        'c=IN IP4 127.0.0.1',
        `a=mid:${mid}`,
        'a=sendrecv',
        'a=rtcp-mux',
        'a=setup:passive',
        `a=ice-ufrag:${transport.iceParameters.usernameFragment}`,
        `a=ice-pwd:${transport.iceParameters.password}`,
        `a=candidate:${candidate.foundation} 1 udp ${candidate.priority} ${candidate.address} ${candidate.port} typ host`,
        'a=end-of-candidates',
        'a=rtpmap:0 PCMU/8000',
        `a=ssrc:${encoding.ssrc} cname:talkbus`,
        `a=ssrc:${encoding.ssrc} msid:talkbus call`,
        '',
      ].join('\r\n');
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      // ICE (werift controlling, mediasoup ICE-lite), then DTLS (werift client, mediasoup server).
      await waitFor(
        'werift ICE connected to the ICE-lite transport',
        () => pc.iceConnectionState === 'connected',
        8000,
      );
      await waitFor('werift DTLS-SRTP connected', () => pc.connectionState === 'connected', 8000);

      // The browser's microphone: a paced 440 Hz PCMU tone over SRTP.
      let frame = 0;
      sending = setInterval(() => {
        track.writeRtp(
          serializeRtpPacket({
            payloadType: 0,
            marker: frame === 0,
            sequenceNumber: frame & 0xffff,
            timestamp: (frame * 160) >>> 0,
            ssrc,
            payload: toneFrame(440, frame),
          }),
        );
        frame++;
      }, 20);

      const sipHears440 = () => amplitudeOf(sipPeer.pcm(), 440);
      const browserPcm = () => {
        const out = new Int16Array(heard.length * 160);
        heard.forEach((payload, index) => out.set(g711Decode(G711Law.Mulaw, payload).subarray(0, 160), index * 160));
        return out;
      };
      const browserHears1k = () => amplitudeOf(browserPcm(), 1000);
      await waitFor('the SIP peer hears the browser (440 Hz)', () => sipHears440() > 2000, 5000);
      await waitFor('the browser hears the SIP peer (1 kHz)', () => browserHears1k() > 2000, 5000);
      assert.ok(sipHears440() > 2000, `the SIP peer hears 440 Hz (${sipHears440()})`);
      assert.ok(
        amplitudeOf(sipPeer.pcm(), 1000) < 400,
        `the SIP peer does not hear itself (${amplitudeOf(sipPeer.pcm(), 1000)})`,
      );
      assert.ok(browserHears1k() > 2000, `the browser hears 1 kHz (${browserHears1k()})`);
      assert.ok(
        amplitudeOf(browserPcm(), 440) < 400,
        `the browser does not hear itself (${amplitudeOf(browserPcm(), 440)})`,
      );
      clearInterval(sending);
      sipSending = false;
      await sipTone;
    } finally {
      sipSending = false;
      clearInterval(sending);
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'web-1' }).catch(() => undefined);
      await pc.close();
      await sipPeer.close();
    }
  });

  test('bad input: no endpoint, no transport yet, a codec the call does not use, endpoint close releases it', async () => {
    const sipPeer = await new RtpPeer().bind();
    try {
      await assert.rejects(rtc('media.webrtc.create', { sessionId: 'nope' }), (err: unknown) =>
        TalkbusError.is(err, ErrorCode.MEDIA_ENDPOINT_NOT_FOUND),
      );
      await connectedEndpoint(harness.broker, 'web-2', sipPeer);
      await assert.rejects(
        rtc('media.webrtc.connect', {
          sessionId: 'web-2',
          dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] },
        }),
        (err: unknown) => TalkbusError.is(err, ErrorCode.MEDIA_NOT_NEGOTIATED),
      );
      await rtc('media.webrtc.create', { sessionId: 'web-2' });
      // The call is PCMU: an opus microphone cannot be sent to the SIP peer (no transcoding).
      await assert.rejects(
        rtc('media.webrtc.produce', {
          sessionId: 'web-2',
          kind: 'audio',
          rtpParameters: {
            codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
            encodings: [{ ssrc: 1234 }],
          },
        }),
        (err: unknown) => TalkbusError.is(err, ErrorCode.MEDIA_UNSUPPORTED),
      );
      await assert.rejects(
        rtc('media.webrtc.produce', { sessionId: 'web-2', kind: 'audio', rtpParameters: 'x' }),
        (err: unknown) => TalkbusError.is(err, ErrorCode.INVALID_PARAMETER),
      );
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'web-2' });
      await assert.rejects(rtc('media.webrtc.close', { sessionId: 'web-2' }), (err: unknown) =>
        TalkbusError.is(err, ErrorCode.MEDIA_ENDPOINT_NOT_FOUND),
      );
    } finally {
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'web-2' }).catch(() => undefined);
      await sipPeer.close();
    }
  });
});
