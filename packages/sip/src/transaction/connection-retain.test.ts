/**
 * The transaction layer and the transport's connections: every transaction on a connection
 * retains it from idle close for its whole life (client: from the send result; server: the
 * request's connection), and releases it when it terminates. CANCEL carries the INVITE's
 * credentials (RFC 3261 §22.1) through the `prepareCancel` hook (default `authorizeCancel`).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedClock } from '../clock.ts';
import { FakeTransport, flush } from './fake-transport.ts';
import type { InviteClientTransaction } from './invite-client-transaction.ts';
import { harness, RecordingClient, RecordingCore } from './test-harness.ts';
import { request, response } from './test-messages.ts';
import { TransactionLayer } from './transaction-layer.ts';

describe('transactions retain their connection (connection-oriented transports)', () => {
  it('a client transaction over TCP retains the connection until it terminates', async () => {
    const { transport, layer, client, target, clock } = harness({ protocol: 'tcp' });
    const options = request({ method: 'OPTIONS', transport: 'TCP' });
    layer.sendRequest(options, target, client);
    await flush();
    assert.deepEqual([...transport.retained], [['conn-1', 1]]);
    transport.inject(response(options, 200));
    clock.advance(1); // Timer K is zero over reliable transports
    assert.equal(layer.size, 0);
    assert.equal(transport.retained.size, 0, 'released at Terminated');
  });

  it('a server transaction retains the request’s connection; two share it; both release', () => {
    const { transport, layer, core, clock } = harness({ protocol: 'tcp' });
    core.answer = (req, transaction) => {
      if (req.method !== 'INVITE') transaction.reply(200);
    };
    transport.inject(request({ method: 'INVITE', transport: 'TCP', branch: 'z9hG4bK-inv' }));
    transport.inject(request({ method: 'OPTIONS', transport: 'TCP', branch: 'z9hG4bK-opt', cseq: 1 }));
    assert.equal(transport.retained.get('conn-1'), 1, 'the OPTIONS transaction ended at once (Timer J = 0)');
    clock.advance(1);
    core.requests[0]!.transaction.reply(486);
    clock.advance(64 * 500); // Timer H bounds Completed without ACK
    assert.equal(layer.size, 0);
    assert.equal(transport.retained.size, 0);
  });

  it('UDP has no connection: nothing retained', async () => {
    const { transport, layer, client, target } = harness();
    layer.sendRequest(request({ method: 'OPTIONS' }), target, client);
    await flush();
    assert.equal(transport.retained.size, 0);
  });

  it('a transport without retainConnection is fine', async () => {
    const clock = new SimulatedClock();
    const transport = new FakeTransport(clock, 'tcp');
    Object.defineProperty(transport, 'retainConnection', { value: undefined });
    const layer = new TransactionLayer({ transport, user: new RecordingCore(), clock });
    transport.user = layer;
    layer.sendRequest(
      request({ method: 'OPTIONS', transport: 'TCP' }),
      { destination: transport.peer },
      new RecordingClient(clock),
    );
    await flush();
    assert.equal(layer.size, 1);
  });
});

describe('CANCEL credentials (§22.1)', () => {
  function challengedInvite() {
    const invite = request();
    invite.headers.append(
      'Proxy-Authorization',
      'Digest username="alice", realm="atlanta.example.com", nonce="n1", uri="sip:bob@biloxi.example.com", response="00112233445566778899aabbccddeeff"',
    );
    invite.headers.append(
      'Authorization',
      'Digest username="alice", realm="biloxi.example.com", nonce="n2", uri="sip:bob@biloxi.example.com", response="ffeeddccbbaa99887766554433221100"',
    );
    return invite;
  }

  it('the CANCEL carries the INVITE’s Authorization and Proxy-Authorization by default', () => {
    const { transport, layer, client, target } = harness();
    const invite = challengedInvite();
    const ict = layer.sendRequest(invite, target, client) as InviteClientTransaction;
    transport.inject(response(invite, 180));
    layer.cancel(ict, client);
    const cancel = transport.requests('CANCEL')[0]!;
    assert.equal(cancel.headers.get('proxy-authorization'), invite.headers.get('proxy-authorization'));
    assert.equal(cancel.headers.get('authorization'), invite.headers.get('authorization'));
  });

  it('a prepareCancel hook replaces the default (also for a CANCEL that waited for the 1xx)', () => {
    const clock = new SimulatedClock();
    const transport = new FakeTransport(clock);
    const seen: string[] = [];
    const layer = new TransactionLayer({
      transport,
      user: new RecordingCore(),
      clock,
      prepareCancel: (cancel, invite) => {
        seen.push(`${cancel.method}/${invite.method}`);
        cancel.headers.append('X-Hook', '1');
      },
    });
    transport.user = layer;
    const client = new RecordingClient(clock);
    const invite = challengedInvite();
    const ict = layer.sendRequest(invite, { destination: transport.peer }, client) as InviteClientTransaction;
    layer.cancel(ict, client); // waits in Calling
    transport.inject(response(invite, 183));
    const cancel = transport.requests('CANCEL')[0]!;
    assert.deepEqual(seen, ['CANCEL/INVITE']);
    assert.equal(cancel.headers.get('x-hook'), '1');
    assert.equal(cancel.headers.get('authorization'), undefined);
  });
});
