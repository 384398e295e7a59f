/**
 * RFC 6455 framing and handshake: frames split at every offset give the same events, masking
 * and size rules are enforced with the right close codes, and the RFC's own handshake example.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closePayload, encodeFrame, WebSocketOpcode, WebSocketReceiver } from './websocket-frames.ts';
import {
  acceptKey,
  answerUpgrade,
  checkUpgradeResponse,
  parseHttpHead,
  upgradeRequest,
} from './websocket-handshake.ts';

function run(chunks: Buffer[], expectMasked = true, maxMessageBytes = 70_000): string[] {
  const events: string[] = [];
  const receiver = new WebSocketReceiver(
    {
      onMessage: (payload, binary) =>
        events.push(`${binary ? 'binary' : 'text'} ${payload.length} ${payload.toString('latin1').slice(0, 20)}`),
      onPing: (payload) => events.push(`ping ${payload.toString()}`),
      onPong: (payload) => events.push(`pong ${payload.toString()}`),
      onClose: (code, reason) => events.push(`close ${code} ${reason}`),
      onError: (code, reason) => events.push(`error ${code} ${reason}`),
    },
    { maxMessageBytes, expectMasked },
  );
  for (const chunk of chunks) receiver.push(chunk);
  return events;
}

/** A frame with FIN/opcode given by hand (for fragments). */
function fragment(opcode: number, fin: boolean, payload: Buffer): Buffer {
  const frame = encodeFrame(WebSocketOpcode.Text, payload, true);
  frame[0] = (fin ? 0x80 : 0) | opcode;
  return frame;
}

describe('WebSocketReceiver', () => {
  const stream = Buffer.concat([
    encodeFrame(WebSocketOpcode.Text, Buffer.from('OPTIONS sip:a@b SIP/2.0\r\n\r\n'), true),
    encodeFrame(WebSocketOpcode.Ping, Buffer.from('hi'), true),
    encodeFrame(WebSocketOpcode.Binary, Buffer.alloc(300, 0x41), true),
    encodeFrame(WebSocketOpcode.Text, Buffer.alloc(66_000, 0x42), true),
    fragment(WebSocketOpcode.Text, false, Buffer.from('part1 ')),
    encodeFrame(WebSocketOpcode.Pong, Buffer.from('x'), true),
    fragment(WebSocketOpcode.Continuation, true, Buffer.from('part2')),
    encodeFrame(WebSocketOpcode.Close, closePayload(1000, 'bye'), true),
  ]);
  const expected = [
    'text 27 OPTIONS sip:a@b SIP/',
    'ping hi',
    `binary 300 ${'A'.repeat(20)}`,
    `text 66000 ${'B'.repeat(20)}`,
    'pong x',
    'text 11 part1 part2',
    'close 1000 bye',
  ];
  it('decodes every frame kind (7/16/64-bit lengths, fragments with a control frame between)', () => {
    assert.deepEqual(run([stream]), expected);
  });
  it('gives the same events when split at every offset of the small frames, and byte by byte', () => {
    const small = Buffer.concat([
      encodeFrame(WebSocketOpcode.Text, Buffer.alloc(200, 0x43), true),
      encodeFrame(WebSocketOpcode.Ping, Buffer.from('p'), true),
    ]);
    const whole = run([small]);
    for (let offset = 1; offset < small.length; offset++)
      assert.deepEqual(run([small.subarray(0, offset), small.subarray(offset)]), whole, `split at ${offset}`);
    const bytes: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) bytes.push(stream.subarray(i, i + 1));
    assert.deepEqual(run(bytes), expected);
  });
  it('refuses unmasked frames from a client and masked frames from a server (1002)', () => {
    assert.match(run([encodeFrame(WebSocketOpcode.Text, Buffer.from('x'), false)])[0]!, /^error 1002 unmasked/);
    assert.match(run([encodeFrame(WebSocketOpcode.Text, Buffer.from('x'), true)], false)[0]!, /^error 1002 masked/);
    assert.deepEqual(run([encodeFrame(WebSocketOpcode.Text, Buffer.from('ok'), false)], false), ['text 2 ok']);
  });
  it('refuses messages above the bound before buffering them (1009), also across fragments', () => {
    assert.match(
      run([encodeFrame(WebSocketOpcode.Text, Buffer.alloc(2000), true).subarray(0, 8)], true, 1000)[0]!,
      /^error 1009/,
    );
    const parts = [
      fragment(WebSocketOpcode.Text, false, Buffer.alloc(600)),
      fragment(WebSocketOpcode.Continuation, true, Buffer.alloc(600)),
    ];
    assert.match(run(parts, true, 1000)[0]!, /^error 1009/);
  });
  it('refuses protocol violations (RSV bits, unknown opcodes, bad control frames, stray continuation)', () => {
    const rsv = encodeFrame(WebSocketOpcode.Text, Buffer.from('x'), true);
    rsv[0] = rsv[0]! | 0x40;
    assert.match(run([rsv])[0]!, /^error 1002 RSV/);
    assert.match(run([fragment(0x3, true, Buffer.from('x'))])[0]!, /^error 1002 unknown opcode/);
    assert.match(run([fragment(WebSocketOpcode.Ping, false, Buffer.from('x'))])[0]!, /^error 1002 bad control/);
    assert.match(run([fragment(WebSocketOpcode.Continuation, true, Buffer.from('x'))])[0]!, /^error 1002 continuation/);
    assert.match(
      run([
        fragment(WebSocketOpcode.Text, false, Buffer.from('x')),
        fragment(WebSocketOpcode.Text, true, Buffer.from('y')),
      ])[0]!,
      /^error 1002 new message/,
    );
  });
  it('ignores input after a failure', () => {
    const events = run([
      encodeFrame(WebSocketOpcode.Text, Buffer.from('x'), false),
      encodeFrame(WebSocketOpcode.Text, Buffer.from('y'), true),
    ]);
    assert.equal(events.length, 1);
  });
});

describe('WebSocket handshake (RFC 6455 §4, RFC 7118 §4)', () => {
  it('computes the accept key of RFC 6455 §1.3', () => {
    assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
  it('accepts a client that offers sip and refuses one that does not', () => {
    const request = upgradeRequest({ host: '[::1]:8080', path: '/', key: 'dGhlIHNhbXBsZSBub25jZQ==' });
    const head = parseHttpHead(request.subarray(0, request.length - 4));
    const decision = answerUpgrade(head);
    assert.equal(decision.accepted, true);
    const response = parseHttpHead(decision.response.subarray(0, decision.response.length - 4));
    assert.equal(checkUpgradeResponse(response, 'dGhlIHNhbXBsZSBub25jZQ=='), undefined);
    assert.match(checkUpgradeResponse(response, 'AAAAAAAAAAAAAAAAAAAAAA==') ?? '', /Accept/);
    const noSip = parseHttpHead(
      Buffer.from(
        request.toString('latin1').replace('Sec-WebSocket-Protocol: sip', 'Sec-WebSocket-Protocol: chat').slice(0, -4),
        'latin1',
      ),
    );
    const refused = answerUpgrade(noSip);
    assert.equal(refused.accepted, false);
    assert.match(refused.response.toString('latin1'), /^HTTP\/1\.1 400/);
    assert.match(
      answerUpgrade(parseHttpHead(Buffer.from('GET / HTTP/1.1\r\nHost: x', 'latin1'))).response.toString('latin1'),
      /^HTTP\/1\.1 426/,
    );
  });
});
