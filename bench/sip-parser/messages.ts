/**
 * The messages of bench/sip-parser (and bench/sip): a typical INVITE with SDP (817 bytes, the
 * size the SIP-stack issue measured with), its 200 OK as a proxy sees it (two Vias), a
 * REGISTER with digest credentials, and the RFC 4475 §3.1.1 valid torture messages, bit-exact.
 */
import { readFileSync } from 'node:fs';

const SDP =
  'v=0\r\no=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\ns=-\r\nc=IN IP4 192.0.2.101\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0 8 101\r\n' +
  'a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n';

/** An INVITE from a UA, with SDP. */
export const INVITE = Buffer.from(
  'INVITE sip:bob@biloxi.example.com SIP/2.0\r\n' +
    'Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n' +
    'Max-Forwards: 70\r\n' +
    'To: Bob <sip:bob@biloxi.example.com>\r\n' +
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n' +
    'Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n' +
    'CSeq: 314159 INVITE\r\n' +
    'Contact: <sip:alice@pc33.atlanta.example.com;transport=udp>\r\n' +
    'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, UPDATE, INFO\r\n' +
    'Supported: 100rel, timer, replaces\r\n' +
    'User-Agent: talkbus/0.1\r\n' +
    'Content-Type: application/sdp\r\n' +
    `Content-Length: ${SDP.length}\r\n` +
    '\r\n' +
    SDP,
  'latin1',
);

/** A 200 OK to that INVITE, as the first proxy receives it. */
export const OK = Buffer.from(
  'SIP/2.0 200 OK\r\n' +
    'Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3\r\n' +
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1\r\n' +
    'To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n' +
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n' +
    'Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n' +
    'CSeq: 314159 INVITE\r\n' +
    'Contact: <sip:bob@192.0.2.4>\r\n' +
    'Content-Length: 0\r\n\r\n',
  'latin1',
);

/** A REGISTER with digest credentials. */
export const REGISTER = Buffer.from(
  'REGISTER sip:registrar.biloxi.example.com SIP/2.0\r\n' +
    'Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7\r\n' +
    'Max-Forwards: 70\r\n' +
    'To: Bob <sip:bob@biloxi.example.com>\r\n' +
    'From: Bob <sip:bob@biloxi.example.com>;tag=456248\r\n' +
    'Call-ID: 843817637684230@998sdasdh09\r\n' +
    'CSeq: 1826 REGISTER\r\n' +
    'Contact: <sip:bob@192.0.2.4>;expires=7200\r\n' +
    'Authorization: Digest username="bob", realm="biloxi.example.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:registrar.biloxi.example.com", response="245f23415f11432b3434341c022", algorithm=MD5\r\n' +
    'Expires: 7200\r\n' +
    'Content-Length: 0\r\n\r\n',
  'latin1',
);

/** RFC 4475 §3.1.1 (valid messages), in the RFC's order. */
export const TORTURE_NAMES = [
  'wsinv',
  'intmeth',
  'esc01',
  'escnull',
  'esc02',
  'lwsdisp',
  'longreq',
  'dblreq',
  'semiuri',
  'transports',
  'mpart01',
  'unreason',
  'noreason',
] as const;

/** Where the fixtures live. */
export const TORTURE_DIR = new URL('../../packages/sip/src/message/fixtures/rfc4475/', import.meta.url);

/** The §3.1.1 messages, bit-exact. */
export const TORTURE: Buffer[] = TORTURE_NAMES.map((name) => readFileSync(new URL(`${name}.dat`, TORTURE_DIR)));
