/**
 * Incoming calls with SIPp as the calling peer (guide §6.2.2, §6.2.4, §6.2.6, §6.4.2, §6.4.3,
 * §6.4.5, §6.7.1, §6.10) and bad input (a re-INVITE talkbus cannot take, a BYE for an unknown
 * call, a peer that vanishes): the SIP on the wire and the talkbus events in order.
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
  // Short timers through configuration (the RFC values stay the defaults).
  node = await startSessionNode({ nodeID: `session-in-${process.pid}`, calls: { noAnswerMs: 1500, minSE: 1 } });
  const local = { loginMode: 'local', domain: '127.0.0.1' } as const;
  const state = await node.account('alice', { ...local, sipUser: 'alice' });
  await node.account('carol', { ...local, sipUser: 'carol', maxCalls: 1 });
  await node.account('dave', { ...local, sipUser: 'dave', incomingCallBarring: true });
  remote = `127.0.0.1:${udpPort(state)}`;
});
after(async () => node?.stop());

/** The next call.incoming of an account, from now on. */
function nextIncoming(account: string) {
  return node.waitFor('call.incoming', { account }, 5000, node.events.length);
}

test(
  '§6.2.2/§6.2.6 incoming → answer → talking; caller ID from P-Asserted-Identity; SIPp BYE: termed BYE',
  { skip },
  async () => {
    const incoming = nextIncoming('alice');
    const sipp = await startSipp('uac-answered-bye.xml', { remote, service: 'alice' });
    const { payload } = await incoming;
    const sessionId = payload.sessionId as string;
    assert.equal(payload.video, false);
    assert.deepEqual(payload.peerId, {
      uri: 'sip:+15550100@carrier.example',
      displayName: 'Bob Asserted',
      source: 'p-asserted-identity',
      restricted: false,
    });
    assert.match(payload.peerUri as string, /^sip:bob@127\.0\.0\.1/);
    assert.deepEqual(await node.call('session.hasVideo', { sessionId }), { value: false });
    await node.call('session.answer', { sessionId, cookie: 'w2' });
    await node.waitFor('call.talking', { sessionId });
    const termed = await node.waitFor('call.termed', { sessionId });
    assert.equal(termed.payload.reason, 'BYE');
    assert.equal(termed.payload.direction, 'incoming');
    assert.equal(termed.payload.cookie, 'w2');
    assert.deepEqual(node.names(sessionId), ['incoming', 'talking', 'termed']);
    assert.equal(await sipp.done(5000), 0);
    assert.match(await sipp.messages(), /Session-Expires: *1800;refresher=uac/);
  },
);

for (const [reason, status] of [
  ['BUSY', 486],
  ['DECLINE', 603],
] as const) {
  test(`§6.2.4/§6.12.3 reject ${reason}: ${status}, termed ${reason}`, { skip }, async () => {
    const incoming = nextIncoming('alice');
    const sipp = await startSipp('uac-rejected.xml', { remote, service: 'alice' });
    const sessionId = (await incoming).payload.sessionId as string;
    await node.call('session.term', { sessionId, reason });
    assert.equal((await node.waitFor('call.termed', { sessionId })).payload.reason, reason);
    assert.equal(await sipp.done(5000), 0);
    assert.match(await sipp.messages(), new RegExp(`SIP/2.0 ${status} `));
  });
}

test('§6.4.5/§6.12.4 divert: 302 with Contact and Diversion, termed REDIRECT', { skip }, async () => {
  const incoming = nextIncoming('alice');
  const sipp = await startSipp('uac-rejected.xml', { remote, service: 'alice' });
  const sessionId = (await incoming).payload.sessionId as string;
  await node.call('session.divert', { sessionId, uri: 'sip:voicemail@127.0.0.1:5999' });
  assert.equal((await node.waitFor('call.termed', { sessionId })).payload.reason, 'REDIRECT');
  assert.equal(await sipp.done(5000), 0);
  const wire = await sipp.messages();
  assert.match(wire, /SIP\/2.0 302 /);
  assert.match(wire, /Contact: <sip:voicemail@127\.0\.0\.1:5999>/);
  assert.match(wire, /Diversion: <sip:alice@127\.0\.0\.1[^>]*>;reason=deflection/);
});

