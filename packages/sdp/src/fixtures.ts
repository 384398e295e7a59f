/**
 * SDP fixtures for the tests, shaped like what real endpoints send (written for talkbus, not
 * captured). Not exported from the package.
 */
import type { LocalTransport } from './local-config.ts';

/** Join lines with CRLF, as SDP is sent (RFC 4566 §5). */
export function sdp(...lines: string[]): string {
  return `${lines.join('\r\n')}\r\n`;
}

/** A deterministic base64 key of `size` bytes (30 for AES_CM_128, 44 for AEAD_AES_256_GCM). */
export function testKey(size: number, fill: number): string {
  return Buffer.alloc(size, fill).toString('base64');
}

/** Deterministic "random" bytes for MediaSession tests. */
export function fakeRandomBytes(seed = 7): (size: number) => Uint8Array {
  let state = seed;
  return (size) => {
    const bytes = new Uint8Array(size);
    for (let index = 0; index < size; index++) {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      bytes[index] = state & 0xff;
    }
    return bytes;
  };
}

/** baresip: opus first, G722, G.711, telephone-event at 0-15, SSRC announced. */
export const baresipOffer = sdp(
  'v=0',
  'o=- 1503451277 3040158917 IN IP4 192.168.1.50',
  's=-',
  'c=IN IP4 192.168.1.50',
  't=0 0',
  'a=tool:baresip 1.0.0',
  'm=audio 10164 RTP/AVP 96 97 9 0 8 101',
  'b=AS:128',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 stereo=1;sprop-stereo=1',
  'a=rtpmap:97 G7221/16000',
  'a=fmtp:97 bitrate=32000',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  'a=label:1',
  'a=rtcp-rsize',
  'a=ssrc:1399284001 cname:sip:alice@example.com',
);

/** Linphone: dynamic payload types everywhere, telephone-event at three rates, VP8 + H264 video. */
export const linphoneOffer = sdp(
  'v=0',
  'o=bob 2104 3108 IN IP4 10.0.0.7',
  's=Talk',
  'c=IN IP4 10.0.0.7',
  't=0 0',
  'a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics',
  'm=audio 7078 RTP/AVP 96 97 98 0 8 18 99 100 110',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 useinbandfec=1',
  'a=rtpmap:97 speex/16000',
  'a=fmtp:97 vbr=on',
  'a=rtpmap:98 speex/8000',
  'a=fmtp:98 vbr=on',
  'a=fmtp:18 annexb=yes',
  'a=rtpmap:99 telephone-event/48000',
  'a=rtpmap:100 telephone-event/16000',
  'a=rtpmap:110 telephone-event/8000',
  'a=rtcp-fb:* trr-int 1000',
  'a=rtcp-fb:* ccm tmmbr',
  'm=video 9078 RTP/AVP 96 97',
  'a=rtpmap:96 VP8/90000',
  'a=rtpmap:97 H264/90000',
  'a=fmtp:97 profile-level-id=42801F',
  'a=rtcp-fb:* trr-int 1000',
  'a=rtcp-fb:* ccm tmmbr',
  'a=rtcp-fb:96 nack pli',
  'a=rtcp-fb:96 nack sli',
  'a=rtcp-fb:96 ccm fir',
  'a=rtcp-fb:97 nack pli',
  'a=rtcp-fb:97 ccm fir',
);

/** Asterisk: PCMA first, GSM, G726, telephone-event 0-16, ptime and maxptime. */
export const asteriskOffer = sdp(
  'v=0',
  'o=- 1715261218 1715261218 IN IP4 203.0.113.10',
  's=Asterisk',
  'c=IN IP4 203.0.113.10',
  't=0 0',
  'm=audio 17214 RTP/AVP 8 0 3 111 101',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:3 GSM/8000',
  'a=rtpmap:111 G726-32/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=maxptime:150',
  'a=sendrecv',
);

/** Cisco IOS gateway: G729 first, CN, c= only at media level, a=rtcp on its own port. */
export const ciscoOffer = sdp(
  'v=0',
  'o=CiscoSystemsSIP-GW-UserAgent 4410 7467 IN IP4 172.16.1.5',
  's=SIP Call',
  't=0 0',
  'm=audio 16434 RTP/AVP 18 0 101 19',
  'c=IN IP4 172.16.1.5',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=no',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=rtpmap:19 CN/8000',
  'a=rtcp:16441 IN IP4 172.16.1.6',
  'a=ptime:20',
);

/** Cisco offering only G729: nothing in common with talkbus's defaults. */
export const g729OnlyOffer = sdp(
  'v=0',
  'o=CiscoSystemsSIP-GW-UserAgent 4410 7467 IN IP4 172.16.1.5',
  's=SIP Call',
  'c=IN IP4 172.16.1.5',
  't=0 0',
  'm=audio 16434 RTP/AVP 18 101',
  'a=rtpmap:18 G729/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
);

