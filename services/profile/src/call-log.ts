/**
 * The call log (guide §2.3 "呼叫记录管理", §5.1.1 `Mtc_ProfSaveCallLogs`). The profile service is
 * its only writer: it appends an entry for every `call.termed` event, which carries everything
 * the entry needs. Entries are ordered by `startedAt`; queries filter on it.
 */
import type { CallLogEntry, CallTermedEvent } from '@talkbus/contracts';
import type { Accounts } from './accounts.ts';
import type { PayloadCheck } from './event-payloads.ts';
import type { ProfileDeps } from './profile-deps.ts';
import { TimeLog, newEntryId, type LogQuery } from './time-log.ts';

/** The entry a `call.termed` event makes (its id is new). */
export function callLogEntryOf(event: CallTermedEvent): CallLogEntry {
  const answered = event.answeredAt !== null;
  return {
    id: newEntryId(event.startedAt),
    account: event.account,
    sessionId: event.sessionId,
    direction: event.direction,
    peerUri: event.peerUri,
    peerName: event.peerName,
    video: event.video,
    startedAt: event.startedAt,
    answeredAt: event.answeredAt,
    endedAt: event.endedAt,
    durationSeconds: answered ? Math.max(0, Math.round((event.endedAt - event.answeredAt!) / 1000)) : 0,
    reason: event.reason,
    sipStatus: event.sipStatus,
  };
}

/** The call log actions and the `call.termed` consumer. */
export class CallLog {
  readonly #deps: ProfileDeps;
  readonly #accounts: Accounts;
  readonly #log: TimeLog<CallLogEntry>;

  constructor(deps: ProfileDeps, accounts: Accounts) {
    this.#deps = deps;
    this.#accounts = accounts;
    this.#log = new TimeLog<CallLogEntry>(deps, accounts, {
      sublevel: 'callLogs',
      label: 'call log',
      maxEntries: () => deps.limits.maxCallLogEntries,
    });
  }

  /**
   * Handles a `call.termed` event: appends its entry and emits `profile.callLogAdded`. A
   * malformed payload, an unknown account or a storage failure is logged and dropped: an event
   * handler never throws.
   */
  async onCallTermed(payload: unknown, check: PayloadCheck<CallTermedEvent>): Promise<void> {
    const { logger, publish } = this.#deps;
    const checked = check(payload);
    if (!checked.ok) {
      logger.warn('Ignored a malformed call.termed event', { problems: checked.problems });
      return;
    }
    const event = checked.value;
    try {
      if (!(await this.#accounts.exists(event.account)).exists) {
        logger.warn(`Ignored call.termed of session ${event.sessionId}: no account '${event.account}'`);
        return;
      }
      const entry = callLogEntryOf(event);
      if (!(await this.#log.append(event.account, entry))) {
        logger.info(
          `Call log of '${event.account}' is full and session ${event.sessionId} is older than every entry: not kept`,
        );
        return;
      }
      await publish('profile.callLogAdded', { account: event.account, entry });
    } catch (err) {
      logger.error(
        `Could not log call.termed of session ${event.sessionId} for '${event.account}': ${(err as Error).message}`,
      );
    }
  }

  /** Entries newest first, filtered by `startedAt` range and peer. */
  async list(account: string, query: LogQuery): Promise<{ entries: CallLogEntry[] }> {
    return { entries: await this.#log.list(account, query) };
  }

  async remove(account: string, id: string): Promise<{ removed: boolean }> {
    return { removed: await this.#log.remove(account, id) };
  }

  async clear(account: string): Promise<{ removed: number }> {
    return { removed: await this.#log.clear(account) };
  }
}
