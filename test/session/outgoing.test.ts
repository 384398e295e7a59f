/**
 * Outgoing calls with SIPp as the real peer (guide §6.2.1, §6.2.3, §6.9.2, §6.12.1–§6.12.4):
 * the SIP on the wire and the talkbus events in order.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sippAvailable, startSipp } from './sipp.ts';
import { startSessionNode, type SessionNode } from './support.ts';

const skip = sippAvailable ? false : 'SIPp (sip-tester) is not installed';
let node: SessionNode;

before(async () => {
  if (skip) return;
  node = await startSessionNode({ nodeID: `session-out-${process.pid}` });
  await node.account('alice', { loginMode: 'local', sipUser: 'alice', domain: '127.0.0.1' });
});
after(async () => node?.stop());

test(
  '§6.2.1/§6.12.1 outgoing → alerted (180: local ringback) → talking → term: BYE, termed NORMAL',
  { skip },
  async () => {
    const sipp = await startSipp('uas-answer.xml');
    const { sessionId } = await node.call<{ sessionId: string }>('session.call', {
      account: 'alice',
      uri: `sip:bob@127.0.0.1:${sipp.port}`,
      cookie: 'window-1',
    });
    await node.waitFor('call.talking', { sessionId });
    const info = await node.call<Record<string, unknown>>('session.get', { sessionId });
    assert.equal(info.state, 'talking');
    assert.equal(info.hasTalk, true);
    assert.equal(info.earlyMedia, 'local-ringback');
    assert.equal(info.hasOfferAnswer, true);
    assert.equal(info.cookie, 'window-1');
    await node.call('session.term', { sessionId, reason: 'NORMAL' });
    const termed = await node.waitFor('call.termed', { sessionId });
    assert.equal(termed.payload.reason, 'NORMAL');
    assert.equal(termed.payload.cookie, 'window-1');
    assert.deepEqual(node.names(sessionId), ['outgoing', 'alerted', 'talking', 'termed']);
    assert.equal(await sipp.done(5000), 0);
    const wire = await sipp.messages();
    assert.match(wire, /INVITE sip:bob@127\.0\.0\.1/);
    assert.match(wire, /Session-Expires: 1800/);
    assert.match(wire, /m=audio \d+ RTP\/AVP 0 8 101/);
    assert.match(wire, /BYE sip:sipp@/);
    await assert.rejects(node.call('session.hold', { sessionId }), /SESSION_(ENDED|NOT_FOUND)|has ended|No session/);
  },
);

test('table 6-16: 486 → BUSY, 603 → DECLINE, 404 → NOT_FOUND, each ACKed', { skip }, async () => {
  for (const [status, reason] of [
    ['486', 'BUSY'],
    ['603', 'DECLINE'],
    ['404', 'NOT_FOUND'],
  ] as const) {
    const sipp = await startSipp(`uas-reject-${status}.xml`);
    const { sessionId } = await node.call<{ sessionId: string }>('session.call', {
      account: 'alice',
      uri: `sip:bob@127.0.0.1:${sipp.port}`,
    });
    const termed = await node.waitFor('call.termed', { sessionId });
    assert.equal(termed.payload.reason, reason);
    assert.equal(termed.payload.sipStatus, Number(status));
    assert.equal(termed.payload.answeredAt, null);
    assert.deepEqual(node.names(sessionId), ['outgoing', 'termed']);
    assert.equal(await sipp.done(5000), 0, status);
  }
});

test('§6.2.3/§6.12.2 cancel while ringing: CANCEL, 487, termed NORMAL', { skip }, async () => {
  const sipp = await startSipp('uas-ring-cancel.xml');
  const { sessionId } = await node.call<{ sessionId: string }>('session.call', {
    account: 'alice',
    uri: `sip:bob@127.0.0.1:${sipp.port}`,
  });
  await node.waitFor('call.alerted', { sessionId });
  await node.call('session.term', { sessionId, reason: 'NORMAL' });
  const termed = await node.waitFor('call.termed', { sessionId });
  assert.equal(termed.payload.reason, 'NORMAL');
  assert.deepEqual(node.names(sessionId), ['outgoing', 'alerted', 'termed']);
  assert.equal(await sipp.done(5000), 0);
  assert.match(await sipp.messages(), /CANCEL sip:bob@/);
});

test('§6.9.2 183 with SDP: network early media, then talking', { skip }, async () => {
  const sipp = await startSipp('uas-early-media.xml');
  const { sessionId } = await node.call<{ sessionId: string }>('session.call', {
    account: 'alice',
    uri: `sip:bob@127.0.0.1:${sipp.port}`,
  });
  const alerted = await node.waitFor('call.alerted', { sessionId });
  assert.equal(alerted.payload.earlyMedia, 'network');
  assert.equal(alerted.payload.sipStatus, 183);
  assert.deepEqual(await node.call('session.earlyMediaStatus', { sessionId }), { earlyMedia: 'network' });
  await node.waitFor('call.talking', { sessionId });
  await node.call('session.term', { sessionId });
  await node.waitFor('call.termed', { sessionId });
  assert.deepEqual(node.names(sessionId), ['outgoing', 'alerted', 'talking', 'termed']);
  assert.equal(await sipp.done(5000), 0);
});

test(
  '§6.6/§6.12.5 hold and unhold by re-INVITE: sendonly then sendrecv on the wire; holdOk, unholdOk',
  { skip },
  async () => {
    const sipp = await startSipp('uas-hold.xml');
    const { sessionId } = await node.call<{ sessionId: string }>('session.call', {
      account: 'alice',
      uri: `sip:bob@127.0.0.1:${sipp.port}`,
    });
    await node.waitFor('call.talking', { sessionId });
    await node.call('session.hold', { sessionId });
    await assert.rejects(node.call('session.hold', { sessionId }), /pending|SESSION_BUSY/);
    await node.waitFor('call.holdOk', { sessionId });
    assert.deepEqual(await node.call('session.hasHold', { sessionId }), { value: true });
    await node.call('session.unhold', { sessionId });
    await node.waitFor('call.unholdOk', { sessionId });
    await node.call('session.term', { sessionId });
    await node.waitFor('call.termed', { sessionId });
    assert.deepEqual(node.names(sessionId), ['outgoing', 'talking', 'holdOk', 'unholdOk', 'termed']);
    assert.equal(await sipp.done(5000), 0);
    const wire = await sipp.messages();
    assert.match(wire, /a=sendonly/);
  },
);

test('§6.12.4 a 302 is followed: call.redirect, INVITE to the new contact, talking there', { skip }, async () => {
  const target = await startSipp('uas-answer.xml');
  const mover = await startSipp('uas-redirect.xml', { keys: { target: `sip:carol@127.0.0.1:${target.port}` } });
  const { sessionId } = await node.call<{ sessionId: string }>('session.call', {
    account: 'alice',
    uri: `sip:bob@127.0.0.1:${mover.port}`,
  });
  const redirect = await node.waitFor('call.redirect', { sessionId });
  assert.deepEqual(redirect.payload.contacts, [`sip:carol@127.0.0.1:${target.port}`]);
  assert.equal(redirect.payload.following, true);
  await node.waitFor('call.talking', { sessionId });
  await node.call('session.term', { sessionId });
  await node.waitFor('call.termed', { sessionId });
  assert.deepEqual(node.names(sessionId), ['outgoing', 'redirect', 'alerted', 'talking', 'termed']);
  assert.equal(await mover.done(5000), 0);
  assert.equal(await target.done(5000), 0);
  assert.match(await target.messages(), /INVITE sip:carol@127\.0\.0\.1/);
});

test('§5.3.5 client.serverLogout ends the account’s calls (SERVER_LOGOUT)', { skip }, async () => {
  const sipp = await startSipp('uas-answer.xml');
  const { sessionId } = await node.call<{ sessionId: string }>('session.call', {
    account: 'alice',
    uri: `sip:bob@127.0.0.1:${sipp.port}`,
  });
  await node.waitFor('call.talking', { sessionId });
  // What registrar-client emits when the registrar drops the binding (guide table 5-14).
  await node.broker.emit('client.serverLogout', {
    account: 'alice',
    requested: false,
    reason: 'DEACTIVATED',
    retryAfter: null,
    sipStatus: null,
  });
  assert.equal((await node.waitFor('call.termed', { sessionId })).payload.reason, 'SERVER_LOGOUT');
  assert.equal(await sipp.done(5000), 0, 'the call was ended by BYE');
});

test('calls for an account that is not logged in are refused with a clear error', { skip }, async () => {
  await node.call('profile.create', { account: 'nobody' });
  await node.call('profile.open', { account: 'nobody' });
  await node.call('profile.set', { account: 'nobody', values: { sipUser: 'nobody', domain: '127.0.0.1' } });
  await node.call('registrar-client.start', { account: 'nobody' });
  await assert.rejects(
    node.call('session.call', { account: 'nobody', uri: 'sip:bob@127.0.0.1:5999' }),
    (error: { type?: string }) => error.type === 'ACCOUNT_NOT_LOGGED_IN',
  );
});
