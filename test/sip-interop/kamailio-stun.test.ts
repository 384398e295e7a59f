/**
 * RFC 5626 §4.4.2 STUN keep-alives against a real Kamailio 5.6 with its `stun` module, which
 * makes Kamailio answer STUN Binding requests on its SIP UDP port (§8). A talkbus
 * `SipTransportLayer` on a free loopback port sends keep-alives to Kamailio's SIP port and gets
 * XOR-MAPPED-ADDRESS equal to its own socket; SIP on the same ports still works (OPTIONS 200);
 * once Kamailio is stopped (by PID), the next keep-alive reports the flow failed after the
 * shortened RFC 5389 §7.2.1 schedule (requests at 0, 100, 300, 700 ms, failure at 1500 ms).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SipTransportLayer,
  TransportError,
  stunTransactionTimeoutMs,
  type InboundMessage,
  type TransportAddress,
} from '@talkbus/sip';
import { kamailioAvailable, startKamailio, type Kamailio } from '../support/kamailio.ts';
import { freePort } from '../support/ports.ts';
import { optionsRequest } from '../sip-transport/support.ts';
import { requirePeer } from '../support/peers.ts';

const HOST = '127.0.0.1';
const TIMERS = { rtoMs: 100, maxRequests: 4, lastWaitFactor: 8 };
const available = kamailioAvailable(['stun']);

const routes = `request_route {
  if (is_method("OPTIONS")) { sl_send_reply("200", "OK"); exit; }
  sl_send_reply("404", "Not Here");
}`;

requirePeer(available, 'Kamailio with its stun module');
describe('Kamailio interop: STUN keep-alives on the SIP port (RFC 5626 §4.4.2, §8)', { timeout: 60_000 }, () => {
  let kamailio: Kamailio | undefined;
  let layer: SipTransportLayer | undefined;
  let ours: TransportAddress;
  let kamailioUdp: TransportAddress;
  const received: InboundMessage[] = [];

  before(async () => {
    kamailio = await startKamailio({ modules: ['stun'], children: 1, checkConfig: true, routes });
    kamailioUdp = { protocol: 'udp', address: HOST, port: kamailio.port };
    layer = new SipTransportLayer({
      listeners: [{ protocol: 'udp', address: HOST, port: await freePort() }],
      user: { onMessage: (inbound) => received.push(inbound) },
      stun: { timers: TIMERS },
    });
    await layer.start();
    ours = layer.listeners[0]!;
  });

  after(async () => {
    await layer?.stop();
    await kamailio?.stop();
  });

  it('a Binding request to the SIP port: Kamailio answers with XOR-MAPPED-ADDRESS = our socket', async (t) => {
    const first = await layer!.sendKeepAlive({ destination: kamailioUdp });
    assert.deepEqual(first.mappedAddress, ours);
    const second = await layer!.sendKeepAlive({ destination: kamailioUdp });
    assert.deepEqual(second.mappedAddress, first.mappedAddress, 'no NAT here: the mapping stays');
    t.diagnostic(`STUN round trips ${first.roundTripMs?.toFixed(2)} ms, ${second.roundTripMs?.toFixed(2)} ms`);
    // STUN and SIP share both ports: an OPTIONS still gets its 200, and no STUN reached the SIP user.
    const options = optionsRequest();
    await layer!.send(options, { destination: kamailioUdp });
    const deadline = Date.now() + 3000;
    while (!received.some((inbound) => inbound.message.kind === 'response' && inbound.message.status === 200)) {
      assert.ok(Date.now() < deadline, 'no 200 to OPTIONS within 3 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(received.length, 1);
  });

  it('Kamailio stopped: the next keep-alive reports the flow failed after the schedule', async (t) => {
    await kamailio!.stop();
    const bound = stunTransactionTimeoutMs({ ...TIMERS });
    assert.equal(bound, 1500);
    const started = performance.now();
    const error = await layer!.sendKeepAlive({ destination: kamailioUdp }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    const elapsed = performance.now() - started;
    assert.ok(error instanceof TransportError && error.code === 'CONNECTION_CLOSED', String(error));
    assert.match(error.message, /no STUN Binding response/);
    assert.ok(elapsed >= bound - 5 && elapsed < bound + 1000, `failed after ${elapsed.toFixed(0)} ms`);
    t.diagnostic(`flow failure reported after ${elapsed.toFixed(0)} ms (bound ${bound} ms)`);
  });
});
