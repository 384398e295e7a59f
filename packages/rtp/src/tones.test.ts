import type { TonePlan } from './tone-plans.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DTMF_KEYS, dtmfFrequencies } from './dtmf-keys.ts';
import { g711Decode, G711Law } from './g711.ts';
import { blockRms, toneAmplitude } from './goertzel.ts';
import { tonePlan, ToneRegion, toneRegions, ToneType } from './tone-plans.ts';
import { amplitudeFromDbm0, dtmfTonePlan, TonePlayer } from './tones.ts';

const RATE = 8000;
const FRAME = 160;
const CANDIDATES = [350, 400, 425, 440, 450, 480, 620, 697, 950, 1000, 1209, 1250, 1400, 1800];

function render(plan: TonePlan, seconds: number): Int16Array {
  const player = new TonePlayer(plan);
  const pcm = new Int16Array(Math.round(seconds * RATE));
  // Read in 20 ms frames, as the media loop does.
  for (let offset = 0; offset < pcm.length; offset += FRAME) player.read(pcm.subarray(offset, offset + FRAME));
  return pcm;
}

/** Alternating on/off runs of the plan's first `cycles` cycles, in ms (adjacent tones merge). */
function expectedRuns(plan: TonePlan, cycles: number): { on: boolean; ms: number }[] {
  const runs: { on: boolean; ms: number }[] = [];
  for (let cycle = 0; cycle < cycles; cycle++) {
    for (const segment of plan.segments) {
      const on = segment.frequencies.length > 0;
      const last = runs[runs.length - 1];
      if (last !== undefined && last.on === on) last.ms += segment.durationMs;
      else runs.push({ on, ms: segment.durationMs });
    }
  }
  return runs;
}

/** On/off runs measured from 20 ms frame energy, in ms. */
function measuredRuns(pcm: Int16Array, threshold: number): { on: boolean; ms: number }[] {
  const runs: { on: boolean; ms: number }[] = [];
  for (let offset = 0; offset + FRAME <= pcm.length; offset += FRAME) {
    const on = blockRms(pcm, offset, FRAME) > threshold;
    const last = runs[runs.length - 1];
    if (last !== undefined && last.on === on) last.ms += 20;
    else runs.push({ on, ms: 20 });
  }
  return runs;
}

function checkFrequencies(plan: TonePlan, pcm: Int16Array): void {
  let start = 0;
  for (const segment of plan.segments) {
    const length = Number.isFinite(segment.durationMs) ? Math.round((segment.durationMs * RATE) / 1000) : 8000;
    if (segment.frequencies.length > 0) {
      const margin = Math.min(80, Math.floor(length / 8));
      const window = Math.min(length - 2 * margin, 1600);
      const options = { start: start + margin, length: window };
      const expected = amplitudeFromDbm0(segment.levelDbm0 ?? plan.levelDbm0);
      for (const frequency of segment.frequencies) {
        const amplitude = toneAmplitude(pcm, frequency, options);
        assert.ok(
          Math.abs(amplitude / expected - 1) < 0.15,
          `${plan.name}: ${frequency} Hz at ${amplitude}, want ${expected}`,
        );
      }
      const resolution = (3 * RATE) / window;
      for (const other of CANDIDATES) {
        if (segment.frequencies.some((frequency) => Math.abs(frequency - other) < resolution)) continue;
        const amplitude = toneAmplitude(pcm, other, options);
        assert.ok(amplitude < expected * 0.1, `${plan.name}: unexpected ${other} Hz at ${amplitude}`);
      }
    }
    start += length;
  }
}

