import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError, type SipErrorCode } from '../errors.ts';
import { fixture } from './fixtures/load.ts';
import { isKeepAlive, parseMessage } from './parser.ts';
import { serializeMessage } from './serializer.ts';
import { SipRequest, SipResponse } from './message.ts';
import type { ParseOptions } from './parser.ts';

const INVITE =
  'INVITE sip:bob@biloxi.example.com SIP/2.0\r\n' +
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport\r\n' +
  'Max-Forwards: 70\r\n' +
  'To: Bob <sip:bob@biloxi.example.com>\r\n' +
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n' +
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n' +
  'CSeq: 314159 INVITE\r\n' +
  'Contact: <sip:alice@pc33.atlanta.example.com>\r\n' +
  'X-Custom: odd   spacing ,, "kept" \\ as is \t\\\r\n' +
  'Content-Type: application/sdp\r\n' +
  'Content-Length: 4\r\n' +
  '\r\n' +
  'v=0\n';

function code(input: string | Buffer, expected: SipErrorCode, options?: ParseOptions): SipParseError {
  try {
    parseMessage(input, options);
  } catch (error) {
    assert.ok(error instanceof SipParseError, String(error));
    assert.equal(error.code, expected, error.message);
    return error;
  }
  assert.fail(`parsed: expected ${expected}`);
}

