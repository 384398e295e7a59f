/**
 * Account folders: `<dataDir>/accounts/<account>`, where an account's files live (recordings,
 * licences, exports). The guide's `Mtc_ProfGetAbsoPath` answers paths inside it (§5.1.1), and
 * "creating an account creates its folder" (§5.1.4) / "deleting removes its files and folder"
 * (§5.1.5).
 */
import { lstat, mkdir, realpath, rm } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, TalkbusError } from '@talkbus/contracts';

/** Creates, removes and resolves account folders under one root. */
export class AccountFolders {
  /** `<dataDir>/accounts`, absolute. */
  readonly root: string;

  constructor(dataDir: string) {
    this.root = path.resolve(dataDir, 'accounts');
  }

  /** The folder of `account` (a validated account name: no separators, not `.`/`..`). */
  folderOf(account: string): string {
    return path.join(this.root, account);
  }

  /** Creates the root folder. */
  async prepare(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  /**
   * Creates an account's folder. A folder left over from a delete that stopped between removing
   * the data and removing the folder (or from a crash) belongs to no account: it is emptied, so
   * a new account never inherits an old one's files. Answers whether a leftover was removed.
   */
  async create(account: string): Promise<boolean> {
    const folder = this.folderOf(account);
    const leftover = await exists(folder);
    if (leftover) await rm(folder, { recursive: true, force: true });
    await mkdir(folder, { recursive: true });
    return leftover;
  }

  /** Removes an account's folder and everything in it; a missing folder is fine. */
  async remove(account: string): Promise<void> {
    await rm(this.folderOf(account), { recursive: true, force: true, maxRetries: 2 });
  }

  /**
   * The absolute path of `relative` inside the account's folder (the folder itself when omitted
   * or empty).
   * @throws TalkbusError `PATH_OUTSIDE_ACCOUNT` when the path leaves the folder, lexically
   *   (`..`, an absolute path) or through a symbolic link inside it that points outside.
   */
  async resolve(account: string, relative = ''): Promise<string> {
    const folder = this.folderOf(account);
    const outside = () =>
      new TalkbusError(
        ErrorCode.PATH_OUTSIDE_ACCOUNT,
        `The path '${relative}' is outside the folder of account '${account}'`,
        {
          account,
          relative,
        },
      );
    if (relative.includes('\0')) throw outside();
    const target = path.resolve(folder, relative);
    if (!isInside(folder, target)) throw outside();
    // Follow symbolic links through the part of the path that exists.
    // A dangling link cannot be resolved: refuse it, it could point anywhere.
    const realFolder = await realpath(folder).catch(() => folder);
    const existing = await deepestExisting(target, folder);
    if (existing !== folder) {
      const realExisting = await realpath(existing).catch(() => null);
      if (realExisting === null || !isInside(realFolder, realExisting)) throw outside();
    }
    return target;
  }
}

/** Whether `target` is `folder` or inside it (both absolute and normalized). */
function isInside(folder: string, target: string): boolean {
  const relative = path.relative(folder, target);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/** Whether `file` exists; a symbolic link counts even when dangling. */
async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}

/** The longest prefix of `target` (not above `stopAt`) that exists on disk. */
async function deepestExisting(target: string, stopAt: string): Promise<string> {
  let current = target;
  while (current.length > stopAt.length && !(await exists(current))) current = path.dirname(current);
  return current;
}
