/**
 * In-dialog requests between two user agents on the in-memory network (simulated clock):
 * re-INVITE and §14.1 glare, UPDATE, INFO, REFER + NOTIFY sipfrag, MESSAGE, the §12.2.2 CSeq
 * rule, and RFC 4028 session timers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { capture, establish, sdp, twoAgents } from '../ua/ua-test-support.ts';
import { parseSipfrag, referNotify } from './sipfrag.ts';
import type { SipError } from './sip-error.ts';

describe('re-INVITE (§14) and glare (§14.1)', () => {
  it('modify() sends a re-INVITE, ACKs its 2xx and returns the new remote SDP', async () => {
    const env = twoAgents();
    const { caller, callee } = await establish(env);
    const seen: string[] = [];
    callee.on('modify', (req, res) => {
      seen.push(req.body.includes('a=sendonly') ? 'hold' : 'other');
      res.send(200, { body: sdp('10.0.0.2', 20000, 'recvonly'), contentType: 'application/sdp' });
    });
    const answers: number[] = [];
    const held = capture(caller.modify({ hold: true }, { onAnswer: (response) => answers.push(response.status) }));
    await env.network.run(50);
    assert.match((await held).value ?? '', /a=recvonly/);
    assert.deepEqual(answers, [200], 'onAnswer gets the 2xx');
    assert.deepEqual(seen, ['hold']);
    assert.match(caller.local.sdp ?? '', /a=sendonly/);
    assert.match(callee.remote.sdp ?? '', /a=sendonly/);
    const acks = env.network.requests('ACK');
    assert.equal(acks.length, 2, 'one ACK for the INVITE, one for the re-INVITE');
    assert.equal(acks[1]!.cseq!.seq, env.network.requests('INVITE')[1]!.cseq!.seq, 'ACK CSeq = re-INVITE CSeq');
    // Without a listener the callee answers with its current SDP.
    callee.removeAllListeners('modify');
    const resumed = capture(caller.modify({ hold: false }));
    await env.network.run(50);
    assert.match((await resumed).value ?? '', /m=audio 20000/);
    assert.match(caller.local.sdp ?? '', /a=sendrecv/);
  });

  it('glare: both re-INVITE at once, both get 491, both retry after the §14.1 timers', async () => {
    const env = twoAgents();
    const { caller, callee } = await establish(env);
    const start = env.network.clock.now();
    const a = capture(caller.modify(sdp('10.0.0.1', 11111)));
    const b = capture(callee.modify(sdp('10.0.0.2', 22222)));
    await env.network.run(5000, 10);
    assert.ok((await a).value !== undefined, `caller: ${String((await a).error)}`);
    assert.ok((await b).value !== undefined, `callee: ${String((await b).error)}`);
    assert.deepEqual(env.network.statuses('INVITE').filter((s) => s === 491).length, 2);
    const reinvites = env.network.log.filter(
      (d) => d.message.kind === 'request' && d.message.method === 'INVITE' && d.at >= start,
    );
    const retryOf = (from: string) => reinvites.filter((d) => d.from.address === from)[1]!.at - start;
    // random() = 0.5: the Call-ID owner (caller) waits 3.05 s, the other side 1.00 s.
    assert.ok(retryOf('10.0.0.1') >= 3050 && retryOf('10.0.0.1') < 3100, `caller retried at ${retryOf('10.0.0.1')}`);
    assert.ok(retryOf('10.0.0.2') >= 1000 && retryOf('10.0.0.2') < 1050, `callee retried at ${retryOf('10.0.0.2')}`);
    assert.match(caller.remote.sdp ?? '', /22222/);
    assert.match(callee.remote.sdp ?? '', /11111/);
  });

  it('a second INVITE while one is unanswered gets 500 with Retry-After (§14.2)', async () => {
    const env = twoAgents();
    const { caller, callee } = await establish(env);
    callee.on('modify', () => undefined); // never answers: the re-INVITE stays pending
    void capture(caller.modify(sdp('10.0.0.1', 1)));
    await env.network.run(20);
    caller.session.offering = false; // pretend a second, independent offer
    const second = capture(caller.modify(sdp('10.0.0.1', 2)));
    await env.network.run(20);
    const error = (await second).error as SipError;
    assert.equal(error.status, 500);
    assert.ok(error.response?.headers.has('retry-after'));
  });
});

describe('UPDATE, INFO, MESSAGE, REFER/NOTIFY', () => {
  it('UPDATE with an offer (RFC 3311) and a target refresh', async () => {
    const env = twoAgents();
    const { caller, callee } = await establish(env);
    const updated = capture(
      caller.update({ sdp: sdp('10.0.0.1', 12345), headers: { Contact: '<sip:alice@10.0.0.1:5062>' } }),
    );
    await env.network.run(20);
    assert.equal((await updated).value?.status, 200);
    assert.match(callee.remote.sdp ?? '', /12345/);
    assert.equal(callee.remote.contact, 'sip:alice@10.0.0.1:5062', 'UPDATE refreshed the remote target');
    assert.match(caller.remote.sdp ?? '', /m=audio 20000/);
  });

  it('INFO and MESSAGE reach the peer’s events; unheard ones get 200', async () => {
    const env = twoAgents();
    const { caller, callee } = await establish(env);
    const got: string[] = [];
    callee.on('info', (req, res) => {
      got.push(`${req.get('content-type')}|${req.body}`);
      res.send(200);
    });
    const info = capture(caller.info({ body: 'Signal=5\r\nDuration=160\r\n', contentType: 'application/dtmf-relay' }));
    const message = capture(caller.message({ body: 'hi there' }));
    await env.network.run(20);
    assert.equal((await info).value?.status, 200);
    assert.equal((await message).value?.status, 200);
    assert.deepEqual(got, ['application/dtmf-relay|Signal=5\r\nDuration=160\r\n']);
  });

  it('REFER accepted with 202, progress by NOTIFY message/sipfrag (RFC 3515)', async () => {
    const env = twoAgents();
    const { caller, callee } = await establish(env);
    callee.on('refer', (req, res) => {
      assert.equal(req.message.referTo?.uri.toString(), 'sip:carol@10.0.0.3');
      res.send(202);
      void callee.notify(referNotify(100, 'Trying'));
      void callee.notify(referNotify(200));
    });
    const progress: string[] = [];
    caller.on('notify', (req, res) => {
      const frag = parseSipfrag(req.body);
      progress.push(`${req.get('event')}|${req.get('subscription-state')}|${frag?.status} ${frag?.reason}`);
      res.send(200);
    });
    const referred = capture(caller.refer('sip:carol@10.0.0.3'));
    await env.network.run(50);
    assert.equal((await referred).value?.status, 202);
    assert.deepEqual(progress, ['refer|active;expires=60|100 Trying', 'refer|terminated;reason=noresource|200 OK']);
  });

  it('an unheard REFER is declined with 603', async () => {
    const env = twoAgents();
    const { caller } = await establish(env);
    const referred = capture(caller.refer('sip:carol@10.0.0.3'));
    await env.network.run(20);
    assert.equal(((await referred).error as SipError).status, 603);
  });
});

describe('CSeq rules (§12.2.1.1, §12.2.2)', () => {
  it('in-dialog requests increment the local CSeq; a lower remote CSeq gets 500', async () => {
    const env = twoAgents();
    const { caller, callee } = await establish(env);
    const first = caller.sip.localSeq!;
    void caller.info();
    await env.network.run(20);
    assert.equal(env.network.requests('INFO')[0]!.cseq!.seq, first + 1);
    assert.equal(callee.sip.remoteSeq, first + 1);
    caller.sip.localSeq = 0; // the next request goes out with CSeq 1 < remote CSeq
    const stale = capture(caller.info());
    await env.network.run(20);
    assert.equal((await stale).value?.status, 500);
    assert.equal(callee.state, 'confirmed');
  });

  it('the callee’s first request picks an initial CSeq (its local CSeq was empty, §12.1.1)', async () => {
    const env = twoAgents();
    const { callee } = await establish(env);
    assert.equal(callee.sip.localSeq, undefined);
    void callee.info();
    await env.network.run(20);
    assert.ok(callee.sip.localSeq! > 0 && callee.sip.localSeq! < 2 ** 31);
  });

  it('481 to an in-dialog request ends the dialog (§12.2.1.2)', async () => {
    const env = twoAgents();
    const { caller, callee } = await establish(env);
    callee.terminate({ initiator: 'local', reason: 'test' }); // Bob forgets the dialog silently
    const info = capture(caller.info());
    await env.network.run(20);
    assert.equal((await info).value?.status, 481);
    assert.equal(caller.state, 'terminated');
    assert.equal(caller.destroyInfo?.reason, '481');
  });
});

describe('session timers (RFC 4028)', () => {
  it('the UAC refreshes at half the interval; when refreshes stop, the UAS sends BYE', async () => {
    const env = twoAgents({ alice: { sessionTimer: { expires: 90 } }, bob: { sessionTimer: {} } });
    const { caller, callee } = await establish(env);
    const invite = env.network.requests('INVITE')[0]!;
    assert.equal(invite.sessionExpires?.seconds, 90);
    const ok = env.network.log.find((d) => d.message.kind === 'response' && d.message.status === 200)!.message;
    assert.equal(ok.sessionExpires?.refresher, 'uac');
    assert.deepEqual(ok.require, ['timer']);
    assert.equal(caller.sessionTimerState, 'refreshing');
    assert.equal(callee.sessionTimerState, 'watching');
    await env.network.run(100_000, 500);
    assert.equal(env.network.requests('INVITE').length, 3, 'two refreshes in 100 s');
    assert.equal(callee.state, 'confirmed');
    env.network.drop((m) => m.kind === 'request' && m.method === 'INVITE', 100);
    await env.network.run(120_000, 500);
    assert.equal(callee.state, 'terminated');
    // Whichever comes first: Bob's timer expires (BYE), or Alice's refresh times out (BYE).
    assert.ok(['session-expired', 'bye'].includes(callee.destroyInfo?.reason ?? ''), callee.destroyInfo?.reason);
    assert.equal(caller.state, 'terminated');
  });

  it('422 Session Interval Too Small is retried with the peer’s Min-SE', async () => {
    const env = twoAgents({ alice: { sessionTimer: { expires: 90 } }, bob: { sessionTimer: { minSE: 300 } } });
    const { caller } = await establish(env);
    assert.deepEqual(
      env.network.statuses('INVITE').filter((s) => s >= 200),
      [422, 200],
    );
    assert.equal(env.network.requests('INVITE')[1]!.sessionExpires?.seconds, 300);
    assert.equal(caller.state, 'confirmed');
  });
});
