/**
 * RFC 3262 (PRACK / 100rel) with SIPp as the peer that requires it: the 183 with SDP is
 * reliable, talkbus PRACKs it and plays the network's early media (guide §6.9.2), then talks.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sippAvailable, startSipp } from './sipp.ts';
import { startSessionNode, type SessionNode } from './support.ts';

const skip = sippAvailable ? false : 'SIPp (sip-tester) is not installed';
let node: SessionNode;

before(async () => {
  if (skip) return;
  node = await startSessionNode({ nodeID: `session-100rel-${process.pid}` });
  await node.account('alice', { loginMode: 'local', sipUser: 'alice', domain: '127.0.0.1' });
});
after(async () => node?.stop());

test('RFC 3262 §4 + §6.9.2: reliable 183 with SDP → PRACK, network early media, then talking', { skip }, async () => {
  const sipp = await startSipp('uas-100rel-early-media.xml');
  const { sessionId } = await node.call<{ sessionId: string }>('session.call', {
    account: 'alice',
    uri: `sip:bob@127.0.0.1:${sipp.port}`,
  });
  const alerted = await node.waitFor('call.alerted', { sessionId });
  assert.equal(alerted.payload.earlyMedia, 'network');
  assert.equal(alerted.payload.sipStatus, 183);
  await node.waitFor('call.talking', { sessionId });
  await node.call('session.term', { sessionId });
  await node.waitFor('call.termed', { sessionId });
  assert.deepEqual(node.names(sessionId), ['outgoing', 'alerted', 'talking', 'termed']);
  assert.equal(await sipp.done(5000), 0);
  const wire = await sipp.messages();
  assert.match(wire, /^Supported:[^\r\n]*100rel/m, 'we offer 100rel');
  assert.match(wire, /^Allow:[^\r\n]*PRACK/m);
  const prack = /^PRACK sip:[\s\S]*?\r?\n\r?\n/m.exec(wire)?.[0] ?? '';
  assert.match(prack, /^RAck: 1 1 INVITE/m);
  assert.doesNotMatch(prack, /^Content-Type: application\/sdp/m, 'the 183 answered our offer: no SDP in the PRACK');
  assert.equal((wire.match(/^PRACK sip:/gm) ?? []).length, 1, 'one PRACK per reliable 1xx');
});
