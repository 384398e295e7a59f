/**
 * Error responses from partial headers: RFC 4475 §3.3.1 insuf (400 from the Via alone) and a
 * stream header section cut at the size limit (513 routed by the Via that was read).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SipParseError } from '../errors.ts';
import { createErrorResponse, partialHeaders } from './error-response.ts';
import { DEFAULT_LIMITS } from './header-section.ts';
import { SipHeaders } from './headers.ts';
import { parseMessage } from './parser.ts';
import { StreamFramer } from './stream-framer.ts';
import { validateRequest } from './validate.ts';

const insuf = readFileSync(path.join(import.meta.dirname, 'fixtures/rfc4475/insuf.dat'));

describe('createErrorResponse', () => {
  it('RFC 4475 §3.3.1 insuf: MISSING_HEADER 400, answered with Via and CSeq only', () => {
    let error: unknown;
    try {
      validateRequest(parseMessage(insuf) as never);
    } catch (caught) {
      error = caught;
    }
    assert.ok(error instanceof SipParseError && error.code === 'MISSING_HEADER' && error.headers !== undefined);
    const response = createErrorResponse({ headers: error.headers }, error.status!, { toTag: 't1' })!;
    assert.equal(response.status, 400);
    assert.equal(response.topVia?.branch, 'z9hG4bKkdj.insuf');
    assert.deepEqual(response.cseq, { seq: 193942, method: 'INVITE' });
    assert.deepEqual(
      response.headers.fields.map((f) => f.key),
      ['via', 'cseq'],
    );
  });

  it('no Via: nothing routes a response', () => {
    const headers = new SipHeaders([SipHeaders.field('CSeq', '1 INVITE')]);
    assert.equal(createErrorResponse({ headers }, 400), undefined);
  });

  it('with every header it is createResponse (To tag added)', () => {
    const headers = new SipHeaders([
      SipHeaders.field('Via', 'SIP/2.0/UDP h;branch=z9hG4bK1'),
      SipHeaders.field('From', '<sip:a@h>;tag=f'),
      SipHeaders.field('To', '<sip:b@h>'),
      SipHeaders.field('Call-ID', 'c'),
      SipHeaders.field('CSeq', '1 OPTIONS'),
    ]);
    assert.equal(createErrorResponse({ headers }, 400, { toTag: 'x' })!.to?.tag, 'x');
  });

  it('partial To gets the tag too', () => {
    const headers = new SipHeaders([
      SipHeaders.field('Via', 'SIP/2.0/UDP h;branch=z9hG4bK1'),
      SipHeaders.field('To', '<sip:b@h>'),
    ]);
    assert.equal(createErrorResponse({ headers }, 400, { toTag: 'x' })!.to?.tag, 'x');
  });
});

describe('StreamFramer: header section overflow keeps what it read (513)', () => {
  const head =
    'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bKbig\r\nCall-ID: big\r\nCSeq: 1 OPTIONS\r\n';
  const endless = Buffer.from(head + 'X-Pad: 0123456789\r\n'.repeat(200));

  for (const split of [1, 7, 100, endless.length]) {
    it(`an endless header section in chunks of ${split} bytes: fatal 513 with the Via`, () => {
      const errors: SipParseError[] = [];
      const framer = new StreamFramer(
        { onMessage: () => assert.fail('no message'), onError: (error) => errors.push(error) },
        { maxHeaderBytes: 1024 },
      );
      for (let at = 0; at < endless.length; at += split) framer.push(endless.subarray(at, at + split));
      assert.equal(errors.length, 1);
      const [error] = errors;
      assert.equal(error!.code, 'HEADERS_TOO_LARGE');
      const answer = createErrorResponse({ headers: error!.headers! }, error!.status!, {
        reason: error!.reasonPhrase,
      })!;
      assert.equal(answer.status, 513);
      assert.equal(answer.topVia?.branch, 'z9hG4bKbig');
      assert.equal(answer.callId, 'big');
    });
  }

  it('partialHeaders: nothing complete → undefined', () => {
    assert.equal(partialHeaders([Buffer.from('OPTIONS sip:a@b SIP/2.0')], DEFAULT_LIMITS), undefined);
  });
});
