import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serializeMessage } from '../message/serializer.ts';
import { createCancel } from './derived-requests.ts';
import type { InviteClientTransaction } from './invite-client-transaction.ts';
import { harness } from './test-harness.ts';
import { request, response } from './test-messages.ts';
import { DEFAULT_TIMER_CONFIG, transactionTimers } from './timer-config.ts';

describe('CANCEL, client side (§9.1)', () => {
  it('createCancel copies Request-URI, Call-ID, To, From, CSeq number, the top Via only and Route', () => {
    const invite = request({ route: ['<sip:p1.example.com;lr>'] });
    invite.headers.append('Via', 'SIP/2.0/UDP below.example.com;branch=z9hG4bKbelow');
    assert.equal(
      serializeMessage(createCancel(invite, 'SIP;cause=200;text="Call completed elsewhere"')).toString(),
      'CANCEL sip:bob@biloxi.example.com SIP/2.0\r\n' +
        'Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds\r\n' +
        'To: Bob <sip:bob@biloxi.example.com>\r\n' +
        'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n' +
        'Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n' +
        'CSeq: 314159 CANCEL\r\n' +
        'Route: <sip:p1.example.com;lr>\r\n' +
        'Max-Forwards: 70\r\n' +
        'Reason: SIP;cause=200;text="Call completed elsewhere"\r\n' +
        'Content-Length: 0\r\n\r\n',
    );
    assert.throws(() => createCancel(request({ method: 'OPTIONS' })), { code: 'CANCEL_NOT_ALLOWED' });
  });

  it('only after a provisional response: layer.cancel waits in Calling and sends on the first 1xx', () => {
    const { transport, layer, client, target } = harness();
    const invite = request();
    const ict = layer.sendRequest(invite, target, client) as InviteClientTransaction;
    assert.throws(() => ict.createCancel(), { code: 'CANCEL_NOT_ALLOWED' });
    assert.equal(layer.cancel(ict, client), undefined);
    assert.equal(transport.requests('CANCEL').length, 0);
    transport.inject(response(invite, 180));
    const cancels = transport.requests('CANCEL');
    assert.equal(cancels.length, 1);
    assert.equal(transport.sent.find((s) => s.message === cancels[0])!.target.destination, target.destination);
    transport.inject(response(cancels[0]! as never, 200));
    transport.inject(response(invite, 487));
    assert.deepEqual(
      client.responses.map((r) => r.status),
      [180, 200, 487],
    );
    assert.equal(transport.requests('ACK').length, 1);
  });

  it('a final response before any 1xx drops the waiting CANCEL; after a final there is nothing to cancel', () => {
    const { transport, layer, client, target } = harness();
    const invite = request();
    const ict = layer.sendRequest(invite, target, client) as InviteClientTransaction;
    layer.cancel(ict, client);
    transport.inject(response(invite, 486));
    transport.inject(response(invite, 180));
    assert.equal(transport.requests('CANCEL').length, 0);
    assert.equal(layer.cancel(ict, client), undefined);
  });
});

describe('CANCEL, server side (§9.2)', () => {
  it('matches the pending INVITE: 200 to the CANCEL, 487 to the INVITE (same To tag), TU told; the 487 ACK is absorbed', () => {
    const { clock, transport, core, layer } = harness();
    transport.inject(request());
    core.requests[0]!.transaction.reply(180, { toTag: 'early' });
    transport.inject(request({ method: 'CANCEL' }));
    const ok = transport.responses(200)[0]!;
    const terminated = transport.responses(487)[0]!;
    assert.equal(ok.cseq?.method, 'CANCEL');
    assert.equal(ok.to?.tag, 'early');
    assert.equal(terminated.cseq?.method, 'INVITE');
    assert.equal(terminated.to?.tag, 'early');
    assert.equal(core.cancels.length, 1);
    assert.equal(core.requests.length, 1, 'the CANCEL is not a new request for the TU');
    transport.inject(request({ method: 'CANCEL' })); // retransmitted CANCEL → its 200 again
    assert.equal(transport.responses(200).length, 2);
    assert.equal(transport.responses(487).length, 1);
    transport.inject(request({ method: 'ACK', toTag: 'early', cseqMethod: 'ACK' }));
    assert.equal(core.requests[0]!.transaction.state, 'confirmed');
    assert.equal(core.acks.length, 0);
    clock.runAll();
    assert.equal(layer.size, 0);
  });

  it('after the final response: 200 to the CANCEL, no 487', () => {
    const { transport, core } = harness();
    core.answer = (_r, t) => t.reply(200, { toTag: 'done' });
    transport.inject(request());
    transport.inject(request({ method: 'CANCEL' }));
    assert.equal(transport.responses(487).length, 0);
    assert.deepEqual(
      transport.sent.map((s) => (s.message.kind === 'response' ? `${s.message.status} ${s.message.cseq?.method}` : '')),
      ['200 INVITE', '200 CANCEL'],
    );
    assert.equal(core.cancels.length, 0);
  });

  it('481 when nothing matches (other branch, other sent-by)', () => {
    const { transport, core } = harness();
    transport.inject(request());
    transport.inject(request({ method: 'CANCEL', branch: 'z9hG4bKelse' }));
    transport.inject(request({ method: 'CANCEL', sentBy: 'elsewhere.example.com' }));
    assert.equal(transport.responses(481).length, 2);
    assert.ok(transport.responses(481).every((r) => r.to?.tag !== undefined));
    assert.equal(core.cancels.length, 0);
    assert.equal(core.requests[0]!.transaction.state, 'proceeding');
  });
});

