/**
 * StreamFramer: byte fixtures fed whole, split at every offset, and byte by byte must give the
 * same events (STYLE.md §8; ws `test/receiver.test.js` does the same).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError } from '../errors.ts';
import { fixture } from './fixtures/load.ts';
import { parseMessage } from './parser.ts';
import { serializeMessage } from './serializer.ts';
import { StreamFramer } from './stream-framer.ts';
import type { ParseOptions } from './parser.ts';

/** What a framer reported, in a comparable form. */
function run(chunks: Buffer[], options?: ParseOptions): string[] {
  const events: string[] = [];
  const framer = new StreamFramer(
    {
      onMessage: (message) => events.push(`message ${serializeMessage(message).toString('latin1')}`),
      onError: (error, fatal) => {
        assert.ok(error instanceof SipParseError);
        events.push(`error ${error.code} ${error.status ?? '-'} fatal=${fatal}`);
      },
      onKeepAlive: (kind) => events.push(`keepalive ${kind}`),
    },
    options,
  );
  for (const chunk of chunks) framer.push(chunk);
  return events;
}

/** Asserts that every split of `bytes` gives the same events as one push, and returns them. */
function splitEverywhere(bytes: Buffer, options?: ParseOptions): string[] {
  const whole = run([bytes], options);
  for (let offset = 1; offset < bytes.length; offset++) {
    assert.deepEqual(run([bytes.subarray(0, offset), bytes.subarray(offset)], options), whole, `split at ${offset}`);
  }
  const single: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) single.push(bytes.subarray(i, i + 1));
  assert.deepEqual(run(single, options), whole, 'byte by byte');
  return whole;
}

const INVITE = Buffer.from(
  'INVITE sip:bob@biloxi.example.com SIP/2.0\r\n' +
    'Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n' +
    'Max-Forwards: 70\r\n' +
    'From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n' +
    'To: Bob <sip:bob@biloxi.example.com>\r\n' +
    'Call-ID: 3848276298220188511@atlanta.example.com\r\n' +
    'CSeq: 1 INVITE\r\n' +
    'Contact: <sip:alice@client.atlanta.example.com;transport=tcp>\r\n' +
    'Content-Type: application/sdp\r\n' +
    'Content-Length: 10\r\n' +
    '\r\n' +
    'v=0\r\no=x\r\n',
  'latin1',
);

describe('StreamFramer', () => {
  it('frames the RFC 4475 messages that carry Content-Length like the datagram parser', () => {
    for (const name of [
      'wsinv',
      'intmeth',
      'esc01',
      'escnull',
      'esc02',
      'lwsdisp',
      'longreq',
      'semiuri',
      'transports',
      'mpart01',
      'unreason',
      'noreason',
      'badbranch',
      'zeromf',
    ]) {
      const bytes = fixture(name);
      const expected = `message ${serializeMessage(parseMessage(bytes)).toString('latin1')}`;
      assert.deepEqual(splitEverywhere(bytes), [expected], name);
    }
  });

  it('frames several messages and keep-alives in one stream, split anywhere', () => {
    const stream = Buffer.concat([Buffer.from('\r\n\r\n'), INVITE, Buffer.from('\r\n'), INVITE, INVITE]);
    const events = splitEverywhere(stream);
    assert.deepEqual(
      events.map((e) => e.split(' ').slice(0, 2).join(' ')),
      ['keepalive pong', 'keepalive ping', 'message INVITE', 'keepalive pong', 'message INVITE', 'message INVITE'],
    );
  });

  it('reports malformed but framed messages as non-fatal and goes on', () => {
    const bad = Buffer.from(INVITE.toString('latin1').replace('CSeq: 1 INVITE\r\n', 'CSeq 1 INVITE\r\n'), 'latin1');
    const events = splitEverywhere(Buffer.concat([bad, INVITE]));
    assert.equal(events[0], 'error INVALID_HEADER_LINE 400 fatal=false');
    assert.ok(events[1]?.startsWith('message INVITE'));
  });

  it('fails fatally on a missing, negative or repeated Content-Length', () => {
    assert.deepEqual(splitEverywhere(fixture('inv2543')), ['error MISSING_CONTENT_LENGTH 400 fatal=true']);
    assert.deepEqual(splitEverywhere(fixture('ncl')), ['error INVALID_CONTENT_LENGTH 400 fatal=true']);
    assert.deepEqual(splitEverywhere(fixture('mcl01')), ['error MULTIPLE_CONTENT_LENGTH 400 fatal=true']);
  });

  it('ignores input after a fatal error', () => {
    assert.deepEqual(run([fixture('ncl'), INVITE]), ['error INVALID_CONTENT_LENGTH 400 fatal=true']);
  });

  it('enforces the header and body limits', () => {
    const endless = Buffer.from(`OPTIONS sip:a@b SIP/2.0\r\n${'X-Pad: 0123456789\r\n'.repeat(100)}`);
    assert.deepEqual(run([endless], { maxHeaderBytes: 1024 }), ['error HEADERS_TOO_LARGE 513 fatal=true']);
    assert.deepEqual(run([INVITE], { maxBodyBytes: 4 }), ['error BODY_TOO_LARGE 413 fatal=true']);
    assert.deepEqual(splitEverywhere(INVITE, { maxHeaderCount: 5 }), ['error TOO_MANY_HEADERS 513 fatal=false']);
  });

  it('waits for the rest of a message and holds only what it needs', () => {
    const framer = new StreamFramer({ onMessage: () => assert.fail('early'), onError: () => assert.fail('error') });
    framer.push(INVITE.subarray(0, INVITE.length - 3));
    assert.equal(framer.buffered, 7);
    assert.equal(framer.failed, false);
  });
});
