import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { g711Decode, g711Encode, G711Law } from './g711.ts';
import { toneAmplitude } from './goertzel.ts';
import { G711Mixer, mixG711 } from './mixer.ts';

function tone(frequency: number, amplitude: number, length = 800): Int16Array {
  return Int16Array.from({ length }, (_, index) =>
    Math.round(amplitude * Math.sin((2 * Math.PI * frequency * index) / 8000)),
  );
}

describe('G.711 mixer', () => {
  for (const law of [G711Law.Mulaw, G711Law.Alaw]) {
    it(`${law}: the sum of two tones contains both (Goertzel)`, () => {
      const first = g711Encode(law, tone(440, 6000));
      const second = g711Encode(law, tone(1000, 6000));
      const mixed = g711Decode(law, mixG711(law, [first, second]));
      assert.ok(Math.abs(toneAmplitude(mixed, 440) - 6000) < 300);
      assert.ok(Math.abs(toneAmplitude(mixed, 1000) - 6000) < 300);
      assert.ok(toneAmplitude(mixed, 700) < 200);
    });
  }

  it('clips instead of wrapping', () => {
    const law = G711Law.Mulaw;
    const loud = g711Encode(law, new Int16Array(160).fill(30000));
    const mixed = g711Decode(law, mixG711(law, [loud, loud]));
    assert.ok(mixed.every((sample) => sample === 32124));
    const negative = g711Encode(law, new Int16Array(160).fill(-30000));
    assert.ok(g711Decode(law, mixG711(law, [negative, negative])).every((sample) => sample === -32124));
  });

  it('gives each participant the others but not itself (N−1 mix)', () => {
    const law = G711Law.Alaw;
    const mixer = new G711Mixer({ law, frameSamples: 800 });
    const frequencies = [500, 900, 1300];
    const inputs = frequencies.map((frequency) => g711Encode(law, tone(frequency, 5000)));
    const outputs = frequencies.map(() => new Uint8Array(800));
    mixer.mixMinusOne(inputs, outputs);
    outputs.forEach((output, participant) => {
      const decoded = g711Decode(law, output);
      frequencies.forEach((frequency, other) => {
        const amplitude = toneAmplitude(decoded, frequency);
        if (other === participant) assert.ok(amplitude < 150, `${participant} hears itself: ${amplitude}`);
        else assert.ok(Math.abs(amplitude - 5000) < 300, `${participant} hears ${frequency} at ${amplitude}`);
      });
    });
    // A silent participant (undefined) hears the others and adds nothing.
    mixer.mixMinusOne([inputs[0], undefined], [outputs[0]!, outputs[1]!]);
    assert.ok(g711Decode(law, outputs[0]!).every((sample) => Math.abs(sample) <= 8));
    assert.ok(Math.abs(toneAmplitude(g711Decode(law, outputs[1]!), 500) - 5000) < 300);
  });

  it('refuses frames of the wrong length or mismatched counts', () => {
    const mixer = new G711Mixer({ law: G711Law.Mulaw });
    assert.equal(mixer.frameSamples, 160);
    assert.throws(() => mixer.mix([new Uint8Array(80)]), { name: 'RtpArgumentError', code: 'INVALID_ARGUMENT' });
    assert.throws(() => mixer.mixMinusOne([new Uint8Array(160)], []), { code: 'INVALID_ARGUMENT' });
    assert.equal(mixG711(G711Law.Mulaw, []).length, 0);
  });
});
