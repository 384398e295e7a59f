/**
 * The STUN agent on a simulated clock (STYLE §5) between two agents wired by an in-memory
 * datagram network: Binding transactions answered with our mapped address, the RFC 5389 §7.2.1
 * retransmission schedule to the millisecond, flow failure after it (RFC 5626 §4.4.2), and what
 * the answering side does with requests, stray responses and garbage.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedClock } from '../clock.ts';
import {
  STUN_BINDING,
  createBindingRequest,
  createBindingSuccess,
  createStunErrorResponse,
  parseStunMessage,
} from './stun.ts';
import { DEFAULT_STUN_TIMERS, StunAgent, stunTransactionTimeoutMs, type StunPeer } from './stun-agent.ts';
import { TransportError } from './transport-error.ts';

const SERVER: StunPeer = { address: '192.0.2.10', port: 5060 };
/** What a NAT in front of the client makes of its address. */
const MAPPED: StunPeer = { address: '203.0.113.7', port: 40123 };

/**
 * Two agents on an in-memory network with a NAT in front of the client: datagrams are delivered
 * on the next microtask, dropped while `drop` says so, and recorded with their send times.
 */
function network(options: { answer?: boolean } = {}) {
  const clock = new SimulatedClock();
  const client = new StunAgent({ clock });
  const server = new StunAgent({ clock, answerRequests: options.answer ?? true, software: 'test server' });
  const sentAt: number[] = [];
  const state = { drop: false, mapped: MAPPED, replies: [] as Buffer[] };
  const send = (bytes: Buffer) => {
    sentAt.push(clock.now());
    if (!state.drop)
      queueMicrotask(() =>
        server.receive(bytes, state.mapped, (reply) => {
          state.replies.push(reply);
          queueMicrotask(() => client.receive(reply, SERVER, () => assert.fail('the client answered a response')));
        }),
      );
    return Promise.resolve();
  };
  return { clock, client, server, send, sentAt, state };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('StunAgent: Binding transactions (RFC 5389 §7.2, RFC 5626 §4.4.2)', () => {
  it('a request answered with the mapped address the server saw', async () => {
    const net = network();
    const result = await net.client.bind(SERVER, net.send);
    assert.deepEqual(result.mappedAddress, { family: 4, ...MAPPED });
    assert.equal(result.requests, 1);
    assert.equal(result.roundTripMs, 0);
    assert.equal(net.client.pending, 0);
    assert.equal(net.clock.pending, 0, 'no timer left behind');
    assert.equal(parseStunMessage(net.state.replies[0]!).software, 'test server');
  });

  it('the default schedule: requests at 0, 500, 1500, 3500, 7500, 15500, 31500 ms; failure at 39 500 ms', async () => {
    const net = network();
    net.state.drop = true;
    assert.equal(stunTransactionTimeoutMs(DEFAULT_STUN_TIMERS), 39_500);
    const outcome = net.client.bind(SERVER, net.send).then(
      () => 'answered',
      (error: unknown) => error,
    );
    net.clock.advance(39_499);
    await settle();
    assert.deepEqual(net.sentAt, [0, 500, 1500, 3500, 7500, 15_500, 31_500]);
    assert.equal(net.client.pending, 1, 'still waiting for the answer to the last request');
    net.clock.advance(1);
    const error = await outcome;
    assert.ok(error instanceof TransportError, String(error));
    assert.equal(error.code, 'CONNECTION_CLOSED');
    assert.match(error.message, /no STUN Binding response from 192\.0\.2\.10:5060 within 39500 ms/);
    assert.deepEqual(error.failure.destination, { protocol: 'udp', ...SERVER });
    assert.equal(net.client.pending, 0);
    assert.equal(net.clock.pending, 0);
  });

  it('a shortened schedule (tests): 50 ms, 3 requests, 4·RTO → failure at 350 ms', async () => {
    const net = network();
    net.state.drop = true;
    const timers = { rtoMs: 50, maxRequests: 3, lastWaitFactor: 4 };
    assert.equal(stunTransactionTimeoutMs({ ...timers }), 350);
    const outcome = net.client.bind(SERVER, net.send, timers).catch((error: unknown) => error);
    net.clock.advance(350);
    assert.ok((await outcome) instanceof TransportError);
    assert.deepEqual(net.sentAt, [0, 50, 150]);
  });

  it('lost requests: the third one is answered; the round trip counts from the first', async () => {
    const net = network();
    net.state.drop = true;
    const outcome = net.client.bind(SERVER, net.send);
    net.clock.advance(500);
    net.clock.advance(999);
    net.state.drop = false;
    net.clock.advance(1);
    const result = await outcome;
    assert.equal(result.requests, 3);
    assert.equal(result.roundTripMs, 1500);
    assert.equal(net.clock.pending, 0, 'no retransmission after the answer');
  });

  it('a NAT rebinding shows as a new mapped address on the next transaction', async () => {
    const net = network();
    const first = await net.client.bind(SERVER, net.send);
    net.state.mapped = { address: '203.0.113.7', port: 40999 };
    const second = await net.client.bind(SERVER, net.send);
    assert.equal(first.mappedAddress?.port, 40123);
    assert.equal(second.mappedAddress?.port, 40999);
  });

  it('a response from another address, or with another transaction id, does not complete it', async () => {
    const clock = new SimulatedClock();
    const ids = [Buffer.alloc(12, 1)];
    const client = new StunAgent({
      clock,
      transactionId: () => ids[0]!,
      timers: { rtoMs: 100, maxRequests: 1, lastWaitFactor: 1 },
    });
    const outcome = client.bind(SERVER, () => Promise.resolve()).catch((error: unknown) => error);
    const answer = createBindingSuccess(ids[0]!, MAPPED);
    client.receive(answer, { address: '192.0.2.66', port: 5060 }, () => undefined);
    client.receive(answer, { address: SERVER.address, port: 5061 }, () => undefined);
    client.receive(createBindingSuccess(Buffer.alloc(12, 2), MAPPED), SERVER, () => undefined);
    assert.equal(client.pending, 1);
    clock.advance(100);
    assert.ok((await outcome) instanceof TransportError);
  });

  it('an error response means the peer is alive: resolved with its ERROR-CODE and no address', async () => {
    const clock = new SimulatedClock();
    const id = Buffer.alloc(12, 7);
    const client = new StunAgent({ clock, transactionId: () => id });
    const outcome = client.bind(SERVER, () => Promise.resolve());
    client.receive(createStunErrorResponse(STUN_BINDING, id, { code: 500, reason: 'Server Error' }), SERVER, () => {
      assert.fail('no answer to a response');
    });
    const result = await outcome;
    assert.equal(result.mappedAddress, undefined);
    assert.deepEqual(result.error, { code: 500, reason: 'Server Error' });
  });

  it('a retransmission the socket refuses does not end the transaction', async () => {
    const net = network();
    net.state.drop = true;
    let sends = 0;
    const outcome = net.client.bind(SERVER, (bytes) => {
      sends++;
      if (sends === 2) return Promise.reject(new TransportError('SEND_FAILED', 'udp send failed: ENOBUFS'));
      return net.send(bytes);
    });
    net.clock.advance(500);
    await settle();
    net.state.drop = false;
    net.clock.advance(1000);
    assert.equal((await outcome).requests, 3);
  });

  it('a first send that fails rejects at once with its error', async () => {
    const clock = new SimulatedClock();
    const client = new StunAgent({ clock });
    const error = new TransportError('SEND_FAILED', 'udp send failed: EPERM');
    await assert.rejects(
      client.bind(SERVER, () => Promise.reject(error)),
      (thrown: unknown) => thrown === error,
    );
    assert.equal(client.pending, 0);
    assert.equal(clock.pending, 0);
  });

  it('close() fails what is in flight; bind after close and beyond maxPending rejects', async () => {
    const clock = new SimulatedClock();
    const client = new StunAgent({ clock, maxPending: 2 });
    const a = client.bind(SERVER, () => Promise.resolve()).catch((error: unknown) => error);
    const b = client.bind(SERVER, () => Promise.resolve()).catch((error: unknown) => error);
    await assert.rejects(
      client.bind(SERVER, () => Promise.resolve()),
      /too many STUN transactions/,
    );
    client.close();
    for (const outcome of [await a, await b]) {
      assert.ok(outcome instanceof TransportError && outcome.code === 'CONNECTION_CLOSED', String(outcome));
    }
    assert.equal(clock.pending, 0);
    await assert.rejects(
      client.bind(SERVER, () => Promise.resolve()),
      TransportError,
    );
  });
});

describe('StunAgent: answering (RFC 5626 §8)', () => {
  const id = Buffer.from('0123456789ab');
  function answer(request: Buffer, options: { answer?: boolean } = {}) {
    const agent = new StunAgent({ clock: new SimulatedClock(), answerRequests: options.answer ?? true });
    const replies: Buffer[] = [];
    agent.receive(request, { address: '::1', port: 5070 }, (bytes) => replies.push(bytes));
    return replies.map((bytes) => parseStunMessage(bytes));
  }

  it('a Binding request gets a success with XOR-MAPPED-ADDRESS = its source (IPv6 here)', () => {
    const [reply] = answer(createBindingRequest(id));
    assert.equal(reply?.class, 'success');
    assert.deepEqual(reply?.transactionId, id);
    assert.deepEqual(reply?.xorMappedAddress, { family: 6, address: '::1', port: 5070 });
    assert.equal(reply?.fingerprint, false);
  });

  it('a request with FINGERPRINT gets one back', () => {
    assert.equal(answer(createBindingRequest(id, { fingerprint: true }))[0]?.fingerprint, true);
  });

  it('unknown comprehension-required attributes → 420 listing them', () => {
    const request = Buffer.concat([createBindingRequest(id), Buffer.from('00240004aabbccdd', 'hex')]);
    request.writeUInt16BE(8, 2);
    const [reply] = answer(request);
    assert.equal(reply?.class, 'error');
    assert.equal(reply?.error?.code, 420);
  });

  it('another method → 400; indications, responses, garbage and truncated packets → nothing', () => {
    const allocate = createBindingRequest(id);
    allocate.writeUInt16BE(0x0003, 0); // TURN Allocate
    assert.equal(answer(allocate)[0]?.error?.code, 400);
    const indication = createBindingRequest(id);
    indication.writeUInt16BE(0x0011, 0);
    assert.deepEqual(answer(indication), []);
    assert.deepEqual(answer(createBindingSuccess(id, MAPPED)), []);
    assert.deepEqual(answer(Buffer.from('0001000c2112a442', 'hex')), []);
    assert.deepEqual(answer(Buffer.concat([createBindingRequest(id), Buffer.alloc(3)])), []);
  });

  it('answering can be turned off', () => {
    assert.deepEqual(answer(createBindingRequest(id), { answer: false }), []);
  });
});
