/**
 * RegistrationFlow keep-alives (RFC 5626 §4.4.1) against a fake stack: over a stream transport
 * the transport's CRLF ping on the REGISTER's flow (a failed ping → `keepAliveFailed`); over UDP
 * an OPTIONS client transaction (a CRLF datagram has no answer to detect a failed flow with).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SipStack } from '@talkbus/runtime';
import type { ClientTransactionUser, SendTarget, SipRequest, TransportAddress } from '@talkbus/sip';
import type { AccountSip } from './account-sip.ts';
import type { AccountEvent } from './account-types.ts';
import { RegistrationFlow } from './registration-flow.ts';

function fakeStack(pong: 'ok' | 'fail') {
  const pings: Array<string | SendTarget> = [];
  const sent: Array<{ request: SipRequest; user: ClientTransactionUser }> = [];
  const stack = {
    transport: {
      localAddressFor: (destination: TransportAddress) => ({ ...destination, address: '127.0.0.1', port: 5070 }),
      sendKeepAlive: (flow: string | SendTarget) => {
        pings.push(flow);
        return pong === 'ok'
          ? Promise.resolve({ connectionId: 'c1', roundTripMs: 1 })
          : Promise.reject(new Error('no keep-alive pong within 10000 ms (RFC 5626 §4.4.1)'));
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
  return { stack, pings, sent };
}

function flowOn(transport: 'udp' | 'tcp', pong: 'ok' | 'fail') {
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
    outbound: true,
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

async function registered(transport: 'udp' | 'tcp', pong: 'ok' | 'fail') {
  const env = flowOn(transport, pong);
  env.flow.register(1, 600, true);
  for (let i = 0; i < 20 && env.sent.length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(env.sent[0]?.request.method, 'REGISTER');
  return env;
}

describe('RegistrationFlow keep-alives (RFC 5626 §4.4.1)', () => {
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

  test('udp: an OPTIONS probe; a timeout → keepAliveFailed', async () => {
    const env = await registered('udp', 'ok');
    env.flow.keepAlive();
    assert.equal(env.pings.length, 0);
    const options = env.sent[1]!;
    assert.equal(options.request.method, 'OPTIONS');
    options.user.onTimeout?.(undefined as never, undefined as never, undefined as never);
    assert.equal(env.events.at(-1)?.type, 'keepAliveFailed');
  });
});
