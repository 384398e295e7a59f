/**
 * RFC 3262 (100rel / PRACK) between two user agents on the in-memory network (simulated clock,
 * T1 = 100 ms), and against a scripted peer for the UAC's RSeq rules (§4) and the UAS's 481.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { createResponse } from '../message/response.ts';
import type { Dialog } from '../dialog/dialog.ts';
import { dialogKey } from '../dialog/dialog-state.ts';
import { SipError } from '../dialog/sip-error.ts';
import { capture, sdp, twoAgents, uaOn } from './ua-test-support.ts';
import { MemoryNetwork } from './test-network.ts';

const ALICE = { protocol: 'udp' as const, address: '10.0.0.1', port: 5060 };

/** Wire order of the INVITE's and PRACK's responses and of PRACK/ACK requests, as `200/INVITE` etc. */
function wire(network: MemoryNetwork): string[] {
  return network.log
    .filter((d) => !d.dropped)
    .map((d) => (d.message.kind === 'response' ? `${d.message.status}/${d.message.cseq?.method}` : d.message.method))
    .filter((entry) => /PRACK|INVITE|ACK/.test(entry) && entry !== 'INVITE' && entry !== '100/INVITE');
}

function responses(network: MemoryNetwork, status: number): SipResponse[] {
  return network.log.flatMap((d) =>
    !d.dropped && d.message.kind === 'response' && d.message.status === status ? [d.message] : [],
  );
}

