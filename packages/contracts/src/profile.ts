/**
 * The profile service's API (guide §2.3, §4.3, §5.1, §5.2): accounts, provisioning,
 * contacts, call logs and IM logs, each account with a folder of its own.
 */
import { action } from './action.ts';
import { provisioningSpec, type Provisioning, type ProvisioningKey } from './provisioning.ts';
import { t, type Rule } from './schema.ts';

/**
 * An account name (guide §5.1: the profile's name, e.g. `Alice_CMCC`, also its folder name).
 * Letters, digits and `_ . @ + -`, 1–64 characters, not `.` or `..`: never a path separator.
 */
export const accountName = t.string({
  min: 1,
  max: 64,
  pattern: /^(?!\.\.?$)[\p{L}\p{N}_.@+-]+$/u,
  patternMessage: "The '{field}' field must be 1-64 letters, digits or _ . @ + - (no spaces or path separators).",
});

const contactId = t.string({ min: 1, max: 64 });
const phone = t.string({ min: 1, max: 64 });
const sipUri = t.string({ min: 3, max: 512 });
const timestamp = t.integer({ min: 0, max: 8.64e15, convert: true });
const limit = t.optional(t.integer({ min: 1, max: 1000, convert: true }));

/** Account summary. */
export interface AccountInfo {
  account: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Whether the account is open, and on which node. */
  open: boolean;
  homeNode: string | null;
  /** The account's data folder (guide `Mtc_ProfGetAbsoPath`). */
  path: string;
}

/** A contact of an account. */
export interface Contact {
  id: string;
  name: string;
  /** Phone numbers or SIP URIs. */
  numbers: string[];
  email?: string;
  note?: string;
  createdAt: number;
  updatedAt: number;
}

const contactFields = {
  name: t.string({ min: 1, max: 128 }),
  numbers: t.array(phone, { min: 0, max: 16 }),
  email: t.optional(t.string({ max: 254 })),
  note: t.optional(t.string({ max: 2048 })),
};

/** How a call ended, as the call log records it (guide table 6-16). */
export const TERM_REASONS = [
  'NORMAL',
  'BYE',
  'CANCEL',
  'TIMEOUT',
  'BUSY',
  'DECLINE',
  'TRSFED',
  'REDIRECT',
  'REPLACE',
  'NOT_FOUND',
  'UNAVAILABLE',
  'FAILED',
  'NO_ANSWER',
  'SERVER_LOGOUT',
] as const;
export type TermReason = (typeof TERM_REASONS)[number];

/** One call log entry; the profile service writes it from `call.termed`. */
export interface CallLogEntry {
  id: string;
  account: string;
  sessionId: string;
  direction: 'incoming' | 'outgoing';
  peerUri: string;
  peerName: string | null;
  video: boolean;
  /** Epoch ms: when the call started (INVITE sent or received). */
  startedAt: number;
  /** Epoch ms when answered, null when never answered (missed/cancelled/failed). */
  answeredAt: number | null;
  endedAt: number;
  /** Seconds of talk (0 when never answered). */
  durationSeconds: number;
  reason: TermReason;
  sipStatus: number | null;
}

/** One IM log entry; the profile service writes it from `im.sent` / `im.received`. */
export interface ImLogEntry {
  id: string;
  account: string;
  direction: 'incoming' | 'outgoing';
  peerUri: string;
  contentType: string;
  body: string;
  at: number;
  messageId: string;
  status: 'sent' | 'delivered' | 'failed' | 'received';
}

/** Provisioning values as `profile.set` takes them: any subset of the keys. */
const provisioningValues = t.object(
  Object.fromEntries(
    Object.entries(provisioningSpec).map(([key, spec]) => [key, t.optional(spec.rule as Rule<unknown>)]),
  ) as { [K in ProvisioningKey]: Rule<Provisioning[K] | undefined> },
);

const account = { account: accountName };

