/**
 * RFC 3428 §2 with SIPp: MESSAGE in a call's dialog both ways — the peer's becomes `im.received`
 * with the call's sessionId; `im.send` with a sessionId goes in the dialog (same Call-ID, tags).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sippAvailable, startSipp } from './sipp.ts';
import { startSessionNode, type SessionNode } from './support.ts';

const skip = sippAvailable ? false : 'SIPp (sip-tester) is not installed';
let node: SessionNode;

before(async () => {
  if (skip) return;
  node = await startSessionNode({ nodeID: `session-im-${process.pid}` });
  await node.account('alice', { loginMode: 'local', sipUser: 'alice', domain: '127.0.0.1' });
});
after(async () => node?.stop());

test(
  'RFC 3428 §2: MESSAGE in the dialog → im.received {sessionId}; im.send {sessionId} → in-dialog MESSAGE',
  { skip },
  async () => {
    const sipp = await startSipp('uas-message-in-dialog.xml');
    const { sessionId } = await node.call<{ sessionId: string }>('session.call', {
      account: 'alice',
      uri: `sip:bob@127.0.0.1:${sipp.port}`,
    });
    await node.waitFor('call.talking', { sessionId });
    const received = await node.waitFor('im.received', { sessionId });
    assert.equal((received.payload.body as string).trim(), 'hello in the dialog');
    assert.equal(received.payload.account, 'alice');
    assert.match(received.payload.peerUri as string, /^sip:bob@127\.0\.0\.1/);
    const sent = await node.call<Record<string, unknown>>('im.send', {
      account: 'alice',
      uri: `sip:bob@127.0.0.1:${sipp.port}`,
      body: 'reply in the dialog',
      sessionId,
    });
    assert.equal(sent.status, 'delivered');
    assert.equal(sent.sipStatus, 200);
    const event = await node.waitFor('im.sent', { messageId: sent.messageId });
    assert.equal(event.payload.sessionId, sessionId);
    assert.equal((await node.call<Record<string, unknown>>('session.get', { sessionId })).state, 'talking');
    await node.call('session.term', { sessionId });
    await node.waitFor('call.termed', { sessionId });
    assert.deepEqual(node.names(sessionId), ['outgoing', 'talking', 'termed']);
    assert.equal(await sipp.done(5000), 0);
    const wire = await sipp.messages();
    const callId = /^Call-ID: *(\S+)/m.exec(wire)![1]!;
    const ours = /^MESSAGE sip:sipp@[\s\S]*?\r?\n\r?\n/m.exec(wire)?.[0] ?? '';
    assert.match(ours, new RegExp(`^Call-ID: *${callId}`, 'm'), 'the dialog’s Call-ID');
    assert.match(ours, /^To:[^\r\n]*;tag=\d+SIPpTag01/m, 'the remote tag');
    await assert.rejects(
      node.call('im.send', { account: 'alice', uri: 'sip:bob@127.0.0.1', body: 'late', sessionId }),
      /SESSION_(ENDED|NOT_FOUND)|has ended|No session/,
    );
  },
);
