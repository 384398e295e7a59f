/**
 * bench/recorder: how many recordings one node sustains.
 *
 * 1. Audio: N calls on one mediasoup worker, each peer (a socket of this driver) sending 50
 *    packets/s of PCMU, first without recordings (baseline), then with a speaker recording
 *    (`recorder.play.start`, WAV PCM16) per call. CPU of this process (recorder + media service)
 *    and of the worker, RSS, packets received by the recorder against packets sent.
 * 2. Video: K calls whose peer is ffmpeg sending 320×240@15 H.264, each received video recorded
 *    to MP4 by the recorder's ffmpeg; CPU of the recorder's ffmpeg processes → recordings per core.
 *
 * Run: node_modules/.bin/node bench/recorder/index.ts   (not a test; about a minute)
 * BENCH_SECONDS (4), BENCH_RECORDINGS ("50,200,400"), BENCH_VIDEO (2).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { call, type MediaStreamParams } from '@talkbus/contracts';
import { createBroker, loadConfig } from '@talkbus/runtime';
import { createMediaService } from '@talkbus/service-media';
import { createProfileService } from '@talkbus/service-profile';
import { createRecorderService, type RecorderCore } from '@talkbus/service-recorder';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 4);
const STEPS = (process.env['BENCH_RECORDINGS'] ?? '50,200,400').split(',').map(Number);
const VIDEO = Number(process.env['BENCH_VIDEO'] ?? 2);
const HERTZ = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU seconds (user + system) of a process from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / HERTZ;
  } catch {
    return 0;
  }
}

/** Child processes of this process whose command line contains `needle`. */
function childrenWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle))
        pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'talkbus-bench-recorder-'));
const config = loadConfig({ env: { TALKBUS_DATA_DIR: dataDir, TALKBUS_LOG_LEVEL: 'error', TALKBUS_NODE_ID: 'bench' } });
const broker = createBroker(config, { logger: false, registry: { stopDelay: 0 } });
let core: RecorderCore | undefined;
broker.createService(createProfileService({ config }));
broker.createService(createMediaService({ config, settings: { workers: 1, portMin: 36000, portMax: 37999 } }));
broker.createService(createRecorderService({ config, onCore: (made) => (core = made) }));
await broker.start();
await call(broker, 'profile.create', { account: 'bench' });

/** One call's peer socket. */
interface Peer {
  socket: dgram.Socket;
  ssrc: number;
  sequence: number;
  timestamp: number;
  target: number;
  sent: number;
}

async function openCall(index: number): Promise<Peer> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  socket.setSendBufferSize(1 << 20);
  const sessionId = `bench-${index}`;
  const ssrc = (Math.random() * 0xffffffff) >>> 0;
  await call(broker, 'media.endpoint.create', { sessionId, account: 'bench' });
  const stream: MediaStreamParams = {
    index: 0,
    kind: 'audio',
    accepted: true,
    direction: 'recvonly', // the peer sends, we do not: the bench measures recording
    rtcpMux: true,
    // Announced (a=ssrc): this bench measures recording, not SSRC learning.
    remote: { address: '127.0.0.1', port: socket.address().port, ssrcs: [ssrc] },
    codecs: [{ name: 'PCMU', clockRate: 8000, channels: 1, payloadType: 0, localPayloadType: 0 }],
  };
  const info = await call(broker, 'media.endpoint.update', { sessionId, streams: [stream] });
  return {
    socket,
    ssrc,
    sequence: 0,
    timestamp: 0,
    target: info.audio!.port,
    sent: 0,
  };
}

function send(peer: Peer): void {
  const buffer = Buffer.alloc(172, 0xff);
  buffer[0] = 0x80;
  buffer[1] = 0; // PCMU, no marker
  buffer.writeUInt16BE(peer.sequence++ & 0xffff, 2);
  buffer.writeUInt32BE((peer.timestamp += 160) >>> 0, 4);
  buffer.writeUInt32BE(peer.ssrc, 8);
  peer.socket.send(buffer, peer.target, '127.0.0.1');
  peer.sent++;
}

/** Sends 50 pps on every peer for `seconds`, paced from the start time. */
async function drive(peers: Peer[], seconds: number): Promise<void> {
  const start = performance.now();
  for (let tick = 0; tick < seconds * 50; tick++) {
    for (const peer of peers) send(peer);
    await sleep(Math.max(0, start + (tick + 1) * 20 - performance.now()));
  }
}

const workerPid =
  (await call(broker, 'media.endpoint.list', {})).endpoints[0]?.workerPid ?? childrenWith('mediasoup')[0] ?? 0;