describe('RFC 3262 between two talkbus UAs', () => {
  it('Require: 100rel → reliable 183 with RSeq, PRACK with RAck, 200 PRACK, then the held 200', async () => {
    const env = twoAgents({ alice: { reliableProvisionals: 'required' } });
    const callees: Dialog[] = [];
    env.bob.on('invite', (req, res) => {
      res.send(183, { body: sdp('10.0.0.2', 20000), contentType: 'application/sdp' });
      // The application answers at once: the core holds the 2xx until the PRACK (§3).
      void env.bob.createUAS(req, res, { localSdp: sdp('10.0.0.2', 20000) }).then((d) => callees.push(d));
    });
    const reliable: number[] = [];
    const call = capture(
      env.alice.createUAC('sip:bob@10.0.0.2', {
        localSdp: sdp('10.0.0.1', 10000),
        onProvisional: (response) => reliable.push(response.rseq ?? 0),
      }),
    );
    await env.network.run(200);
    const { value: caller } = await call;
    const invite = env.network.requests('INVITE')[0]!;
    assert.deepEqual(invite.require, ['100rel']);
    assert.ok(invite.supported.includes('100rel'));
    assert.ok(invite.headers.get('allow')!.includes('PRACK'));
    const [provisional] = responses(env.network, 183);
    assert.ok(provisional!.require.includes('100rel'));
    const rseq = provisional!.rseq!;
    assert.ok(rseq >= 1 && rseq < 2 ** 31);
    assert.deepEqual(reliable, [rseq]);
    const prack = env.network.requests('PRACK')[0]!;
    assert.deepEqual(prack.rack, { rseq, cseq: invite.cseq!.seq, method: 'INVITE' });
    assert.equal(prack.cseq!.seq, invite.cseq!.seq + 1);
    assert.deepEqual(wire(env.network), ['183/INVITE', 'PRACK', '200/PRACK', '200/INVITE', 'ACK']);
    assert.equal(caller?.state, 'confirmed');
    assert.equal(callees[0]?.state, 'confirmed');
    assert.match(caller!.remote.sdp ?? '', /m=audio 20000/);
    const bye = caller!.destroy();
    await env.network.run(50);
    await bye;
    assert.equal(callees[0]!.state, 'terminated', 'CSeq after the PRACK is accepted');
  });

  it('Supported only: plain 180 unless the application asks; `reliable: true` makes a 183 reliable', async () => {
    const env = twoAgents();
    env.bob.on('invite', (req, res) => {
      res.send(180);
      res.send(183, { reliable: true });
      void env.bob.createUAS(req, res, { localSdp: sdp('10.0.0.2', 2) });
    });
    const call = capture(env.alice.createUAC('sip:bob@10.0.0.2', { localSdp: sdp('10.0.0.1', 1) }));
    await env.network.run(200);
    assert.ok((await call).value);
    assert.equal(responses(env.network, 180)[0]!.rseq, undefined);
    assert.ok(responses(env.network, 183)[0]!.rseq !== undefined);
    assert.equal(env.network.requests('PRACK').length, 1);
  });

  it('several reliable 1xx go one at a time, RSeq + 1 each, each PRACKed once', async () => {
    const env = twoAgents({ alice: { reliableProvisionals: 'required' } });
    env.bob.on('invite', (req, res) => {
      res.send(180);
      res.send(183);
      void env.bob.createUAS(req, res, { localSdp: sdp('10.0.0.2', 2) });
    });
    const call = capture(env.alice.createUAC('sip:bob@10.0.0.2', { localSdp: sdp('10.0.0.1', 1) }));
    await env.network.run(300);
    assert.ok((await call).value);
    const first = responses(env.network, 180)[0]!.rseq!;
    assert.equal(responses(env.network, 183)[0]!.rseq, first + 1);
    assert.deepEqual(
      env.network.requests('PRACK').map((p) => p.rack?.rseq),
      [first, first + 1],
    );
    assert.deepEqual(wire(env.network), [
      '180/INVITE',
      'PRACK',
      '200/PRACK',
      '183/INVITE',
      'PRACK',
      '200/PRACK',
      '200/INVITE',
      'ACK',
    ]);
  });

  it('a lost reliable 1xx and a lost PRACK are recovered (T1 doubling, PRACK retransmitted)', async () => {
    const env = twoAgents({ alice: { reliableProvisionals: 'required' } });
    env.network.drop((m) => m.kind === 'response' && m.status === 183, 2);
    env.network.drop((m) => m.kind === 'request' && m.method === 'PRACK', 1);
    env.bob.on('invite', (req, res) => {
      res.send(183);
      void env.bob.createUAS(req, res, { localSdp: sdp('10.0.0.2', 2) });
    });
    const call = capture(env.alice.createUAC('sip:bob@10.0.0.2', { localSdp: sdp('10.0.0.1', 1) }));
    await env.network.run(2000);
    assert.equal((await call).value?.state, 'confirmed');
    const sent = env.network.log.filter((d) => d.message.kind === 'response' && d.message.status === 183);
    assert.ok(sent.length >= 3);
    assert.equal(env.network.requests('PRACK').length, 1, 'the PRACK transaction retransmitted it (Timer E)');
  });

  it('no PRACK within 64*T1: the UAS rejects the INVITE with a 5xx and ends the early dialog (§3)', async () => {
    const env = twoAgents({ alice: { reliableProvisionals: 'required' } });
    env.network.drop((m) => m.kind === 'request' && m.method === 'PRACK', 1000);
    let failure: unknown;
    env.bob.on('invite', (req, res) => {
      res.send(180);
      void env.bob.createUAS(req, res, { localSdp: sdp('10.0.0.2', 2) }).catch((e: unknown) => (failure = e));
    });
    const call = capture(env.alice.createUAC('sip:bob@10.0.0.2', { localSdp: sdp('10.0.0.1', 1) }));
    await env.network.run(8000, 50);
    const { error } = await call;
    assert.ok(error instanceof SipError);
    assert.equal(error.status, 504);
    // Retransmissions at T1, 3*T1, 7*T1 … (interval doubling, §3); the INVITE's own
    // retransmissions (Timer A, before the first 1xx) add none after the 180 arrived.
    const sent = env.network.log.filter((d) => d.message.kind === 'response' && d.message.status === 180);
    assert.deepEqual(
      sent.map((d) => d.at - sent[0]!.at),
      [0, 100, 300, 700, 1500, 3100, 6300],
    );
    assert.ok(failure instanceof SipError);
    assert.equal(responses(env.network, 200).filter((r) => r.cseq?.method === 'INVITE').length, 0);
    assert.equal(env.bob.dialogCount, 0);
    assert.equal(env.alice.dialogCount, 0);
  });

  it('offer in the reliable 1xx, answer in the PRACK (INVITE without SDP, §5)', async () => {
    const env = twoAgents({ alice: { reliableProvisionals: 'required' } });
    const callees: Dialog[] = [];
    env.bob.on('invite', (req, res) => {
      res.send(183, { body: sdp('10.0.0.2', 4000), contentType: 'application/sdp' });
      void env.bob.createUAS(req, res, { localSdp: sdp('10.0.0.2', 4000) }).then((d) => callees.push(d));
    });
    const call = capture(
      env.alice.createUAC('sip:bob@10.0.0.2', {
        onReliableProvisional: (response, dialog) => {
          assert.match(dialog.remote.sdp ?? '', /m=audio 4000/);
          return { sdp: sdp('10.0.0.1', 5000) };
        },
      }),
    );
    await env.network.run(300);
    const { value: caller } = await call;
    const prack = env.network.requests('PRACK')[0]!;
    assert.equal(prack.contentType?.mediaType, 'application/sdp');
    assert.match(callees[0]!.remote.sdp ?? '', /m=audio 5000/);
    assert.match(caller!.local.sdp ?? '', /m=audio 5000/);
  });

  it('a PRACK listener answers a new offer in the PRACK', async () => {
    const env = twoAgents({ alice: { reliableProvisionals: 'required' } });
    env.bob.on('invite', (req, res) => {
      res.send(183, { body: sdp('10.0.0.2', 4000), contentType: 'application/sdp' });
      const key = dialogKey({ callId: req.message.callId!, localTag: res.toTag, remoteTag: req.message.from!.tag! });
      const early = env.bob.dialog(key)!;
      early.on('prack', (_prack, reply) =>
        reply.send(200, { body: sdp('10.0.0.2', 4002), contentType: 'application/sdp' }),
      );
      void env.bob.createUAS(req, res, { localSdp: sdp('10.0.0.2', 4002) });
    });
    const answers: string[] = [];
    const call = capture(
      env.alice.createUAC('sip:bob@10.0.0.2', {
        localSdp: sdp('10.0.0.1', 1),
        onReliableProvisional: () => ({ sdp: sdp('10.0.0.1', 7) }),
        onPrackResponse: (response) => answers.push(response.body.toString()),
      }),
    );
    await env.network.run(300);
    const { value: caller } = await call;
    assert.match(answers[0] ?? '', /m=audio 4002/);
    assert.match(caller!.remote.sdp ?? '', /m=audio 4002/);
  });

  it('reliableProvisionals off: Require: 100rel gets 420 with Unsupported; no PRACK in Allow', async () => {
    const env = twoAgents({ alice: { reliableProvisionals: 'required' }, bob: { reliableProvisionals: 'off' } });
    let heard = 0;
    env.bob.on('invite', (req, res) => {
      heard++;
      void env.bob.createUAS(req, res, {});
    });
    const call = capture(env.alice.createUAC('sip:bob@10.0.0.2', { localSdp: sdp('10.0.0.1', 1) }));
    await env.network.run(200);
    const { error } = await call;
    assert.ok(error instanceof SipError && error.status === 420);
    assert.equal(responses(env.network, 420)[0]!.headers.get('unsupported'), '100rel');
    assert.equal(heard, 0);
    const options = capture(env.alice.request('sip:bob@10.0.0.2', { method: 'OPTIONS' }));
    await env.network.run(50);
    const { value: capabilities } = await options;
    assert.equal(capabilities?.status, 200);
    assert.ok(!capabilities.allow.includes('PRACK'));
    assert.ok(!capabilities.supported.includes('100rel'));
  });

  it('reliableProvisionals required: an `off` caller gets 421 with Require: 100rel, no invite event', async () => {
    const env = twoAgents({ alice: { reliableProvisionals: 'off' }, bob: { reliableProvisionals: 'required' } });
    let heard = 0;
    env.bob.on('invite', (req, res) => {
      heard++;
      void env.bob.createUAS(req, res, {});
    });
    const call = capture(env.alice.createUAC('sip:bob@10.0.0.2', { localSdp: sdp('10.0.0.1', 1) }));
    await env.network.run(200);
    const { error } = await call;
    assert.ok(error instanceof SipError);
    assert.equal(error.status, 421);
    assert.equal(error.reason, 'Extension Required');
    assert.deepEqual(responses(env.network, 421)[0]!.require, ['100rel']);
    assert.equal(heard, 0);
    assert.equal(env.bob.dialogCount, 0);
    assert.equal(env.alice.dialogCount, 0);
  });

  it('reliableProvisionals required: an INVITE with only Supported: 100rel gets every 1xx reliably', async () => {
    const env = twoAgents({ bob: { reliableProvisionals: 'required' } });
    env.bob.on('invite', (req, res) => {
      res.send(180);
      void env.bob.createUAS(req, res, { localSdp: sdp('10.0.0.2', 2) });
    });
    const call = capture(env.alice.createUAC('sip:bob@10.0.0.2', { localSdp: sdp('10.0.0.1', 1) }));
    await env.network.run(300);
    assert.equal((await call).value?.state, 'confirmed');
    const invite = env.network.requests('INVITE')[0]!;
    assert.deepEqual(invite.require, []);
    assert.ok(invite.supported.includes('100rel'));
    assert.ok(responses(env.network, 180)[0]!.rseq !== undefined);
    assert.equal(env.network.requests('PRACK').length, 1);
  });
});

