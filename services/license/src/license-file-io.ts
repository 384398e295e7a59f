/**
 * Reading, writing and deleting the license file on disk. Writes are atomic: a temporary file in
 * the same directory is written, fsynced and renamed over the target, so a crash leaves either
 * the old license or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, TalkbusError, type LicenseFile } from '@talkbus/contracts';
import { MAX_LICENSE_FILE_BYTES } from './license-file.ts';

/** The file name used when `path` names a directory (guide §3.1.4 passes a directory to activate). */
export const DEFAULT_LICENSE_FILE_NAME = 'license.json';

/**
 * Resolves the `path` of an action: absent → the configured path; relative → under `baseDir`;
 * an existing directory → `<dir>/license.json` (the guide's `Mtc_LcsActivate` takes the directory
 * the license is saved in, §3.1.4). Any caller on the bus may pass a path, so it must stay inside
 * the data directory or the configured license file's folder: a license is never written (or
 * deleted) anywhere else.
 * @throws TalkbusError `PATH_NOT_ALLOWED`
 */
export async function resolveLicensePath(
  given: string | undefined,
  configured: string,
  baseDir: string,
): Promise<string> {
  if (given === undefined) return configured;
  const absolute = path.resolve(baseDir, given);
  const info = await stat(absolute).catch(() => null);
  const file = info?.isDirectory() ? path.join(absolute, DEFAULT_LICENSE_FILE_NAME) : absolute;
  const allowed = [path.resolve(baseDir), path.dirname(path.resolve(configured))];
  if (!allowed.some((root) => file.startsWith(root + path.sep))) {
    throw new TalkbusError(
      ErrorCode.PATH_NOT_ALLOWED,
      `A license may only be stored under ${allowed.join(' or ')}; '${given}' is outside.`,
      { path: given },
    );
  }
  return file;
}

/**
 * Reads a license file's text, or null when there is no file.
 * @throws TalkbusError `LICENSE_MALFORMED` when it is too large or not a regular file
 */
export async function readLicenseText(file: string): Promise<string | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new TalkbusError(
      ErrorCode.LICENSE_MALFORMED,
      `Cannot read the license file ${file}: ${(err as Error).message}`,
      { path: file },
    );
  }
  try {
    const info = await handle.stat();
    if (!info.isFile())
      throw new TalkbusError(ErrorCode.LICENSE_MALFORMED, `${file} is not a regular file.`, { path: file });
    if (info.size > MAX_LICENSE_FILE_BYTES) {
      throw new TalkbusError(
        ErrorCode.LICENSE_MALFORMED,
        `The license file ${file} is larger than ${MAX_LICENSE_FILE_BYTES} bytes.`,
        {
          path: file,
        },
      );
    }
    const buffer = Buffer.alloc(MAX_LICENSE_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } catch (err) {
    if (err instanceof TalkbusError) throw err;
    throw new TalkbusError(
      ErrorCode.LICENSE_MALFORMED,
      `Cannot read the license file ${file}: ${(err as Error).message}`,
      { path: file },
    );
  } finally {
    await handle.close();
  }
}

/** Writes a license file atomically (temp file, fsync, rename, fsync of the directory). */
export async function writeLicenseFileAtomic(file: string, license: LicenseFile): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const text = `${JSON.stringify({ payload: license.payload, signature: license.signature }, null, 2)}\n`;
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dir);
}

/** Deletes a license file; a missing file is not an error. */
export async function deleteLicenseFile(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await syncDirectory(path.dirname(file));
}

/** Makes a rename or unlink durable; best effort (some file systems refuse to fsync a directory). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // not supported here: the rename is still atomic, only its durability on power loss is weaker
  } finally {
    await handle.close();
  }
}
