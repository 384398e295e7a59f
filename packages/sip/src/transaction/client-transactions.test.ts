import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SipRequest } from '../message/message.ts';
import { flush } from './fake-transport.ts';
import type { InviteClientTransaction } from './invite-client-transaction.ts';
import { harness } from './test-harness.ts';
import { request, response } from './test-messages.ts';
import { TransactionError } from './transaction-errors.ts';

const isInvite = (m: { kind: string; method?: string }) => m.kind === 'request' && m.method === 'INVITE';

describe('INVITE client transaction (§17.1.1)', () => {
  it('unreliable: Timer A at T1, 2T1, 4T1 … (no cap) and Timer B at 64*T1 reports a 408', () => {
    const { clock, transport, layer, client, target } = harness();
    const invite = request();
    layer.sendRequest(invite, target, client);
    clock.advance(40_000);
    assert.deepEqual(transport.times(isInvite), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.equal(client.timeouts.length, 1);
    assert.equal(client.timeouts[0]!.at, 32_000);
    assert.equal(client.timeouts[0]!.response.status, 408);
    assert.equal(client.timeouts[0]!.error.code, 'TRANSACTION_TIMEOUT');
    assert.equal(client.terminated, 1);
    assert.equal(layer.size, 0);
    assert.equal(clock.pending, 0);
  });

  it('reliable: no Timer A; Timer B still at 64*T1', () => {
    const { clock, transport, layer, client, target } = harness({ protocol: 'tcp' });
    layer.sendRequest(request({ transport: 'TCP' }), target, client);
    clock.advance(31_999);
    assert.equal(client.timeouts.length, 0);
    clock.advance(1);
    assert.deepEqual(transport.times(isInvite), [0]);
    assert.equal(client.timeouts[0]!.at, 32_000);
  });

  it('shortened timers scale the schedule', () => {
    const { clock, transport, layer, client, target } = harness({ timers: { T1: 10 } });
    layer.sendRequest(request(), target, client);
    clock.runAll();
    assert.deepEqual(transport.times(isInvite), [0, 10, 30, 70, 150, 310, 630]);
    assert.equal(client.timeouts[0]!.at, 640);
  });

  it('a 1xx stops retransmissions and Timer B (Proceeding has no timeout), and is passed up', () => {
    const { clock, transport, layer, client, target } = harness();
    const invite = request();
    const transaction = layer.sendRequest(invite, target, client);
    clock.advance(600);
    transport.inject(response(invite, 180));
    transport.inject(response(invite, 183));
    clock.advance(100_000);
    assert.equal(transaction.state, 'proceeding');
    assert.deepEqual(transport.times(isInvite), [0, 500]);
    assert.deepEqual(
      client.responses.map((r) => r.status),
      [180, 183],
    );
    assert.equal(client.timeouts.length, 0);
    assert.equal(clock.pending, 0);
  });

  it('3xx–6xx: ACK built per §17.1.1.3, retransmitted finals re-ACKed but not passed up, Timer D = 64*T1', () => {
    const { clock, transport, layer, client, target } = harness();
    const invite = request({ route: ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>'] });
    invite.headers.append('Via', 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKother');
    const transaction = layer.sendRequest(invite, target, client);
    transport.inject(response(invite, 486, 'busytag'));
    const ack = transport.requests('ACK')[0] as SipRequest;
    assert.equal(
      transport.sent.find((s) => s.message === ack)!.wire,
      'ACK sip:bob@biloxi.example.com SIP/2.0\r\n' +
        'Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds\r\n' +
        'To: Bob <sip:bob@biloxi.example.com>;tag=busytag\r\n' +
        'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n' +
        'Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n' +
        'CSeq: 314159 ACK\r\n' +
        'Route: <sip:p1.example.com;lr>\r\n' +
        'Route: <sip:p2.example.com;lr>\r\n' +
        'Max-Forwards: 70\r\n' +
        'Content-Length: 0\r\n\r\n',
    );
    assert.equal(transport.sent.find((s) => s.message === ack)!.target.destination, target.destination);
    assert.equal(transaction.state, 'completed');
    clock.advance(1000);
    transport.inject(response(invite, 486, 'busytag'));
    assert.equal(transport.requests('ACK').length, 2);
    assert.deepEqual(
      client.responses.map((r) => r.status),
      [486],
    );
    assert.deepEqual(transport.times(isInvite), [0], 'no INVITE retransmission after the final');
    clock.advance(30_999);
    assert.equal(transaction.state, 'completed');
    clock.advance(1);
    assert.equal(transaction.state, 'terminated');
    assert.equal(layer.size, 0);
  });

  it('3xx–6xx over a reliable transport: Timer D is zero', () => {
    const { transport, layer, client, target } = harness({ protocol: 'tcp' });
    const invite = request({ transport: 'TCP' });
    const transaction = layer.sendRequest(invite, target, client);
    transport.inject(response(invite, 603));
    assert.equal(transaction.state, 'terminated');
    assert.equal(transport.requests('ACK').length, 1);
    assert.equal(layer.size, 0);
  });

  it('2xx → Accepted (RFC 6026): retransmitted and forked 2xx go up; Timer M at 64*T1; then 2xx are stray', () => {
    const { clock, transport, core, layer, client, target } = harness();
    const invite = request();
    const transaction = layer.sendRequest(invite, target, client);
    transport.inject(response(invite, 180));
    clock.advance(2000);
    transport.inject(response(invite, 200, 'fork1'));
    assert.equal(transaction.state, 'accepted');
    transport.inject(response(invite, 200, 'fork1'));
    transport.inject(response(invite, 200, 'fork2'));
    transport.inject(response(invite, 486)); // no arrow in Accepted
    assert.deepEqual(
      client.responses.map((r) => `${r.status}/${r.response.to?.tag ?? ''}`),
      ['180/a6c85cf', '200/fork1', '200/fork1', '200/fork2'],
    );
    assert.equal(transport.requests('ACK').length, 0, 'the 2xx ACK belongs to the UAC core');
    clock.advance(31_999);
    assert.equal(transaction.state, 'accepted');
    clock.advance(1);
    assert.equal(transaction.state, 'terminated');
    transport.inject(response(invite, 200, 'fork3'));
    assert.equal(core.strays.length, 1);
    assert.equal(core.strays[0]!.to?.tag, 'fork3');
    assert.equal(layer.size, 0);
  });

  it('a 2xx in Calling goes straight to Accepted', () => {
    const { transport, layer, client, target } = harness();
    const invite = request();
    const transaction = layer.sendRequest(invite, target, client);
    transport.inject(response(invite, 200));
    assert.equal(transaction.state, 'accepted');
    assert.deepEqual(transaction.activeTimers, ['M']);
  });
});

describe('non-INVITE client transaction (§17.1.2)', () => {
  const isOptions = (m: { kind: string; method?: string }) => m.kind === 'request' && m.method === 'OPTIONS';

  it('unreliable: Timer E doubles up to T2, Timer F at 64*T1 reports a 408', () => {
    const { clock, transport, layer, client, target } = harness();
    layer.sendRequest(request({ method: 'OPTIONS' }), target, client);
    clock.runAll();
    assert.deepEqual(transport.times(isOptions), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(client.timeouts[0]!.at, 32_000);
    assert.equal(client.timeouts[0]!.response.status, 408);
    assert.equal(layer.size, 0);
  });

  it('Proceeding: Timer E is reset to T2; Timer F still fires', () => {
    const { clock, transport, layer, client, target } = harness();
    const options = request({ method: 'OPTIONS' });
    const transaction = layer.sendRequest(options, target, client);
    clock.advance(600);
    transport.inject(response(options, 100));
    assert.equal(transaction.state, 'proceeding');
    clock.runAll();
    assert.deepEqual(transport.times(isOptions), [0, 500, 1500, 5500, 9500, 13500, 17500, 21500, 25500, 29500]);
    assert.deepEqual(
      client.responses.map((r) => r.status),
      [100],
    );
    assert.equal(client.timeouts[0]!.at, 32_000);
  });

  it('reliable: one send, Timer F only', () => {
    const { clock, transport, layer, client, target } = harness({ protocol: 'tls' });
    layer.sendRequest(request({ method: 'REGISTER', transport: 'TLS' }), target, client);
    clock.runAll();
    assert.equal(transport.sent.length, 1);
    assert.equal(client.timeouts[0]!.at, 32_000);
  });

  it('a final response goes up once; Timer K = T4 absorbs retransmissions (0 over reliable)', () => {
    const { clock, transport, layer, client, target } = harness();
    const bye = request({ method: 'BYE', toTag: 'x' });
    const transaction = layer.sendRequest(bye, target, client);
    transport.inject(response(bye, 200));
    transport.inject(response(bye, 200));
    assert.deepEqual(
      client.responses.map((r) => r.status),
      [200],
    );
    assert.deepEqual(transaction.activeTimers, ['K']);
    clock.advance(4999);
    assert.equal(transaction.state, 'completed');
    clock.advance(1);
    assert.equal(transaction.state, 'terminated');

    const reliable = harness({ protocol: 'tcp' });
    const message = request({ method: 'MESSAGE', transport: 'TCP' });
    const other = reliable.layer.sendRequest(message, reliable.target, reliable.client);
    reliable.transport.inject(response(message, 404));
    assert.equal(other.state, 'terminated');
    assert.equal(reliable.layer.size, 0);
  });

  it('a response for CANCEL does not match the INVITE with the same branch (§17.1.3)', () => {
    const { transport, layer, client, target } = harness();
    const invite = request();
    const transaction = layer.sendRequest(invite, target, client);
    transport.inject(response(invite, 180));
    const cancel = layer.cancel(transaction as InviteClientTransaction, client)!;
    transport.inject(response(cancel.request, 200));
    assert.equal(transaction.state, 'proceeding');
    assert.equal(cancel.state, 'completed');
  });
});

describe('transport errors (§17.1.4)', () => {
  it('a rejected send terminates the transaction and reports a 503 with the failure', async () => {
    const { transport, layer, client, target } = harness();
    transport.failNextSends(1, 'CONNECT_FAILED');
    const transaction = layer.sendRequest(request({ method: 'OPTIONS' }), target, client);
    await flush();
    assert.equal(transaction.state, 'terminated');
    assert.equal(client.transportErrors.length, 1);
    assert.equal(client.transportErrors[0]!.response.status, 503);
    assert.equal(client.transportErrors[0]!.error.code, 'TRANSPORT_ERROR');
    assert.equal(client.transportErrors[0]!.error.failure?.code, 'CONNECT_FAILED');
    assert.equal(layer.size, 0);
  });

  it('a retransmission that fails ends the INVITE transaction too', async () => {
    const { clock, transport, layer, client, target } = harness();
    layer.sendRequest(request(), target, client);
    await flush();
    transport.failNextSends(1);
    clock.advance(500);
    await flush();
    assert.equal(client.transportErrors.length, 1);
    assert.equal(layer.size, 0);
    assert.equal(clock.pending, 0);
  });

  it('the connection a client transaction uses closes → transport error; other connections do not matter', async () => {
    const { transport, layer, client, target } = harness({ protocol: 'tcp' });
    const invite = request({ transport: 'TCP' });
    const transaction = layer.sendRequest(invite, target, client);
    await flush();
    assert.equal(transaction.connectionId, 'conn-1');
    transport.inject(response(invite, 180));
    layer.onConnectionClosed('conn-9', null);
    assert.equal(transaction.state, 'proceeding');
    layer.onConnectionClosed('conn-1', null);
    assert.equal(transaction.state, 'terminated');
    assert.equal(client.transportErrors[0]!.error.failure?.code, 'CONNECTION_CLOSED');
  });

  it('without onTimeout/onTransportError the local 408/503 goes to onResponse', () => {
    const { clock, layer, target } = harness();
    const statuses: number[] = [];
    layer.sendRequest(request({ method: 'OPTIONS' }), target, { onResponse: (r) => statuses.push(r.status) });
    clock.runAll();
    assert.deepEqual(statuses, [408]);
  });
});

describe('sendRequest checks', () => {
  it('refuses ACK, a branch without the magic cookie, a duplicate and more than the cap', () => {
    const { layer, client, target } = harness({ maxTransactions: 1 });
    const codes = (f: () => unknown) =>
      assert.throws(
        f,
        (e: unknown) => e instanceof TransactionError && e.name === 'TransactionError' && typeof e.code === 'string',
      );
    assert.throws(() => layer.sendRequest(request({ method: 'ACK', cseqMethod: 'ACK' }), target, client), {
      code: 'INVALID_REQUEST',
    });
    assert.throws(() => layer.sendRequest(request({ branch: '' }), target, client), { code: 'INVALID_REQUEST' });
    assert.throws(() => layer.sendRequest(request({ branch: 'z9hG4bK' }), target, client), { code: 'INVALID_REQUEST' });
    layer.sendRequest(request(), target, client);
    assert.throws(() => layer.sendRequest(request(), target, client), { code: 'DUPLICATE_TRANSACTION' });
    assert.throws(() => layer.sendRequest(request({ branch: 'z9hG4bKnew' }), target, client), {
      code: 'TOO_MANY_TRANSACTIONS',
      status: 503,
    });
    codes(() => layer.sendRequest(request({ branch: 'z9hG4bKnew' }), target, client));
  });

  it('a TU callback that throws goes to onError and the transaction still cleans up', () => {
    const { clock, core, layer, target } = harness();
    layer.sendRequest(request({ method: 'OPTIONS' }), target, {
      onResponse: () => {
        throw new Error('TU bug');
      },
    });
    clock.runAll();
    assert.equal((core.thrown[0] as Error).message, 'TU bug');
    assert.equal(layer.size, 0);
  });
});
