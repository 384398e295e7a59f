/**
 * SipUserAgent end to end on the in-memory network (simulated clock, T1 = 100 ms): calls both
 * ways, CANCEL, rejections, forking, 481, the §8.2 checks, OPTIONS and MESSAGE.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SipRequest } from '../message/message.ts';
import type { Dialog } from '../dialog/dialog.ts';
import { SipError } from '../dialog/sip-error.ts';
import { autoAnswer, capture, establish, sdp, twoAgents, uaOn } from './ua-test-support.ts';
import { MemoryNetwork } from './test-network.ts';

describe('SipUserAgent: INVITE / 200 / ACK / BYE', () => {
  it('sets up a call, exchanges SDP, and ends it with BYE; every timer is released', async () => {
    const env = twoAgents();
    const { caller, callee } = await establish(env);
    assert.equal(caller.state, 'confirmed');
    assert.equal(callee.state, 'confirmed');
    assert.match(caller.remote.sdp ?? '', /m=audio 20000/);
    assert.match(callee.remote.sdp ?? '', /m=audio 10000/);
    assert.equal(caller.id.split('\u0000')[0], callee.id.split('\u0000')[0], 'same Call-ID');
    assert.equal(caller.local.tag, callee.remote.tag);
    assert.deepEqual(env.network.statuses('INVITE'), [180, 200]);
    assert.equal(env.network.requests('ACK').length, 1);

    const ended: string[] = [];
    callee.on('destroy', (info) => ended.push(`${info.initiator}:${info.reason}`));
    caller.on('destroy', (info) => ended.push(`${info.initiator}:${info.reason}`));
    const bye = caller.destroy();
    await env.network.run(50);
    await bye;
    assert.deepEqual(ended.sort(), ['local:bye', 'remote:bye']);
    assert.equal(env.alice.dialogCount, 0);
    assert.equal(env.bob.dialogCount, 0);
    await env.network.run(8000, 100); // Timer J/K/D/L/M run out
    assert.equal(env.network.clock.pending, 0, 'no timer left behind');
    assert.equal(env.alice.transactionLayer.size + env.bob.transactionLayer.size, 0);
  });

  it('a lost ACK: Bob retransmits the 2xx (T1, 2T1 …) until the ACK for it arrives', async () => {
    const env = twoAgents();
    env.network.drop((m) => m.kind === 'request' && m.method === 'ACK', 2);
    const callees: Dialog[] = [];
    autoAnswer(env.bob, callees);
    const call = env.alice.createUAC('sip:bob@10.0.0.2', { localSdp: sdp('10.0.0.1', 10000) });
    await env.network.run(1000);
    const caller = await call;
    const callee = callees[0]!;
    assert.ok(env.network.statuses('INVITE').filter((s) => s === 200).length >= 3, 'the 200 was retransmitted');
    assert.ok(env.network.log.filter((d) => d.message.kind === 'request' && d.message.method === 'ACK').length >= 3);
    assert.equal(callee.state, 'confirmed');
    assert.equal(caller.state, 'confirmed');
  });

  it('no ACK at all: Bob gives up after 64*T1 with NO_ACK and sends BYE', async () => {
    const env = twoAgents();
    env.network.drop((m) => m.kind === 'request' && m.method === 'ACK', 1000);
    let failure: unknown;
    env.bob.on(
      'invite',
      (req, res) => void env.bob.createUAS(req, res, { localSdp: sdp('10.0.0.2', 2) }).catch((e) => (failure = e)),
    );
    const call = env.alice.createUAC('sip:bob@10.0.0.2', { localSdp: sdp('10.0.0.1', 1) });
    await env.network.run(7000, 50);
    const dialog = await call;
    assert.ok(failure instanceof SipError && failure.code === 'NO_ACK');
    assert.equal(env.network.requests('BYE', '10.0.0.1').length, 1, 'Bob sent BYE');
    assert.equal(dialog.state, 'terminated');
  });

  it('BYE from the callee ends the caller’s dialog', async () => {
    const env = twoAgents();
    const { caller, callee } = await establish(env);
    const destroyed = new Promise((resolve) => caller.once('destroy', resolve));
    void callee.destroy({ headers: { Reason: 'Q.850;cause=16' } });
    await env.network.run(50);
    const info = (await destroyed) as { initiator: string; reason: string; request: SipRequest };
    assert.deepEqual([info.initiator, info.reason, info.request.method], ['remote', 'bye', 'BYE']);
    assert.equal(env.network.requests('BYE')[0]!.headers.get('reason'), 'Q.850;cause=16');
  });
});

describe('SipUserAgent: failures and CANCEL', () => {
  for (const status of [486, 603, 404]) {
    it(`rejects createUAC with a SipError carrying ${status}`, async () => {
      const env = twoAgents();
      env.bob.on('invite', (_req, res) => res.send(status));
      const call = capture(env.alice.createUAC('sip:bob@10.0.0.2', { localSdp: sdp('10.0.0.1', 1) }));
      await env.network.run(50);
      const { error } = await call;
      assert.ok(error instanceof SipError && error.status === status && error.code === 'FINAL_RESPONSE');
      assert.equal(env.network.requests('ACK').length, 1, 'the transaction ACKed the final response');
      assert.equal(env.alice.dialogCount + env.bob.dialogCount, 0);
    });
  }

  it('CANCEL during ringing: 487, early dialogs gone, req.signal aborted', async () => {
    const env = twoAgents();
    let aborted = false;
    env.bob.on('invite', (req, res) => {
      res.send(180);
      req.signal.addEventListener('abort', () => (aborted = true));
    });
    const controller = new AbortController();
    const provisional: number[] = [];
    const call = capture(
      env.alice.createUAC('sip:bob@10.0.0.2', {
        localSdp: sdp('10.0.0.1', 1),
        signal: controller.signal,
        onProvisional: (response, dialog) => provisional.push(response.status, dialog === undefined ? 0 : 1),
      }),
    );
    await env.network.run(50);
    assert.deepEqual(provisional, [180, 1], 'the 180 made an early dialog');
    assert.equal(env.alice.dialogCount, 1);
    controller.abort();
    await env.network.run(50);
    const { error } = await call;
    assert.ok(error instanceof SipError && error.status === 487 && error.code === 'CANCELED');
    assert.ok(aborted);
    assert.deepEqual(env.network.statuses('CANCEL'), [200]);
    assert.equal(env.alice.dialogCount + env.bob.dialogCount, 0);
  });

  it('no answer: an INVITE nobody listens to gets 480; one nobody answers gets 480 after maxRingMs', async () => {
    const env = twoAgents({ bob: { limits: { maxRingMs: 1000 } } });
    const unheard = capture(env.alice.createUAC('sip:bob@10.0.0.2'));
    await env.network.run(50);
    assert.equal(((await unheard).error as SipError).status, 480);
    env.bob.on('invite', (_req, res) => res.send(180));
    const call = env.alice.createUAC('sip:bob@10.0.0.2');
    const outcome = call.catch((error: SipError) => error.status);
    await env.network.run(1200, 50);
    assert.equal(await outcome, 480);
  });

  it('Timer B: an unreachable callee is a 408 REQUEST_TIMEOUT', async () => {
    const network = new MemoryNetwork();
    const alice = uaOn(network, '10.0.0.1', 'alice');
    const call = alice.createUAC('sip:nobody@10.0.0.9').catch((error: SipError) => error);
    await network.run(6500, 100);
    const error = await call;
    assert.ok(error instanceof SipError);
    assert.equal(error.code, 'REQUEST_TIMEOUT');
    assert.equal(error.status, 408);
  });
});

describe('SipUserAgent: in-dialog matching', () => {
  it('481 for a request whose To tag matches no dialog', async () => {
    const env = twoAgents();
    const bye = new SipRequest({
      method: 'BYE',
      uri: 'sip:bob@10.0.0.2',
      headers: [
        ['Via', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKstale1'],
        ['From', '<sip:alice@10.0.0.1>;tag=gone1'],
        ['To', '<sip:bob@10.0.0.2>;tag=gone2'],
        ['Call-ID', 'no-such-call'],
        ['CSeq', '2 BYE'],
        ['Max-Forwards', '70'],
      ],
    });
    const peer = env.network.peer('10.0.0.7');
    peer.send(bye, { protocol: 'udp', address: '10.0.0.2', port: 5060 });
    await env.network.run(20);
    assert.deepEqual(env.network.statuses('BYE'), [481]);
  });

  it('OPTIONS is answered by the core with Allow, Accept and Supported (§11.2)', async () => {
    const env = twoAgents({ bob: { sessionTimer: {} } });
    const pending = env.alice.request('sip:bob@10.0.0.2', { method: 'OPTIONS' });
    await env.network.run(20);
    const response = await pending;
    assert.equal(response.status, 200);
    assert.match(response.headers.get('allow') ?? '', /INVITE.*UPDATE.*REFER/);
    assert.match(response.headers.get('accept') ?? '', /application\/sdp/);
    assert.equal(response.headers.get('supported'), '100rel, timer');
    assert.match(response.headers.get('allow') ?? '', /PRACK/);
  });

  it('MESSAGE out of dialog reaches the "request" listener; unheard methods get 405', async () => {
    const env = twoAgents();
    const texts: string[] = [];
    env.bob.on('request', (req, res) => {
      texts.push(`${req.method}:${req.get('content-type')}:${req.body}`);
      res.send(202);
    });
    const sent = env.alice.request('sip:bob@10.0.0.2', { method: 'MESSAGE', body: 'hello', contentType: 'text/plain' });
    await env.network.run(20);
    assert.equal((await sent).status, 202);
    assert.deepEqual(texts, ['MESSAGE:text/plain:hello']);
    const unheard = env.bob.request('sip:alice@10.0.0.1', { method: 'MESSAGE', body: 'hi', contentType: 'text/plain' });
    await env.network.run(20);
    assert.equal((await unheard).status, 405);
  });

  it('a dialog keeps working after its peer answered every method (sanity of the dialog table)', async () => {
    const env = twoAgents();
    const dialogs: Dialog[] = [];
    autoAnswer(env.bob, dialogs);
    const first = env.alice.createUAC('sip:bob@10.0.0.2', { localSdp: sdp('10.0.0.1', 1) });
    const second = env.alice.createUAC('sip:bob@10.0.0.2', { localSdp: sdp('10.0.0.1', 2) });
    await env.network.run(50);
    const [a, b] = await Promise.all([first, second]);
    assert.notEqual(a.id, b.id);
    assert.equal(env.alice.dialogCount, 2);
    assert.equal(env.bob.dialogCount, 2);
  });
});
