import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DTMF_KEYS, dtmfFrequencies } from './dtmf-keys.ts';
import { detectDtmfKeys, DtmfDetector } from './dtmf-detector.ts';
import { g711Decode, g711Encode, G711Law } from './g711.ts';
import { seededRandom } from '@talkbus/testing';
import { tonePlan, toneRegions, ToneType } from './tone-plans.ts';
import { amplitudeFromDbm0, dtmfTonePlan, TonePlayer } from './tones.ts';

const RATE = 8000;

function renderKeys(keys: string, toneMs = 100, pauseMs = 100, levelDbm0 = -10): Int16Array {
  const pcm = new Int16Array(Math.ceil(((toneMs + pauseMs) * keys.length * RATE) / 1000) + 800);
  new TonePlayer(dtmfTonePlan(keys, { toneMs, pauseMs, levelDbm0 })).read(pcm);
  return pcm;
}

/** Sums sines (Hz, peak amplitude) over `seconds`. */
function sines(seconds: number, parts: [frequency: number, amplitude: number][]): Int16Array {
  const pcm = new Int16Array(seconds * RATE);
  for (let index = 0; index < pcm.length; index++) {
    let value = 0;
    for (const [frequency, amplitude] of parts) value += amplitude * Math.sin((2 * Math.PI * frequency * index) / RATE);
    pcm[index] = Math.max(-32768, Math.min(32767, Math.round(value)));
  }
  return pcm;
}

describe('DtmfDetector', () => {
  it('decodes "0123456789*#ABCD" fed in chunks of random sizes, with durations', () => {
    const pcm = renderKeys(DTMF_KEYS);
    const random = seededRandom(23);
    const detector = new DtmfDetector();
    const digits = [];
    for (let offset = 0; offset < pcm.length;) {
      const size = 1 + Math.floor(random() * 400);
      digits.push(...detector.process(pcm.subarray(offset, offset + size)));
      offset += size;
    }
    digits.push(...detector.flush());
    assert.equal(digits.map((digit) => digit.key).join(''), DTMF_KEYS);
    digits.forEach((digit, index) => {
      assert.ok(Math.abs(digit.durationMs - 100) <= 2 * 12.75, `${digit.key}: ${digit.durationMs} ms`);
      assert.ok(
        Math.abs(digit.startSample - index * 1600) <= 2 * detector.blockLength,
        `${digit.key} at ${digit.startSample}`,
      );
    });
  });

  it('decodes Q.24 minimum timing (40 ms tone, 40 ms pause) after G.711 and with noise', () => {
    const pcm = renderKeys(DTMF_KEYS, 40, 40, -20);
    const random = seededRandom(24);
    const noise = amplitudeFromDbm0(-45);
    for (let index = 0; index < pcm.length; index++) pcm[index] = pcm[index]! + Math.round((random() * 2 - 1) * noise);
    for (const law of [G711Law.Mulaw, G711Law.Alaw]) {
      assert.equal(detectDtmfKeys(g711Decode(law, g711Encode(law, pcm))), DTMF_KEYS, law);
    }
  });

  it('rejects tones shorter than two blocks (Q.24: reject below 23 ms)', () => {
    assert.equal(detectDtmfKeys(renderKeys('123', 20, 100)), '');
  });

  it('rejects single tones, network tones and pairs with too much twist or too little level', () => {
    assert.equal(detectDtmfKeys(sines(1, [[697, 8000]])), '');
    assert.equal(detectDtmfKeys(sines(1, [[1336, 8000]])), '');
    for (const region of toneRegions()) {
      for (const type of Object.values(ToneType)) {
        const pcm = new Int16Array(RATE * 3);
        new TonePlayer(tonePlan(region, type)).read(pcm);
        assert.equal(detectDtmfKeys(pcm), '', `${region} ${type}`);
      }
    }
    const [low, high] = dtmfFrequencies('5');
    assert.equal(
      detectDtmfKeys(
        sines(1, [
          [low, 8000],
          [high, 8000],
        ]),
      ),
      '5',
    );
    assert.equal(
      detectDtmfKeys(
        sines(1, [
          [low, 8000],
          [high, 8000 * 10 ** (-10 / 20)],
        ]),
      ),
      '',
      'normal twist 10 dB',
    );
    assert.equal(
      detectDtmfKeys(
        sines(1, [
          [low, 8000 * 10 ** (-10 / 20)],
          [high, 8000],
        ]),
      ),
      '',
      'reverse twist 10 dB',
    );
    const quiet = amplitudeFromDbm0(-40);
    assert.equal(
      detectDtmfKeys(
        sines(1, [
          [low, quiet],
          [high, quiet],
        ]),
      ),
      '',
      '-40 dBm0',
    );
  });

  it('rejects speech-like signals and noise', () => {
    const random = seededRandom(25);
    // Voiced speech model: a glottal-pulse-like harmonic series with a gliding pitch, two
    // formant resonances, syllable amplitude modulation, plus breath noise. Its harmonics sweep
    // through the DTMF frequencies, but never hold most of the energy in one row + one column.
    const pcm = new Int16Array(RATE * 5);
    let phase = 0;
    for (let index = 0; index < pcm.length; index++) {
      const time = index / RATE;
      const pitch = 110 + 40 * Math.sin(2 * Math.PI * 0.7 * time) + 15 * Math.sin(2 * Math.PI * 3.1 * time);
      phase += (2 * Math.PI * pitch) / RATE;
      let value = 0;
      for (let harmonic = 1; harmonic * pitch < 3400; harmonic++) {
        const frequency = harmonic * pitch;
        const formant =
          Math.exp(-(((frequency - 700) / 300) ** 2)) + 0.6 * Math.exp(-(((frequency - 1200) / 350) ** 2));
        value += ((0.3 + formant) / harmonic ** 0.5) * Math.sin(harmonic * phase);
      }
      const syllable = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * time);
      pcm[index] = Math.round(3000 * syllable * value + 300 * (random() * 2 - 1));
    }
    assert.equal(detectDtmfKeys(pcm), '');
    // The signal is a real test: with the shape checks off, it does fake keys ("talk-off").
    const lax = { minToneEnergyRatio: 0, minRelativePeakDb: 0, maxNormalTwistDb: 20, maxReverseTwistDb: 20 };
    assert.notEqual(detectDtmfKeys(pcm, lax), '');
    const noise = new Int16Array(RATE * 5).map(() => Math.round((random() * 2 - 1) * 10000));
    assert.equal(detectDtmfKeys(noise), '');
  });

  it('reports a key held across a one-block dropout once', () => {
    const pcm = renderKeys('9', 300, 100);
    pcm.fill(0, 1200, 1280); // 10 ms gap inside the tone
    assert.equal(detectDtmfKeys(pcm), '9');
  });
});
