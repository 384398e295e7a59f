/**
 * Kill -9 of the process that records (guide §7.1.1 recordings must survive a crash of the
 * recorder node): a child process runs a recorder node with a speaker recording of a call whose
 * peer (this test) sends 1 kHz; the child is killed by PID mid-recording. The WAV written so far
 * is a valid file holding the tone (the header is rewritten after every flush).
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { startChild } from '../support/process.ts';
import { amplitudeIn, readWav, sleep, TonePeer, waitFor } from './support.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('kill -9 of the recording process: the WAV written so far is valid and holds the tone', async () => {
  const peer = await new TonePeer().bind();
  const child = startChild(process.execPath, [path.join(import.meta.dirname, 'recording-node.ts'), String(peer.port)]);
  let ready: { port: number; path: string; dataDir: string; workerPid: number } | undefined;
  try {
    const line = await child.waitFor(/^READY /, 20_000);
    ready = JSON.parse(line.slice('READY '.length)) as typeof ready;
    const startedAt = Date.now();
    await peer.sendTone(ready!.port, 75, 1000); // 1.5 s
    const killedAt = Date.now() - startedAt;
    assert.notEqual(await child.kill(), 0);
    // The mediasoup worker ends with its parent's channel; make sure, by PID.
    await waitFor('the worker to exit', () => !alive(ready!.workerPid), 3000).catch(() => {
      process.kill(ready!.workerPid, 'SIGKILL');
    });
    const { wav, pcm, durationMs } = await readWav(ready!.path);
    assert.equal(wav.format, 'pcm16');
    assert.equal(wav.sampleRate, 8000);
    // Flushed every 0.5 s of audio: at most that much (plus the write delay) is lost.
    assert.ok(durationMs >= killedAt - 700 && durationMs <= killedAt + 100, `${durationMs} ms of ${killedAt} ms`);
    assert.ok(amplitudeIn(pcm, 1000, durationMs - 600, durationMs - 100) > 5000, 'the tone is there');
  } finally {
    await child.kill();
    await peer.close();
    if (ready) {
      if (alive(ready.workerPid)) process.kill(ready.workerPid, 'SIGKILL');
      await sleep(50);
      await rm(ready.dataDir, { recursive: true, force: true });
    }
  }
});
