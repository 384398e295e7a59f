/**
 * The node's virtual audio devices (guide §4.3.1): a talkbus node has no sound card, so the
 * input devices are `silence` and `tone` (a 1 kHz test tone at -10 dBm0), and the output
 * devices `null` (discard) and `wav` (one WAV file per call under `<dataDir>/media/`).
 * Volumes are 0–100 (guide tables 4-7, 4-8); 50 is unity gain.
 */
import path from 'node:path';
import { AUDIO_INPUT_DEVICES, AUDIO_OUTPUT_DEVICES, ErrorCode, TalkbusError } from '@talkbus/contracts';
import { silenceSource, steadyTone, toneSource, type AudioSource } from './local-audio.ts';

/** Frequency of the `tone` input device, Hz. */
export const TEST_TONE_HZ = 1000;

/** Input and output device state. */
export class AudioDevices {
  inputDevice: string = AUDIO_INPUT_DEVICES[0];
  outputDevice: string = AUDIO_OUTPUT_DEVICES[0];
  inputVolume = 50;
  outputVolume = 50;
  inputMuted = false;
  outputMuted = false;
  readonly #mediaDir: string;

  constructor(dataDir: string) {
    this.#mediaDir = path.join(dataDir, 'media');
  }

  /** A device name by index (guide `Mtc_AudioEnumInputDev`: 0 … count-1). */
  static byIndex(kind: 'input' | 'output', index: number): string {
    const list: readonly string[] = kind === 'input' ? AUDIO_INPUT_DEVICES : AUDIO_OUTPUT_DEVICES;
    const name = list[index];
    if (name === undefined)
      throw new TalkbusError(ErrorCode.MEDIA_DEVICE_NOT_FOUND, `No ${kind} device ${index}: there are ${list.length}`, {
        index,
      });
    return name;
  }

  /** Checks a device name. */
  static check(kind: 'input' | 'output', name: string): string {
    const list: readonly string[] = kind === 'input' ? AUDIO_INPUT_DEVICES : AUDIO_OUTPUT_DEVICES;
    if (!list.includes(name))
      throw new TalkbusError(
        ErrorCode.MEDIA_DEVICE_NOT_FOUND,
        `No ${kind} device "${name}"; devices: ${list.join(', ')}`,
        { device: name },
      );
    return name;
  }

  /** A fresh source for the input device. */
  inputSource(): AudioSource {
    return this.inputDevice === 'tone' ? toneSource(steadyTone([TEST_TONE_HZ])) : silenceSource;
  }

  /** Gain of the output device: 0 when muted, 50 → 1. */
  get outputGain(): number {
    if (this.outputMuted) return 0;
    return this.outputVolume <= 50 ? this.outputVolume / 50 : 1 + (this.outputVolume - 50) / 50;
  }

  /** The WAV file the `wav` output device writes a call to. */
  wavPath(sessionId: string): string | undefined {
    return this.outputDevice === 'wav'
      ? path.join(this.#mediaDir, `${sessionId.replace(/[^\w.-]/g, '_')}.wav`)
      : undefined;
  }

  get mediaDir(): string {
    return this.#mediaDir;
  }
}
