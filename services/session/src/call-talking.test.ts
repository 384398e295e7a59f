/**
 * The call table, confirmed-call rows (guide §6.2.5, §6.2.7, §6.6, §6.8, §6.10, §6.12.5,
 * §6.12.6), on a simulated clock with fake SIP/media ports.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, TalkbusError } from '@talkbus/contracts';
import type { SessionExpiresValue } from './call-model.ts';
import { Harness } from './test-harness.ts';

/** An outgoing call, answered; the peer refreshes unless told otherwise. */
async function talking(
  sessionExpires: SessionExpiresValue | null = { interval: 1800, refresher: 'uas' },
): Promise<Harness> {
  const h = new Harness({ direction: 'outgoing' });
  await h.ask({ type: 'app.start' });
  const answer = h.peer.receiveOffer(h.lastLocalSdp());
  await h.post({ type: 'sip.answered', sdp: answer, sessionExpires, isFocus: false });
  assert.equal(h.actor.data.phase, 'talking');
  h.service.events.length = 0;
  h.sip.sent.length = 0;
  return h;
}

test('§6.6/§6.12.5 hold: re-INVITE sendonly, no second hold while pending, holdOk; unhold: unholdOk', async () => {
  const h = await talking();
  await h.ask({ type: 'app.hold' });
  const reinvite = h.sip.last('re-INVITE')!;
  assert.match(reinvite.sdp!, /a=sendonly/);
  assert.equal(h.actor.data.localHold, 'holding');
  await assert.rejects(h.actor.ask({ type: 'app.hold' }), (e: unknown) => TalkbusError.is(e, ErrorCode.SESSION_BUSY));
  await assert.rejects(h.actor.ask({ type: 'app.unhold' }), (e: unknown) => TalkbusError.is(e, ErrorCode.SESSION_BUSY));
  await h.post({ type: 'sip.reofferAnswered', sdp: h.peer.receiveOffer(reinvite.sdp!), sessionExpires: null });
  assert.equal(h.actor.data.localHold, 'held');
  assert.ok(h.media.calls.includes('update:audio/sendonly'));
  await h.ask({ type: 'app.unhold' });
  const resume = h.sip.last('re-INVITE')!;
  assert.match(resume.sdp!, /a=sendrecv/);
  await h.post({ type: 'sip.reofferAnswered', sdp: h.peer.receiveOffer(resume.sdp!), sessionExpires: null });
  assert.equal(h.actor.data.localHold, 'none');
  assert.deepEqual(h.service.names, ['holdOk', 'unholdOk']);
});

test('§6.6 a refused hold: call.error, the call is as before', async () => {
  const h = await talking();
  await h.ask({ type: 'app.hold' });
  await h.post({ type: 'sip.reofferRejected', status: 488 });
  assert.equal(h.actor.data.localHold, 'none');
  assert.equal(h.actor.data.phase, 'talking');
  assert.deepEqual(h.service.names, ['error']);
  assert.equal(h.service.payload('call.error')!.operation, 'hold');
  assert.equal(h.actor.media!.state, 'stable', 'offer rolled back');
});

test('§6.6/§6.12.5 held by the peer: held, then unheld (answers recvonly, then sendrecv)', async () => {
  const h = await talking();
  const holdOffer = h.peer.createReoffer({ hold: true });
  await h.post({ type: 'sip.reoffer', requestId: 'r1', method: 'INVITE', sdp: holdOffer, sessionExpires: null });
  const ok = h.sip.last('respondRequest')!;
  assert.equal(ok.status, 200);
  assert.match(ok.sdp!, /a=recvonly/);
  h.peer.receiveAnswer(ok.sdp!);
  const resume = h.peer.createReoffer({ hold: false });
  await h.post({ type: 'sip.reoffer', requestId: 'r2', method: 'INVITE', sdp: resume, sessionExpires: null });
  assert.deepEqual(h.service.names, ['held', 'unheld']);
  assert.equal(h.actor.data.remoteHeld, false);
});