test(
  '§6.4.3 no answer: 480 after the (shortened) timeout, termed NO_ANSWER; §6.4.2 beyond maxCalls: 486',
  { skip },
  async () => {
    const incoming = nextIncoming('carol');
    const ringing = await startSipp('uac-rejected.xml', { remote, service: 'carol' });
    const sessionId = (await incoming).payload.sessionId as string;
    const second = await startSipp('uac-rejected.xml', { remote, service: 'carol' });
    assert.equal(await second.done(5000), 0);
    assert.match(await second.messages(), /SIP\/2.0 486 /);
    const termed = await node.waitFor('call.termed', { sessionId });
    assert.equal(termed.payload.reason, 'NO_ANSWER');
    assert.equal(await ringing.done(5000), 0);
    assert.match(await ringing.messages(), /SIP\/2.0 480 /);
  },
);

test('§6.7.1 incoming call barring: 603 without ringing', { skip }, async () => {
  const from = node.events.length;
  const sipp = await startSipp('uac-rejected.xml', { remote, service: 'dave' });
  assert.equal(await sipp.done(5000), 0);
  const wire = await sipp.messages();
  assert.match(wire, /SIP\/2.0 603 /);
  assert.doesNotMatch(wire, /SIP\/2.0 180 /);
  assert.equal(node.events.slice(from).filter((e) => e.name === 'call.incoming').length, 0);
});

test('bad input: a re-INVITE with an unusable offer gets 488 and the call goes on', { skip }, async () => {
  const incoming = nextIncoming('alice');
  const sipp = await startSipp('uac-bad-reinvite.xml', { remote, service: 'alice' });
  const sessionId = (await incoming).payload.sessionId as string;
  await node.call('session.answer', { sessionId });
  const termed = await node.waitFor('call.termed', { sessionId });
  assert.equal(termed.payload.reason, 'BYE', 'the call lasted until the peer hung up');
  assert.deepEqual(node.names(sessionId), ['incoming', 'talking', 'termed']);
  assert.equal(await sipp.done(5000), 0);
  assert.match(await sipp.messages(), /SIP\/2.0 488 [\s\S]*Warning: 305/);
});

test('bad input: a BYE for an unknown call gets 481', { skip }, async () => {
  const sipp = await startSipp('uac-unknown-bye.xml', { remote, service: 'alice' });
  assert.equal(await sipp.done(5000), 0);
});

test('bad input: actions on unknown sessions answer SESSION_NOT_FOUND', { skip }, async () => {
  await assert.rejects(node.call('session.hold', { sessionId: `${node.config.nodeID}~nope` }), /No session/);
  await assert.rejects(
    node.call('session.get', { sessionId: 'x' }),
    (error: { type?: string }) => error.type === 'VALIDATION_ERROR' || error.type === 'SESSION_NOT_FOUND',
  );
});

test('§6.10 a peer that vanishes: the session timer ends the call with BYE (termed TIMEOUT)', { skip }, async () => {
  const incoming = nextIncoming('alice');
  const sipp = await startSipp('uac-vanish.xml', { remote, service: 'alice' });
  const sessionId = (await incoming).payload.sessionId as string;
  await node.call('session.answer', { sessionId });
  await node.waitFor('call.talking', { sessionId });
  const termed = await node.waitFor('call.termed', { sessionId }, 6000);
  assert.equal(termed.payload.reason, 'TIMEOUT');
  assert.equal(await sipp.done(5000), 0);
  assert.match(await sipp.messages(), /BYE sip:bob@/);
});
