/**
 * bench/sip: message-layer throughput of @talkbus/sip. Not a test. Run:
 * `node bench/sip/index.ts [iterations]` (default 50,000 per row; the torture row runs
 * iterations/10 passes over its 14 messages). Each figure is the best of {@link ROUNDS} rounds.
 *
 * Columns (the work per message grows left to right):
 * - parse: datagram parse (framing, start line, header split, Content-Length).
 * - parse+read: plus what a transaction/dialog layer reads — top Via branch, From/To tags,
 *   Call-ID, CSeq, Contact URI, body.
 * - parse+read+serialize: plus decrement Max-Forwards, add a Via, serialize to bytes.
 * - stream: the same bytes through StreamFramer (one chunk per message), parse only.
 *
 * Absolute figures only; the side-by-side comparison with npm sip, drachtio-srf, JsSIP, SIP.js
 * and sofia-sip is `bench/sip-parser`, which shares these messages.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { formatVia, parseMessage, serializeMessage, StreamFramer, type SipMessage } from '@talkbus/sip';
import { INVITE, OK, REGISTER, TORTURE_DIR, TORTURE_NAMES as SHARED_TORTURE_NAMES } from '../sip-parser/messages.ts';

const ITERATIONS = Number(process.argv[2] ?? 50_000);
const ROUNDS = 3;

// The §3.1.1 messages the parser bench uses, plus inv2543 (RFC 2543 style, datagram only).
const TORTURE_NAMES = [...SHARED_TORTURE_NAMES, 'inv2543'];
const TORTURE = TORTURE_NAMES.map((name) => readFileSync(new URL(`${name}.dat`, TORTURE_DIR)));
/** Streams need Content-Length and exact framing: inv2543 (RFC 2543, UDP) and dblreq (junk after Content-Length) are datagram-only. */
const STREAMABLE = new Set<Buffer>(
  TORTURE.filter((_, i) => TORTURE_NAMES[i] !== 'inv2543' && TORTURE_NAMES[i] !== 'dblreq'),
);

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
  message.headers.prepend(
    'Via',
    formatVia({ transport: 'UDP', host: 'proxy.example.com', port: 5060, branch: 'z9hG4bKbench1' }),
  );
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