/** A WebRTC-ish offer through an SBC doing SDES: RTP/SAVPF, mid, rtcp-mux, ssrc, extmap, many attributes. */
export const webrtcSdesOffer = sdp(
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'a=msid-semantic: WMS stream',
  'm=audio 50000 RTP/SAVPF 111 63 9 0 8 13 110 126',
  'c=IN IP4 198.51.100.20',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=candidate:1 1 udp 2122260223 198.51.100.20 50000 typ host generation 0',
  'a=ice-ufrag:Wq1b',
  'a=ice-pwd:x9cml/YzichV2+XlhiMu8gqqqqqq',
  'a=mid:0',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=sendrecv',
  'a=rtcp-mux',
  `a=crypto:1 AEAD_AES_256_GCM inline:${testKey(44, 3)}`,
  `a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:${testKey(30, 4)}`,
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=fmtp:63 111/111',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:13 CN/8000',
  'a=rtpmap:110 telephone-event/48000',
  'a=rtpmap:126 telephone-event/8000',
  'a=ssrc:1111 cname:webrtc-cname',
  'a=ssrc:1111 msid:stream track',
  'm=video 50000 RTP/SAVPF 96 97 102 103',
  'c=IN IP4 198.51.100.20',
  'a=mid:1',
  'a=rtcp-mux',
  `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${testKey(30, 5)}`,
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:96 goog-remb',
  'a=rtcp-fb:96 transport-cc',
  'a=rtcp-fb:96 ccm fir',
  'a=rtcp-fb:96 nack',
  'a=rtcp-fb:96 nack pli',
  'a=rtpmap:97 rtx/90000',
  'a=fmtp:97 apt=96',
  'a=rtpmap:102 H264/90000',
  'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f',
  'a=rtpmap:103 H264/90000',
  'a=fmtp:103 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
  'a=rtcp-fb:103 nack',
  'a=rtcp-fb:103 nack pli',
  'a=rtcp-fb:103 goog-remb',
  'a=ssrc:2222 cname:webrtc-cname',
);

/** A browser's DTLS-SRTP offer: UDP/TLS/RTP/SAVPF with a fingerprint and no a=crypto. */
export const webrtcDtlsOffer = sdp(
  'v=0',
  'o=- 5611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 0 8',
  'c=IN IP4 0.0.0.0',
  'a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08',
  'a=setup:actpass',
  'a=mid:0',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
);

/** An SRTP offer (RFC 4568 §10 style) with lifetime and MKI variants. */
export const srtpOffer = sdp(
  'v=0',
  'o=sam 2890844526 2890842807 IN IP4 192.0.2.5',
  's=SRTP Discussion',
  'c=IN IP4 192.0.2.5',
  't=0 0',
  'm=audio 49170 RTP/SAVP 0 101',
  `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${testKey(30, 1)}|2^20|1:4`,
  `a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${testKey(30, 2)}|2^20`,
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
);

/** IPv6 offer with a=rtcp carrying an IPv6 address. */
export const ipv6Offer = sdp(
  'v=0',
  'o=- 20518 0 IN IP6 2001:db8::10',
  's=-',
  'c=IN IP6 2001:db8::10',
  't=0 0',
  'm=audio 30000 RTP/AVP 8 0 101',
  'a=rtpmap:101 telephone-event/8000',
  'a=rtcp:30001 IN IP6 2001:db8::11',
);

/** Audio plus a T.38 fax stream (m=image udptl), which talkbus refuses with port 0. */
export const audioAndFaxOffer = sdp(
  'v=0',
  'o=- 1 1 IN IP4 192.0.2.9',
  's=-',
  'c=IN IP4 192.0.2.9',
  't=0 0',
  'm=audio 6000 RTP/AVP 0',
  'm=image 6002 udptl t38',
  'a=T38FaxVersion:0',
);

/** Every fixture, for loops (parse, fuzz). */
export const allFixtures: Readonly<Record<string, string>> = {
  baresipOffer,
  linphoneOffer,
  asteriskOffer,
  ciscoOffer,
  g729OnlyOffer,
  webrtcSdesOffer,
  webrtcDtlsOffer,
  srtpOffer,
  ipv6Offer,
  audioAndFaxOffer,
};

/** The transport of "our" side in tests. */
export const localTransport: LocalTransport = { address: '10.0.0.1', audio: { port: 4000 }, video: { port: 4002 } };

/** The transport of the "peer" side in tests (another talkbus). */
export const peerTransport: LocalTransport = { address: '10.0.0.2', audio: { port: 5000 }, video: { port: 5002 } };

/** Lines of an SDP text, without the trailing empty one. */
export function lines(text: string): string[] {
  return text.split('\r\n').filter((line) => line.length > 0);
}

/** The lines of m-section `index` (the m= line and its attributes). */
export function section(text: string, index: number): string[] {
  const all = lines(text);
  const starts = all.flatMap((line, at) => (line.startsWith('m=') ? [at] : []));
  const start = starts[index];
  if (start === undefined) return [];
  return all.slice(start, starts[index + 1] ?? all.length);
}