describe('parseMessage', () => {
  it('reads a request and round-trips it byte for byte', () => {
    const message = parseMessage(INVITE);
    assert.ok(message instanceof SipRequest);
    assert.equal(message.method, 'INVITE');
    assert.equal(message.requestUri, 'sip:bob@biloxi.example.com');
    assert.equal(message.body.toString(), 'v=0\n');
    assert.equal(serializeMessage(message).toString(), INVITE);
  });

  it('keeps unknown header values byte for byte, folds included', () => {
    const folded = INVITE.replace(/X-Custom:.*\r\n/, 'X-Custom: first\r\n   second ,  third\r\nX-Other: ¿qué?\r\n');
    const message = parseMessage(folded);
    assert.equal(message.headers.getFields('X-Custom')[0]?.raw, 'first\r\n   second ,  third');
    assert.equal(message.headers.get('x-custom'), 'first   second ,  third');
    assert.equal(message.headers.get('X-Other'), '¿qué?');
    assert.equal(serializeMessage(message).toString(), folded);
  });

  it('writes UTF-8 back as received, and what code sets as UTF-8, next to untouched ASCII lines', () => {
    const received = INVITE.replace(/X-Custom:.*\r\n/, 'X-Custom: Grüße\r\n').replace(
      /From: .*\r\n/,
      'From: "Zoë" <sip:zoe@a.example>;tag=1\r\n',
    );
    const message = parseMessage(Buffer.from(received, 'utf8'));
    assert.equal(message.from?.displayName, 'Zoë');
    assert.deepEqual(serializeMessage(message), Buffer.from(received, 'utf8'));
    message.headers.set('Subject', 'naïve ☎');
    message.headers.set('Max-Forwards', '69');
    const rebuilt = serializeMessage(message).toString('utf8');
    assert.match(rebuilt, /\r\nSubject: naïve ☎\r\n/);
    assert.match(rebuilt, /\r\nX-Custom: Grüße\r\n/);
    assert.equal(parseMessage(serializeMessage(message)).headers.get('subject'), 'naïve ☎');
  });

  it('is a fixed point of parse → serialize → parse for every valid torture message', () => {
    for (const name of [
      'wsinv',
      'intmeth',
      'esc01',
      'escnull',
      'esc02',
      'lwsdisp',
      'longreq',
      'dblreq',
      'semiuri',
      'transports',
      'mpart01',
      'unreason',
      'noreason',
      'inv2543',
      'unksm2',
      'regescrt',
    ]) {
      const once = serializeMessage(parseMessage(fixture(name)));
      const twice = serializeMessage(parseMessage(once));
      assert.ok(once.equals(twice), name);
    }
  });

  it('expands compact forms and matches names case-insensitively', () => {
    const message = parseMessage(
      'OPTIONS sip:a@b.example SIP/2.0\r\nv: SIP/2.0/UDP h.example;branch=z9hG4bKx\r\nf: <sip:c@d.example>;tag=1\r\nt: sip:a@b.example\r\n' +
        'i: abc@h\r\nCSEQ: 2 OPTIONS\r\nmax-forwards: 10\r\nm: <sip:c@h.example>\r\nk: 100rel, timer\r\nu: presence\r\no: refer;id=93\r\n' +
        'x: 1800;refresher=uac\r\nr: <sip:z@y.example>\r\nb: <sip:w@y.example>\r\ns: hello, world\r\ne: gzip\r\nc: text/plain\r\nl: 0\r\n\r\n',
    );
    assert.equal(message.callId, 'abc@h');
    assert.equal(message.from?.tag, '1');
    assert.equal(message.topVia?.host, 'h.example');
    assert.deepEqual(message.supported, ['100rel', 'timer']);
    assert.deepEqual(message.allowEvents, ['presence']);
    assert.equal(message.event?.id, '93');
    assert.equal(message.sessionExpires?.refresher, 'uac');
    assert.equal(message.referTo?.uri.toString(), 'sip:z@y.example');
    assert.equal(message.referredBy?.uri.toString(), 'sip:w@y.example');
    assert.equal(message.headers.get('Subject'), 'hello, world');
    assert.deepEqual(message.headers.values('Content-Encoding'), ['gzip']);
    assert.equal(message.contentType?.mediaType, 'text/plain');
  });

  it('accepts bare-LF line endings and leading CRLF', () => {
    const message = parseMessage(`\r\n\r\n${INVITE.replaceAll('\r\n', '\n')}`);
    assert.equal(message.kind, 'request');
    assert.equal(message.cseq?.seq, 314159);
    assert.equal(message.body.toString(), 'v=0\n');
  });

  it('parses responses', () => {
    const message = parseMessage(
      'SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP a.example;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n',
    );
    assert.ok(message instanceof SipResponse);
    assert.equal(message.status, 180);
    assert.equal(message.reason, 'Ringing');
  });

  it('takes the body to the end of a datagram without Content-Length (§18.3)', () => {
    const message = parseMessage(INVITE.replace('Content-Length: 4\r\n', '') + 'extra');
    assert.equal(message.body.toString(), 'v=0\nextra');
  });

  it('recognises keep-alives', () => {
    assert.equal(isKeepAlive(Buffer.from('\r\n\r\n')), true);
    assert.equal(isKeepAlive(Buffer.from(INVITE)), false);
    code('\r\n\r\n', 'EMPTY_MESSAGE');
  });

  it('rejects malformed start lines and headers with typed codes', () => {
    code('INVITE sip:a@b SIP/2.0\r\nVia SIP/2.0/UDP x\r\n\r\n', 'INVALID_HEADER_LINE');
    code('INVITE sip:a@b SIP/2.0\r\n  folded first\r\n\r\n', 'INVALID_HEADER_LINE');
    code('INVITE sip:a@b SIP/2.0\r\nX: a\rb\r\n\r\n', 'INVALID_HEADER_LINE');
    // A bare CR anywhere in the header section: a canonical line, a folded one, a line of its
    // own, before the end of a value (another parser could end the line there).
    for (const bare of [
      'Via: SIP/2.0/UDP h;branch=z9hG4bK1\rVia: SIP/2.0/UDP evil\r\n',
      'Subject: a\r\n b\rc\r\n',
      'Subject:  a\r\r\n',
      'Subject: a\r\n\rX: b\r\n',
      '\rX: a\r\n',
      'TO : sip:a@b\r;tag=1\r\n',
    ]) {
      const error = code(`INVITE sip:a@b SIP/2.0\r\n${bare}\r\n`, 'INVALID_HEADER_LINE');
      assert.equal(error.status, 400, JSON.stringify(bare));
    }
    code('INV@TE sip:a@b SIP/2.0\r\n\r\n', 'INVALID_METHOD');
    code('INVITE sip:a@b HTTP/1.1\r\n\r\n', 'INVALID_VERSION');
    code('INVITE sip:a@b SIP/3.0\r\n\r\n', 'VERSION_NOT_SUPPORTED');
    code('SIP/2.0 99 Odd\r\n\r\n', 'INVALID_STATUS_CODE');
    code('SIP/2.0 700 Odd\r\n\r\n', 'INVALID_STATUS_CODE');
    code('SIP/2.0 2000 Odd\r\n\r\n', 'INVALID_STATUS_CODE');
    code('garbage', 'INCOMPLETE_MESSAGE');
    code(
      Buffer.from([
        0x49, 0x20, 0x73, 0x3a, 0x61, 0x20, 0x53, 0x49, 0x50, 0x2f, 0x32, 0x2e, 0x30, 0x0d, 0x0a, 0x58, 0x3a, 0xff,
        0xfe, 0x0d, 0x0a, 0x0d, 0x0a,
      ]),
      'INVALID_UTF8',
    );
    code(INVITE.replace('Content-Length: 4', 'Content-Length: 4, 4'), 'MULTIPLE_CONTENT_LENGTH');
    code(INVITE.replace('Content-Length: 4', 'Content-Length: four'), 'INVALID_CONTENT_LENGTH');
  });

  it('enforces every size limit', () => {
    assert.equal(code(INVITE, 'HEADERS_TOO_LARGE', { maxHeaderBytes: 100 }).status, 513);
    assert.equal(code(INVITE, 'BODY_TOO_LARGE', { maxBodyBytes: 3 }).status, 413);
    assert.equal(code(INVITE, 'TOO_MANY_HEADERS', { maxHeaderCount: 4 }).status, 513);
    code(INVITE.replace('Content-Length: 4\r\n', '') + 'x'.repeat(100), 'BODY_TOO_LARGE', { maxBodyBytes: 50 });
    code(INVITE.replace('Content-Length: 4', 'Content-Length: 99999999999999999999999'), 'BODY_TOO_LARGE');
  });

  it('serializes Content-Length from the body, in place', () => {
    const message = parseMessage(fixture('esc01'));
    message.body = Buffer.from('v=0\r\n');
    const text = serializeMessage(message).toString();
    assert.match(text, /Contact:[^]*Content-Length: 5\r\n\r\nv=0\r\n$/);
    const built = new SipRequest({ method: 'BYE', uri: 'sip:a@b.example', headers: [['Call-ID', 'x@y']] });
    assert.equal(
      serializeMessage(built).toString(),
      'BYE sip:a@b.example SIP/2.0\r\nCall-ID: x@y\r\nContent-Length: 0\r\n\r\n',
    );
  });
});