describe('tone plans', () => {
  for (const region of toneRegions()) {
    for (const type of Object.values(ToneType)) {
      it(`${region} ${type}: right frequencies (Goertzel) and cadence (±1 frame)`, () => {
        const plan = tonePlan(region, type);
        const cycleMs = plan.segments.reduce((sum, segment) => sum + segment.durationMs, 0);
        const continuous = !Number.isFinite(cycleMs);
        const cycles = continuous ? 1 : Math.min(plan.repeat, 2);
        const seconds = continuous ? 1 : (cycleMs * cycles) / 1000 + (plan.repeat <= 2 ? 1 : 0);
        const pcm = render(plan, seconds);
        checkFrequencies(plan, pcm);
        const threshold = amplitudeFromDbm0(plan.levelDbm0) * 0.2;
        const measured = measuredRuns(pcm, threshold);
        if (continuous) {
          assert.deepEqual(measured, [{ on: true, ms: 1000 }]);
          return;
        }
        const expected = expectedRuns(plan, cycles);
        // Played out: silence after (merging with a final off run).
        if (plan.repeat <= cycles && expected[expected.length - 1]!.on) expected.push({ on: false, ms: 0 });
        // The last measured run is cut by the end of the render; compare it as "at most".
        assert.equal(measured.length, expected.length, `${plan.name}: ${JSON.stringify(measured)}`);
        measured.forEach((run, index) => {
          const want = expected[index]!;
          assert.equal(run.on, want.on);
          if (index === measured.length - 1) return;
          assert.ok(Math.abs(run.ms - want.ms) <= 20, `${plan.name} run ${index}: ${run.ms} ms, want ${want.ms} ms`);
        });
      });
    }
  }

  it('uses the guide market values for CN and the precise tones for US', () => {
    assert.deepEqual(tonePlan(ToneRegion.China, ToneType.Ringback).segments, [
      { frequencies: [450], durationMs: 1000 },
      { frequencies: [], durationMs: 4000 },
    ]);
    assert.deepEqual(
      tonePlan(ToneRegion.China, ToneType.Busy).segments.map((segment) => segment.durationMs),
      [350, 350],
    );
    assert.deepEqual(tonePlan(ToneRegion.UnitedStates, ToneType.Ringback).segments[0]?.frequencies, [440, 480]);
    assert.deepEqual(tonePlan(ToneRegion.UnitedStates, ToneType.Busy).segments[0], {
      frequencies: [480, 620],
      durationMs: 500,
    });
    assert.deepEqual(tonePlan(ToneRegion.UnitedStates, ToneType.CallWaiting).segments[0]?.frequencies, [440]);
  });

  it('makes call waiting, ring and ringback distinct in every region', () => {
    for (const region of toneRegions()) {
      const signature = (type: ToneType) => JSON.stringify(tonePlan(region, type).segments);
      const signatures = new Set([ToneType.Ring, ToneType.Ringback, ToneType.CallWaiting].map(signature));
      assert.equal(signatures.size, 3, region);
    }
  });

  it('plays out a finite plan and then gives silence', () => {
    const player = new TonePlayer(tonePlan(ToneRegion.China, ToneType.CallEnded));
    const frame = new Int16Array(FRAME);
    let frames = 0;
    while (!player.done && frames < 1000) {
      player.read(frame);
      frames++;
    }
    assert.equal(frames, Math.ceil((3 * 700) / 20));
    assert.equal(player.read(frame), 0);
    assert.ok(frame.every((sample) => sample === 0));
    player.reset();
    assert.equal(player.done, false);
    assert.equal(player.read(frame), FRAME);
  });

  it('produces G.711 frames that decode to the PCM', () => {
    const plan = tonePlan(ToneRegion.Europe, ToneType.Dial);
    const g711 = new Uint8Array(FRAME);
    new TonePlayer(plan).readG711(G711Law.Alaw, g711);
    const decoded = g711Decode(G711Law.Alaw, g711);
    assert.ok(Math.abs(toneAmplitude(decoded, 425) / amplitudeFromDbm0(-13) - 1) < 0.1);
  });

  it('refuses an empty or malformed plan', () => {
    for (const segments of [[], [{ frequencies: [440], durationMs: 0 }], [{ frequencies: [440], durationMs: -5 }]]) {
      assert.throws(() => new TonePlayer({ name: 'bad', segments, repeat: Infinity, levelDbm0: -10 }), {
        name: 'RtpArgumentError',
        code: 'INVALID_ARGUMENT',
      });
    }
  });
});

describe('DTMF key tones (Q.23)', () => {
  it('sounds both frequencies of each key for the tone duration', () => {
    const plan = dtmfTonePlan(DTMF_KEYS, { toneMs: 100, pauseMs: 100 });
    const pcm = render(plan, 3.2);
    for (let index = 0; index < DTMF_KEYS.length; index++) {
      const [low, high] = dtmfFrequencies(DTMF_KEYS[index]!);
      const options = { start: index * 1600 + 80, length: 640 };
      assert.ok(toneAmplitude(pcm, low, options) > amplitudeFromDbm0(-10) * 0.85);
      assert.ok(toneAmplitude(pcm, high, options) > amplitudeFromDbm0(-10) * 0.85);
      assert.ok(blockRms(pcm, index * 1600 + 800, 800) === 0, 'pause is silent');
    }
    assert.throws(() => dtmfTonePlan('12x'), { name: 'RtpArgumentError', code: 'INVALID_ARGUMENT' });
  });
});
