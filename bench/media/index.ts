/**
 * bench/media: concurrent G.711 calls relayed through the media service (two endpoints per
 * call, bridged locally, on one mediasoup worker and on the pool), side by side with a minimal
 * Node `dgram` relay in its own process; plus the local mixer's cost per participant.
 *
 * Each call has two legs; each leg's peer (a socket of this driver) sends 50 packets/s of PCMU
 * and receives the other leg's. Loss = packets sent − packets received over the run. CPU is read
 * from /proc for the relay processes (mediasoup workers, or the dgram relay child).
 *
 * Run: node_modules/.bin/node bench/media/index.ts   (not a test; about a minute)
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, type MediaStreamParams } from '@talkbus/contracts';
import { G711Law, G711Mixer } from '@talkbus/rtp';
import { createBroker, loadConfig } from '@talkbus/runtime';
import { createMediaService } from '@talkbus/service-media';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 4);
const CALL_STEPS = (process.env['BENCH_CALLS'] ?? '50,200,400').split(',').map(Number);
const HERTZ = 100; // /proc clock ticks per second on Linux

/** CPU seconds (user + system) of a process. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / HERTZ;
}

/** One leg's peer socket. */
interface Leg {
  socket: dgram.Socket;
  ssrc: number;
  sequence: number;
  timestamp: number;
  target: number;
  sent: number;
  received: number;
}

async function leg(): Promise<Leg> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  // Default buffers lose packets at a few hundred streams (mediasoup-offline.md).
  socket.setRecvBufferSize(4 * 1024 * 1024);
  socket.setSendBufferSize(4 * 1024 * 1024);
  const state: Leg = {
    socket,
    ssrc: (Math.random() * 0xffffffff) >>> 0,
    sequence: 0,
    timestamp: 0,
    target: 0,
    sent: 0,
    received: 0,
  };
  socket.on('message', (message) => {
    if (message[1]! < 192 || message[1]! > 223) state.received++;
  });
  return state;
}

function packet(state: Leg): Buffer {
  // A fresh buffer per send: dgram keeps a reference until the datagram is out.
  const buffer = Buffer.alloc(172, 0xff);
  buffer[0] = 0x80;
  buffer[1] = 0;
  buffer.writeUInt16BE(state.sequence++ & 0xffff, 2);
  buffer.writeUInt32BE((state.timestamp += 160) >>> 0, 4);
  buffer.writeUInt32BE(state.ssrc, 8);
  return buffer;
}

/** Sends 50 pps on every leg for `seconds`, then waits for the tail. */
async function drive(legs: Leg[], relayPids: number[], seconds: number) {
  // Prime: one packet per leg (the dgram relay latches its peers from it), then count from zero
  // (the media endpoints sent Node-made silence between negotiation and bridging).
  for (const state of legs) state.socket.send(packet(state), state.target, '127.0.0.1');
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const state of legs) state.sent = state.received = 0;
  const cpuBefore = relayPids.map(cpuSeconds);
  const selfBefore = process.cpuUsage();
  const started = performance.now();
  const ticks = seconds * 50;
  for (let tick = 0; tick < ticks; tick++) {
    for (const state of legs) {
      state.socket.send(packet(state), state.target, '127.0.0.1');
      state.sent++;
    }
    const next = started + (tick + 1) * 20;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
  const elapsed = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 300));
  const relayCpu = relayPids.reduce((sum, pid, index) => sum + cpuSeconds(pid) - cpuBefore[index]!, 0);
  const self = process.cpuUsage(selfBefore);
  const sent = legs.reduce((sum, state) => sum + state.sent, 0);
  const received = legs.reduce((sum, state) => sum + state.received, 0);
  return { sent, received, elapsed, relayCpu, driverCpu: (self.user + self.system) / 1e6 };
}

interface Row {
  relay: string;
  calls: number;
  ppsIn: number;
  lossPercent: number;
  relayCorePercent: number;
  perCallPercent: number;
  driverCorePercent: number;
}

function row(relay: string, calls: number, result: Awaited<ReturnType<typeof drive>>): Row {
  const relayCorePercent = (100 * result.relayCpu) / result.elapsed;
  return {
    relay,
    calls,
    ppsIn: Math.round(result.sent / result.elapsed),
    lossPercent: (100 * (result.sent - result.received)) / result.sent,
    relayCorePercent,
    perCallPercent: relayCorePercent / calls,
    driverCorePercent: (100 * result.driverCpu) / result.elapsed,
  };
}

function stream(target: Leg): MediaStreamParams {
  return {
    index: 0,
    kind: 'audio',
    accepted: true,
    direction: 'sendrecv',
    rtcpMux: true,
    remote: { address: '127.0.0.1', port: target.socket.address().port, ssrcs: [target.ssrc] },
    codecs: [{ name: 'PCMU', clockRate: 8000, channels: 1, payloadType: 0, localPayloadType: 0 }],
  };
}

/**
 * How the legs of a call are placed on a pool: `bridge` lets `media.endpoint.bridge` move the
 * second leg to the first one's worker (least-loaded creation); `hint` creates the second leg with
 * `colocateWith` (no move).
 */
type Placement = 'bridge' | 'hint';

