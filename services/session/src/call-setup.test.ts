/**
 * The call table, set-up rows (guide §6.2.1–§6.2.4, §6.4, §6.9, §6.12.1–§6.12.4), on a simulated
 * clock with fake SIP/media ports.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, TalkbusError } from '@talkbus/contracts';
import { Harness } from './test-harness.ts';

async function outgoing(): Promise<Harness> {
  const h = new Harness({ direction: 'outgoing' });
  await h.ask({ type: 'app.start' });
  return h;
}

test('§6.2.1 outgoing: endpoint, INVITE with offer and session timer, then call.outgoing', async () => {
  const h = await outgoing();
  assert.deepEqual(h.media.calls, ['create']);
  const invite = h.sip.last('INVITE')!;
  assert.equal(invite.target, 'sip:bob@127.0.0.2');
  assert.match(invite.sdp!, /m=audio 40000 RTP\/AVP 0 8 101/);
  assert.equal(invite.headers!['Session-Expires'], '1800');
  assert.equal(invite.headers!['Min-SE'], '90');
  assert.match(invite.headers!.Supported!, /timer/);
  assert.deepEqual(h.service.names, ['outgoing']);
  assert.equal(h.actor.data.phase, 'outgoing');
});

test('§6.2.1/§6.9.2 180 without SDP: alerted with local ringback, 200: talking, term: BYE, termed NORMAL', async () => {
  const h = await outgoing();
  await h.post({ type: 'sip.provisional', status: 180, sdp: null });
  assert.equal(h.actor.data.phase, 'alerted');
  assert.equal(h.actor.data.earlyMedia, 'local-ringback');
  assert.ok(h.media.calls.includes('earlyMedia:local-ringback'));
  await h.post({ type: 'sip.provisional', status: 180, sdp: null });
  const answer = h.peer.receiveOffer(h.lastLocalSdp());
  await h.post({
    type: 'sip.answered',
    sdp: answer,
    sessionExpires: { interval: 1800, refresher: 'uac' },
    isFocus: false,
  });
  assert.equal(h.actor.data.phase, 'talking');
  assert.ok(h.media.calls.includes('earlyMedia:network'), 'ringback stops on answer');
  assert.ok(h.media.calls.some((c) => c.startsWith('update:audio/sendrecv')));
  await h.ask({ type: 'app.term', reason: 'NORMAL' });
  assert.deepEqual(h.sip.ops, ['INVITE', 'BYE']);
  assert.deepEqual(h.service.names, ['outgoing', 'alerted', 'talking', 'termed']);
  const termed = h.service.payload('call.termed')!;
  assert.equal(termed.reason, 'NORMAL');
  assert.equal(termed.direction, 'outgoing');
  assert.ok(typeof termed.answeredAt === 'number');
  assert.ok(h.media.calls.includes('close'));
  assert.ok(h.actor.disposed);
  assert.ok(h.sip.closed);
  assert.equal(h.clock.pending, 0, 'no timer left behind');
});

test('§6.9.2 183 with SDP: network early media, alerted once, status getter', async () => {
  const h = await outgoing();
  const answer = h.peer.receiveOffer(h.lastLocalSdp());
  await h.post({ type: 'sip.provisional', status: 183, sdp: answer });
  assert.equal(h.actor.data.earlyMedia, 'network');
  assert.equal(h.actor.data.offerAnswerDone, true);
  assert.ok(h.media.calls.includes('earlyMedia:network'));
  assert.deepEqual(h.service.payload('call.alerted'), {
    sessionId: 'node1~c1',
    account: 'alice',
    cookie: null,
    sipStatus: 183,
    earlyMedia: 'network',
  });
  await h.post({ type: 'sip.answered', sdp: answer, sessionExpires: null, isFocus: true });
  assert.equal(h.actor.data.phase, 'talking');
  assert.equal(h.actor.data.peerIsFocus, true);
});

test('§6.2.3 cancel while ringing: CANCEL, 487, termed NORMAL; a crossing 200 is BYEd', async () => {
  const h = await outgoing();
  await h.post({ type: 'sip.provisional', status: 180, sdp: null });
  await h.ask({ type: 'app.term', reason: 'NORMAL' });
  assert.equal(h.actor.data.phase, 'terminating');
  await h.post({ type: 'sip.rejected', status: 487, contacts: [], minSE: null });
  assert.deepEqual(h.sip.ops, ['INVITE', 'CANCEL']);
  assert.equal(h.service.payload('call.termed')!.reason, 'NORMAL');
  assert.equal(h.service.payload('call.termed')!.answeredAt, null);

  const k = await outgoing();
  await k.ask({ type: 'app.term', reason: 'NORMAL' });
  await k.post({
    type: 'sip.answered',
    sdp: k.peer.receiveOffer(k.lastLocalSdp()),
    sessionExpires: null,
    isFocus: false,
  });
  assert.deepEqual(k.sip.ops, ['INVITE', 'CANCEL', 'BYE']);
});

test('table 6-16: final failures map to BUSY, DECLINE, NOT_FOUND, TIMEOUT, UNAVAILABLE, FAILED', async () => {
  for (const [status, reason] of [
    [486, 'BUSY'],
    [600, 'BUSY'],
    [603, 'DECLINE'],
    [404, 'NOT_FOUND'],
    [408, 'TIMEOUT'],
    [480, 'UNAVAILABLE'],
    [500, 'FAILED'],
  ] as const) {
    const h = await outgoing();
    await h.post({ type: 'sip.rejected', status, contacts: [], minSE: null });
    assert.equal(h.service.payload('call.termed')!.reason, reason, String(status));
    assert.equal(h.service.payload('call.termed')!.sipStatus, status);
  }
});

test('§6.12.4 a 3xx is followed: call.redirect, INVITE to the contact; without contacts, termed REDIRECT', async () => {
  const h = await outgoing();
  await h.post({ type: 'sip.rejected', status: 302, contacts: ['sip:carol@127.0.0.3'], minSE: null });
  assert.deepEqual(h.service.names, ['outgoing', 'redirect']);
  assert.equal(h.service.payload('call.redirect')!.following, true);
  assert.equal(h.sip.last('INVITE')!.target, 'sip:carol@127.0.0.3');
  assert.equal(h.actor.data.phase, 'outgoing');

  const k = await outgoing();
  await k.post({ type: 'sip.rejected', status: 302, contacts: [], minSE: null });
  assert.equal(k.service.payload('call.termed')!.reason, 'REDIRECT');
});

test('RFC 4028 §7.4: a 422 is retried with its Min-SE', async () => {
  const h = await outgoing();
  await h.post({ type: 'sip.rejected', status: 422, contacts: [], minSE: 3600 });
  assert.equal(h.sip.sent.filter((s) => s.op === 'INVITE').length, 2);
  assert.equal(h.sip.last('INVITE')!.headers!['Session-Expires'], '3600');
});

test('a media endpoint that cannot be made ends the call before any INVITE', async () => {
  const h = new Harness({ direction: 'outgoing' });
  h.media.failCreate = true;
  await h.ask({ type: 'app.start' });
  await h.post({ type: 'sip.provisional', status: 180, sdp: null });
  assert.deepEqual(h.sip.ops, []);
  assert.deepEqual(h.service.names, ['error', 'termed']);
});

async function incoming(offerVideo = false): Promise<Harness> {
  const h = new Harness({ direction: 'incoming', video: offerVideo });
  const offer = h.peer.createOffer({ video: offerVideo });
  const k = new Harness({ direction: 'incoming', video: offerVideo, remoteOffer: offer }, { noAnswerMs: 5000 });
  (k as unknown as { peer: unknown }).peer = h.peer;
  await k.ask({ type: 'app.start' });
  return k;
}

test('§6.2.2 incoming: 180, call.incoming, answer: endpoint, 200 with answer and Session-Expires, ACK: talking', async () => {
  const h = await incoming();
  assert.deepEqual(h.sip.ops, ['respond 180']);
  assert.deepEqual(h.service.names, ['incoming']);
  await h.ask({ type: 'app.answer', video: false, cookie: 'win-7' });
  const ok = h.sip.last('respond')!;
  assert.equal(ok.status, 200);
  assert.match(ok.sdp!, /m=audio 40000/);
  assert.equal(ok.headers!['Session-Expires'], '1800;refresher=uas');
  h.peer.receiveAnswer(ok.sdp!);
  await h.post({ type: 'sip.ack', sdp: null });
  assert.equal(h.actor.data.phase, 'talking');
  assert.deepEqual(h.service.names, ['incoming', 'talking']);
  assert.equal(h.service.payload('call.talking')!.cookie, 'win-7');
  await h.post({ type: 'sip.bye' });
  assert.equal(h.service.payload('call.termed')!.reason, 'BYE');
  assert.equal(h.service.payload('call.termed')!.direction, 'incoming');
});

test('§6.3.2 a video offer answered audio-only refuses the video stream', async () => {
  const h = await incoming(true);
  assert.equal(h.service.payload('call.incoming')!.video, true);
  await h.ask({ type: 'app.answer', video: false });
  assert.deepEqual(h.media.calls, ['create', 'update:audio/sendrecv,video/inactive']);
  assert.match(h.sip.last('respond')!.sdp!, /m=video 0 /);
  assert.equal(h.actor.data.video, false);
});

test('§6.4.3 no answer: 480 after the timeout, termed NO_ANSWER', async () => {
  const h = await incoming();
  await h.advance(4999);
  assert.equal(h.actor.data.phase, 'incoming');
  await h.advance(1);
  assert.deepEqual(h.sip.ops, ['respond 180', 'respond 480']);
  assert.equal(h.service.payload('call.termed')!.reason, 'NO_ANSWER');
});

test('§6.2.4/§6.7.1 reject: BUSY → 486, DECLINE → 603, NORMAL → 480', async () => {
  for (const [reason, status] of [
    ['BUSY', 486],
    ['DECLINE', 603],
    ['NORMAL', 480],
  ] as const) {
    const h = await incoming();
    await h.ask({ type: 'app.term', reason });
    assert.equal(h.sip.last('respond')!.status, status);
    assert.equal(h.service.payload('call.termed')!.reason, reason);
  }
});

test('§6.4.5 divert: 302 with Contact and Diversion, termed REDIRECT', async () => {
  const h = await incoming();
  await h.ask({ type: 'app.divert', uri: 'sip:voicemail@127.0.0.9' });
  const moved = h.sip.last('respond')!;
  assert.equal(moved.status, 302);
  assert.equal(moved.headers!.Contact, '<sip:voicemail@127.0.0.9>');
  assert.match(moved.headers!.Diversion!, /^<sip:alice@127\.0\.0\.1>;reason=deflection/);
  assert.equal(h.service.payload('call.termed')!.reason, 'REDIRECT');
  assert.equal(h.service.payload('call.termed')!.transferTarget, 'sip:voicemail@127.0.0.9');
});

test('table 6-8 CANCEL from the caller: 487, termed CANCEL', async () => {
  const h = await incoming();
  await h.post({ type: 'sip.cancelled' });
  assert.equal(h.sip.last('respond')!.status, 487);
  assert.equal(h.service.payload('call.termed')!.reason, 'CANCEL');
});

test('actions that do not fit the state are refused with a clear error; ended calls answer SESSION_ENDED', async () => {
  const h = await incoming();
  await assert.rejects(h.actor.ask({ type: 'app.hold' }), (error: unknown) =>
    TalkbusError.is(error, ErrorCode.SESSION_WRONG_STATE),
  );
  const k = await outgoing();
  await assert.rejects(k.actor.ask({ type: 'app.answer', video: false }), /Cannot answer while the call is outgoing/);
  await k.post({ type: 'sip.rejected', status: 486, contacts: [], minSE: null });
  await assert.rejects(k.actor.ask({ type: 'app.term', reason: 'NORMAL' }), (error: unknown) =>
    TalkbusError.is(error, ErrorCode.SESSION_ENDED),
  );
});

test('§5.3.5 server logout ends ringing and incoming calls with SERVER_LOGOUT', async () => {
  const h = await outgoing();
  await h.post({ type: 'sip.provisional', status: 180, sdp: null });
  await h.post({ type: 'account.logout' });
  assert.deepEqual(h.sip.ops, ['INVITE', 'CANCEL']);
  assert.equal(h.service.payload('call.termed')!.reason, 'SERVER_LOGOUT');
  const k = await incoming();
  await k.post({ type: 'account.logout' });
  assert.equal(k.sip.last('respond')!.status, 480);
});

test('§6.5 call waiting: an incoming call while another talks says so in call.incoming', async () => {
  const h = new Harness({ direction: 'incoming', waiting: true, remoteOffer: null });
  await h.ask({ type: 'app.start' });
  assert.equal(h.service.payload('call.incoming')!.waiting, true);
});
