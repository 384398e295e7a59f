import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WavFormatError } from './errors.ts';
import { g711Decode, g711Encode, G711Law } from './g711.ts';
import { randomBytes, seededRandom } from '@talkbus/testing';
import { createWavHeader, encodeWav, encodeWavFromPcm, parseWav, pcm16ToBytes, WavFormat, wavToPcm16 } from './wav.ts';

const PCM = Int16Array.from({ length: 801 }, (_, index) => Math.round(12000 * Math.sin(index / 7)));

describe('WAV', () => {
  for (const format of Object.values(WavFormat)) {
    it(`round-trips ${format}`, () => {
      const file = encodeWavFromPcm({ format, sampleRate: 8000, channels: 1 }, PCM);
      assert.equal(file.length % 2, 0, 'RIFF pad octet for an odd data length');
      const parsed = parseWav(file);
      assert.equal(parsed.format, format);
      assert.equal(parsed.sampleRate, 8000);
      assert.equal(parsed.channels, 1);
      assert.equal(parsed.frameCount, PCM.length);
      assert.equal(parsed.truncated, false);
      const expected = format === WavFormat.Pcm16 ? PCM : g711Decode(format, g711Encode(format, PCM));
      assert.deepEqual(wavToPcm16(parsed), expected);
      if (format === WavFormat.Pcm16) {
        assert.equal(parsed.factSampleCount, undefined);
      } else {
        assert.equal(parsed.factSampleCount, PCM.length);
      }
    });
  }

  it('writes the canonical header fields (byte fixture for µ-law)', () => {
    const { header, dataSizeOffset, factOffset } = createWavHeader(
      { format: WavFormat.Mulaw, sampleRate: 8000, channels: 1 },
      160,
    );
    assert.equal(
      header.toString('hex'),
      '52494646' +
        'd2000000' +
        '57415645' + // RIFF, 58 - 8 + 160 = 210, WAVE
        '666d7420' +
        '12000000' +
        '0700' +
        '0100' +
        '401f0000' +
        '401f0000' +
        '0100' +
        '0800' +
        '0000' + // fmt, tag 7
        '66616374' +
        '04000000' +
        'a0000000' + // fact: 160 samples
        '64617461' +
        'a0000000', // data: 160 octets
    );
    assert.equal(dataSizeOffset, 54);
    assert.equal(factOffset, 46);
    const alaw = createWavHeader({ format: WavFormat.Alaw, sampleRate: 8000, channels: 2 }, 320).header;
    assert.equal(alaw.readUInt16LE(20), 6);
    assert.equal(alaw.readUInt16LE(32), 2);
    assert.equal(alaw.readUInt32LE(46), 160);
    assert.equal(createWavHeader({ format: WavFormat.Pcm16, sampleRate: 16000, channels: 1 }, 0).header.length, 44);
  });

  it('reads a file whose data chunk is cut short, whole frames only', () => {
    const file = encodeWav(
      { format: WavFormat.Pcm16, sampleRate: 8000, channels: 2 },
      pcm16ToBytes(PCM.subarray(0, 800)),
    );
    const cut = parseWav(file.subarray(0, 44 + 1001));
    assert.equal(cut.truncated, true);
    assert.equal(cut.data.length, 1000);
    assert.equal(cut.frameCount, 250);
  });

  it('reads streaming placeholders (0xFFFFFFFF / 0 sizes) to the end of the file', () => {
    const file = encodeWav(
      { format: WavFormat.Alaw, sampleRate: 8000, channels: 1 },
      g711Encode(G711Law.Alaw, PCM.subarray(0, 400)),
    );
    const streaming = Buffer.from(file);
    streaming.writeUInt32LE(0xffffffff, 4);
    streaming.writeUInt32LE(0xffffffff, 54);
    assert.equal(parseWav(streaming).frameCount, 400);
    streaming.writeUInt32LE(0, 4);
    streaming.writeUInt32LE(0, 54);
    assert.equal(parseWav(streaming).frameCount, 400);
    assert.equal(parseWav(streaming).truncated, false);
  });

  it('skips unknown chunks (LIST) and odd-sized chunks with their pad octet', () => {
    const data = pcm16ToBytes(PCM.subarray(0, 10));
    const base = encodeWav({ format: WavFormat.Pcm16, sampleRate: 8000, channels: 1 }, data);
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc'), Buffer.alloc(1)]);
    const file = Buffer.concat([base.subarray(0, 36), list, base.subarray(36)]);
    assert.deepEqual(wavToPcm16(parseWav(file)), PCM.subarray(0, 10));
  });

  it('reads WAVE_FORMAT_EXTENSIBLE with a PCM subformat', () => {
    const data = pcm16ToBytes(PCM.subarray(0, 4));
    const fmt = Buffer.alloc(40);
    fmt.writeUInt16LE(0xfffe, 0);
    fmt.writeUInt16LE(1, 2);
    fmt.writeUInt32LE(8000, 4);
    fmt.writeUInt32LE(16000, 8);
    fmt.writeUInt16LE(2, 12);
    fmt.writeUInt16LE(16, 14);
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(1, 24); // SubFormat GUID begins with the format tag
    const file = Buffer.concat([
      Buffer.from('RIFF\0\0\0\0WAVEfmt ', 'latin1'),
      Buffer.from([40, 0, 0, 0]),
      fmt,
      Buffer.from('data', 'latin1'),
      Buffer.from([8, 0, 0, 0]),
      data,
    ]);
    assert.deepEqual(wavToPcm16(parseWav(file)), PCM.subarray(0, 4));
  });

  it('rejects what is not a usable WAV with the right code', () => {
    const good = encodeWavFromPcm({ format: WavFormat.Pcm16, sampleRate: 8000, channels: 1 }, PCM.subarray(0, 4));
    const withTag = (tag: number, bits: number) => {
      const file = Buffer.from(good);
      file.writeUInt16LE(tag, 20);
      file.writeUInt16LE(bits, 34);
      return file;
    };
    const zeroChannels = Buffer.from(good);
    zeroChannels.writeUInt16LE(0, 22);
    const cases: [Buffer, string][] = [
      [Buffer.from('RIFF'), 'NOT_WAVE'],
      [Buffer.from('RIFX\0\0\0\0WAVE', 'latin1'), 'NOT_WAVE'],
      [Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'), 'MISSING_FORMAT'],
      [good.subarray(0, 30), 'MISSING_FORMAT'],
      [good.subarray(0, 36), 'MISSING_DATA'],
      [withTag(3, 32), 'UNSUPPORTED_FORMAT'], // IEEE float
      [withTag(1, 8), 'UNSUPPORTED_FORMAT'],
      [withTag(7, 16), 'UNSUPPORTED_FORMAT'],
      [zeroChannels, 'BAD_FORMAT'],
      [Buffer.concat([good.subarray(0, 12), good.subarray(36)]), 'MISSING_FORMAT'], // data before fmt
    ];
    for (const [file, code] of cases) assert.throws(() => parseWav(file), { name: 'WavFormatError', code }, code);
  });

  it('never throws anything but WavFormatError on random or mutated bytes (seeded fuzz)', () => {
    const random = seededRandom(0x57415645);
    const good = encodeWavFromPcm({ format: WavFormat.Mulaw, sampleRate: 8000, channels: 1 }, PCM.subarray(0, 64));
    for (let round = 0; round < 5000; round++) {
      let bytes: Buffer;
      if (round % 2 === 0) {
        bytes = Buffer.concat([
          Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'),
          randomBytes(random, Math.floor(random() * 80)),
        ]);
      } else {
        bytes = Buffer.from(good.subarray(0, Math.floor(random() * good.length)));
        for (let flips = 0; flips < 3 && bytes.length > 12; flips++) {
          bytes[12 + Math.floor(random() * (bytes.length - 12))] = Math.floor(random() * 256);
        }
      }
      try {
        const parsed = parseWav(bytes);
        assert.ok(parsed.data.length <= bytes.length);
      } catch (error) {
        assert.ok(error instanceof WavFormatError, String(error));
      }
    }
  });
});
