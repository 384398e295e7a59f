/**
 * Video added to an audio-only call (guide table 6-1 "update", §6.3) with SIPp as the real peer
 * and the real media service: SIPp's re-INVITE adds a VP8 m-line naming a UDP socket the test
 * owns; talkbus answers with a video port (the call accepts video), emits `call.modified`, and
 * `session.video` (Mtc_SessStartVideo) makes the media service send the ffmpeg test pattern as
 * RTP to that socket on the peer's payload type; `none` stops it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { after, before, test } from 'node:test';
import { sippAvailable, startSipp } from './sipp.ts';
import { startSessionNode, type SessionNode } from './support.ts';

const hasFfmpeg = (() => {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
})();
const skip = !sippAvailable ? 'SIPp (sip-tester) is not installed' : !hasFfmpeg ? 'ffmpeg is not installed' : false;
let node: SessionNode;

before(async () => {
  if (skip) return;
  node = await startSessionNode({ nodeID: `session-video-${process.pid}` });
  await node.account('alice', { loginMode: 'local', sipUser: 'alice', domain: '127.0.0.1' });
});
after(async () => node?.stop());

test(
  'the peer adds video by re-INVITE: 200 with a video port, call.modified; session.video sends VP8 RTP',
  { skip },
  async () => {
    const socket = createSocket('udp4');
    const packets: Buffer[] = [];
    socket.on('message', (message) => packets.push(message));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      const sipp = await startSipp('uas-add-video.xml', { keys: { videoport: String(socket.address().port) } });
      const { sessionId } = await node.call<{ sessionId: string }>('session.call', {
        account: 'alice',
        uri: `sip:bob@127.0.0.1:${sipp.port}`,
        acceptVideo: true,
      });
      await node.waitFor('call.talking', { sessionId });
      const modified = await node.waitFor('call.modified', { sessionId }, 5000);
      assert.equal(modified.payload.video, true);
      assert.equal((await node.call<{ value: boolean }>('session.hasVideo', { sessionId })).value, true);
      const info = await node.call<{ payloadType: number | null; codec: string | null }>('session.video', {
        sessionId,
        input: { kind: 'pattern' },
      });
      assert.equal(info.codec, 'VP8');
      assert.equal(info.payloadType, 100);
      const deadline = Date.now() + 8000;
      while (packets.length < 10 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      // RTCP may share the port (rtcp-mux): RFC 5761 §4 tells them apart by the second byte.
      const rtp = () => packets.filter((packet) => packet[1]! < 192 || packet[1]! > 223);
      while (rtp().length < 10 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(rtp().length >= 10, `VP8 RTP at the test's socket (${rtp().length} packets)`);
      assert.ok(
        rtp().every((packet) => (packet[1]! & 0x7f) === 100),
        'every packet on the peer’s payload type 100',
      );
      await node.call('session.video', { sessionId, input: { kind: 'none' } });
      await node.call('session.term', { sessionId });
      await node.waitFor('call.termed', { sessionId });
      assert.deepEqual(node.names(sessionId), ['outgoing', 'talking', 'modified', 'termed']);
      assert.equal(await sipp.done(5000), 0, 'SIPp saw a video port in our 200');
      const wire = await sipp.messages();
      assert.match(wire, /^SIP\/2\.0 200 [\s\S]*^SIP\/2\.0 200 [\s\S]*?^m=video [1-9]\d* RTP\/AVP 100/m);
    } finally {
      socket.close();
    }
  },
);

test(
  'session.update adds video (re-INVITE with a video port, modifyAcpt, VP8 RTP to the peer) and removes it',
  { skip },
  async () => {
    const socket = createSocket('udp4');
    const packets: Buffer[] = [];
    socket.on('message', (message) => packets.push(message));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      const sipp = await startSipp('uas-update-video.xml', { keys: { videoport: String(socket.address().port) } });
      const { sessionId } = await node.call<{ sessionId: string }>('session.call', {
        account: 'alice',
        uri: `sip:bob@127.0.0.1:${sipp.port}`,
      });
      await node.waitFor('call.talking', { sessionId });
      const from = node.events.length;
      await node.call('session.update', { sessionId, video: true });
      const accepted = await node.waitFor('call.modifyAcpt', { sessionId }, 5000, from);
      assert.equal(accepted.payload.video, true);
      const info = await node.call<{ payloadType: number | null }>('session.video', {
        sessionId,
        input: { kind: 'pattern' },
      });
      assert.equal(info.payloadType, 96);
      const deadline = Date.now() + 8000;
      while (packets.length < 10 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(packets.length >= 10, `VP8 RTP at the test's socket (${packets.length} packets)`);
      const removedFrom = node.events.length;
      await node.call('session.update', { sessionId, video: false });
      const removed = await node.waitFor('call.modifyAcpt', { sessionId }, 5000, removedFrom);
      assert.equal(removed.payload.video, false);
      await new Promise((resolve) => setTimeout(resolve, 300)); // packets already in flight
      const stoppedAt = packets.length;
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.ok(packets.length <= stoppedAt + 2, 'no more video once removed');
      await node.call('session.term', { sessionId });
      await node.waitFor('call.termed', { sessionId });
      assert.deepEqual(node.names(sessionId), ['outgoing', 'talking', 'modifyAcpt', 'modifyAcpt', 'termed']);
      assert.equal(await sipp.done(5000), 0, 'SIPp saw a video port, then port 0, in our re-INVITEs');
    } finally {
      socket.close();
    }
  },
);
