import assert from 'node:assert/strict';
import { test } from 'node:test';
import { peerKeyOf, samePeer } from './peer-uri.ts';

test('peerKeyOf reads scheme, user and host, ignoring display name, port, params and headers', () => {
  assert.deepEqual(peerKeyOf('"Bob" <SIP:bob@Example.COM:5070;transport=tcp?Subject=x>'), {
    scheme: 'sip',
    user: 'bob',
    host: 'example.com',
  });
  assert.deepEqual(peerKeyOf('sip:8001;ext=1@pbx.example.com'), {
    scheme: 'sip',
    user: '8001;ext=1',
    host: 'pbx.example.com',
  });
  assert.deepEqual(peerKeyOf('sip:b%6Fb@[2001:DB8::1]:5060'), { scheme: 'sip', user: 'bob', host: '[2001:db8::1]' });
  assert.deepEqual(peerKeyOf('sip:example.com'), { scheme: 'sip', user: '', host: 'example.com' });
  assert.deepEqual(peerKeyOf('tel:+8613800000000;phone-context=example.com'), {
    scheme: 'tel',
    user: '+8613800000000',
    host: '',
  });
  assert.equal(peerKeyOf('bob'), null);
});

test('samePeer compares loosely: host case-insensitive, user exact, scheme matters', () => {
  assert.ok(samePeer('sip:bob@example.com', '<sip:bob@EXAMPLE.com:5061;transport=tls>'));
  assert.ok(!samePeer('sip:bob@example.com', 'sip:Bob@example.com'));
  assert.ok(!samePeer('sip:bob@example.com', 'sips:bob@example.com'));
  assert.ok(!samePeer('sip:bob@example.com', 'sip:bob@example.org'));
  assert.ok(samePeer('tel:+861', 'TEL:+861'));
  assert.ok(samePeer('bob', ' BOB '), 'unparsable text compares as text, case-insensitively');
});