describe('matching (§17.2.3) and merged requests (§8.2.2.2)', () => {
  it('482 for the same From tag, Call-ID and CSeq on another branch while the first is live', () => {
    const { clock, transport, core, layer } = harness();
    transport.inject(request({ branch: 'z9hG4bKpath1' }));
    transport.inject(request({ branch: 'z9hG4bKpath2', sentBy: 'proxy2.example.com' }));
    const loop = transport.responses(482)[0]!;
    assert.equal(loop.topVia?.branch, 'z9hG4bKpath2');
    assert.equal(core.requests.length, 1);
    transport.inject(request({ branch: 'z9hG4bKpath2', sentBy: 'proxy2.example.com' })); // its retransmission
    assert.equal(transport.responses(482).length, 2);
    core.requests[0]!.transaction.reply(200);
    clock.runAll();
    assert.equal(layer.size, 0);
    transport.inject(request({ branch: 'z9hG4bKpath3' }));
    assert.equal(core.requests.length, 2, 'once the first is gone the request is new');
  });

  it('a request with a To tag is never merged; other CSeq or From tag is a new request', () => {
    const { transport, core } = harness();
    transport.inject(request({ method: 'INFO', toTag: 'dlg', branch: 'z9hG4bKa' }));
    transport.inject(request({ method: 'INFO', toTag: 'dlg', branch: 'z9hG4bKb' }));
    transport.inject(request({ branch: 'z9hG4bKc', cseq: 2 }));
    transport.inject(request({ branch: 'z9hG4bKd', fromTag: 'other' }));
    assert.equal(core.requests.length, 4);
    assert.equal(transport.responses(482).length, 0);
  });

  it('same branch, different sent-by or method → different transactions', () => {
    const { transport, core } = harness();
    transport.inject(request({ method: 'OPTIONS', branch: 'z9hG4bKsame' }));
    transport.inject(request({ method: 'OPTIONS', branch: 'z9hG4bKsame', sentBy: 'other.example.com', fromTag: 'f2' }));
    transport.inject(request({ method: 'INFO', branch: 'z9hG4bKsame', fromTag: 'f3', toTag: 't' }));
    assert.equal(core.requests.length, 3);
  });

  it('RFC 2543 fallback: no magic cookie → Request-URI, tags, Call-ID, CSeq and top Via', () => {
    const { clock, transport, core, layer } = harness();
    transport.inject(request({ branch: '' }));
    transport.inject(request({ branch: '' }));
    assert.equal(core.requests.length, 1, 'a retransmission');
    core.requests[0]!.transaction.reply(180, { toTag: 'old' });
    transport.inject(request({ method: 'CANCEL', branch: '' }));
    assert.equal(transport.responses(487).length, 1, 'the CANCEL matched by the 2543 rules');
    // ACK matches when its To tag is the one of the response the transaction sent
    transport.inject(request({ method: 'ACK', branch: '', toTag: 'wrong', cseqMethod: 'ACK' }));
    assert.equal(core.requests[0]!.transaction.state, 'completed');
    assert.equal(core.acks.length, 1, 'a non-matching ACK goes to the core');
    transport.inject(request({ method: 'ACK', branch: '', toTag: 'old', cseqMethod: 'ACK' }));
    assert.equal(core.requests[0]!.transaction.state, 'confirmed');
    transport.inject(request({ branch: '', uri: 'sip:carol@chicago.example.com', cseq: 9 }));
    assert.equal(core.requests.length, 2, 'another Request-URI is another transaction');
    core.requests[1]!.transaction.reply(603);
    clock.runAll();
    assert.equal(layer.size, 0);
  });

  it('a bare z9hG4bK branch is not unique and uses the fallback (RFC 4475 §3.2.1)', () => {
    const { transport, core } = harness();
    transport.inject(request({ method: 'OPTIONS', branch: 'z9hG4bK' }));
    transport.inject(request({ method: 'OPTIONS', branch: 'z9hG4bK', callId: 'another' }));
    assert.equal(core.requests.length, 2);
    assert.ok(core.requests[0]!.transaction.id.startsWith('2543'));
  });
});

describe('timer config', () => {
  it('RFC defaults and the reliable adjustments', () => {
    assert.deepEqual({ ...DEFAULT_TIMER_CONFIG }, { T1: 500, T2: 4000, T4: 5000, tryingDelay: 200 });
    const udp = transactionTimers({}, false);
    assert.deepEqual(
      [udp.A, udp.B, udp.D, udp.E, udp.F, udp.G, udp.H, udp.I, udp.J, udp.K, udp.L, udp.M],
      [500, 32000, 32000, 500, 32000, 500, 32000, 5000, 32000, 5000, 32000, 32000],
    );
    const tcp = transactionTimers({}, true);
    assert.deepEqual(
      [tcp.A, tcp.B, tcp.D, tcp.E, tcp.F, tcp.G, tcp.H, tcp.I, tcp.J, tcp.K, tcp.L, tcp.M],
      [0, 32000, 0, 0, 32000, 0, 32000, 0, 0, 0, 32000, 32000],
    );
    const short = transactionTimers({ T1: 10, T2: 80, T4: 100 }, false);
    assert.deepEqual([short.B, short.I, short.K], [640, 100, 100]);
  });
});
