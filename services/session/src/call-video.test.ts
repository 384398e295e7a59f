/**
 * Adding and removing video in a call whose endpoint was made audio-only (guide table 6-1
 * "update", §6.3; `call.modifyAcpt` / `call.modified`): the endpoint gets a video transport
 * first, then the re-offer (ours) or the answer (to the peer's re-INVITE) names its port; the
 * peer's added video is refused with port 0 unless the call accepts video.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, TalkbusError } from '@talkbus/contracts';
import type { NewCall } from './call-data.ts';
import { Harness, flush } from './test-harness.ts';

async function talkingAudioOnly(call: Partial<NewCall> = {}): Promise<Harness> {
  const h = new Harness({ direction: 'outgoing', ...call });
  await h.ask({ type: 'app.start' });
  assert.deepEqual(h.media.calls, ['create']);
  await h.post({
    type: 'sip.answered',
    sdp: h.peer.receiveOffer(h.lastLocalSdp()),
    sessionExpires: null,
    isFocus: false,
  });
  assert.equal(h.actor.data.video, false);
  h.service.events.length = 0;
  h.sip.sent.length = 0;
  h.media.calls.length = 0;
  return h;
}

test('session.update adds video: video transport first, re-INVITE with its port, modifyAcpt; then removes it', async () => {
  const h = await talkingAudioOnly();
  await h.ask({ type: 'app.update', video: true });
  assert.deepEqual(h.media.calls.slice(0, 1), ['addVideo']);
  const reinvite = h.sip.last('re-INVITE')!;
  assert.match(reinvite.sdp!, /m=video 40002 /);
  await h.post({ type: 'sip.reofferAnswered', sdp: h.peer.receiveOffer(reinvite.sdp!), sessionExpires: null });
  assert.equal(h.actor.data.video, true);
  assert.ok(h.media.calls.includes('update:audio/sendrecv,video/sendrecv'));
  assert.deepEqual(h.service.names, ['modifyAcpt']);
  await h.ask({ type: 'app.update', video: false });
  const remove = h.sip.last('re-INVITE')!;
  assert.match(remove.sdp!, /m=video 0 /);
  await h.post({ type: 'sip.reofferAnswered', sdp: h.peer.receiveOffer(remove.sdp!), sessionExpires: null });
  assert.equal(h.actor.data.video, false);
  assert.equal(h.media.calls.filter((call) => call === 'addVideo').length, 1, 'the transport stays for next time');
  assert.deepEqual(
    h.service.events.map((event) => [event.event, event.payload.video]),
    [
      ['call.modifyAcpt', true],
      ['call.modifyAcpt', false],
    ],
  );
});

test('a second update while the video transport is being added is busy (§6.6)', async () => {
  const h = await talkingAudioOnly();
  h.actor.post({ type: 'app.update', video: true });
  await assert.rejects(h.actor.ask({ type: 'app.hold' }), (e: unknown) => TalkbusError.is(e, ErrorCode.SESSION_BUSY));
  await h.actor.settled();
});

test('no video transport: update fails with call.error and the call goes on', async () => {
  const h = await talkingAudioOnly();
  h.media.failAddVideo = true;
  await h.ask({ type: 'app.update', video: true });
  assert.equal(h.sip.last('re-INVITE'), undefined);
  assert.deepEqual(h.service.names, ['error']);
  assert.equal(h.actor.data.phase, 'talking');
  await h.ask({ type: 'app.hold' });
  assert.ok(h.sip.last('re-INVITE'), 'not busy any more');
});

test('the peer adds video, the call accepts video: transport added, 200 with a video port, modified', async () => {
  const h = await talkingAudioOnly({ acceptVideo: true });
  const offer = h.peer.createReoffer({ video: true });
  await h.post({ type: 'sip.reoffer', requestId: 'r1', method: 'INVITE', sdp: offer, sessionExpires: null });
  assert.equal(h.media.calls[0], 'addVideo');
  const ok = h.sip.last('respondRequest')!;
  assert.equal(ok.status, 200);
  assert.match(ok.sdp!, /m=video 40002 /);
  h.peer.receiveAnswer(ok.sdp!);
  assert.equal(h.peer.video?.accepted, true);
  assert.equal(h.actor.data.video, true);
  assert.deepEqual(h.service.names, ['modified']);
  assert.ok(h.media.calls.some((call) => call.startsWith('update:') && call.includes('video/sendrecv')));
});

test('the peer adds video, the app did not allow video: 200 with port 0 for video, no transport', async () => {
  const h = await talkingAudioOnly();
  const offer = h.peer.createReoffer({ video: true });
  await h.post({ type: 'sip.reoffer', requestId: 'r1', method: 'INVITE', sdp: offer, sessionExpires: null });
  assert.ok(!h.media.calls.includes('addVideo'));
  const ok = h.sip.last('respondRequest')!;
  assert.equal(ok.status, 200);
  assert.match(ok.sdp!, /m=video 0 /);
  assert.equal(h.actor.data.video, false);
  assert.deepEqual(h.service.names, []);
});

test('the peer re-INVITEs again while we add video for its first offer: 500 with Retry-After (RFC 3261 §14.2)', async () => {
  const h = await talkingAudioOnly({ acceptVideo: true });
  const offer = h.peer.createReoffer({ video: true });
  h.actor.post({ type: 'sip.reoffer', requestId: 'r1', method: 'INVITE', sdp: offer, sessionExpires: null });
  h.actor.post({ type: 'sip.reoffer', requestId: 'r2', method: 'INVITE', sdp: offer, sessionExpires: null });
  await h.actor.settled();
  await flush(); // the videoAdded input's transition
  const answers = h.sip.sent.filter((sent) => sent.op === 'respondRequest').map((sent) => sent.status);
  assert.deepEqual(answers, [500, 200]);
});

test('session.video reaches the media port after the call’s earlier media RPCs; refused once the call ended', async () => {
  const h = await talkingAudioOnly({ acceptVideo: true });
  h.actor.post({ type: 'app.update', video: true });
  const info = await h.actor.video({ kind: 'pattern' });
  assert.equal(info.input.kind, 'pattern');
  assert.deepEqual(h.media.calls, ['addVideo', 'video:pattern']);
  await h.ask({ type: 'app.term', reason: 'NORMAL' });
  await assert.rejects(h.actor.video({ kind: 'none' }), (e: unknown) => TalkbusError.is(e, ErrorCode.SESSION_ENDED));
});

test('an incoming call answered audio-only with acceptVideo: the peer’s added video is accepted later', async () => {
  const h = new Harness({ direction: 'incoming', video: false, remoteOffer: null });
  await h.ask({ type: 'app.start' });
  await h.ask({ type: 'app.answer', video: false, acceptVideo: true });
  const ok = h.sip.last('respond')!;
  assert.equal(ok.status, 200);
  // Offerless INVITE: our offer is in the 200, the peer's answer in the ACK.
  await h.post({ type: 'sip.ack', sdp: h.peer.receiveOffer(ok.sdp!) });
  assert.equal(h.actor.data.phase, 'talking');
  assert.deepEqual(h.media.calls.slice(0, 1), ['create']);
  const offer = h.peer.createReoffer({ video: true });
  await h.post({ type: 'sip.reoffer', requestId: 'r1', method: 'INVITE', sdp: offer, sessionExpires: null });
  assert.ok(h.media.calls.includes('addVideo'));
  assert.match(h.sip.last('respondRequest')!.sdp!, /m=video 40002 /);
  assert.equal(h.actor.data.video, true);
});
