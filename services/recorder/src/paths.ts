/**
 * Where a recording goes: inside the account's folder (`profile.path`, guide
 * `Mtc_ProfGetAbsoPath`), given relative to it or absolute inside it; when no path is given, a
 * name under `recordings/`. The folder is made and the file created before the recording starts,
 * so a path that cannot be written fails the start action, not the recording.
 */
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { call, ErrorCode, TalkbusError, type Caller } from '@talkbus/contracts';

/** A file name part from an id: letters, digits, `_ . -` kept, the rest `_`. */
export function fileSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 96);
}

/** The default name of a recording or snapshot (relative to the account's folder). */
export function defaultName(kind: string, sessionId: string | null, extension: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('.', '-');
  return path.join('recordings', `${kind}-${fileSafe(sessionId ?? 'all')}-${stamp}.${extension}`);
}

/**
 * The absolute path for a recording of `account`.
 *
 * @throws TalkbusError `PATH_OUTSIDE_ACCOUNT` (from the profile service) for a path leaving the
 *   account's folder; `ACCOUNT_NOT_FOUND` for an unknown account
 */
export async function resolveRecordingPath(
  broker: Caller,
  account: string,
  given: string | undefined,
  fallback: string,
): Promise<string> {
  let relative = given ?? fallback;
  if (path.isAbsolute(relative)) {
    const { path: folder } = await call(broker, 'profile.path', { account });
    relative = path.relative(folder, path.normalize(relative));
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new TalkbusError(
        ErrorCode.PATH_OUTSIDE_ACCOUNT,
        `The path '${given}' is outside the folder of account '${account}'`,
        { account, field: 'path' },
      );
    }
  }
  const { path: resolved } = await call(broker, 'profile.path', { account, relative });
  return resolved;
}

/**
 * Makes the file's folder and creates the file empty, so the recording can write it.
 *
 * @throws TalkbusError `RECORDER_PATH_NOT_WRITABLE` naming the OS error
 */
export async function prepareFile(file: string): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const handle = await open(file, 'w');
    await handle.close();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new TalkbusError(
      ErrorCode.RECORDER_PATH_NOT_WRITABLE,
      `Cannot write ${file}: ${code}`,
      { path: file, field: 'path', errno: code },
      { cause: err },
    );
  }
}