test('media update: remove video (modifyAcpt); the peer adds it back (modified)', async () => {
  const h = new Harness({ direction: 'outgoing', video: true });
  await h.ask({ type: 'app.start' });
  assert.deepEqual(h.media.calls, ['create+video']);
  await h.post({
    type: 'sip.answered',
    sdp: h.peer.receiveOffer(h.lastLocalSdp()),
    sessionExpires: null,
    isFocus: false,
  });
  assert.equal(h.actor.data.video, true);
  h.service.events.length = 0;
  await h.ask({ type: 'app.update', video: false });
  const reoffer = h.sip.last('re-INVITE')!;
  assert.match(reoffer.sdp!, /m=video 0 /);
  await h.post({ type: 'sip.reofferAnswered', sdp: h.peer.receiveOffer(reoffer.sdp!), sessionExpires: null });
  assert.equal(h.actor.data.video, false);
  const offer = h.peer.createReoffer({ video: true });
  await h.post({ type: 'sip.reoffer', requestId: 'r1', method: 'INVITE', sdp: offer, sessionExpires: null });
  h.peer.receiveAnswer(h.sip.last('respondRequest')!.sdp!);
  assert.deepEqual(h.service.names, ['modifyAcpt', 'modified']);
  assert.deepEqual(
    h.service.events.map((e) => e.payload.video),
    [false, true],
  );
});

test('RFC 3261 §14: glare — the peer offers while ours is out (491); our 491 waits 2.1-4 s and retries', async () => {
  const h = await talking();
  await h.ask({ type: 'app.hold' });
  const crossing = h.peer.createReoffer({});
  await h.post({ type: 'sip.reoffer', requestId: 'r1', method: 'INVITE', sdp: crossing, sessionExpires: null });
  assert.equal(h.sip.last('respondRequest')!.status, 491);
  h.peer.rollback();
  await h.post({ type: 'sip.reofferRejected', status: 491 });
  assert.equal(h.actor.data.glare?.purpose, 'hold');
  assert.equal(h.sip.sent.filter((s) => s.op === 're-INVITE').length, 1);
  await h.advance(2100 + 950 - 1); // random 0.5 → 2100 + 95*10 ms
  assert.equal(h.sip.sent.filter((s) => s.op === 're-INVITE').length, 1);
  await h.advance(1);
  assert.equal(h.sip.sent.filter((s) => s.op === 're-INVITE').length, 2);
  assert.equal(h.actor.data.localHold, 'holding');
});

test('bad input: a re-INVITE with broken SDP gets 400/488 and the call goes on', async () => {
  const h = await talking();
  await h.post({
    type: 'sip.reoffer',
    requestId: 'r1',
    method: 'INVITE',
    sdp: 'v=0\r\nthis is not sdp\r\n',
    sessionExpires: null,
  });
  assert.ok([400, 488].includes(h.sip.last('respondRequest')!.status!));
  const noCodec =
    'v=0\r\no=- 1 2 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio 30000 RTP/AVP 96\r\na=rtpmap:96 AMR/8000\r\n';
  await h.post({ type: 'sip.reoffer', requestId: 'r2', method: 'INVITE', sdp: noCodec, sessionExpires: null });
  const refused = h.sip.last('respondRequest')!;
  assert.equal(refused.status, 488);
  assert.match(refused.headers!.Warning!, /^305 /);
  assert.equal(h.actor.data.phase, 'talking');
  await h.ask({ type: 'app.hold' });
  assert.equal(h.actor.data.localHold, 'holding', 'offer/answer still works');
});

test('§6.10 RFC 4028: we refresh at half the interval; a refresh answered 408 ends the call (TIMEOUT)', async () => {
  const h = await talking({ interval: 90, refresher: 'uac' });
  assert.equal(h.actor.data.timer?.refresher, 'local');
  await h.advance(44_999);
  assert.equal(h.sip.sent.length, 0);
  await h.advance(1);
  const refresh = h.sip.last('re-INVITE')!;
  assert.match(refresh.headers!['Session-Expires']!, /^90;refresher=uac/);
  await h.post({
    type: 'sip.reofferAnswered',
    sdp: h.peer.receiveOffer(refresh.sdp!),
    sessionExpires: { interval: 90, refresher: 'uac' },
  });
  assert.deepEqual(h.service.names, [], 'a refresh is silent');
  await h.advance(45_000);
  await h.post({ type: 'sip.reofferRejected', status: 408 });
  assert.deepEqual(h.sip.ops, ['re-INVITE', 're-INVITE', 'BYE']);
  assert.equal(h.service.payload('call.termed')!.reason, 'TIMEOUT');
});

