/**
 * "The UA never crashes on any wire input": every RFC 4475 message, and seeded mutations of
 * requests inside and outside a live dialog (bytes flipped, lines dropped or repeated, the
 * message cut short), go through the in-memory transport into a user agent with a call up. No
 * callback may throw (the UA logs any throw as a warning), and the call survives or ends cleanly.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { establish, twoAgents } from './ua-test-support.ts';

const FIXTURES = path.join(import.meta.dirname, '../message/fixtures/rfc4475');
const CASES = Number(process.env.SIP_UA_FUZZ_CASES ?? 3000);

/** xorshift32: a seeded source of mutations. */
function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

function mutate(text: string, random: () => number): string {
  const lines = text.split('\r\n');
  switch (Math.floor(random() * 5)) {
    case 0: {
      const chars = [...text];
      for (let i = 0; i < 1 + Math.floor(random() * 4); i++)
        chars[Math.floor(random() * chars.length)] = String.fromCharCode(Math.floor(random() * 256));
      return chars.join('');
    }
    case 1:
      lines.splice(1 + Math.floor(random() * (lines.length - 1)), 1);
      return lines.join('\r\n');
    case 2: {
      const index = 1 + Math.floor(random() * (lines.length - 3));
      lines.splice(index, 0, lines[index]!);
      return lines.join('\r\n');
    }
    case 3:
      return text.slice(0, Math.floor(random() * text.length));
    default: {
      const index = 1 + Math.floor(random() * (lines.length - 3));
      lines[index] = lines[index]!.replace(/:.*/, `: ${'x'.repeat(Math.floor(random() * 40))}`);
      return lines.join('\r\n');
    }
  }
}

describe('wire robustness of the UA', () => {
  it(`RFC 4475 corpus and ${CASES} seeded mutations: no callback throws`, async () => {
    const warnings: string[] = [];
    const env = twoAgents({
      bob: { logger: { warn: (message, details) => warnings.push(`${message} ${JSON.stringify(details)}`) } },
    });
    const { caller } = await establish(env);
    const peer = env.network.peer('10.0.0.9');
    const bob = { protocol: 'udp' as const, address: '10.0.0.2', port: 5060 };
    const deliver = (text: string) => env.network.deliver(peer.transport.local, bob, Buffer.from(text, 'latin1'));
    for (const file of readdirSync(FIXTURES).filter((name) => name.endsWith('.dat')))
      deliver(readFileSync(path.join(FIXTURES, file), 'latin1'));
    await env.network.run(20);
    const info = [
      `INFO sip:bob@10.0.0.2 SIP/2.0`,
      `Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKfuzz`,
      `From: ${caller.sip.localHeader}`,
      `To: ${caller.sip.remoteHeader}`,
      `Call-ID: ${caller.sip.id.callId}`,
      `CSeq: 900 INFO`,
      `Max-Forwards: 70`,
      `Content-Type: text/plain`,
      `Content-Length: 2`,
      ``,
      `hi`,
    ].join('\r\n');
    const invite = readFileSync(path.join(FIXTURES, 'sdp01.dat'), 'latin1').replace(
      'Accept: text/nobodyKnowsThis\r\n',
      '',
    );
    const random = prng(4475);
    for (let i = 0; i < CASES; i++) {
      const base = i % 2 === 0 ? info : invite;
      deliver(
        mutate(base.replace('z9hG4bKfuzz', `z9hG4bKfuzz${i}`).replace('z9hG4bKkdjuw', `z9hG4bKkdjuw${i}`), random),
      );
      if (i % 500 === 499) await env.network.run(10);
    }
    await env.network.run(100);
    assert.deepEqual(warnings, []);
    const answered = env.network.statuses();
    assert.ok(answered.length > CASES / 3, `only ${answered.length} answers: the mutations did not reach the UA`);
    for (const status of [200, 400, 481]) assert.ok(answered.includes(status), `no ${status} among the answers`);
    assert.ok(['confirmed', 'terminated'].includes(caller.state));
  });
});