const rows: string[][] = [];
const peers: Peer[] = [];
for (const count of STEPS) {
  while (peers.length < count) peers.push(await openCall(peers.length));
  await drive(peers, 1); // SSRCs learnt, producers made
  const worker = workerPid || ((await call(broker, 'media.endpoint.list', {})).endpoints[0]?.workerPid ?? 0);
  // Baseline: the calls alone.
  let cpu = process.cpuUsage();
  let workerCpu = cpuSeconds(worker);
  const rssBefore = process.memoryUsage().rss;
  await drive(peers, SECONDS);
  const baseNode = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1e6 / SECONDS;
  const baseWorker = (cpuSeconds(worker) - workerCpu) / SECONDS;
  // With a recording per call.
  const recordings = [];
  for (let index = 0; index < count; index++)
    recordings.push(await call(broker, 'recorder.play.start', { sessionId: `bench-${index}`, fileType: 'wav-pcm16' }));
  await drive(peers, 0.5);
  const sentBefore = peers.reduce((sum, peer) => sum + peer.sent, 0);
  const receivedBefore = recordings.reduce((sum, rec) => sum + (core!.audioStats(rec.recordingId)?.received ?? 0), 0);
  cpu = process.cpuUsage();
  workerCpu = cpuSeconds(worker);
  await drive(peers, SECONDS);
  await sleep(100);
  const usage = process.cpuUsage(cpu);
  const recNode = (usage.user + usage.system) / 1e6 / SECONDS;
  const recWorker = (cpuSeconds(worker) - workerCpu) / SECONDS;
  const rssAfter = process.memoryUsage().rss;
  const sent = peers.reduce((sum, peer) => sum + peer.sent, 0) - sentBefore;
  const received =
    recordings.reduce((sum, rec) => sum + (core!.audioStats(rec.recordingId)?.received ?? 0), 0) - receivedBefore;
  const lost = recordings.reduce((sum, rec) => sum + (core!.audioStats(rec.recordingId)?.lost ?? 0), 0);
  for (let index = 0; index < count; index++) await call(broker, 'recorder.play.stop', { sessionId: `bench-${index}` });
  rows.push([
    String(count),
    `${(baseNode * 100).toFixed(0)}% → ${(recNode * 100).toFixed(0)}%`,
    `${(((recNode - baseNode) * 100) / count).toFixed(2)}%`,
    `${(baseWorker * 100).toFixed(0)}% → ${(recWorker * 100).toFixed(0)}%`,
    `${((rssAfter - rssBefore) / count / 1024).toFixed(0)} KiB`,
    `${sent}`,
    `${Math.max(0, sent - received)} (${((Math.max(0, sent - received) / sent) * 100).toFixed(2)}%)`,
    String(lost),
  ]);
}
console.log(`\nAudio: speaker recordings (WAV PCM16) of N calls on one mediasoup worker, ${SECONDS} s each step`);
console.table(
  rows.map((row) => ({
    recordings: row[0],
    'node CPU (calls → +rec)': row[1],
    'node CPU/rec': row[2],
    'worker CPU': row[3],
    'RSS/rec': row[4],
    'packets sent': row[5],
    'not recorded': row[6],
    'seq gaps': row[7],
  })),
);
for (const peer of peers) peer.socket.close();
for (let index = 0; index < peers.length; index++)
  await call(broker, 'media.endpoint.close', { sessionId: `bench-${index}` });

// Video: K H.264 calls recorded to MP4.
const senders: ChildProcess[] = [];
const videoRows = [];
if (VIDEO > 0) {
  for (let index = 0; index < VIDEO; index++) {
    const sessionId = `video-${index}`;
    const localPort = 41000 + index * 4;
    const ssrc = 5000 + index;
    const info = await call(broker, 'media.endpoint.create', { sessionId, account: 'bench', video: true });
    await call(broker, 'media.endpoint.update', {
      sessionId,
      streams: [
        {
          index: 0,
          kind: 'video',
          accepted: true,
          direction: 'recvonly',
          rtcpMux: true,
          remote: { address: '127.0.0.1', port: localPort, ssrcs: [ssrc] },
          codecs: [{ name: 'H264', clockRate: 90000, payloadType: 102, localPayloadType: 102, parameters: {} }],
        },
      ],
    });
    senders.push(
      spawn(
        'ffmpeg',
        [
          ...[
            '-hide_banner',
            '-loglevel',
            'error',
            '-nostdin',
            '-re',
            '-f',
            'lavfi',
            '-i',
            'testsrc=size=320x240:rate=15',
          ],
          ...['-t', String(SECONDS + 8), '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast'],
          ...['-tune', 'zerolatency', '-g', '15', '-payload_type', '102', '-ssrc', String(ssrc), '-f', 'rtp'],
          `rtp://127.0.0.1:${info.video!.port}?localrtpport=${localPort}&localrtcpport=${localPort + 1}&pkt_size=1200`,
        ],
        { stdio: 'ignore' },
      ),
    );
  }
  await sleep(1500);
  for (let index = 0; index < VIDEO; index++)
    await call(broker, 'recorder.recvVideo.start', { sessionId: `video-${index}`, fileType: 'mp4' });
  await sleep(1000);
  const recorders = childrenWith('talkbus-recorder-');
  const before = recorders.map(cpuSeconds);
  await sleep(SECONDS * 1000);
  const perRecording = recorders.map((pid, index) => (cpuSeconds(pid) - before[index]!) / SECONDS);
  const mean = perRecording.reduce((sum, value) => sum + value, 0) / Math.max(1, perRecording.length);
  let bytes = 0;
  for (let index = 0; index < VIDEO; index++)
    bytes += (await call(broker, 'recorder.recvVideo.stop', { sessionId: `video-${index}` })).bytes;
  videoRows.push({
    recordings: VIDEO,
    input: '320×240@15 H.264',
    output: 'MP4 H.264 (x264 ultrafast)',
    'file KiB/rec': Math.round(bytes / VIDEO / 1024),
    'ffmpeg CPU/rec': `${(mean * 100).toFixed(1)}%`,
    'recordings/core': mean > 0 ? Math.floor(1 / mean) : 'n/a',
  });
  for (const sender of senders) if (sender.pid && sender.exitCode === null) process.kill(sender.pid, 'SIGKILL');
  console.log('\nVideo: received video recorded by ffmpeg');
  console.table(videoRows);
}

await broker.stop();
await rm(dataDir, { recursive: true, force: true });
