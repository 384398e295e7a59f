/**
 * bench/sip-parser: @talkbus/sip's message layer next to the parsers of npm `sip` 0.0.6,
 * drachtio-srf 5.0.29, JsSIP 3.13.8, SIP.js 0.21.2 and the C parser of sofia-sip (the one inside
 * drachtio-server and FreeSWITCH), in one run. Not a test. Run:
 *
 *   node_modules/.bin/node bench/sip-parser/index.ts [roundMs=80] [rounds=5]
 *
 * Every side does the same work per message (see `sides.ts` and `sofia/sofia-bench.c`):
 * parse+read (top Via branch, From/To tags, Call-ID, CSeq, Contact URI host, body), and
 * parse+read+serialize (then Max-Forwards − 1, a new topmost Via, bytes out). Each cell is
 * µs per message, the best of `rounds` rounds of about `roundMs` after a warm-up; the whole
 * run takes about 30 s. Before timing, every side's reads are compared with talkbus's and
 * every rebuilt message is checked for the new Via and the decremented Max-Forwards.
 *
 * Target (SIP-stack issue): talkbus ≥ 2× the fastest JavaScript parser on every row; the
 * ratio to sofia-sip is reported, the goal being to reach it.
 */
import { performance } from 'node:perf_hooks';
import { INVITE, OK, REGISTER, TORTURE, TORTURE_DIR, TORTURE_NAMES } from './messages.ts';
import { JS_SIDES, lastOutput, lastRead, loadSipJs, NEW_VIA, type ReadValues, type Side } from './sides.ts';
import { buildSofia, messageFiles, runSofia, sofiaCheck, type SofiaResult } from './sofia.ts';

const ROUND_MS = Number(process.argv[2] ?? 80);
const ROUNDS = Number(process.argv[3] ?? 5);
const WARMUP_MS = 150;

interface Row {
  label: string;
  key: string;
  inputs: Buffer[];
  names: readonly string[];
  files?: string[];
}

const ROWS: Row[] = [
  { label: `INVITE (${INVITE.length} B)`, key: 'invite', inputs: [INVITE], names: ['INVITE'] },
  { label: `200 OK (${OK.length} B)`, key: 'ok', inputs: [OK], names: ['200 OK'] },
  { label: `REGISTER (${REGISTER.length} B)`, key: 'register', inputs: [REGISTER], names: ['REGISTER'] },
  {
    label: `RFC 4475 §3.1.1 (${TORTURE.length} msgs)`,
    key: 'torture',
    inputs: TORTURE,
    names: TORTURE_NAMES,
    files: TORTURE_NAMES.map((name) => new URL(`${name}.dat`, TORTURE_DIR).pathname),
  },
];

type Operation = 'parseRead' | 'parseReadSerialize';
const OPERATIONS: Array<[Operation, string]> = [
  ['parseRead', 'parse+read'],
  ['parseReadSerialize', 'parse+read+serialize'],
];

let sink = 0;

/** Runs `work` over every input `passes` times; a rejection (throw or -1) counts as done. */
function run(work: (input: Buffer) => number, inputs: Buffer[], passes: number): void {
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < inputs.length; i++) {
      try {
        sink += work(inputs[i]!);
      } catch {
        sink++;
      }
    }
  }
}

/** µs per message: warm-up, size a round to about ROUND_MS, best of ROUNDS. */
function measure(work: (input: Buffer) => number, inputs: Buffer[]): number {
  let passes = 1;
  const warmupEnd = performance.now() + WARMUP_MS;
  let elapsed = 0;
  while (performance.now() < warmupEnd || elapsed < ROUND_MS / 8) {
    const started = performance.now();
    run(work, inputs, passes);
    elapsed = performance.now() - started;
    if (elapsed < ROUND_MS / 8) passes *= 2;
  }
  passes = Math.max(1, Math.round((passes * ROUND_MS) / Math.max(elapsed, 0.001)));
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    run(work, inputs, passes);
    best = Math.min(best, ((performance.now() - started) * 1000) / (passes * inputs.length));
  }
  return best;
}

// ------------------------------------------------------------------ sanity checks

const notes: string[] = [];

function readsDiffer(a: ReadValues, b: ReadValues): string[] {
  return (Object.keys(a) as Array<keyof ReadValues>)
    .filter((key) => a[key] !== b[key])
    .map((key) => `${key} ${JSON.stringify(b[key])} (talkbus ${JSON.stringify(a[key])})`);
}

/** Per side and row: which messages it rejects; read values and rebuilt bytes checked. */
function check(side: Side, row: Row, reference: Map<string, ReadValues>): string[] {
  const rejected: string[] = [];
  row.inputs.forEach((input, i) => {
    const name = row.names[i]!;
    try {
      if (side.parseRead(input) < 0) throw new Error('rejected');
      const read = { ...lastRead };
      if (side.parseReadSerialize(input) < 0) throw new Error('rejected');
      const text = lastOutput.toString('latin1');
      const key = `${row.key}/${name}`;
      if (side.name === 'talkbus') reference.set(key, read);
      else {
        const talkbusRead = reference.get(key);
        const differences = talkbusRead === undefined ? [] : readsDiffer(talkbusRead, read);
        if (differences.length > 0) notes.push(`${side.name} reads ${name} differently: ${differences.join('; ')}`);
      }
      if (!text.includes(NEW_VIA.host)) notes.push(`${side.name}: ${name} rebuilt without the new Via`);
      const before = /^max-forwards\s*:\s*(\d+)/im.exec(input.toString('latin1'));
      const after = /^max-forwards\s*:\s*(\d+)/im.exec(text);
      if (before !== null && Number(after?.[1]) !== Number(before[1]) - 1)
        notes.push(`${side.name}: ${name} rebuilt without Max-Forwards ${Number(before[1]) - 1}`);
    } catch (error) {
      rejected.push(`${name} (${(error as Error).message.split('\n')[0]!.slice(0, 60)})`);
    }
  });
  return rejected;
}

