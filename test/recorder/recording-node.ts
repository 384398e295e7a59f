/**
 * A recorder node in its own process for the kill -9 test: profile + media + recorder, one call
 * of alice towards a peer port given as argv[2], a whole-call PCM16 recording running. Prints
 * `READY {json}` with the endpoint's RTP port, the WAV path, the data dir and the worker's PID,
 * then runs until it is killed.
 */
import { call } from '@talkbus/contracts';
import { startRecorderNode, streamTo } from './support.ts';

const peerPort = Number(process.argv[2]);
const node = await startRecorderNode();
await call(node.broker, 'media.endpoint.create', { sessionId: 'crash-1', account: 'alice' });
const info = await call(node.broker, 'media.endpoint.update', { sessionId: 'crash-1', streams: [streamTo(peerPort)] });
const recording = await call(node.broker, 'recorder.play.start', { sessionId: 'crash-1', fileType: 'wav-pcm16' });
process.stdout.write(
  `READY ${JSON.stringify({ port: info.audio!.port, path: recording.path, dataDir: node.dataDir, workerPid: info.workerPid })}\n`,
);
setInterval(() => undefined, 1000);
