/**
 * RegistrationFlow keep-alives (RFC 5626 §4.4) against a fake stack: over a stream transport
 * the transport's CRLF ping on the REGISTER's flow (a failed ping → `keepAliveFailed`); over UDP
 * with outbound a STUN Binding transaction (no response, or a new mapped address → `keepAliveFailed`);
 * over UDP without outbound an OPTIONS client transaction (the next hop may not speak STUN, §8).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SipStack } from '@talkbus/runtime';
import type { ClientTransactionUser, SendTarget, SipRequest, TransportAddress } from '@talkbus/sip';
import type { AccountSip } from './account-sip.ts';
import type { AccountEvent } from './account-types.ts';
import { RegistrationFlow } from './registration-flow.ts';

type Pong = 'ok' | 'fail' | { mapped: Array<{ address: string; port: number } | 'fail' | 'pending'> };

function fakeStack(pong: Pong) {
  const pings: Array<string | SendTarget> = [];
  const pending: Array<() => void> = [];
  const sent: Array<{ request: SipRequest; user: ClientTransactionUser }> = [];
  const stack = {
    transport: {
      localAddressFor: (destination: TransportAddress) => ({ ...destination, address: '127.0.0.1', port: 5070 }),
      sendKeepAlive: (flow: string | SendTarget) => {
        pings.push(flow);
        if (pong === 'ok') return Promise.resolve({ connectionId: 'c1', roundTripMs: 1 });
        if (pong === 'fail') return Promise.reject(new Error('no keep-alive pong within 10000 ms (RFC 5626 §4.4.1)'));
        const next = pong.mapped[pings.length - 1] ?? 'fail';
        if (next === 'fail')
          return Promise.reject(new Error('no STUN Binding response from 127.0.0.1:5999 within 39500 ms'));
        if (next === 'pending') return new Promise((resolve) => pending.push(() => resolve({ connectionId: null })));
        return Promise.resolve({
          connectionId: null,
          roundTripMs: 1,
          mappedAddress: { protocol: 'udp', ...next },
        });
      },
    },
    transactions: {
      sendRequest: (request: SipRequest, _target: SendTarget, user: ClientTransactionUser) => {
        sent.push({ request, user });
        return {};
      },
    },
    listeners: [],
  } as unknown as SipStack;
  return { stack, pings, sent, pending };
}

function flowOn(transport: 'udp' | 'tcp', pong: Pong, outbound: boolean) {
  const fake = fakeStack(pong);
  const events: AccountEvent[] = [];
  const sip: AccountSip = {
    user: 'alice',
    domain: '127.0.0.1',
    displayName: '',
    aor: 'sip:alice@127.0.0.1',
    registrarUri: 'sip:127.0.0.1:5999',
    nextHop: `sip:127.0.0.1:5999${transport === 'udp' ? '' : ';transport=tcp'}`,
    outboundRoute: null,
    transport,
    credentials: null,
    outbound,
  } as AccountSip;
  const flow = new RegistrationFlow({
    account: 'a1',
    sip,
    stack: fake.stack,
    instanceId: 'urn:uuid:00000000-0000-4000-8000-000000000001',
    post: (event) => events.push(event),
    limiter: { acquire: () => Promise.resolve(() => undefined) } as never,
  });
  return { flow, events, ...fake };
}

async function registered(transport: 'udp' | 'tcp', pong: Pong, outbound = true) {
  const env = flowOn(transport, pong, outbound);
  env.flow.register(1, 600, true);
  for (let i = 0; i < 20 && env.sent.length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(env.sent[0]?.request.method, 'REGISTER');
  return env;
}

describe('RegistrationFlow keep-alives (RFC 5626 §4.4)', () => {
  test('tcp: a CRLF ping on the flow; a pong keeps quiet', async () => {
    const env = await registered('tcp', 'ok');
    env.flow.keepAlive();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(env.pings.length, 1);
    assert.equal((env.pings[0] as SendTarget).destination.protocol, 'tcp');
    assert.equal(env.sent.length, 1, 'no OPTIONS');
    assert.equal(env.events.length, 0);
  });

  test('tcp: no pong → keepAliveFailed (the actor re-registers)', async () => {
    const env = await registered('tcp', 'fail');
    env.flow.keepAlive();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(env.events[0]?.type, 'keepAliveFailed');
  });

  test('udp without outbound: an OPTIONS probe (§8: no STUN to a peer not known to answer it); a timeout → keepAliveFailed', async () => {
    const env = await registered('udp', 'ok', false);
    env.flow.keepAlive();
    assert.equal(env.pings.length, 0);
    const options = env.sent[1]!;
    assert.equal(options.request.method, 'OPTIONS');
    options.user.onTimeout?.(undefined as never, undefined as never, undefined as never);
    assert.equal(env.events.at(-1)?.type, 'keepAliveFailed');
  });

  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  const here = { address: '198.51.100.7', port: 40001 };

  test('udp with outbound: a STUN keep-alive to the next hop; the same mapped address keeps quiet (RFC 5626 §4.4.2)', async () => {
    const env = await registered('udp', { mapped: [here, here] });
    env.flow.keepAlive();
    await settle();
    env.flow.keepAlive();
    await settle();
    assert.equal(env.pings.length, 2);
    const { protocol, address, port } = (env.pings[0] as SendTarget).destination;
    assert.deepEqual({ protocol, address, port }, { protocol: 'udp', address: '127.0.0.1', port: 5999 });
    assert.equal(env.sent.length, 1, 'no OPTIONS');
    assert.deepEqual(env.events, []);
  });

  test('udp with outbound: no STUN response → keepAliveFailed', async () => {
    const env = await registered('udp', { mapped: ['fail'] });
    env.flow.keepAlive();
    await settle();
    assert.equal(env.events[0]?.type, 'keepAliveFailed');
    assert.match((env.events[0] as { reason: string }).reason, /no STUN Binding response/);
  });

  test('udp with outbound: a new mapped address (NAT rebinding) → keepAliveFailed, once', async () => {
    const rebound = { address: '198.51.100.7', port: 40777 };
    const env = await registered('udp', { mapped: [here, rebound, rebound] });
    for (let i = 0; i < 3; i++) {
      env.flow.keepAlive();
      await settle();
    }
    assert.equal(env.events.length, 1);
    assert.equal(env.events[0]?.type, 'keepAliveFailed');
    assert.match(
      (env.events[0] as { reason: string }).reason,
      /mapped address changed from 198\.51\.100\.7:40001 to 198\.51\.100\.7:40777/,
    );
  });

  test('udp with outbound: a fresh login forgets the last mapped address', async () => {
    const env = await registered('udp', { mapped: [here, { address: '203.0.113.9', port: 5060 }] });
    env.flow.keepAlive();
    await settle();
    env.flow.register(2, 600, true);
    await settle();
    env.flow.keepAlive();
    await settle();
    assert.deepEqual(env.events, []);
  });

  test('udp with outbound: one STUN keep-alive at a time (its retransmissions already refresh the NAT)', async () => {
    const env = await registered('udp', { mapped: ['pending', here] });
    env.flow.keepAlive();
    env.flow.keepAlive();
    await settle();
    assert.equal(env.pings.length, 1);
    env.pending[0]!();
    await settle();
    env.flow.keepAlive();
    await settle();
    assert.equal(env.pings.length, 2);
  });
});

describe('RegistrationFlow next hop', () => {
  test("REGISTER's next hop is located through the stack's DNS (sip.dnsServers), not the system's", async () => {
    const fake = fakeStack('ok');
    const asked: string[] = [];
    const dns = {
      resolveNaptr: (name: string) => (asked.push(`NAPTR ${name}`), Promise.resolve([])),
      resolveSrv: (name: string) => {
        asked.push(`SRV ${name}`);
        return Promise.resolve([{ name: 'edge.registrar.test', port: 5999, priority: 0, weight: 0 }]);
      },
      resolve4: (name: string) => (asked.push(`A ${name}`), Promise.resolve(['127.0.0.7'])),
      resolve6: (name: string) => (asked.push(`AAAA ${name}`), Promise.resolve([])),
    };
    (fake.stack as { dns: unknown }).dns = dns;
    const sip = {
      user: 'alice',
      domain: 'registrar.test',
      displayName: '',
      aor: 'sip:alice@registrar.test',
      registrarUri: 'sip:registrar.test',
      nextHop: 'sip:registrar.test',
      outboundRoute: null,
      transport: 'udp',
      credentials: null,
      outbound: false,
    } as AccountSip;
    const flow = new RegistrationFlow({
      account: 'a1',
      sip,
      stack: fake.stack,
      instanceId: 'urn:uuid:00000000-0000-4000-8000-000000000001',
      post: () => undefined,
      limiter: { acquire: () => Promise.resolve(() => undefined) } as never,
    });
    flow.register(1, 600, true);
    for (let i = 0; i < 20 && fake.sent.length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(fake.sent[0]?.request.method, 'REGISTER');
    assert.ok(asked.includes('SRV _sip._udp.registrar.test'), asked.join(', '));
    assert.ok(asked.includes('A edge.registrar.test'), asked.join(', '));
    flow.dispose();
  });
});
