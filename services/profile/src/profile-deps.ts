/**
 * What the profile service's parts (accounts, provisioning, contacts, call and IM logs) share:
 * the store, the account folders, limits, the per-account work queue, the clock, the logger and
 * a typed event publisher.
 */
import type { Logger } from 'moleculer';
import { profileLimits, type EventMap, type EventName } from '@talkbus/contracts';
import type { AccountFolders } from './account-folders.ts';
import type { KeyedQueue } from './keyed-queue.ts';
import type { ProfileStore } from './profile-store.ts';

/** The limits the service enforces; defaults are the contract's `profileLimits`. */
export interface ProfileLimits {
  /** Contacts per account (default 10 000). */
  maxContacts: number;
  /** Call log entries kept per account; the oldest are dropped (default 2 000). */
  maxCallLogEntries: number;
  /** IM log entries kept per account; the oldest are dropped (default 5 000). */
  maxImLogEntries: number;
  /** Largest IM body kept, in UTF-8 bytes; longer bodies are truncated (default 65 536). */
  maxImBodyBytes: number;
}

/** The contract's limits, as a fresh object. */
export function defaultLimits(): ProfileLimits {
  return { ...profileLimits };
}

/** Shared by every part of the service. */
export interface ProfileDeps {
  db: ProfileStore;
  folders: AccountFolders;
  limits: ProfileLimits;
  /** Per-account serialization of writes; the key is the account name. */
  queue: KeyedQueue;
  /** This node's ID: the home node when an open names none and has no caller node. */
  nodeID: string;
  /** Epoch milliseconds. */
  now(): number;
  logger: Logger;
  /** Emits an event; never throws (a failed emit is logged: the data is already written). */
  publish<N extends EventName>(name: N, payload: EventMap[N]): Promise<void>;
}
