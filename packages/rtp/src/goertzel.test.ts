import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockEnergy, blockRms, goertzelPower, toneAmplitude } from './goertzel.ts';

function sine(frequency: number, amplitude: number, length: number): Int16Array {
  return Int16Array.from({ length }, (_, index) =>
    Math.round(amplitude * Math.sin((2 * Math.PI * frequency * index) / 8000)),
  );
}

describe('Goertzel', () => {
  it('measures the amplitude of a tone and ignores others', () => {
    const pcm = sine(1000, 10000, 800);
    assert.ok(Math.abs(toneAmplitude(pcm, 1000) - 10000) < 20);
    assert.ok(toneAmplitude(pcm, 1500) < 50);
    assert.ok(Math.abs(goertzelPower(pcm, 1000) - ((10000 * 800) / 2) ** 2) / ((10000 * 800) / 2) ** 2 < 0.01);
  });

  it('works on a window of a larger buffer', () => {
    const pcm = new Int16Array(2000);
    pcm.set(sine(697, 5000, 400), 1000);
    assert.ok(Math.abs(toneAmplitude(pcm, 697, { start: 1000, length: 400 }) - 5000) < 100);
    assert.ok(toneAmplitude(pcm, 697, { start: 0, length: 800 }) < 1);
    assert.equal(toneAmplitude(pcm, 697, { start: 2000, length: 0 }), 0);
    assert.throws(() => goertzelPower(pcm, 697, { start: 1900, length: 200 }), {
      name: 'RtpArgumentError',
      code: 'OUT_OF_RANGE',
    });
  });

  it('computes block energy and RMS', () => {
    const pcm = sine(500, 1000, 1600);
    assert.ok(Math.abs(blockRms(pcm) - 1000 / Math.SQRT2) < 2);
    assert.equal(blockEnergy(Int16Array.of(3, 4)), 25);
    assert.equal(blockRms(new Int16Array(0)), 0);
  });
});
