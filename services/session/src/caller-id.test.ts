/**
 * Caller ID (guide §6.2.6): P-Asserted-Identity over From, and Privacy (RFC 3323, RFC 3325).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callerId } from './caller-id.ts';

test('§6.2.6 From when nothing is asserted', () => {
  assert.deepEqual(callerId({ from: '"Bob" <sip:bob@example.com>;tag=1' }), {
    uri: 'sip:bob@example.com',
    displayName: 'Bob',
    source: 'from',
    restricted: false,
  });
});

test('§6.2.6 P-Asserted-Identity wins over From; the SIP value of several', () => {
  const id = callerId({
    from: '<sip:unknown@example.com>;tag=1',
    pAssertedIdentity: '<tel:+8613486651032>, "Carol" <sip:+8613486651032@ims.example.com>',
  });
  assert.equal(id.uri, 'sip:+8613486651032@ims.example.com');
  assert.equal(id.displayName, 'Carol');
  assert.equal(id.source, 'p-asserted-identity');
});

test('§6.2.6 display restriction: Privacy id/user/header, or an anonymous From', () => {
  for (const privacy of ['id', 'user', 'header;id', 'ID']) {
    const id = callerId({ from: '<sip:bob@example.com>;tag=1', pAssertedIdentity: '<sip:bob@example.com>', privacy });
    assert.deepEqual(id, { uri: null, displayName: null, source: 'p-asserted-identity', restricted: true }, privacy);
  }
  assert.equal(callerId({ from: '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=1' }).restricted, true);
  assert.equal(callerId({ from: '<sip:bob@example.com>;tag=1', privacy: 'none' }).restricted, false);
});

test('an unreadable From or PAI never throws', () => {
  assert.equal(callerId({ from: '<<<', pAssertedIdentity: '>>>' }).restricted, true);
});
