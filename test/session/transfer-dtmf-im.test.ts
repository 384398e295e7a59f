/**
 * Blind transfer (guide §6.8.1, §6.12.6.1), DTMF by SIP INFO (§6.2.7) and instant messages
 * (RFC 3428) with SIPp as the real peer.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sippAvailable, startSipp } from './sipp.ts';
import { startSessionNode, udpPort, type SessionNode } from './support.ts';

const skip = sippAvailable ? false : 'SIPp (sip-tester) is not installed';
let node: SessionNode;
let remote: string;

before(async () => {
  if (skip) return;
  node = await startSessionNode({ nodeID: `session-xfer-${process.pid}` });
  const local = { loginMode: 'local', domain: '127.0.0.1' } as const;
  const state = await node.account('alice', { ...local, sipUser: 'alice' });
  await node.account('erin', { ...local, sipUser: 'erin', dtmfMode: 'info' });
  remote = `127.0.0.1:${udpPort(state)}`;
});
after(async () => node?.stop());

async function talkingTo(scenario: string, account: string, keys: Record<string, string> = {}) {
  const sipp = await startSipp(scenario, { keys });
  const { sessionId } = await node.call<{ sessionId: string }>('session.call', {
    account,
    uri: `sip:bob@127.0.0.1:${sipp.port}`,
  });
  await node.waitFor('call.talking', { sessionId });
  return { sipp, sessionId };
}

test(
  '§6.8.1/§6.12.6.1 blind transfer: REFER → 202 trsfAcpt → NOTIFY 200 → termed TRSFED, trsfTerm',
  { skip },
  async () => {
    const { sipp, sessionId } = await talkingTo('uas-refer.xml', 'alice', { frag: '200 OK' });
    await node.call('session.transfer', { sessionId, uri: 'sip:carol@127.0.0.1:5999' });
    await node.waitFor('call.trsfTerm', { sessionId });
    const termed = await node.waitFor('call.termed', { sessionId });
    assert.equal(termed.payload.reason, 'TRSFED');
    assert.deepEqual(node.names(sessionId), ['outgoing', 'talking', 'trsfAcpt', 'termed', 'trsfTerm']);
    assert.equal((await node.waitFor('call.trsfTerm', { sessionId })).payload.success, true);
    assert.equal(await sipp.done(5000), 0);
    const wire = await sipp.messages();
    assert.match(wire, /REFER sip:sipp@/);
    assert.match(wire, /Refer-To: <sip:carol@127\.0\.0\.1:5999>/);
    assert.match(wire, /Referred-By: <sip:alice@127\.0\.0\.1>/);
  },
);

test('bad input: REFER to an unreachable target — trsfTerm failure, the original call survives', { skip }, async () => {
  const { sipp, sessionId } = await talkingTo('uas-refer.xml', 'alice', { frag: '503 Service Unavailable' });
  await node.call('session.transfer', { sessionId, uri: 'sip:nobody@192.0.2.1' });
  const trsfTerm = await node.waitFor('call.trsfTerm', { sessionId });
  assert.equal(trsfTerm.payload.success, false);
  assert.equal(trsfTerm.payload.sipStatus, 503);
  assert.deepEqual(await node.call('session.state', { sessionId }), { state: 'talking' });
  await node.call('session.term', { sessionId });
  assert.equal((await node.waitFor('call.termed', { sessionId })).payload.reason, 'NORMAL');
  assert.deepEqual(node.names(sessionId), ['outgoing', 'talking', 'trsfAcpt', 'trsfTerm', 'termed']);
  assert.equal(await sipp.done(5000), 0);
});

test('§6.2.7 DTMF by SIP INFO (dtmfMode info): INFO out, INFO in → call.dtmf', { skip }, async () => {
  const { sipp, sessionId } = await talkingTo('uas-info.xml', 'erin');
  assert.deepEqual(await node.call('session.dtmf', { sessionId, digits: '5' }), { sent: '5', method: 'info' });
  const dtmf = await node.waitFor('call.dtmf', { sessionId });
  assert.equal(dtmf.payload.key, '7');
  assert.equal(dtmf.payload.method, 'info');
  await node.call('session.term', { sessionId });
  await node.waitFor('call.termed', { sessionId });
  assert.equal(await sipp.done(5000), 0);
  assert.match(await sipp.messages(), /Content-Type: application\/dtmf-relay[\s\S]*Signal=5/);
});

test(
  'RFC 3428 instant messages: im.send → MESSAGE 200 (im.sent delivered); MESSAGE in → im.received',
  { skip },
  async () => {
    const peer = await startSipp('uas-message.xml');
    const sent = await node.call<Record<string, unknown>>('im.send', {
      account: 'alice',
      uri: `sip:bob@127.0.0.1:${peer.port}`,
      body: 'hello SIPp',
    });
    assert.equal(sent.status, 'delivered');
    assert.equal(sent.sipStatus, 200);
    const event = await node.waitFor('im.sent', { messageId: sent.messageId });
    assert.equal(event.payload.body, 'hello SIPp');
    assert.equal(await peer.done(5000), 0);
    assert.match(await peer.messages(), /MESSAGE sip:bob@[\s\S]*hello SIPp/);

    const from = node.events.length;
    const sender = await startSipp('uac-message.xml', { remote, service: 'alice' });
    assert.equal(await sender.done(5000), 0);
    const received = await node.waitFor('im.received', { account: 'alice' }, 5000, from);
    assert.equal((received.payload.body as string).trim(), 'hello from SIPp');
    assert.match(received.payload.peerUri as string, /^sip:bob@127\.0\.0\.1/);
  },
);