// ------------------------------------------------------------------ run

await loadSipJs();
const started = performance.now();
const reference = new Map<string, ReadValues>();
const results = new Map<string, number>(); // `${row}/${op}/${side}` → µs
for (const row of ROWS) {
  for (const side of JS_SIDES) {
    const rejected = check(side, row, reference);
    if (rejected.length > 0)
      notes.push(`${side.name} rejects ${rejected.join(', ')} — timed anyway (a rejection counts as one message)`);
  }
}

const sofia = buildSofia();
const sofiaResults = new Map<string, SofiaResult>();
if ('binary' in sofia) {
  const inviteFile = messageFiles('invite', [INVITE])[0]!;
  const rebuilt = sofiaCheck(sofia.binary, inviteFile);
  if (!rebuilt.includes(NEW_VIA.host) || !/^Max-Forwards: 69\r$/m.test(rebuilt))
    notes.push('sofia-sip: INVITE not rebuilt as expected');
  for (const row of ROWS) {
    const files = row.files ?? messageFiles(row.key, row.inputs);
    const result = runSofia(sofia.binary, files, ROUND_MS, ROUNDS);
    sofiaResults.set(row.key, result);
    if (result.rejected > 0) {
      const names = files.filter((file) => {
        try {
          sofiaCheck(sofia.binary, file);
          return false;
        } catch {
          return true;
        }
      });
      notes.push(`sofia-sip rejects ${names.map((file) => row.names[files.indexOf(file)]).join(', ')} — timed anyway`);
    }
  }
} else notes.push(`sofia-sip: not measured (${sofia.unavailable})`);

for (const row of ROWS) {
  for (const [operation] of OPERATIONS) {
    for (const side of JS_SIDES)
      results.set(`${row.key}/${operation}/${side.name}`, measure(side[operation], row.inputs));
  }
}

// ------------------------------------------------------------------ table

const fmt = (us: number | undefined): string =>
  us === undefined || Number.isNaN(us) ? 'n/a' : us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2);
const serializeMark = (side: Side): string => (side.serializeNote === undefined ? '' : '†');
const header = [
  'message',
  'operation',
  ...JS_SIDES.map((side) => side.name + serializeMark(side)),
  'sofia-sip',
  'talkbus vs fastest JS',
  'talkbus vs sofia',
];
const lines: string[][] = [];
const rates: string[][] = [];
for (const row of ROWS) {
  for (const [operation, label] of OPERATIONS) {
    const cells = JS_SIDES.map((side) => results.get(`${row.key}/${operation}/${side.name}`)!);
    const talkbusUs = cells[0]!;
    let fastest = JS_SIDES[1]!;
    for (const side of JS_SIDES.slice(1))
      if (
        results.get(`${row.key}/${operation}/${side.name}`)! < results.get(`${row.key}/${operation}/${fastest.name}`)!
      )
        fastest = side;
    const fastestUs = results.get(`${row.key}/${operation}/${fastest.name}`)!;
    const sofiaUs = sofiaResults.get(row.key)?.[operation];
    lines.push([
      row.label,
      label,
      ...cells.map(fmt),
      fmt(sofiaUs),
      `${(fastestUs / talkbusUs).toFixed(2)}× (${fastest.name})`,
      sofiaUs === undefined ? 'n/a' : `${(sofiaUs / talkbusUs).toFixed(2)}×`,
    ]);
    rates.push([
      row.label,
      label,
      ...cells.map((us) => (1e6 / us).toFixed(0)),
      sofiaUs === undefined ? 'n/a' : (1e6 / sofiaUs).toFixed(0),
    ]);
  }
}

function printTable(head: string[], body: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((line) => line[i]!.length)));
  const format = (line: string[]): string =>
    `| ${line.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  console.log(format(head));
  console.log(`| ${widths.map((w, i) => (i < 2 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`);
  for (const line of body) console.log(format(line));
}

console.log(
  `SIP parsers, µs per message (lower is better), Node ${process.version}, best of ${ROUNDS} × ~${ROUND_MS} ms after warm-up\n`,
);
printTable(header, lines);
console.log('\n"talkbus vs X" = X µs / talkbus µs: above 1 means talkbus is faster (target vs fastest JS: ≥ 2).\n');
console.log('messages per second:\n');
printTable(header.slice(0, 2 + JS_SIDES.length + 1), rates);
console.log('');
for (const side of JS_SIDES) {
  if (side.serializeNote !== undefined) console.log(`† ${side.name}: ${side.serializeNote}`);
  if (side.inputNote !== undefined) console.log(`  ${side.name} input: ${side.inputNote}`);
}
console.log(
  '  sofia-sip: msg_make + sip_t fields; Max-Forwards − 1 + msg_header_insert(Via); msg_serialize + msg_prepare + msg_iovec gathered into one buffer',
);
for (const note of notes) console.log(`note: ${note}`);
console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s${sink === 0 ? '' : ''})`);