test('§6.10 RFC 4028 §10: the peer refreshes; when it vanishes the session expires and we BYE', async () => {
  const h = await talking({ interval: 90, refresher: 'uas' });
  assert.equal(h.actor.data.timer?.refresher, 'remote');
  await h.advance(50_000);
  const refresh = h.peer.createReoffer({});
  await h.post({
    type: 'sip.reoffer',
    requestId: 'r1',
    method: 'INVITE',
    sdp: refresh,
    sessionExpires: { interval: 90, refresher: 'uac' },
  });
  h.peer.receiveAnswer(h.sip.last('respondRequest')!.sdp!);
  await h.advance(59_999); // 90 - min(32, 30) = 60 s after the refresh
  assert.equal(h.actor.data.phase, 'talking');
  await h.advance(1);
  assert.equal(h.sip.last('BYE')!.headers!.Reason, 'SIP;cause=408;text="Session expired"');
  assert.equal(h.service.payload('call.termed')!.reason, 'TIMEOUT');
});

test('a peer without session timers: we refresh at the interval we asked for', async () => {
  const h = await talking(null);
  assert.deepEqual(h.actor.data.timer, { interval: 1800, refresher: 'local' });
});

test('§6.2.7 DTMF: RFC 4733 when telephone-event is negotiated, INFO in info mode; received both ways', async () => {
  const h = await talking();
  await h.ask({ type: 'app.dtmf', digits: '12#', durationMs: 100, mode: 'auto' });
  assert.ok(h.media.calls.includes('dtmf:12#'));
  await h.ask({ type: 'app.dtmf', digits: '5*', durationMs: 160, mode: 'info' });
  assert.deepEqual(
    h.sip.sent.filter((s) => s.op === 'INFO').map((s) => s.body),
    ['Signal=5\r\nDuration=160\r\n', 'Signal=*\r\nDuration=160\r\n'],
  );
  await h.post({ type: 'sip.info', requestId: 'i1', key: '7', durationMs: 250 });
  await h.post({ type: 'media.dtmf', key: '9', durationMs: 120 });
  assert.equal(h.sip.last('respondRequest')!.status, 200);
  assert.deepEqual(
    h.service.events.map((e) => [e.payload.key, e.payload.method]),
    [
      ['7', 'info'],
      ['9', 'rfc4733'],
    ],
  );
});

test('§6.8.1/§6.12.6.1 blind transfer: REFER, 202 trsfAcpt, NOTIFY 100, NOTIFY 200: termed TRSFED then trsfTerm', async () => {
  const h = await talking();
  await h.ask({ type: 'app.transfer', referTo: 'sip:carol@127.0.0.3' });
  assert.equal(h.sip.last('REFER')!.referTo, 'sip:carol@127.0.0.3');
  assert.equal(h.sip.last('REFER')!.headers!['Referred-By'], '<sip:alice@127.0.0.1>');
  await assert.rejects(h.actor.ask({ type: 'app.transfer', referTo: 'sip:x@y' }), (e: unknown) =>
    TalkbusError.is(e, ErrorCode.SESSION_BUSY),
  );
  await h.post({ type: 'sip.referAccepted' });
  await h.post({ type: 'sip.notify', requestId: 'n1', fragStatus: 100, terminated: false });
  await h.post({ type: 'sip.notify', requestId: 'n2', fragStatus: 200, terminated: true });
  assert.deepEqual(h.sip.ops, ['REFER', 'respondRequest 200', 'respondRequest 200', 'BYE']);
  assert.deepEqual(h.service.names, ['trsfAcpt', 'termed', 'trsfTerm']);
  assert.equal(h.service.payload('call.termed')!.reason, 'TRSFED');
  assert.equal(h.service.payload('call.termed')!.transferTarget, 'sip:carol@127.0.0.3');
  assert.equal(h.service.payload('call.trsfTerm')!.success, true);
  assert.ok(h.actor.disposed);
});

test('§6.8.1 note: the peer BYEs before the final NOTIFY — termed first, trsfTerm when the NOTIFY comes', async () => {
  const h = await talking();
  await h.ask({ type: 'app.transfer', referTo: 'sip:carol@127.0.0.3' });
  await h.post({ type: 'sip.referAccepted' });
  await h.post({ type: 'sip.bye' });
  assert.equal(h.actor.data.phase, 'ended');
  assert.equal(h.actor.disposed, false, 'waits for the NOTIFY');
  await h.post({ type: 'sip.notify', requestId: 'n1', fragStatus: 200, terminated: true });
  assert.deepEqual(h.service.names, ['trsfAcpt', 'termed', 'trsfTerm']);
  assert.ok(h.actor.disposed);
});

