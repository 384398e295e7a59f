import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError } from '../errors.ts';
import { DialMode, formatDialUri } from './dial-string.ts';

describe('formatDialUri (product guide §6.11)', () => {
  it('local-login mode: sip:unknown@<ip or domain> (§6.11.1.1)', () => {
    const local = { mode: DialMode.LocalLogin };
    assert.equal(formatDialUri('192.168.0.78', local), 'sip:unknown@192.168.0.78');
    assert.equal(formatDialUri('sip.juphoon.com', local), 'sip:unknown@sip.juphoon.com');
    assert.equal(formatDialUri(' 192.168.0.78:5070 ', local), 'sip:unknown@192.168.0.78:5070');
    assert.equal(formatDialUri('::1', local), 'sip:unknown@[::1]');
    assert.equal(formatDialUri('alice@192.168.0.9', local), 'sip:alice@192.168.0.9');
  });

  it('server mode: sip:<phone>@<domain> (§6.11.1.2) and tel:<phone> (§6.11.2)', () => {
    const server = { mode: DialMode.Server, domain: 'sip.juphoon.com' };
    assert.equal(formatDialUri('13486651032', server), 'sip:13486651032@sip.juphoon.com');
    assert.equal(formatDialUri('134-8665 (1032)', server), 'sip:13486651032@sip.juphoon.com');
    assert.equal(formatDialUri('+86.10.1234', server), 'sip:+86101234@sip.juphoon.com');
    assert.equal(formatDialUri('alice', server), 'sip:alice@sip.juphoon.com');
    assert.equal(formatDialUri('13486651032', { ...server, scheme: 'tel' }), 'tel:13486651032');
    assert.equal(formatDialUri('+86-10-1234', { ...server, scheme: 'tel' }), 'tel:+86101234');
    assert.equal(
      formatDialUri('7042', { mode: DialMode.Server, scheme: 'tel', phoneContext: 'example.com' }),
      'tel:7042;phone-context=example.com',
    );
  });

  it('keeps full URIs as given', () => {
    for (const mode of [DialMode.LocalLogin, DialMode.Server]) {
      assert.equal(formatDialUri('sip:bob@biloxi.com;transport=tcp', { mode }), 'sip:bob@biloxi.com;transport=tcp');
      assert.equal(formatDialUri('tel:+1-212-555-0101', { mode }), 'tel:+1-212-555-0101');
      assert.equal(formatDialUri('SIPS:bob@biloxi.com', { mode }), 'SIPS:bob@biloxi.com');
    }
  });

  it('rejects what cannot be dialled with INVALID_DIAL_STRING', () => {
    const cases: Array<[string, Parameters<typeof formatDialUri>[1]]> = [
      ['', { mode: DialMode.Server, domain: 'x.com' }],
      ['13486651032', { mode: DialMode.LocalLogin }],
      ['1234', { mode: DialMode.Server }],
      ['alice', { mode: DialMode.Server, scheme: 'tel' }],
      ['sip:bad host', { mode: DialMode.Server, domain: 'x.com' }],
      ['a@b c', { mode: DialMode.Server, domain: 'x.com' }],
    ];
    for (const [input, options] of cases) {
      assert.throws(
        () => formatDialUri(input, options),
        (e: unknown) => e instanceof SipParseError && e.code === 'INVALID_DIAL_STRING',
        input,
      );
    }
  });
});
