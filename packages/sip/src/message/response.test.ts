import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError } from '../errors.ts';
import { fixture } from './fixtures/load.ts';
import { parseMessage } from './parser.ts';
import { createResponse } from './response.ts';
import { serializeMessage } from './serializer.ts';
import { validateMessage } from './validate.ts';

const REQUEST =
  'INVITE sip:bob@biloxi.example.com SIP/2.0\r\n' +
  'Via: SIP/2.0/UDP p1.example;branch=z9hG4bK1, SIP/2.0/UDP uac.example;branch=z9hG4bK0\r\n' +
  'Max-Forwards: 69\r\n' +
  'To: "Bob, B." <sip:bob@biloxi.example.com;tag=inuri>\r\n' +
  'From: <sip:alice@atlanta.example.com>;tag=88sja8x\r\n' +
  'Call-ID: 987asjd97y7atg\r\n' +
  'CSeq: 986759 INVITE\r\n' +
  'Timestamp: 54.3\r\n' +
  'Content-Length: 0\r\n\r\n';

describe('createResponse (§8.2.6)', () => {
  it('copies Via (all, in order), From, To, Call-ID, CSeq and adds a To tag', () => {
    const response = createResponse(parseMessage(REQUEST), 180, { toTag: 'a6c85cf' })!;
    assert.equal(
      serializeMessage(response).toString(),
      'SIP/2.0 180 Ringing\r\n' +
        'Via: SIP/2.0/UDP p1.example;branch=z9hG4bK1, SIP/2.0/UDP uac.example;branch=z9hG4bK0\r\n' +
        'From: <sip:alice@atlanta.example.com>;tag=88sja8x\r\n' +
        'To: "Bob, B." <sip:bob@biloxi.example.com;tag=inuri>;tag=a6c85cf\r\n' +
        'Call-ID: 987asjd97y7atg\r\n' +
        'CSeq: 986759 INVITE\r\n' +
        'Content-Length: 0\r\n\r\n',
    );
    assert.equal(response.to?.tag, 'a6c85cf');
  });

  it('100 Trying copies Timestamp and adds no tag', () => {
    const response = createResponse(parseMessage(REQUEST), 100, { toTag: 'x' })!;
    assert.equal(response.reason, 'Trying');
    assert.equal(response.to?.tag, undefined);
    assert.equal(response.headers.get('Timestamp'), '54.3');
  });

  it('keeps an existing To tag, and adds headers and a body', () => {
    const request = parseMessage(
      REQUEST.replace(
        'To: "Bob, B." <sip:bob@biloxi.example.com;tag=inuri>',
        'To: <sip:bob@biloxi.example.com>;tag=known',
      ),
    );
    const response = createResponse(request, 486, {
      toTag: 'new',
      reason: 'Busy Here',
      headers: [['Retry-After', '60']],
      body: 'x',
    })!;
    assert.equal(response.to?.tag, 'known');
    assert.equal(response.retryAfter?.seconds, 60);
    assert.equal(response.body.toString(), 'x');
  });

  it('answers a rejected request from the error headers', () => {
    try {
      validateMessage(parseMessage(fixture('badvers')));
      assert.fail('accepted');
    } catch (error) {
      assert.ok(error instanceof SipParseError && error.headers !== undefined);
      const response = createResponse({ headers: error.headers }, error.status!, {
        reason: error.reasonPhrase,
        toTag: 't',
      })!;
      assert.equal(response.status, 505);
      assert.equal(response.callId, 'badvers.31417@c.example.com');
    }
  });

  it('returns undefined when there is nothing to route the answer by', () => {
    assert.equal(createResponse(parseMessage('OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n'), 400), undefined);
  });
});
