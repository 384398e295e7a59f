/**
 * Call flows with SIPp as the real peer that the other files do not cover: re-INVITE glare
 * (RFC 3261 §14.1), being transferred (RFC 3515, guide §6.8: `call.refered`), being replaced
 * (RFC 3891: `call.replaced`), RFC 4733 DTMF from the wire (`call.dtmf`, guide §6.2.7), and call
 * waiting (guide §6.5). Both the SIP on the wire and the talkbus events are checked.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, test } from 'node:test';
import { sippAvailable, startSipp, type SippPeer } from './sipp.ts';
import { startSessionNode, udpPort, type SessionNode } from './support.ts';

const skip = sippAvailable ? false : 'SIPp (sip-tester) is not installed';
let node: SessionNode;
let remote: string;

before(async () => {
  if (skip) return;
  node = await startSessionNode({ nodeID: `session-wire-${process.pid}` });
  const state = await node.account('alice', { loginMode: 'local', sipUser: 'alice', domain: '127.0.0.1' });
  remote = `127.0.0.1:${udpPort(state)}`;
});
after(async () => node?.stop());

/** SIPp calls alice; alice answers; resolves with the talking session. */
async function answeredFrom(scenario: string, keys?: Record<string, string>): Promise<[SippPeer, string]> {
  const incoming = node.waitFor('call.incoming', { account: 'alice' }, 5000, node.events.length);
  const sipp = await startSipp(scenario, { remote, service: 'alice', ...(keys ? { keys } : {}) });
  const sessionId = (await incoming).payload.sessionId as string;
  await node.call('session.answer', { sessionId });
  await node.waitFor('call.talking', { sessionId });
  return [sipp, sessionId];
}

test('RFC 3261 §14.1 glare: both re-INVITEs get 491; ours is retried after 2.1–4 s; holdOk', { skip }, async () => {
  const sipp = await startSipp('uas-glare.xml');
  const { sessionId } = await node.call<{ sessionId: string }>('session.call', {
    account: 'alice',
    uri: `sip:bob@127.0.0.1:${sipp.port}`,
  });
  await node.waitFor('call.talking', { sessionId });
  const started = Date.now();
  await node.call('session.hold', { sessionId });
  await node.waitFor('call.holdOk', { sessionId }, 8000);
  const waited = Date.now() - started;
  assert.ok(waited >= 2000, `the retry came after the §14.1 wait (${waited} ms)`);
  assert.equal((await node.call<Record<string, unknown>>('session.get', { sessionId })).hasHold, true);
  await node.call('session.term', { sessionId });
  await node.waitFor('call.termed', { sessionId });
  assert.deepEqual(node.names(sessionId), ['outgoing', 'talking', 'holdOk', 'termed']);
  assert.equal(await sipp.done(5000), 0);
  const wire = await sipp.messages();
  assert.equal((wire.match(/^SIP\/2\.0 491 /gm) ?? []).length >= 2, true, '491 both ways');
  assert.equal((wire.match(/^INVITE sip:sipp@/gm) ?? []).length, 2, 'our re-INVITE and its retry');
});

test(
  'RFC 3515 being transferred: 202, a new call to Refer-To with Referred-By, NOTIFY sipfrag 100…200; call.refered',
  { skip },
  async () => {
    const target = await startSipp('uas-transfer-target.xml');
    const sipp = await startSipp('uas-refer-us.xml', { keys: { target: `sip:carol@127.0.0.1:${target.port}` } });
    const { sessionId } = await node.call<{ sessionId: string }>('session.call', {
      account: 'alice',
      uri: `sip:bob@127.0.0.1:${sipp.port}`,
    });
    await node.waitFor('call.talking', { sessionId });
    const refered = await node.waitFor('call.refered', { referredFrom: sessionId });
    assert.match(refered.payload.referTo as string, /^sip:carol@127\.0\.0\.1/);
    assert.match(refered.payload.referredBy as string, /sip:bob@/);
    const newCall = refered.payload.sessionId as string;
    await node.waitFor('call.talking', { sessionId: newCall });
    const termed = await node.waitFor('call.termed', { sessionId });
    assert.equal(termed.payload.reason, 'TRSFED');
    assert.equal(await sipp.done(5000), 0);
    await node.call('session.term', { sessionId: newCall });
    await node.waitFor('call.termed', { sessionId: newCall });
    assert.equal(await target.done(5000), 0);
    const wire = await sipp.messages();
    assert.match(wire, /^SIP\/2\.0 202 /m);
    assert.match(wire, /Subscription-State: *active[\s\S]*SIP\/2\.0 100 Trying/);
    assert.match(wire, /Subscription-State: *terminated[\s\S]*SIP\/2\.0 200 OK/);
    assert.match(await target.messages(), /^Referred-By: *<sip:bob@/m);
  },
);

