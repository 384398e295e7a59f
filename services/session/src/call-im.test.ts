/**
 * Instant messages in a call's dialog (RFC 3428 §2): the table takes them only while the dialog
 * is up, on a simulated clock with fake ports.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, TalkbusError } from '@talkbus/contracts';
import { Harness } from './test-harness.ts';

async function talking(): Promise<Harness> {
  const h = new Harness({ direction: 'outgoing' });
  await h.ask({ type: 'app.start' });
  const answer = h.peer.receiveOffer(h.lastLocalSdp());
  await h.post({ type: 'sip.answered', sdp: answer, sessionExpires: null, isFocus: false });
  h.service.events.length = 0;
  h.sip.sent.length = 0;
  return h;
}

test('RFC 3428 §2: a MESSAGE in the dialog → 200 and im.received with the sessionId; the call is as before', async () => {
  const h = await talking();
  const before = h.actor.data;
  await h.post({ type: 'sip.message', requestId: 'm1', contentType: 'text/plain', body: 'hi' });
  assert.deepEqual(h.sip.ops, ['respondRequest 200']);
  const event = h.service.events.find((e) => e.event === 'im.received')!;
  assert.equal(event.payload.sessionId, h.actor.data.sessionId);
  assert.equal(event.payload.account, h.actor.data.account);
  assert.equal(event.payload.body, 'hi');
  assert.equal(event.payload.status, 'received');
  assert.equal(event.payload.peerUri, h.actor.data.peerUri);
  assert.deepEqual(h.actor.data, before);
});

test('im.send with a sessionId: a MESSAGE in the dialog, its status to the caller', async () => {
  const h = await talking();
  const status = await new Promise<number>((resolve, reject) => {
    h.actor.ask({ type: 'app.message', contentType: 'text/plain', body: 'hello', reply: resolve }).catch(reject);
  });
  assert.equal(status, 200);
  assert.deepEqual(h.sip.sent, [{ op: 'MESSAGE', body: 'hello' }]);
});

test('im.send on a call without a dialog yet is refused with a clear error', async () => {
  const h = new Harness({ direction: 'outgoing' });
  await h.ask({ type: 'app.start' });
  await assert.rejects(
    h.actor.ask({ type: 'app.message', contentType: 'text/plain', body: 'x', reply: () => undefined }),
    (e: unknown) => TalkbusError.is(e, ErrorCode.SESSION_WRONG_STATE),
  );
});