test('bad input: REFER to an unreachable target — trsfTerm failure and the call survives; a refused REFER too', async () => {
  const h = await talking();
  await h.ask({ type: 'app.transfer', referTo: 'sip:nobody@192.0.2.1' });
  await h.post({ type: 'sip.referAccepted' });
  await h.post({ type: 'sip.notify', requestId: 'n1', fragStatus: 408, terminated: true });
  assert.deepEqual(h.service.names, ['trsfAcpt', 'trsfTerm']);
  assert.equal(h.service.payload('call.trsfTerm')!.success, false);
  assert.equal(h.service.payload('call.trsfTerm')!.sipStatus, 408);
  assert.equal(h.actor.data.phase, 'talking');
  await h.ask({ type: 'app.transfer', referTo: 'sip:carol@127.0.0.3' });
  await h.post({ type: 'sip.referRejected', status: 603 });
  assert.equal(h.actor.data.transfer, 'none');
  assert.equal(h.actor.data.phase, 'talking');
});

test('being transferred: 202, NOTIFY 100, a new call; its progress goes back as NOTIFY sipfrag', async () => {
  const h = await talking();
  await h.post({
    type: 'sip.refer',
    requestId: 'f1',
    referTo: 'sip:carol@127.0.0.3',
    referredBy: '<sip:bob@127.0.0.2>',
  });
  assert.deepEqual(h.sip.ops, ['respondRequest 202', 'NOTIFY']);
  assert.deepEqual(h.service.referred, [
    { from: 'node1~c1', referTo: 'sip:carol@127.0.0.3', referredBy: '<sip:bob@127.0.0.2>' },
  ]);
  await h.post({ type: 'referred.progress', status: 180 });
  await h.post({ type: 'referred.progress', status: 200 });
  assert.deepEqual(
    h.sip.sent.filter((s) => s.op === 'NOTIFY').map((s) => [s.fragStatus, s.terminated]),
    [
      [100, false],
      [180, false],
      [200, true],
    ],
  );
  await h.post({ type: 'sip.bye' });
  assert.equal(h.service.payload('call.termed')!.reason, 'TRSFED');
});

test('being replaced (RFC 3891): call.replaced, BYE, termed REPLACE', async () => {
  const h = await talking();
  await h.post({ type: 'replaced.by', sessionId: 'node1~c2' });
  assert.deepEqual(h.service.names, ['replaced', 'termed']);
  assert.deepEqual(h.sip.ops, ['BYE']);
  assert.equal(h.service.payload('call.termed')!.reason, 'REPLACE');
});

test('in-dialog requests after the end get 481; mute and mix reach the media endpoint', async () => {
  const h = await talking();
  await h.ask({ type: 'app.mute', mic: true });
  await h.ask({ type: 'app.mix', mixed: true });
  assert.ok(h.media.calls.includes('mute:{"mic":true}'));
  assert.ok(h.media.calls.includes('mix:true'));
  assert.equal(h.actor.data.micMuted, true);
  await h.ask({ type: 'app.term', reason: 'NORMAL' });
  await assert.rejects(h.actor.ask({ type: 'app.hold' }), (e: unknown) => TalkbusError.is(e, ErrorCode.SESSION_ENDED));
});

test('a call made by a REFER reports 180, then 200, to the call whose REFER it was', async () => {
  const h = new Harness({ direction: 'outgoing', referredFrom: 'node1~c0', referredBy: '<sip:bob@127.0.0.2>' });
  await h.ask({ type: 'app.start' });
  await h.post({ type: 'sip.provisional', status: 180, sdp: null });
  await h.post({
    type: 'sip.answered',
    sdp: h.peer.receiveOffer(h.lastLocalSdp()),
    sessionExpires: null,
    isFocus: false,
  });
  assert.deepEqual(h.service.progress, [180, 200]);
  const k = new Harness({ direction: 'outgoing', referredFrom: 'node1~c0' });
  await k.ask({ type: 'app.start' });
  await k.post({ type: 'sip.rejected', status: 486, contacts: [], minSE: null });
  assert.deepEqual(k.service.progress, [486]);
});