/** Actions of the `profile` service. */
export const profileActions = {
  count: action<{ count: number }>()('profile.count', {}, 'Number of accounts (Mtc_ProfGetUserSize)'),
  list: action<{ accounts: AccountInfo[]; total: number }>()(
    'profile.list',
    { offset: t.optional(t.integer({ min: 0, max: 1e6, convert: true })), limit },
    'Accounts in creation order (Mtc_ProfGetUser)',
  ),
  current: action<{ account: string | null }>()(
    'profile.current',
    {},
    'The current account: the last one created or opened (Mtc_ProfGetCurUser)',
  ),
  create: action<AccountInfo>()(
    'profile.create',
    {
      ...account,
      sipUser: t.optional(t.string({ max: 128 })),
      displayName: t.optional(t.string({ max: 128 })),
    },
    'Creates an account and its folder (Mtc_ProfCreateUser)',
  ),
  delete: action<{ deleted: boolean }>()(
    'profile.delete',
    account,
    'Deletes an account with all its data and folder (Mtc_ProfDeleteUser)',
  ),
  exists: action<{ exists: boolean }>()('profile.exists', account, 'Whether the account exists (Mtc_ProfExistUser)'),
  info: action<AccountInfo>()('profile.info', account, 'One account'),
  open: action<AccountInfo & { provisioning: Provisioning }>()(
    'profile.open',
    { ...account, homeNode: t.optional(t.string({ min: 1, max: 128 })) },
    'Loads an account and binds it to its home node (Mtc_CliOpen); secrets are masked in the answer',
  ),
  close: action<{ closed: boolean }>()('profile.close', account, 'Flushes and closes an account (Mtc_CliClose)'),
  get: action<{ opened: boolean; values: Partial<Provisioning> }>()(
    'profile.get',
    {
      ...account,
      keys: t.optional(t.array(t.enum(Object.keys(provisioningSpec) as ProvisioningKey[]), { min: 1, max: 64 })),
      includeSecrets: t.optional(t.boolean()),
    },
    'Provisioning values; defaults until the account is opened (§4.3). Secrets masked unless includeSecrets',
  ),
  set: action<{ values: Partial<Provisioning> }>()(
    'profile.set',
    { ...account, values: provisioningValues },
    'Sets provisioning values of an open account, atomically (Mtc_DbSet*)',
  ),
  save: action<{ saved: true }>()(
    'profile.save',
    account,
    'Makes sure everything of the account is on disk (Mtc_ProfSaveProvision/Contact/CallLogs/ImLogs)',
  ),
  path: action<{ path: string }>()(
    'profile.path',
    { ...account, relative: t.optional(t.string({ max: 1024 })) },
    "The account's data folder, or a path inside it (Mtc_ProfGetAbsoPath)",
  ),

  contactsAdd: action<Contact>()('profile.contacts.add', { ...account, ...contactFields }, 'Adds a contact'),
  contactsUpdate: action<Contact>()(
    'profile.contacts.update',
    {
      ...account,
      id: contactId,
      name: t.optional(contactFields.name),
      numbers: t.optional(contactFields.numbers),
      email: t.optional(t.string({ max: 254 })),
      note: t.optional(t.string({ max: 2048 })),
    },
    'Changes a contact',
  ),
  contactsRemove: action<{ removed: boolean }>()(
    'profile.contacts.remove',
    { ...account, id: contactId },
    'Removes a contact',
  ),
  contactsGet: action<Contact>()('profile.contacts.get', { ...account, id: contactId }, 'One contact'),
  contactsList: action<{ contacts: Contact[]; total: number }>()(
    'profile.contacts.list',
    { ...account, offset: t.optional(t.integer({ min: 0, max: 1e6, convert: true })), limit },
    'Contacts by name',
  ),
  contactsSearch: action<{ contacts: Contact[] }>()(
    'profile.contacts.search',
    { ...account, query: t.string({ min: 1, max: 128 }), limit },
    'Contacts whose name or number contains the query (case-insensitive; separators ignored in numbers)',
  ),

  callLogsList: action<{ entries: CallLogEntry[] }>()(
    'profile.callLogs.list',
    { ...account, since: t.optional(timestamp), until: t.optional(timestamp), peer: t.optional(sipUri), limit },
    'Call log, newest first, by time range and peer',
  ),
  callLogsRemove: action<{ removed: boolean }>()(
    'profile.callLogs.remove',
    { ...account, id: t.string({ min: 1, max: 64 }) },
    'Removes one call log entry',
  ),
  callLogsClear: action<{ removed: number }>()('profile.callLogs.clear', account, 'Removes the whole call log'),

  imLogsList: action<{ entries: ImLogEntry[] }>()(
    'profile.imLogs.list',
    { ...account, since: t.optional(timestamp), until: t.optional(timestamp), peer: t.optional(sipUri), limit },
    'IM log, newest first, by time range and peer',
  ),
  imLogsClear: action<{ removed: number }>()('profile.imLogs.clear', account, 'Removes the whole IM log'),
} as const;

/** Limits the profile service enforces. */
export const profileLimits = {
  /** Contacts per account. */
  maxContacts: 10000,
  /** Call log entries kept per account; the oldest are dropped beyond it. */
  maxCallLogEntries: 2000,
  /** IM log entries kept per account. */
  maxImLogEntries: 5000,
  /** Largest IM body stored, in bytes (longer bodies are truncated in the log). */
  maxImBodyBytes: 65536,
} as const;
