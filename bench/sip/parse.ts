/**
 * bench/sip/parse: message-layer throughput of @talkbus/sip. Not a test. Run:
 * `node bench/sip/parse.ts [iterations]` (default 50,000 per row; the torture row runs
 * iterations/10 passes over its 14 messages). Each figure is the best of {@link ROUNDS} rounds.
 *
 * Columns (the work per message grows left to right):
 * - parse: datagram parse (framing, start line, header split, Content-Length).
 * - parse+read: plus what a transaction/dialog layer reads — top Via branch, From/To tags,
 *   Call-ID, CSeq, Contact URI, body.
 * - parse+read+serialize: plus decrement Max-Forwards, add a Via, serialize to bytes.
 * - stream: the same bytes through StreamFramer (one chunk per message), parse only.
 *
 * Absolute figures only for now; the peer comparison the SIP-stack issue asks for
 * (`bench/sip-parser`, npm sip / drachtio / JsSIP / SIP.js / sofia-sip) is future work.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { formatVia, parseMessage, serializeMessage, StreamFramer, type SipMessage } from '@talkbus/sip';

const ITERATIONS = Number(process.argv[2] ?? 50_000);
const ROUNDS = 3;

const SDP =
  'v=0\r\no=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\ns=-\r\nc=IN IP4 192.0.2.101\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0 8 101\r\n' +
  'a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n';

const INVITE = Buffer.from(
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

const OK = Buffer.from(
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

const REGISTER = Buffer.from(
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

const TORTURE_DIR = new URL('../../packages/sip/src/message/fixtures/rfc4475/', import.meta.url);
const TORTURE_NAMES = ['wsinv', 'intmeth', 'esc01', 'escnull', 'esc02', 'lwsdisp', 'longreq', 'dblreq', 'semiuri', 'transports', 'mpart01', 'unreason', 'noreason', 'inv2543'];
const TORTURE = TORTURE_NAMES.map((name) => readFileSync(new URL(`${name}.dat`, TORTURE_DIR)));
/** Streams need Content-Length and exact framing: inv2543 (RFC 2543, UDP) and dblreq (junk after Content-Length) are datagram-only. */
const STREAMABLE = new Set<Buffer>(TORTURE.filter((_, i) => TORTURE_NAMES[i] !== 'inv2543' && TORTURE_NAMES[i] !== 'dblreq'));

let sink = 0;

function read(message: SipMessage): void {
  sink += (message.topVia?.branch?.length ?? 0) + (message.from?.tag?.length ?? 0) + (message.to?.tag?.length ?? 0);
  sink += (message.callId?.length ?? 0) + (message.cseq?.seq ?? 0) + message.body.length;
  const contact = message.contact.contacts[0];
  if (contact !== undefined) sink += contact.uri.toString().length;
}

function rebuild(message: SipMessage): void {
  const maxForwards = message.maxForwards;
  if (maxForwards !== undefined) message.headers.set('Max-Forwards', String(maxForwards - 1));
  message.headers.prepend('Via', formatVia({ transport: 'UDP', host: 'proxy.example.com', port: 5060, branch: 'z9hG4bKbench1' }));
  sink += serializeMessage(message).length;
}

type Work = (input: Buffer) => void;

const WORK: Record<string, Work> = {
  parse: (input) => {
    sink += parseMessage(input).headers.size;
  },
  'parse+read': (input) => read(parseMessage(input)),
  'parse+read+serialize': (input) => {
    const message = parseMessage(input);
    read(message);
    rebuild(message);
  },
};

function streamWork(): Work {
  const framer = new StreamFramer({
    onMessage: (message) => {
      sink += message.headers.size;
    },
    onError: (error) => {
      throw error;
    },
  });
  return (input) => framer.push(input);
}

/** µs per message, best of ROUNDS. */
function measure(inputs: Buffer[], passes: number, work: Work): number {
  for (let i = 0; i < Math.min(passes, 2000); i++) for (const input of inputs) work(input);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    for (let i = 0; i < passes; i++) for (const input of inputs) work(input);
    const elapsed = performance.now() - started;
    best = Math.min(best, (elapsed * 1000) / (passes * inputs.length));
  }
  return best;
}

const rows: Array<[string, Buffer[], number]> = [
  [`INVITE (${INVITE.length} B)`, [INVITE], ITERATIONS],
  [`200 OK (${OK.length} B)`, [OK], ITERATIONS],
  [`REGISTER (${REGISTER.length} B)`, [REGISTER], ITERATIONS],
  [`RFC 4475 valid (${TORTURE.length} msgs)`, TORTURE, Math.max(1, Math.floor(ITERATIONS / 10))],
];

const columns = [...Object.keys(WORK), 'stream'];
const format = (us: number): string => `${(1e6 / us).toFixed(0).padStart(9)}/s ${us.toFixed(2).padStart(7)} µs`;
console.log(`@talkbus/sip message layer, Node ${process.version}, best of ${ROUNDS} rounds`);
console.log(['message'.padEnd(28), ...columns.map((c) => c.padStart(24))].join(' |'));
for (const [label, inputs, passes] of rows) {
  const cells = Object.values(WORK).map((work) => format(measure(inputs, passes, work)));
  const streamInputs = inputs === TORTURE ? inputs.filter((input) => STREAMABLE.has(input)) : inputs;
  cells.push(format(measure(streamInputs, passes, streamWork())));
  console.log([label.padEnd(28), ...cells.map((c) => c.padStart(24))].join(' |'));
}
if (sink === 0) console.log('');
