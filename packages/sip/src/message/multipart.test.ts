import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError } from '../errors.ts';
import { buildMultipart, parseMultipart } from './multipart.ts';

describe('multipart bodies (RFC 2046 §5.1)', () => {
  it('builds and parses multipart/mixed with SDP and sipfrag', () => {
    const sdp = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n';
    const frag = 'SIP/2.0 200 OK\r\n';
    const binary = Buffer.from([0, 1, 2, 0x0d, 0x0a, 0x2d, 0x2d, 255]);
    const { body, contentType } = buildMultipart(
      [
        { contentType: 'application/sdp', body: sdp },
        { contentType: 'message/sipfrag', body: frag, headers: [['Content-Disposition', 'render']] },
        { contentType: 'application/octet-stream', body: binary },
      ],
      { boundary: 'unique-boundary-1' },
    );
    assert.equal(contentType, 'multipart/mixed;boundary=unique-boundary-1');
    const parts = parseMultipart(body, contentType);
    assert.equal(parts.length, 3);
    assert.equal(parts[0]!.headers.get('Content-Type'), 'application/sdp');
    assert.equal(parts[0]!.body.toString(), sdp);
    assert.equal(parts[1]!.body.toString(), frag);
    assert.equal(parts[1]!.headers.get('content-disposition'), 'render');
    assert.ok(parts[2]!.body.equals(binary));
  });

  it('ignores preamble and epilogue, and defaults part headers', () => {
    const body = Buffer.from('preamble\r\n--b\r\n\r\nplain\r\n--b--\r\nepilogue');
    const parts = parseMultipart(body, 'multipart/mixed; boundary=b');
    assert.equal(parts.length, 1);
    assert.equal(parts[0]!.headers.size, 0);
    assert.equal(parts[0]!.body.toString(), 'plain');
  });

  it('rejects bodies that are not multipart framed', () => {
    for (const [body, type] of [
      ['--b\r\nContent-Type: text/plain\r\n\r\nx', 'multipart/mixed;boundary=b'],
      ['no delimiter', 'multipart/mixed;boundary=b'],
      ['--b\r\n\r\nx\r\n--b--', 'multipart/mixed'],
      ['--b\r\n\r\nx\r\n--b--', 'application/sdp'],
    ] as const) {
      assert.throws(
        () => parseMultipart(Buffer.from(body), type),
        (e: unknown) => e instanceof SipParseError && e.code === 'INVALID_MULTIPART',
      );
    }
  });
});
