import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { g711Decode, g711Encode } from './g711.ts';
import { WavFileWriter } from './wav-file-writer.ts';
import { parseWav, WavFormat, wavToPcm16 } from './wav.ts';

const FRAME = Int16Array.from({ length: 160 }, (_, index) => Math.round(9000 * Math.sin(index / 3)));
let directory = '';

before(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'talkbus-rtp-wav-'));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('WavFileWriter', () => {
  for (const format of Object.values(WavFormat)) {
    it(`${format}: the header is valid after every flush; a copy taken while open plays`, async () => {
      const file = path.join(directory, `${format}.wav`);
      const writer = await WavFileWriter.create(file, { format, flushBytes: 1 << 20 });
      // Before any sample: a valid empty file.
      assert.equal(parseWav(await readFile(file)).frameCount, 0);
      const decodedFrame = format === WavFormat.Pcm16 ? FRAME : g711Decode(format, g711Encode(format, FRAME));
      for (let flush = 1; flush <= 5; flush++) {
        for (let frame = 0; frame < 3; frame++) await writer.writeSamples(FRAME);
        assert.equal(writer.frameCount, flush * 480);
        await writer.flush();
        // "Crash": copy the file without closing the writer, then parse the copy.
        const copy = path.join(directory, `${format}-copy-${flush}.wav`);
        await copyFile(file, copy);
        const parsed = parseWav(await readFile(copy));
        assert.equal(parsed.truncated, false);
        assert.equal(parsed.frameCount, flush * 480);
        if (format !== WavFormat.Pcm16) assert.equal(parsed.factSampleCount, flush * 480);
        const samples = wavToPcm16(parsed);
        assert.deepEqual(samples.subarray(samples.length - 160), decodedFrame);
      }
      await writer.close();
      await writer.close(); // idempotent
      const parsed = parseWav(await readFile(file));
      assert.equal(parsed.frameCount, 5 * 480);
      await assert.rejects(writer.write(Buffer.alloc(2)), { name: 'WavFormatError', code: 'CLOSED' });
    });
  }

  it('flushes on its own once flushBytes are buffered, and pads an odd data chunk on close', async () => {
    const file = path.join(directory, 'auto.wav');
    const writer = await WavFileWriter.create(file, { format: WavFormat.Mulaw, flushBytes: 320 });
    await writer.write(Buffer.alloc(160, 0xff));
    assert.equal(parseWav(await readFile(file)).frameCount, 0, 'not yet flushed');
    await writer.write(Buffer.alloc(160, 0xff));
    assert.equal(parseWav(await readFile(file)).frameCount, 320, 'flushed at 320 octets');
    await writer.write(Buffer.alloc(1, 0xff));
    await writer.close();
    const bytes = await readFile(file);
    assert.equal(bytes.length % 2, 0);
    assert.equal(parseWav(bytes).frameCount, 321);
    assert.equal(bytes.readUInt32LE(4), bytes.length - 8);
  });

  it('tolerates a crash between the data write and the header update', async () => {
    // Simulated by appending octets the header does not yet count.
    const file = path.join(directory, 'torn.wav');
    const writer = await WavFileWriter.create(file, { format: WavFormat.Alaw });
    await writer.write(Buffer.alloc(100, 0xd5));
    await writer.flush();
    await writer.close();
    const bytes = Buffer.concat([await readFile(file), Buffer.alloc(50, 0xd5)]);
    assert.equal(parseWav(bytes).frameCount, 100);
  });
});
