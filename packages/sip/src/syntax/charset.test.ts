import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHAR_CLASS, GEN_VALUE, genValueEnd, isCallIdAt, WORD } from './charset.ts';

describe('character classes', () => {
  it('the sticky-regex runs accept exactly the chars of their table classes (every UTF-16 code unit)', () => {
    for (let c = 0; c < 0x10000; c++) {
      const text = `a${String.fromCharCode(c)}b`;
      const genValue = c < 256 && (CHAR_CLASS[c]! & GEN_VALUE) !== 0;
      const word = c < 256 && (CHAR_CLASS[c]! & WORD) !== 0;
      assert.equal(genValueEnd(text, 0, 3), genValue ? 3 : 1, `gen-value U+${c.toString(16)}`);
      assert.equal(isCallIdAt(text, 0, 3), word || c === 0x40, `Call-ID U+${c.toString(16)}`);
    }
  });

  it('a run stops at the given end and is empty where the first char is outside the class', () => {
    assert.equal(genValueEnd('abcdef', 1, 3), 3);
    assert.equal(genValueEnd(';x', 0, 2), 0);
    assert.equal(isCallIdAt('call@id', 0, 7), true);
    assert.equal(isCallIdAt('a@b@c', 0, 5), false);
    assert.equal(isCallIdAt('@b', 0, 2), false);
    assert.equal(isCallIdAt('b@', 0, 2), false);
    assert.equal(isCallIdAt('abc', 0, 2), false, 'the run must end at the given end');
  });
});
