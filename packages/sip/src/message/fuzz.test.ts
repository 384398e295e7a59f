/**
 * Seeded, bounded fuzzing: mutated torture messages must only ever produce a message or a
 * SipParseError — through the datagram parser, every typed accessor, validation, the
 * serializer, multipart parsing and the stream framer — and each case must finish quickly.
 * SIP_FUZZ_CASES changes the count; the default is the 100k cases the SIP-stack issue asks
 * for in the normal run (about 3.5 s on Node 24).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { SipParseError } from '../errors.ts';
import { parseUri } from '../uri/uri.ts';
import { uriEquals } from '../uri/compare.ts';
import { fixture, fixtureNames } from './fixtures/load.ts';
import { parseMessage } from './parser.ts';
import { serializeMessage } from './serializer.ts';
import { StreamFramer } from './stream-framer.ts';
import { validateMessage } from './validate.ts';
import { parseMultipart } from './multipart.ts';
import { createResponse } from './response.ts';
import type { SipMessage } from './message.ts';
import { seededRandom } from '@talkbus/testing';
import { mutate } from './fixtures/mutate.ts';

const CASES = Number(process.env['SIP_FUZZ_CASES'] ?? 100_000);
const SEED = 0x5eed4475;

/** Touches everything a layer above might read. */
function exercise(message: SipMessage): void {
  const readers: Array<() => unknown> = [
    () => validateMessage(message),
    () => (message.kind === 'request' ? message.uri : message.status),
    () => message.via,
    () => message.from,
    () => message.to,
    () => message.callId,
    () => message.cseq,
    () => message.maxForwards,
    () => message.contact,
    () => message.route,
    () => message.recordRoute,
    () => message.contentType,
    () => message.expires,
    () => message.authorization,
    () => message.wwwAuthenticate,
    () => message.event,
    () => message.subscriptionState,
    () => message.rseq,
    () => message.rack,
    () => message.referTo,
    () => message.replaces,
    () => message.sessionExpires,
    () => message.retryAfter,
    () => message.reasons,
    () => message.privacy,
    () => message.pAssertedIdentity,
    () => message.require,
    () => message.supported,
    () => message.allow,
    () => message.date,
    () => (message.contentType?.type === 'multipart' ? parseMultipart(message.body, message.contentType) : undefined),
    () => {
      const uri = message.to?.uri;
      return uri === undefined ? undefined : uriEquals(uri, parseUri(uri.toString()));
    },
    () => createResponse(message, 400, { toTag: 'fuzz' }),
    () => parseMessage(serializeMessage(message)),
  ];
  for (const read of readers) {
    try {
      read();
    } catch (error) {
      if (!(error instanceof SipParseError)) throw error;
    }
  }
}

describe('fuzzing (seeded, bounded)', () => {
  it(`${CASES} mutated torture messages only ever yield messages or SipParseError`, () => {
    const next = seededRandom(SEED);
    const corpus = fixtureNames().map(fixture);
    let parsed = 0;
    let rejected = 0;
    let slowest = 0;
    for (let i = 0; i < CASES; i++) {
      const input = mutate(corpus[Math.floor(next() * corpus.length)]!, next);
      const started = performance.now();
      try {
        exercise(parseMessage(input));
        parsed++;
      } catch (error) {
        if (!(error instanceof SipParseError))
          throw new Error(`case ${i}: ${String(error)}\n${input.toString('latin1')}`, { cause: error });
        rejected++;
      }
      const split = Math.floor(next() * (input.length + 1));
      const framer = new StreamFramer({
        onMessage: exercise,
        onError: (error) => assert.ok(error instanceof SipParseError),
      });
      framer.push(input.subarray(0, split));
      framer.push(input.subarray(split));
      slowest = Math.max(slowest, performance.now() - started);
    }
    assert.ok(parsed > 0 && rejected > 0, `parsed ${parsed}, rejected ${rejected}`);
    // No case may hang or go quadratic: each one is a few hundred bytes.
    assert.ok(slowest < 250, `slowest case took ${slowest.toFixed(1)} ms`);
  });

  it('refuses endless headers and oversized messages', () => {
    const endless = Buffer.concat([Buffer.from('INVITE sip:a@b SIP/2.0\r\n'), Buffer.alloc(70000, 'X-A: b\r\n')]);
    assert.throws(
      () => parseMessage(endless),
      (e: unknown) => e instanceof SipParseError && e.code === 'HEADERS_TOO_LARGE',
    );
    const errors: string[] = [];
    const framer = new StreamFramer({ onMessage: () => assert.fail('message'), onError: (e) => errors.push(e.code) });
    for (let i = 0; i < 100 && !framer.failed; i++) framer.push(Buffer.alloc(1024, 'X-A: b\r\n'));
    assert.deepEqual(errors, ['HEADERS_TOO_LARGE']);
    assert.equal(framer.buffered, 0);
  });
});