describe('RFC 3262 against a scripted peer', () => {
  async function ringing(): Promise<{
    network: MemoryNetwork;
    peer: ReturnType<MemoryNetwork['peer']>;
    invite: SipRequest;
    seen: number[];
  }> {
    const network = new MemoryNetwork();
    const alice = uaOn(network, '10.0.0.1', 'alice');
    const peer = network.peer('10.0.0.2');
    const seen: number[] = [];
    void capture(
      alice.createUAC('sip:bob@10.0.0.2', {
        localSdp: sdp('10.0.0.1', 1),
        onProvisional: (response) => seen.push(response.rseq ?? 0),
      }),
    );
    await network.run(20);
    return { network, peer, invite: peer.last('INVITE'), seen };
  }

  function reliable(invite: SipRequest, status: number, rseq: number): SipResponse {
    return createResponse(invite, status, {
      toTag: 'b1',
      headers: [
        ['Contact', '<sip:bob@10.0.0.2>'],
        ['Require', '100rel'],
        ['RSeq', String(rseq)],
      ],
    })!;
  }

  it('UAC: a retransmitted or out-of-order reliable 1xx is neither PRACKed nor passed up (§4)', async () => {
    const { network, peer, invite, seen } = await ringing();
    assert.ok(invite.supported.includes('100rel'));
    peer.send(reliable(invite, 180, 7), ALICE);
    await network.run(20);
    peer.send(reliable(invite, 180, 7), ALICE); // retransmission
    peer.send(reliable(invite, 183, 9), ALICE); // skips 8
    await network.run(20);
    peer.send(reliable(invite, 183, 8), ALICE);
    await network.run(20);
    assert.deepEqual(seen, [7, 8]);
    assert.deepEqual(
      peer.requests('PRACK').map((p) => `${p.headers.get('rack')} ${p.to?.tag}`),
      ['7 1 INVITE b1', '8 1 INVITE b1'],
    );
  });

  it('UAS required: an INVITE without 100rel gets 421 through its transaction (retransmitted, ACK absorbed)', async () => {
    const network = new MemoryNetwork();
    const bob = uaOn(network, '10.0.0.2', 'bob', { reliableProvisionals: 'required' });
    network.peer('10.0.0.1');
    let heard = 0;
    bob.on('invite', () => heard++);
    const BOB = { protocol: 'udp' as const, address: '10.0.0.2', port: 5060 };
    const head = (method: string, toTag = '') => [
      `${method} sip:bob@10.0.0.2 SIP/2.0`,
      'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-421-1',
      'Max-Forwards: 70',
      'From: <sip:alice@10.0.0.1>;tag=a1',
      `To: <sip:bob@10.0.0.2>${toTag}`,
      'Call-ID: prack-421',
      `CSeq: 1 ${method}`,
    ];
    const invite = [
      ...head('INVITE'),
      'Contact: <sip:alice@10.0.0.1>',
      'Supported: timer',
      'Content-Length: 0',
      '',
      '',
    ];
    network.deliver(ALICE, BOB, Buffer.from(invite.join('\r\n')));
    await network.run(20);
    const [rejection] = responses(network, 421);
    assert.ok(rejection !== undefined);
    assert.equal(rejection.reason, 'Extension Required');
    assert.deepEqual(rejection.require, ['100rel']);
    assert.ok(rejection.to?.tag !== undefined);
    // §17.2.1: a retransmitted INVITE gets the same 421 again (before Timer G at T1).
    network.deliver(ALICE, BOB, Buffer.from(invite.join('\r\n')));
    await network.run(20);
    assert.equal(responses(network, 421).length, 2);
    // The ACK (same branch, the 421's To tag) moves the transaction to Confirmed: no more 421s.
    const ack = [...head('ACK', `;tag=${rejection.to!.tag}`), 'Content-Length: 0', '', ''];
    network.deliver(ALICE, BOB, Buffer.from(ack.join('\r\n')));
    await network.run(2000, 50);
    assert.equal(responses(network, 421).length, 2);
    assert.deepEqual(network.statuses(), [421, 421]);
    assert.equal(heard, 0);
    assert.equal(bob.dialogCount, 0);
  });

  it('UAS: a PRACK whose RAck matches nothing gets 481', async () => {
    const network = new MemoryNetwork();
    const bob = uaOn(network, '10.0.0.2', 'bob');
    const peer = network.peer('10.0.0.1');
    bob.on('invite', (_req, res) => void res.send(180, { reliable: true }));
    const inviteText = [
      'INVITE sip:bob@10.0.0.2 SIP/2.0',
      'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-prack-1',
      'Max-Forwards: 70',
      'From: <sip:alice@10.0.0.1>;tag=a1',
      'To: <sip:bob@10.0.0.2>',
      'Call-ID: prack-481',
      'CSeq: 1 INVITE',
      'Contact: <sip:alice@10.0.0.1>',
      'Supported: 100rel',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    network.deliver(ALICE, { protocol: 'udp', address: '10.0.0.2', port: 5060 }, Buffer.from(inviteText));
    await network.run(20);
    const ringingResponse = peer.received.find((r) => r.message.kind === 'response' && r.message.status === 180)!
      .message as SipResponse;
    const rseq = ringingResponse.rseq!;
    const prack = (rack: string, branch: string, seq: number) =>
      [
        'PRACK sip:bob@10.0.0.2 SIP/2.0',
        `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=${branch}`,
        'Max-Forwards: 70',
        'From: <sip:alice@10.0.0.1>;tag=a1',
        `To: <sip:bob@10.0.0.2>;tag=${ringingResponse.to!.tag}`,
        'Call-ID: prack-481',
        `CSeq: ${seq} PRACK`,
        `RAck: ${rack}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    const to = { protocol: 'udp' as const, address: '10.0.0.2', port: 5060 };
    network.deliver(ALICE, to, Buffer.from(prack(`${rseq + 5} 1 INVITE`, 'z9hG4bK-prack-2', 2)));
    await network.run(20);
    network.deliver(ALICE, to, Buffer.from(prack(`${rseq} 1 INVITE`, 'z9hG4bK-prack-3', 3)));
    await network.run(20);
    assert.deepEqual(network.statuses('PRACK'), [481, 200]);
    await network.run(500);
    const retransmissions = network.log.filter((d) => d.message.kind === 'response' && d.message.status === 180);
    assert.ok(retransmissions.length <= 2, 'retransmissions stopped at the PRACK');
  });
});
