import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  alawDecodeSample,
  alawEncodeSample,
  g711Decode,
  g711Encode,
  G711Law,
  g711SilenceCode,
  mulawDecodeSample,
  mulawEncodeSample,
} from './g711.ts';

// Known values: the first 16 entries of the widely published G.711 decoder tables (codes
// 0x00..0x0F), which equal ITU-T G.711 Tables 1a/2a decoder outputs scaled to 16 bits.
const MULAW_DECODE_0_15 = [
  -32124, -31100, -30076, -29052, -28028, -27004, -25980, -24956, -23932, -22908, -21884, -20860, -19836, -18812,
  -17788, -16764,
];
const ALAW_DECODE_0_15 = [
  -5504, -5248, -6016, -5760, -4480, -4224, -4992, -4736, -7552, -7296, -8064, -7808, -6528, -6272, -7040, -6784,
];

describe('G.711', () => {
  it('decodes known µ-law codes', () => {
    MULAW_DECODE_0_15.forEach((value, code) => assert.equal(mulawDecodeSample(code), value));
    assert.equal(mulawDecodeSample(0x80), 32124);
    assert.equal(mulawDecodeSample(0xff), 0);
    assert.equal(mulawDecodeSample(0x7f), 0); // "negative zero"
    assert.equal(mulawDecodeSample(0xfe), 8);
    assert.equal(mulawDecodeSample(0x7e), -8);
  });

  it('decodes known A-law codes', () => {
    ALAW_DECODE_0_15.forEach((value, code) => assert.equal(alawDecodeSample(code), value));
    assert.equal(alawDecodeSample(0xd5), 8);
    assert.equal(alawDecodeSample(0x55), -8);
    assert.equal(alawDecodeSample(0xaa), 32256);
    assert.equal(alawDecodeSample(0x2a), -32256);
  });

  it('encodes known samples (G.191 reference values)', () => {
    assert.equal(mulawEncodeSample(0), 0xff);
    assert.equal(mulawEncodeSample(-1), 0x7e);
    assert.equal(mulawEncodeSample(8), 0xfe);
    assert.equal(mulawEncodeSample(32767), 0x80);
    assert.equal(mulawEncodeSample(-32768), 0x00);
    assert.equal(alawEncodeSample(0), 0xd5);
    assert.equal(alawEncodeSample(-1), 0x55);
    assert.equal(alawEncodeSample(32767), 0xaa);
    assert.equal(alawEncodeSample(-32768), 0x2a);
    assert.equal(g711SilenceCode(G711Law.Mulaw), 0xff);
    assert.equal(g711SilenceCode(G711Law.Alaw), 0xd5);
  });

  it('round-trips every code exactly (code → linear → code)', () => {
    for (let code = 0; code < 256; code++) {
      // µ-law 0x7F is −0, which encodes back as +0 (0xFF); every other code is exact.
      assert.equal(mulawEncodeSample(mulawDecodeSample(code)), code === 0x7f ? 0xff : code, `µ-law ${code}`);
      assert.equal(alawEncodeSample(alawDecodeSample(code)), code, `A-law ${code}`);
    }
  });

  it('is monotonic and within half a step plus truncation over the whole 16-bit range', () => {
    for (const law of [G711Law.Mulaw, G711Law.Alaw]) {
      const encode = law === G711Law.Mulaw ? mulawEncodeSample : alawEncodeSample;
      const decode = law === G711Law.Mulaw ? mulawDecodeSample : alawDecodeSample;
      let previous = -Infinity;
      for (let sample = -32768; sample <= 32767; sample++) {
        const decoded = decode(encode(sample));
        assert.ok(decoded >= previous, `${law} not monotonic at ${sample}`);
        previous = decoded;
        // Half a step of the segment plus the truncation of the 2/3 dropped bits: at most 24
        // near zero and at most 5 % of the value elsewhere (clipping aside).
        const allowed = Math.max(24, 0.05 * Math.abs(sample));
        assert.ok(Math.abs(decoded - sample) <= allowed || Math.abs(sample) > 32124, `${law} at ${sample}: ${decoded}`);
      }
    }
  });

  it('encodes and decodes arrays, into given buffers too', () => {
    const samples = Int16Array.from([0, 1000, -1000, 32767, -32768]);
    for (const law of [G711Law.Mulaw, G711Law.Alaw]) {
      const codes = g711Encode(law, samples);
      assert.equal(codes.length, 5);
      const decoded = g711Decode(law, codes);
      assert.deepEqual(
        [...decoded],
        [...samples].map((sample) => g711Decode(law, g711Encode(law, Int16Array.of(sample)))[0]),
      );
      const into = new Uint8Array(8);
      assert.equal(g711Encode(law, samples, into).length, 5);
      assert.deepEqual([...into.subarray(0, 5)], [...codes]);
      assert.throws(() => g711Decode(law, codes, new Int16Array(2)), {
        name: 'RtpArgumentError',
        code: 'INVALID_ARGUMENT',
      });
    }
  });
});
