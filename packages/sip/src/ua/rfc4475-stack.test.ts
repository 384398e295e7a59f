/**
 * RFC 4475 §3.2–3.4 through the whole stack — a real `SipTransportLayer` on loopback UDP, the
 * transaction layer and the UA core — with the answer the RFC names, from the layer it names
 * (400/416 from the transport's validation, 405/406/415/420 from the UA core, 200 where the
 * message must be processed), and the §8.2 checks of the UA core one by one.
 *
 * Each request's top Via gets `;rport` (RFC 3581) and a UDP transport token, so answers come
 * back to the test's socket instead of the fixture's sent-by (192.0.2.x, port 5060), and its
 * branch gets the fixture's name (cparam01 and cparam02 share branch, sent-by and CSeq: sent in
 * one session, the second would be a retransmission of the first, §17.2.3). badbranch keeps its
 * bare magic cookie.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SimulatedClock } from '../clock.ts';
import { parseMessage } from '../message/parser.ts';
import type { SipResponse } from '../message/message.ts';
import { SipTransportLayer } from '../transport/transport-layer.ts';
import { SipUserAgent } from './user-agent.ts';

const FIXTURES = path.join(import.meta.dirname, '../message/fixtures/rfc4475');

/** The fixture with its first Via made UDP and given `;rport`. */
function fixture(name: string): Buffer {
  const raw = readFileSync(path.join(FIXTURES, `${name}.dat`));
  const text = raw.toString('latin1');
  const match = /^(Via|v):[^\r\n]*/im.exec(text);
  if (match === null) return raw;
  let line = match[0].replace(/SIP\/2\.0\/(TCP|TLS)/i, 'SIP/2.0/UDP') + ';rport';
  if (name !== 'badbranch') line = line.replace(/;branch=([^;\s]+)/, `;branch=$1.${name}`);
  return Buffer.from(text.slice(0, match.index) + line + text.slice(match.index + match[0].length), 'latin1');
}

describe('RFC 4475 §3.2–3.4 through transport, transactions and UA core', () => {
  let transport: SipTransportLayer;
  let ua: SipUserAgent;
  let socket: Socket;
  let port = 0;
  const answers: SipResponse[] = [];

  before(async () => {
    const clock = new SimulatedClock();
    transport = new SipTransportLayer({
      listeners: [{ protocol: 'udp', address: '127.0.0.1', port: 0 }],
      user: { onMessage: () => undefined },
      clock,
    });
    ua = new SipUserAgent({ transport, clock, from: 'sip:user@example.com' });
    ua.on('invite', (req, res) => void ua.createUAS(req, res, {}).catch(() => undefined));
    await transport.start();
    port = transport.listeners[0]!.port;
    socket = createSocket('udp4');
    socket.on('message', (data) => {
      const message = parseMessage(data);
      if (message.kind === 'response') answers.push(message);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  });
  after(async () => {
    ua.close();
    socket.close();
    await transport.stop();
  });

  /** Sends a fixture and waits (bounded) for the first final answer with its Call-ID, or none. */
  async function exchange(name: string, waitMs = 1000): Promise<SipResponse | undefined> {
    const bytes = fixture(name);
    const callId = /^(?:Call-ID|i)\s*:\s*([^\r\n]+)/im.exec(bytes.toString('latin1'))?.[1]?.trim();
    socket.send(bytes, port, '127.0.0.1');
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      const found = answers.find((r) => r.callId === callId && r.status >= 200);
      if (found !== undefined) return found;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return undefined;
  }

  const expectations: Array<[string, number, (response: SipResponse) => void]> = [
    ['badbranch', 200, () => undefined], // §3.2.1: may fall back to RFC 2543 matching (we do) instead of 400
    ['unkscm', 416, () => undefined], // §3.3.2
    ['novelsc', 416, () => undefined], // §3.3.3
    ['unksm2', 405, (r) => assert.ok(r.headers.has('allow'))], // §3.3.4: parsed; a UA is no registrar (§8.2.1)
    ['bext01', 420, (r) => assert.deepEqual(r.unsupported, ['nothingSupportsThis', 'nothingSupportsThisEither'])], // §3.3.5
    ['invut', 415, (r) => assert.match(r.headers.get('accept') ?? '', /application\/sdp/)], // §3.3.6
    ['regaut01', 405, () => undefined], // §3.3.7: the unknown scheme does not break parsing
    ['multi01', 400, () => undefined], // §3.3.8
    ['mcl01', 400, () => undefined], // §3.3.9
    ['zeromf', 200, () => undefined], // §3.3.11: an endpoint processes OPTIONS with Max-Forwards 0
    ['cparam01', 405, () => undefined], // §3.3.12
    ['cparam02', 405, () => undefined], // §3.3.13
    ['regescrt', 405, () => undefined], // §3.3.14
    ['sdp01', 406, () => undefined], // §3.3.15: "could respond with a 406 Not Acceptable"
    ['inv2543', 200, (r) => assert.ok(r.to?.tag)], // §3.4.1: an RFC 2543 INVITE is accepted
  ];
  for (const [name, status, check] of expectations) {
    it(`${name} → ${status}`, async () => {
      const response = await exchange(name);
      assert.ok(response, `no answer to ${name}`);
      assert.equal(response.status, status, `${name}: ${response.status} ${response.reason}`);
      check(response);
    });
  }

  it('insuf (§3.3.1): no Call-ID, From or To — answered 400 from the Via alone; nothing breaks', async () => {
    // The RFC: "Ideally, it will respond with a 400 Bad Response" — the Via routes it back
    // (§18.2.2); CSeq is copied, the missing headers stay missing (nothing is invented).
    const response = await exchange('insuf');
    assert.equal(response?.status, 400);
    assert.match(response.topVia?.branch ?? '', /insuf/);
    assert.deepEqual(response.cseq, { seq: 193942, method: 'INVITE' });
    assert.equal(response.headers.has('call-id'), false);
    assert.equal((await exchange('zeromf'))?.status, 200, 'still serving');
  });

  it('bcast (§3.3.10): a response that matches nothing is dropped, nothing breaks', async () => {
    assert.equal(await exchange('bcast', 200), undefined);
    assert.equal((await exchange('zeromf'))?.status, 200, 'still serving');
  });
});
