/**
 * A streaming WAV writer for recordings. The header is written first with sizes that describe
 * what is on disk, and every {@link WavFileWriter.flush} appends the buffered samples and then
 * rewrites the RIFF size, the data size and the `fact` count in place, so a file cut short by a
 * crash (or copied while recording) is a valid WAV of everything flushed. Data goes to disk
 * before the sizes that cover it: a crash between the two leaves a header that claims less,
 * never more, than the file holds.
 *
 * No timers inside (STYLE §5): the writer flushes on its own when `flushBytes` are buffered;
 * a caller that wants a time bound calls `flush()` from its own clock.
 */
import type { FileHandle } from 'node:fs/promises';
import type { WavHeaderLayout, WavInfo } from './wav.ts';
import { open } from 'node:fs/promises';
import { WavErrorCode, WavFormatError } from './errors.ts';
import { g711Encode } from './g711.ts';
import { bytesPerSample, createWavHeader, pcm16ToBytes, WavFormat } from './wav.ts';

/** Options of {@link WavFileWriter.create}. */
export interface WavFileWriterOptions extends Partial<WavInfo> {
  /** Sample format; default PCM16. */
  format?: WavFormat;
  /** Sample rate in Hz; default 8000. */
  sampleRate?: number;
  /** Channels; default 1. */
  channels?: number;
  /** Flush once this many octets are buffered; default 8000 (1 s of G.711 at 8 kHz). */
  flushBytes?: number;
  /** fsync after each flush so the data survives a power loss, not only a crash; default false. */
  sync?: boolean;
}

/** Streaming WAV writer over a file; see the file comment. Create with {@link WavFileWriter.create}. */
export class WavFileWriter {
  readonly #file: FileHandle;
  readonly #info: WavInfo;
  readonly #layout: WavHeaderLayout;
  readonly #flushBytes: number;
  readonly #sync: boolean;
  readonly #pending: Buffer[] = [];
  #pendingBytes = 0;
  #dataBytes = 0;
  #closed = false;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(file: FileHandle, info: WavInfo, options: WavFileWriterOptions) {
    this.#file = file;
    this.#info = info;
    this.#layout = createWavHeader(info, 0);
    this.#flushBytes = options.flushBytes ?? 8000;
    this.#sync = options.sync ?? false;
  }

  /**
   * Creates (or truncates) `path` and writes a valid empty WAV header.
   *
   * @param path file to write
   * @param options format, rate, channels, flush policy
   */
  static async create(path: string, options: WavFileWriterOptions = {}): Promise<WavFileWriter> {
    const info: WavInfo = {
      format: options.format ?? WavFormat.Pcm16,
      sampleRate: options.sampleRate ?? 8000,
      channels: options.channels ?? 1,
    };
    createWavHeader(info, 0); // validates before the file is created
    const file = await open(path, 'w');
    const writer = new WavFileWriter(file, info, options);
    await file.write(writer.#layout.header, 0, writer.#layout.header.length, 0);
    return writer;
  }

  /** The file's format. */
  get info(): WavInfo {
    return { ...this.#info };
  }

  /** Sample octets written so far (flushed and buffered). */
  get dataBytes(): number {
    return this.#dataBytes + this.#pendingBytes;
  }

  /** Sample frames written so far (samples per channel). */
  get frameCount(): number {
    return Math.floor(this.dataBytes / (this.#info.channels * bytesPerSample(this.#info.format)));
  }

  /**
   * Appends sample octets already in the file's format (G.711 octets, or PCM16 little-endian).
   * The octets are copied. Flushes when `flushBytes` are buffered.
   */
  async write(data: Uint8Array): Promise<void> {
    this.#checkOpen();
    this.#pending.push(Buffer.from(data));
    this.#pendingBytes += data.length;
    if (this.#pendingBytes >= this.#flushBytes) await this.flush();
  }

  /** Appends 16-bit PCM, encoding it to the file's format (G.711 when the file is µ-/A-law). */
  async writeSamples(samples: Int16Array): Promise<void> {
    const format = this.#info.format;
    await this.write(format === WavFormat.Pcm16 ? pcm16ToBytes(samples) : g711Encode(format, samples));
  }

  /** Writes buffered samples, then updates the header sizes in place. */
  flush(): Promise<void> {
    return this.#enqueue(() => this.#flushNow());
  }

  /** Flushes, pads the data chunk to an even length, and closes the file. Idempotent. */
  close(): Promise<void> {
    if (this.#closed) return this.#queue.then(() => undefined);
    const done = this.#enqueue(async () => {
      await this.#flushNow();
      if (this.#dataBytes % 2 === 1) {
        // RIFF chunks are word aligned; the pad octet is not part of the data size.
        await this.#file.write(Buffer.alloc(1), 0, 1, this.#layout.header.length + this.#dataBytes);
      }
      await this.#file.close();
    });
    this.#closed = true;
    return done;
  }

  #checkOpen(): void {
    if (this.#closed) throw new WavFormatError(WavErrorCode.Closed, 'WAV writer is closed');
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    // One operation at a time: a flush must not interleave with another flush's header update.
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #flushNow(): Promise<void> {
    if (this.#pendingBytes === 0) return;
    const chunk = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending.length = 0;
    this.#pendingBytes = 0;
    const position = this.#layout.header.length + this.#dataBytes;
    this.#dataBytes += chunk.length;
    await this.#file.write(chunk, 0, chunk.length, position);
    // Rewriting the whole (small) header updates the RIFF, fact and data sizes in one write.
    const { header } = createWavHeader(this.#info, this.#dataBytes);
    await this.#file.write(header, 0, header.length, 0);
    if (this.#sync) await this.#file.datasync();
  }
}
