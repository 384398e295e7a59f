/**
 * The IM log (guide §2.3 "短消息记录管理", §5.1.1 `Mtc_ProfSaveImLogs`), written only by the
 * profile service from `im.sent` and `im.received` events. Bodies longer than
 * `maxImBodyBytes` are kept truncated (at a character boundary). Entries are ordered by `at`.
 */
import type { ImEvent, ImLogEntry } from '@talkbus/contracts';
import type { Accounts } from './accounts.ts';
import type { PayloadCheck } from './event-payloads.ts';
import type { ProfileDeps } from './profile-deps.ts';
import { TimeLog, newEntryId, type LogQuery } from './time-log.ts';

/** `text` cut to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}

/** The IM log actions and the `im.sent` / `im.received` consumer. */
export class ImLog {
  readonly #deps: ProfileDeps;
  readonly #accounts: Accounts;
  readonly #log: TimeLog<ImLogEntry>;

  constructor(deps: ProfileDeps, accounts: Accounts) {
    this.#deps = deps;
    this.#accounts = accounts;
    this.#log = new TimeLog<ImLogEntry>(deps, accounts, {
      sublevel: 'imLogs',
      label: 'IM log',
      maxEntries: () => deps.limits.maxImLogEntries,
    });
  }

  /**
   * Handles `im.sent` (outgoing) or `im.received` (incoming): appends an entry and emits
   * `profile.imLogAdded`. Like every event handler here it logs problems and never throws.
   */
  async onImEvent(name: 'im.sent' | 'im.received', payload: unknown, check: PayloadCheck<ImEvent>): Promise<void> {
    const { logger, limits, publish } = this.#deps;
    const checked = check(payload);
    if (!checked.ok) {
      logger.warn(`Ignored a malformed ${name} event`, { problems: checked.problems });
      return;
    }
    const event = checked.value;
    try {
      if (!(await this.#accounts.exists(event.account)).exists) {
        logger.warn(`Ignored ${name} of message ${event.messageId}: no account '${event.account}'`);
        return;
      }
      const entry: ImLogEntry = {
        id: newEntryId(event.at),
        account: event.account,
        direction: name === 'im.sent' ? 'outgoing' : 'incoming',
        peerUri: event.peerUri,
        contentType: event.contentType,
        body: truncateUtf8(event.body, limits.maxImBodyBytes),
        at: event.at,
        messageId: event.messageId,
        status: event.status,
      };
      if (!(await this.#log.append(event.account, entry))) {
        logger.info(
          `IM log of '${event.account}' is full and message ${event.messageId} is older than every entry: not kept`,
        );
        return;
      }
      await publish('profile.imLogAdded', { account: event.account, entry });
    } catch (err) {
      logger.error(
        `Could not log ${name} of message ${event.messageId} for '${event.account}': ${(err as Error).message}`,
      );
    }
  }

  /** Entries newest first, filtered by `at` range and peer. */
  async list(account: string, query: LogQuery): Promise<{ entries: ImLogEntry[] }> {
    return { entries: await this.#log.list(account, query) };
  }

  async clear(account: string): Promise<{ removed: number }> {
    return { removed: await this.#log.clear(account) };
  }
}
