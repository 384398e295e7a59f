import { call } from '@talkbus/contracts';
import { execFileSync } from 'node:child_process';
import { startRecorderNode, ffmpegSender, freeUdpPair, streamTo, TonePeer, sleep } from './support.ts';
const node = await startRecorderNode();
const rtcpPeer = await new TonePeer().bind();
const localPort = await freeUdpPair();
const info = await call(node.broker, 'media.endpoint.create', {
  sessionId: 'd',
  account: 'alice',
  video: true,
  rtcpMux: false,
});
await call(node.broker, 'media.endpoint.update', {
  sessionId: 'd',
  streams: [
    streamTo(5000, { kind: 'audio', rtcpMux: false }),
    streamTo(localPort, {
      kind: 'video',
      rtcpMux: false,
      remote: { address: '127.0.0.1', port: localPort, rtcpPort: rtcpPeer.port, ssrcs: [12345] },
      codecs: [{ name: 'VP8', clockRate: 90000, payloadType: 96, localPayloadType: 96, parameters: {} }],
    }),
  ],
});
const sender = ffmpegSender({
  source: 'smptebars',
  codec: 'vp8',
  payloadType: 96,
  ssrc: 12345,
  port: info.video!.port,
  localPort,
  seconds: 14,
});
const rec = await call(node.broker, 'recorder.recvVideo.start', {
  sessionId: 'd',
  fileType: (process.argv[2] ?? 'webm') as 'webm',
});
await sleep(Number(process.env['REC_MS'] ?? 4000));
await call(node.broker, 'media.endpoint.close', { sessionId: 'd' });
await sleep(3000);
console.log(node.events.filter((e) => e.name === 'recorder.stopped').map((e) => JSON.stringify(e.payload)));
console.log(
  execFileSync('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-show_entries',
    'stream=codec_name,nb_read_frames:format=duration',
    '-of',
    'compact',
    rec.path,
  ]).toString(),
);
console.log(
  execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'packet=pts_time', '-of', 'csv', rec.path])
    .toString()
    .split('\n')
    .slice(0, 80)
    .join(' '),
);
await sender.stop();
await rtcpPeer.close();
await node.dispose();
