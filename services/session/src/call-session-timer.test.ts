/**
 * RFC 4028 session timer negotiated by the 2xx to our INVITE (§7.2: its Session-Expires names
 * the interval and the refresher), and the refresh method (§9: UPDATE when the peer's Allow
 * lists it, a re-INVITE otherwise), on a simulated clock with fake ports.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SessionExpiresValue } from './call-model.ts';
import { Harness } from './test-harness.ts';

async function answered(sessionExpires: SessionExpiresValue | null, allowsUpdate: boolean): Promise<Harness> {
  const h = new Harness({ direction: 'outgoing' });
  await h.ask({ type: 'app.start' });
  const answer = h.peer.receiveOffer(h.lastLocalSdp());
  await h.post({ type: 'sip.answered', sdp: answer, sessionExpires, isFocus: false, allowsUpdate });
  assert.equal(h.actor.data.phase, 'talking');
  h.service.events.length = 0;
  h.sip.sent.length = 0;
  return h;
}

test('RFC 4028 §7.2/§9: the 2xx names us refresher at 120 s, the peer allows UPDATE: UPDATE without SDP at 60 s', async () => {
  const h = await answered({ interval: 120, refresher: 'uac' }, true);
  assert.deepEqual(h.actor.data.timer, { interval: 120, refresher: 'local' });
  await h.advance(59_999);
  assert.equal(h.sip.sent.length, 0);
  await h.advance(1);
  const refresh = h.sip.last('re-UPDATE')!;
  assert.equal(refresh.sdp, undefined, 'a pure refresh carries no offer');
  assert.equal(refresh.headers!['Session-Expires'], '120;refresher=uac');
  assert.equal(h.actor.media!.state, 'stable', 'the media session is untouched');
  await h.post({ type: 'sip.reofferAnswered', sdp: null, sessionExpires: { interval: 120, refresher: 'uac' } });
  assert.equal(h.actor.data.offer, null);
  assert.deepEqual(h.service.names, [], 'a refresh is silent');
  await h.advance(60_000);
  assert.deepEqual(h.sip.ops, ['re-UPDATE', 're-UPDATE']);
});

test('RFC 4028 §9: a peer that does not allow UPDATE is refreshed by re-INVITE with our SDP', async () => {
  const h = await answered({ interval: 120, refresher: 'uac' }, false);
  await h.advance(60_000);
  const refresh = h.sip.last('re-INVITE')!;
  assert.match(refresh.sdp!, /a=sendrecv/);
  assert.equal(refresh.headers!['Session-Expires'], '120;refresher=uac');
});

test('RFC 4028 §7.2: the 2xx makes the peer refresher (refresher=uas): no refresh of ours, BYE when it lapses', async () => {
  const h = await answered({ interval: 300, refresher: 'uas' }, true);
  assert.deepEqual(h.actor.data.timer, { interval: 300, refresher: 'remote' });
  await h.advance(267_999); // 300 - min(32, 100)
  assert.deepEqual(h.sip.ops, []);
  await h.advance(1);
  assert.deepEqual(h.sip.ops, ['BYE']);
  assert.equal(h.service.payload('call.termed')!.reason, 'TIMEOUT');
});

test('RFC 4028 §7.2: a 2xx with a larger interval than we asked (after a 422) is what we refresh at', async () => {
  const h = new Harness({ direction: 'outgoing' });
  await h.ask({ type: 'app.start' });
  await h.post({ type: 'sip.rejected', status: 422, contacts: [], minSE: 3600 });
  assert.equal(h.sip.last('INVITE')!.headers!['Session-Expires'], '3600');
  const answer = h.peer.receiveOffer(h.lastLocalSdp());
  await h.post({
    type: 'sip.answered',
    sdp: answer,
    sessionExpires: { interval: 3600, refresher: null },
    isFocus: false,
  });
  // §7.2: no refresher parameter in a 2xx to a UAC that asked for none: the UAC refreshes.
  assert.deepEqual(h.actor.data.timer, { interval: 3600, refresher: 'local' });
  h.sip.sent.length = 0;
  await h.advance(1_800_000);
  assert.deepEqual(h.sip.ops, ['re-INVITE'], 'no Allow: UPDATE → re-INVITE');
});