test(
  'RFC 3891 INVITE with Replaces: answered at once, the old call gets BYE; call.replaced, termed REPLACE',
  { skip },
  async () => {
    const [first, old] = await answeredFrom('uac-answered-wait.xml');
    const wire = await first.messages();
    const callId = /^Call-ID: *(\S+)/m.exec(wire)?.[1];
    const fromTag = /^From:[^\r\n]*;tag=([^;\s]+)/m.exec(wire)?.[1];
    const toTag = /^SIP\/2\.0 200 [\s\S]*?^To:[^\r\n]*;tag=([^;\s]+)/m.exec(wire)?.[1];
    assert.ok(callId && fromTag && toTag, 'the first call’s dialog ids from the wire');
    const incoming = node.waitFor('call.incoming', { account: 'alice' }, 5000, node.events.length);
    const second = await startSipp('uac-replaces.xml', {
      remote,
      service: 'alice',
      keys: { rcallid: callId, rtotag: toTag, rfromtag: fromTag },
    });
    const replacing = (await incoming).payload;
    assert.equal(replacing.replaces, old);
    const replaced = await node.waitFor('call.replaced', { sessionId: old });
    assert.equal(replaced.payload.replacedBy, replacing.sessionId);
    assert.equal((await node.waitFor('call.termed', { sessionId: old })).payload.reason, 'REPLACE');
    await node.waitFor('call.talking', { sessionId: replacing.sessionId });
    assert.equal(await first.done(5000), 0, 'the replaced call got BYE');
    await node.call('session.term', { sessionId: replacing.sessionId });
    assert.equal(await second.done(5000), 0);
  },
);

test('§6.2.7 RFC 4733 DTMF from the wire (telephone-event 5 after some PCMU): call.dtmf', { skip }, async () => {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    const [sipp, sessionId] = await answeredFrom('uac-dtmf-rfc4733.xml', { rtpport: String(socket.address().port) });
    const ourPort = Number(/^SIP\/2\.0 200 [\s\S]*?^m=audio (\d+)/m.exec(await sipp.messages())?.[1]);
    assert.ok(ourPort > 0, 'talkbus’s RTP port from its 200');
    await sendRfc4733(socket, ourPort, 5);
    const dtmf = await node.waitFor('call.dtmf', { sessionId, key: '5' }, 5000);
    assert.equal(dtmf.payload.method, 'rfc4733');
    await node.call('session.term', { sessionId });
    await node.waitFor('call.termed', { sessionId });
    assert.equal(await sipp.done(5000), 0);
  } finally {
    socket.close();
  }
});

/**
 * 400 ms of PCMU silence (the endpoint adopts the unannounced SSRC from the first packets), then
 * one RFC 4733 event (§2.5: marker on the first packet, growing duration, the end packet three
 * times), all as one SSRC at 20 ms pacing.
 */
async function sendRfc4733(socket: Socket, port: number, event: number): Promise<void> {
  const ssrc = 0x7a1b0c55;
  let seq = 1000;
  let ts = 160_000;
  const send = (pt: number, marker: boolean, payload: Buffer) => {
    const header = Buffer.alloc(12);
    header[0] = 0x80;
    header[1] = (marker ? 0x80 : 0) | pt;
    header.writeUInt16BE(seq++ & 0xffff, 2);
    header.writeUInt32BE(ts >>> 0, 4);
    header.writeUInt32BE(ssrc, 8);
    socket.send(Buffer.concat([header, payload]), port, '127.0.0.1');
  };
  const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
  for (let i = 0; i < 20; i++, ts += 160) {
    send(0, i === 0, Buffer.alloc(160, 0xff));
    await tick();
  }
  for (let step = 1; step <= 8; step++) {
    const end = step === 8;
    const block = Buffer.from([event, (end ? 0x80 : 0) | 10, 0, 0]);
    block.writeUInt16BE(step * 160, 2);
    for (let copy = 0; copy < (end ? 3 : 1); copy++) send(101, step === 1, block);
    await tick();
  }
}

test(
  '§6.5 call waiting: a second INVITE while talking rings as waiting; both calls talk, then end',
  { skip },
  async () => {
    const [first, talking] = await answeredFrom('uac-answered-wait.xml');
    const incoming = node.waitFor('call.incoming', { account: 'alice' }, 5000, node.events.length);
    const second = await startSipp('uac-answered-wait.xml', { remote, service: 'alice' });
    const waiting = (await incoming).payload;
    assert.equal(waiting.waiting, true);
    assert.equal((await node.call<Record<string, unknown>>('session.get', { sessionId: talking })).state, 'talking');
    const sessionId = waiting.sessionId as string;
    await node.call('session.answer', { sessionId });
    await node.waitFor('call.talking', { sessionId });
    for (const id of [talking, sessionId]) {
      await node.call('session.term', { sessionId: id });
      assert.equal((await node.waitFor('call.termed', { sessionId: id })).payload.reason, 'NORMAL');
    }
    assert.equal(await first.done(5000), 0);
    assert.equal(await second.done(5000), 0);
  },
);