async function mediasoupRun(workers: number, calls: number, placement: Placement = 'bridge'): Promise<Row> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'talkbus-bench-media-'));
  const config = loadConfig({
    env: { TALKBUS_DATA_DIR: dataDir, TALKBUS_LOG_LEVEL: 'error', TALKBUS_NODE_ID: 'bench-media' },
  });
  const broker = createBroker(config, { logger: false });
  broker.createService(
    createMediaService({ config, settings: { workers, portMin: 40000, portMax: 49999, rtpTimeoutMs: 3_600_000 } }),
  );
  await broker.start();
  const legs: Leg[] = [];
  try {
    for (let index = 0; index < calls; index += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, calls - index) }, async (_, offset) => {
          const id = index + offset;
          const [a, b] = [await leg(), await leg()];
          legs.push(a, b);
          for (const [name, state] of [
            [`c${id}a`, a],
            [`c${id}b`, b],
          ] as const) {
            const hint = placement === 'hint' && name.endsWith('b') ? { colocateWith: `c${id}a` } : {};
            const info = await call(broker, 'media.endpoint.create', { sessionId: name, account: 'bench', ...hint });
            await call(broker, 'media.endpoint.update', { sessionId: name, streams: [stream(state)] });
            state.target = info.audio!.port;
          }
          await call(broker, 'media.endpoint.bridge', { sessionId: `c${id}a`, otherSessionId: `c${id}b` });
        }),
      );
    }
    const { endpoints } = await call(broker, 'media.endpoint.list', {});
    const pids = [...new Set(endpoints.map((endpoint) => endpoint.workerPid))];
    const label = `mediasoup, ${workers} worker${workers > 1 ? 's' : ''}${workers > 1 ? ` (${placement === 'hint' ? 'colocateWith hint' : 'moved at bridge'})` : ''}`;
    return row(label, calls, await drive(legs, pids, SECONDS));
  } finally {
    for (const state of legs) state.socket.close();
    await broker.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function dgramRun(calls: number): Promise<Row> {
  const script = fileURLToPath(new URL('./dgram-relay.ts', import.meta.url));
  const child = spawn(process.execPath, [script, String(calls)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ports = await new Promise<number[]>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n').find((entry) => entry.startsWith('READY'));
      if (line) resolve(line.split(' ').slice(1).map(Number));
    });
    child.once('exit', () => reject(new Error('the dgram relay exited')));
  });
  const legs: Leg[] = [];
  try {
    for (let index = 0; index < calls * 2; index++) {
      const state = await leg();
      state.target = ports[index]!;
      legs.push(state);
    }
    return row('node dgram relay', calls, await drive(legs, [child.pid!], SECONDS));
  } finally {
    for (const state of legs) state.socket.close();
    child.kill('SIGTERM');
  }
}

/** The local mixer (rtp package) per 20 ms frame: µs per participant and % of a core per participant. */
function mixerCost(participants: number): {
  participants: number;
  microsPerFrame: number;
  corePercentPerParticipant: number;
} {
  const mixer = new G711Mixer({ law: G711Law.Mulaw });
  const inputs = Array.from({ length: participants }, () =>
    Uint8Array.from({ length: 160 }, () => (Math.random() * 256) | 0),
  );
  const outputs = Array.from({ length: participants }, () => new Uint8Array(160));
  for (let index = 0; index < 2000; index++) mixer.mixMinusOne(inputs, outputs);
  const frames = 20_000;
  const started = process.hrtime.bigint();
  for (let index = 0; index < frames; index++) mixer.mixMinusOne(inputs, outputs);
  const micros = Number(process.hrtime.bigint() - started) / 1000 / frames;
  return { participants, microsPerFrame: micros, corePercentPerParticipant: ((micros / participants) * 50) / 10_000 };
}

const rows: Row[] = [];
for (const calls of CALL_STEPS) rows.push(await mediasoupRun(1, calls));
rows.push(await mediasoupRun(2, CALL_STEPS.at(-1)!, 'bridge'));
rows.push(await mediasoupRun(2, CALL_STEPS.at(-1)!, 'hint'));
for (const calls of CALL_STEPS) rows.push(await dgramRun(calls));

const fixed = (value: number, digits = 1) => value.toFixed(digits);
console.log(`\nG.711 relay, ${SECONDS} s per run, 2 legs per call, 50 pps per leg (PCMU 20 ms)\n`);
console.log('| relay | calls | packets/s in | loss % | relay CPU (% of a core) | CPU per call (%) | driver CPU (%) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.relay} | ${r.calls} | ${r.ppsIn} | ${fixed(r.lossPercent, 2)} | ${fixed(r.relayCorePercent)} | ${fixed(r.perCallPercent, 3)} | ${fixed(r.driverCorePercent)} |`,
  );
}
console.log('\nLocal mixer (rtp G711Mixer.mixMinusOne), per 20 ms frame\n');
console.log('| participants | µs per frame | % of a core per participant |');
console.log('| ---: | ---: | ---: |');
for (const participants of [3, 5, 8]) {
  const cost = mixerCost(participants);
  console.log(
    `| ${cost.participants} | ${fixed(cost.microsPerFrame, 2)} | ${fixed(cost.corePercentPerParticipant, 3)} |`,
  );
}
