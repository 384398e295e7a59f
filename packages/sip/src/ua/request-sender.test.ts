/**
 * The sender's local final responses (RFC 3263 §4.3, RFC 3261 §8.1.3.1, §9.1) for requests that
 * never reach a target, so never get a Via: the next hop does not resolve (no records, or the
 * lookup fails), the INVITE is canceled while its next hop is being resolved, or the transport
 * cannot even give a local address. Each must come up as a 503/487 response or a `SipError` with
 * that status, never as a TypeError, and nothing goes on the wire.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SipRequest } from '../message/message.ts';
import { SipError } from '../dialog/sip-error.ts';
import type { ServerTarget } from '../transport/resolver.ts';
import { TransportError } from '../transport/transport-error.ts';
import { localResponse } from './request-sender.ts';
import { MemoryNetwork } from './test-network.ts';
import { capture, establish, sdp, uaOn } from './ua-test-support.ts';

/** A resolver that finds nothing, both ways `SenderContext.resolve` may say so. */
const NO_TARGETS = {
  'an empty target list': () => Promise.resolve([] as ServerTarget[]),
  'RESOLVE_FAILED (NXDOMAIN)': () =>
    Promise.reject(new TransportError('RESOLVE_FAILED', 'no records for nowhere.example.test')),
};

/** Fails the test with the error's stack if it is a TypeError (the bug this file guards against). */
function assertNotTypeError(error: unknown): void {
  if (error instanceof TypeError) assert.fail(`a TypeError escaped: ${error.stack ?? error.message}`);
}

describe('local responses before any Via (RFC 3263 §4.3, RFC 3261 §8.1.3.1)', () => {
  it('localResponse needs no Via: status, reason, and From/To/Call-ID/CSeq copied', () => {
    const request = new SipRequest({
      method: 'OPTIONS',
      uri: 'sip:bob@nowhere.example.test',
      headers: [
        ['From', '<sip:alice@10.0.0.1>;tag=a1'],
        ['To', '<sip:bob@nowhere.example.test>'],
        ['Call-ID', 'c1'],
        ['CSeq', '7 OPTIONS'],
        ['Max-Forwards', '70'],
      ],
    });
    const response = localResponse(request, 503);
    assert.equal(response.status, 503);
    assert.equal(response.reason, 'Service Unavailable');
    assert.equal(response.headers.has('via'), false);
    assert.equal(response.from?.tag, 'a1');
    assert.equal(response.callId, 'c1');
    assert.deepEqual(response.cseq, { seq: 7, method: 'OPTIONS' });
    assert.equal(response.headers.has('max-forwards'), false);
    assert.equal(localResponse(request, 487, 'Request Terminated (canceled)').reason, 'Request Terminated (canceled)');
  });

  for (const [what, resolve] of Object.entries(NO_TARGETS)) {
    describe(`the next hop gives ${what}`, () => {
      it('request() resolves with a local 503, sending nothing', async () => {
        const network = new MemoryNetwork();
        const alice = uaOn(network, '10.0.0.1', 'alice', { resolve });
        const pending = capture(alice.request('sip:bob@nowhere.example.test', { method: 'OPTIONS' }));
        await network.run(10);
        const { value: response, error } = await pending;
        assertNotTypeError(error);
        assert.equal(error, undefined);
        assert.equal(response?.status, 503);
        assert.match(response.reason, /no route to the next hop/);
        assert.equal(response.cseq?.method, 'OPTIONS');
        assert.deepEqual(network.log, [], 'nothing on the wire');
        alice.close();
      });

      it('createUAC() rejects with TRANSPORT_FAILED, status 503', async () => {
        const network = new MemoryNetwork();
        const alice = uaOn(network, '10.0.0.1', 'alice', { resolve });
        const pending = capture(alice.createUAC('sip:bob@nowhere.example.test', { localSdp: sdp('10.0.0.1', 1) }));
        await network.run(10);
        const { error } = await pending;
        assertNotTypeError(error);
        assert.ok(error instanceof SipError, `a SipError: ${String(error)}`);
        assert.equal(error.code, 'TRANSPORT_FAILED');
        assert.equal(error.status, 503);
        assert.equal(error.response?.status, 503);
        assert.deepEqual(network.log, [], 'nothing on the wire');
        alice.close();
      });
    });
  }

  it('an INVITE canceled while its next hop resolves: CANCELED with a local 487, nothing sent', async () => {
    const network = new MemoryNetwork();
    let found: ((targets: ServerTarget[]) => void) | undefined;
    const alice = uaOn(network, '10.0.0.1', 'alice', {
      resolve: () => new Promise<ServerTarget[]>((resolve) => (found = resolve)),
    });
    const abort = new AbortController();
    const pending = capture(
      alice.createUAC('sip:bob@10.0.0.2', { localSdp: sdp('10.0.0.1', 1), signal: abort.signal }),
    );
    await network.run(10);
    abort.abort();
    found?.([{ protocol: 'udp', address: '10.0.0.2', port: 5060, serverName: '10.0.0.2' }]);
    await network.run(10);
    const { error } = await pending;
    assertNotTypeError(error);
    assert.ok(error instanceof SipError, `a SipError: ${String(error)}`);
    assert.equal(error.code, 'CANCELED');
    assert.equal(error.status, 487);
    assert.equal(error.response?.status, 487);
    assert.deepEqual(network.requests('INVITE'), []);
    alice.close();
  });

  it('a transport that cannot give a local address (Via not yet added): a local 503, not a throw', async () => {
    const network = new MemoryNetwork();
    const transport = network.transport('10.0.0.1');
    transport.localAddressFor = () => {
      throw new TransportError('NO_TRANSPORT', 'no listener for udp');
    };
    const alice = uaOn(network, '10.0.0.1', 'alice', { transport });
    const pending = capture(
      alice.request('sip:bob@10.0.0.2', { method: 'MESSAGE', body: 'hi', contentType: 'text/plain' }),
    );
    await network.run(10);
    const { value: response, error } = await pending;
    assertNotTypeError(error);
    assert.equal(response?.status, 503);
    assert.match(response.reason, /cannot send/);
    assert.deepEqual(network.log, []);
    alice.close();
  });

  it('in a dialog whose remote target stops resolving: request() gives 503 and BYE still ends the call', async () => {
    let resolvable = true;
    const network = new MemoryNetwork();
    const alice = uaOn(network, '10.0.0.1', 'alice', {
      resolve: (uri) => (resolvable ? network.resolve(uri) : Promise.resolve([])),
    });
    const bob = uaOn(network, '10.0.0.2', 'bob');
    const { caller } = await establish({ network, alice, bob });
    resolvable = false;
    const info = capture(caller.request('INFO'));
    await network.run(10);
    const { value: response, error } = await info;
    assertNotTypeError(error);
    assert.equal(response?.status, 503);
    const bye = capture(caller.destroy());
    await network.run(10);
    assertNotTypeError((await bye).error);
    assert.equal((await bye).error, undefined);
    assert.equal(caller.state, 'terminated');
    alice.close();
    bob.close();
  });
});
