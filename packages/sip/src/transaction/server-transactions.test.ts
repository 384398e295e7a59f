import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SipMessage } from '../message/message.ts';
import { flush } from './fake-transport.ts';
import type { InviteServerTransaction } from './invite-server-transaction.ts';
import { harness } from './test-harness.ts';
import { request, response } from './test-messages.ts';

const status = (code: number) => (m: SipMessage) => m.kind === 'response' && m.status === code;

describe('INVITE server transaction (§17.2.1, RFC 6026)', () => {
  it('sends 100 Trying after 200 ms when the TU is silent, and hands the INVITE up once', () => {
    const { clock, transport, core, layer } = harness();
    transport.inject(request());
    assert.equal(core.requests.length, 1);
    assert.equal(layer.size, 1);
    clock.advance(199);
    assert.equal(transport.sent.length, 0);
    clock.advance(1);
    assert.deepEqual(transport.times(status(100)), [200]);
    assert.equal((transport.sent[0]!.message as { to?: { tag?: string } }).to?.tag, undefined, '100 has no To tag');
    transport.inject(request()); // retransmission → last response (the 100) again
    assert.equal(transport.responses(100).length, 2);
    assert.equal(core.requests.length, 1);
  });

  it('no 100 Trying when the TU answers within 200 ms; retransmissions get the last provisional', () => {
    const { clock, transport, core, layer } = harness();
    transport.inject(request());
    transport.inject(request()); // before any response: nothing to resend
    assert.equal(transport.sent.length, 0);
    clock.advance(150);
    core.requests[0]!.transaction.reply(180, { toTag: 't1' });
    clock.advance(1000);
    assert.equal(transport.responses(100).length, 0);
    transport.inject(request());
    assert.deepEqual(transport.times(status(180)), [150, 1150]);
    assert.equal(layer.size, 1);
  });

  it('3xx–6xx unreliable: Timer G T1 doubling up to T2, Timer H at 64*T1 reports the missing ACK', () => {
    const { clock, transport, core, layer } = harness();
    core.answer = (_r, t) => t.reply(486);
    transport.inject(request());
    clock.runAll();
    assert.deepEqual(
      transport.times(status(486)),
      [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
    );
    assert.equal(core.errors.length, 1);
    assert.equal(core.errors[0]!.error.code, 'TRANSACTION_TIMEOUT');
    assert.equal(layer.size, 0);
  });

  it('the ACK for a non-2xx ends retransmissions (Confirmed); Timer I = T4 absorbs ACK copies', () => {
    const { clock, transport, core, layer } = harness();
    core.answer = (_r, t) => t.reply(404, { toTag: 'nf' });
    transport.inject(request());
    const ist = core.requests[0]!.transaction;
    clock.advance(600);
    transport.inject(request({ method: 'ACK', toTag: 'nf', cseqMethod: 'ACK' }));
    assert.equal(ist.state, 'confirmed');
    transport.inject(request({ method: 'ACK', toTag: 'nf', cseqMethod: 'ACK' }));
    assert.equal(core.acks.length, 0, 'a non-2xx ACK stays in the transaction');
    clock.advance(4999);
    assert.equal(ist.state, 'confirmed');
    clock.advance(1);
    assert.equal(ist.state, 'terminated');
    assert.deepEqual(transport.times(status(404)), [0, 500]);
    assert.equal(layer.size, 0);
    assert.equal(core.errors.length, 0);
  });

  it('reliable: no Timer G, Timer H still 64*T1, Timer I zero', () => {
    const { clock, transport, core, layer } = harness({ protocol: 'tcp' });
    core.answer = (_r, t) => t.reply(480);
    transport.inject(request({ transport: 'TCP' }));
    clock.advance(20_000);
    assert.equal(transport.responses(480).length, 1);
    transport.inject(request({ method: 'ACK', transport: 'TCP', cseqMethod: 'ACK', toTag: 'x' }));
    assert.equal(layer.size, 0, 'Timer I is zero over TCP');

    const silent = harness({ protocol: 'tcp' });
    silent.core.answer = (_r, t) => t.reply(480);
    silent.transport.inject(request({ transport: 'TCP' }));
    silent.clock.runAll();
    assert.equal(silent.transport.sent.length, 1);
    assert.equal(silent.core.errors[0]!.error.code, 'TRANSACTION_TIMEOUT');
  });

  it('2xx → Accepted: INVITE retransmissions absorbed, the 2xx ACK goes to the TU, Timer L ends it', () => {
    const { clock, transport, core, layer } = harness();
    core.answer = (_r, t) => t.reply(200, { toTag: 'ok' });
    transport.inject(request());
    const ist = core.requests[0]!.transaction;
    assert.equal(ist.state, 'accepted');
    transport.inject(request());
    assert.equal(transport.sent.length, 1, 'the transaction does not resend the 2xx (§13.3.1.4 is the core’s)');
    assert.equal(core.requests.length, 1, 'and does not pass the retransmission up (RFC 6026)');
    transport.inject(request({ method: 'ACK', branch: 'z9hG4bKack2xx', toTag: 'ok', cseqMethod: 'ACK' }));
    assert.equal(core.acks.length, 1);
    assert.equal(core.acks[0]!.transaction, undefined, 'a 2xx ACK has its own branch: it matches no transaction');
    clock.advance(31_999);
    assert.equal(ist.state, 'accepted');
    clock.advance(1);
    assert.equal(ist.state, 'terminated');
    assert.equal(layer.size, 0);
  });

  it('refuses a response in the wrong state (INVALID_STATE)', () => {
    const { transport, core } = harness();
    core.answer = (_r, t) => t.reply(486);
    transport.inject(request());
    const ist = core.requests[0]!.transaction;
    assert.throws(() => ist.reply(200), { name: 'TransactionError', code: 'INVALID_STATE' });
    assert.throws(() => ist.reply(180), { code: 'INVALID_STATE' });
    assert.throws(() => ist.respond(response(ist.request, 700)), { code: 'INVALID_REQUEST' });
  });
});

describe('2xx retransmission by the UAS core (§13.3.1.4)', () => {
  it('T1 doubling up to T2 until the ACK; the ACK stops it and still reaches the TU', () => {
    const { clock, transport, core, layer } = harness();
    transport.inject(request());
    const ist = core.requests[0]!.transaction as InviteServerTransaction;
    const ok = response(ist.request, 200, 'dlg');
    const retransmitter = layer.retransmit2xx(ist, ok);
    clock.advance(12_000);
    assert.deepEqual(transport.times(status(200)), [0, 500, 1500, 3500, 7500, 11500]);
    transport.inject(request({ method: 'ACK', branch: 'z9hG4bKnewack', toTag: 'dlg', cseqMethod: 'ACK' }));
    assert.equal(retransmitter.state, 'done');
    assert.equal(layer.pendingAcks, 0);
    assert.equal(core.acks.length, 1);
    clock.runAll();
    assert.equal(transport.responses(200).length, 6);
    assert.equal(layer.size, 0);
    assert.equal(clock.pending, 0);
  });

  it('no ACK within 64*T1 → NO_ACK (the TU must BYE)', () => {
    const { clock, transport, core, layer } = harness();
    transport.inject(request());
    const ist = core.requests[0]!.transaction as InviteServerTransaction;
    const noAck: number[] = [];
    layer.retransmit2xx(ist, response(ist.request, 200, 'dlg'), {
      onNoAck: (e) => noAck.push(clock.now()) && assert.equal(e.code, 'NO_ACK'),
    });
    clock.runAll();
    assert.deepEqual(
      transport.times(status(200)),
      [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
    );
    assert.deepEqual(noAck, [32_000]);
    assert.equal(layer.pendingAcks, 0);
    assert.equal(layer.size, 0);
  });

  it('without onNoAck the failure goes to onServerTransactionError', () => {
    const { clock, transport, core, layer } = harness({ protocol: 'tcp' });
    transport.inject(request({ transport: 'TCP' }));
    const ist = core.requests[0]!.transaction as InviteServerTransaction;
    layer.retransmit2xx(ist, response(ist.request, 200));
    clock.runAll();
    assert.equal(core.errors[0]!.error.code, 'NO_ACK');
  });
});

describe('non-INVITE server transaction (§17.2.2)', () => {
  it('absorbs retransmissions in Trying, resends the last response after, Timer J = 64*T1', () => {
    const { clock, transport, core, layer } = harness();
    transport.inject(request({ method: 'OPTIONS' }));
    transport.inject(request({ method: 'OPTIONS' }));
    assert.equal(transport.sent.length, 0);
    assert.equal(core.requests.length, 1);
    const nist = core.requests[0]!.transaction;
    nist.reply(100);
    transport.inject(request({ method: 'OPTIONS' }));
    assert.equal(transport.responses(100).length, 2);
    clock.advance(1000);
    nist.reply(200);
    assert.throws(() => nist.reply(500), { code: 'INVALID_STATE' });
    transport.inject(request({ method: 'OPTIONS' }));
    assert.deepEqual(transport.times(status(200)), [1000, 1000]);
    clock.advance(31_999);
    assert.equal(nist.state, 'completed');
    clock.advance(1);
    assert.equal(nist.state, 'terminated');
    assert.equal(layer.size, 0);
    transport.inject(request({ method: 'OPTIONS' }));
    assert.equal(core.requests.length, 2, 'after Timer J the same request is new');
  });

  it('reliable: Timer J is zero', () => {
    const { transport, core, layer } = harness({ protocol: 'ws' });
    core.answer = (_r, t) => t.reply(200);
    transport.inject(request({ method: 'REGISTER', transport: 'WS' }));
    assert.equal(layer.size, 0);
  });
});

describe('server transport errors (§17.2.4) and connections (§18.2.2)', () => {
  it('a failed response send terminates the transaction and tells the TU', async () => {
    const { transport, core, layer } = harness();
    transport.failNextSends(1);
    core.answer = (_r, t) => t.reply(486);
    transport.inject(request());
    await flush();
    assert.equal(core.errors.length, 1);
    assert.equal(core.errors[0]!.error.code, 'TRANSPORT_ERROR');
    assert.equal(core.errors[0]!.error.failure?.code, 'SEND_FAILED');
    assert.equal(layer.size, 0);
  });

  it('TCP: a closed connection re-targets the transaction to the Via address; WS: it fails', () => {
    const tcp = harness({ protocol: 'tcp' });
    tcp.transport.inject(request({ transport: 'TCP' }), { connectionId: 'c7' });
    const ist = tcp.core.requests[0]!.transaction;
    tcp.layer.onConnectionClosed('c7', null);
    assert.equal(ist.state, 'proceeding');
    assert.equal(ist.target.connectionId, null);
    ist.reply(486);
    assert.equal(tcp.transport.sent.at(-1)!.target.connectionId, null);

    const ws = harness({ protocol: 'ws' });
    ws.transport.inject(request({ transport: 'WS' }), { connectionId: 'w1' });
    ws.layer.onConnectionClosed('w1', {
      code: 'CONNECTION_CLOSED',
      message: 'gone',
      destination: null,
      connectionId: 'w1',
    });
    assert.equal(ws.core.errors[0]!.error.code, 'TRANSPORT_ERROR');
    assert.equal(ws.layer.size, 0);
  });
});

describe('layer bounds', () => {
  it('answers 503 with Retry-After beyond the cap, without bothering the TU', () => {
    const { transport, core, layer } = harness({ maxTransactions: 2 });
    transport.inject(request({ branch: 'z9hG4bK1' }));
    transport.inject(request({ branch: 'z9hG4bK2', callId: 'other' }));
    transport.inject(request({ branch: 'z9hG4bK3', callId: 'third' }));
    assert.equal(core.requests.length, 2);
    assert.equal(layer.size, 2);
    const busy = transport.responses(503)[0]!;
    assert.equal(busy.headers.get('Retry-After'), '5');
    assert.equal(busy.callId, 'third');
  });

  it('hands responses that match nothing to the core, and survives a request with a broken header', () => {
    const { transport, core, layer } = harness();
    transport.inject(response(request({ branch: 'z9hG4bKgone' }), 200));
    assert.equal(core.strays.length, 1);
    const broken = request({ method: 'OPTIONS' });
    broken.headers.set('CSeq', 'not a cseq');
    transport.inject(broken);
    assert.equal(layer.size, 0);
  });

  it('close() ends everything without callbacks', () => {
    const { clock, transport, core, layer, client, target } = harness();
    transport.inject(request());
    layer.sendRequest(request({ branch: 'z9hG4bKout', method: 'OPTIONS' }), target, client);
    layer.retransmit2xx(
      core.requests[0]!.transaction as InviteServerTransaction,
      response(core.requests[0]!.request, 200),
    );
    layer.close();
    assert.equal(layer.size, 0);
    assert.equal(layer.pendingAcks, 0);
    assert.equal(clock.pending, 0);
  });
});
