/**
 * RFC 4028 on the wire with SIPp: a 422 with Min-SE is retried with the higher Session-Expires
 * (§7.4), the 2xx's Session-Expires and refresher decide who refreshes (§7.2), and the refresh
 * goes by UPDATE without SDP when the peer's Allow lists it (§9). Timers shortened by config.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sippAvailable, startSipp } from './sipp.ts';
import { startSessionNode, type SessionNode } from './support.ts';

const skip = sippAvailable ? false : 'SIPp (sip-tester) is not installed';
let node: SessionNode;

before(async () => {
  if (skip) return;
  node = await startSessionNode({
    nodeID: `session-timer-${process.pid}`,
    calls: { sessionInterval: 2, minSE: 1 },
  });
  await node.account('alice', { loginMode: 'local', sipUser: 'alice', domain: '127.0.0.1' });
});
after(async () => node?.stop());

test(
  'RFC 4028 §7.4/§7.2/§9: 422 Min-SE → retry with 4 s; refresher=uac in the 2xx → UPDATE refreshes every 2 s',
  { skip },
  async () => {
    const sipp = await startSipp('uas-422-timer.xml');
    const { sessionId } = await node.call<{ sessionId: string }>('session.call', {
      account: 'alice',
      uri: `sip:bob@127.0.0.1:${sipp.port}`,
    });
    await node.waitFor('call.talking', { sessionId });
    // Two refreshes at 2 s and 4 s; the call is still up after the 4 s interval.
    await new Promise((resolve) => setTimeout(resolve, 4600));
    const info = await node.call<Record<string, unknown>>('session.get', { sessionId });
    assert.equal(info.state, 'talking');
    await node.call('session.term', { sessionId, reason: 'NORMAL' });
    const termed = await node.waitFor('call.termed', { sessionId });
    assert.equal(termed.payload.reason, 'NORMAL');
    assert.deepEqual(node.names(sessionId), ['outgoing', 'talking', 'termed']);
    assert.equal(await sipp.done(5000), 0);
    const wire = await sipp.messages();
    const invites = wire.match(/^INVITE sip:[^\r\n]*/gm) ?? [];
    assert.equal(invites.length, 2, 'the INVITE and its 422 retry');
    assert.match(wire, /Session-Expires: 2\r?\n[\s\S]*422 Session Interval Too Small[\s\S]*Session-Expires: 4\r?\n/);
    const updates = wire.match(/^UPDATE sip:[^\r\n]*/gm) ?? [];
    assert.equal(updates.length, 2);
    assert.doesNotMatch(wire, /^INVITE sip:[\s\S]*^INVITE sip:[\s\S]*^INVITE sip:/m, 'no re-INVITE refresh');
  },
);
