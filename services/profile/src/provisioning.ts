/**
 * Provisioning parameters (guide §2.4, §4.3): `profile.get` and `profile.set`.
 *
 * §4.3: "客户端参数存放在每个用户的账号文件信息中，用户如果读取或修改参数，需要首先打开用户账号，
 * 否则获取的参数都是默认数值，在用户账号打开后会被覆盖掉。" — parameters live in each account's
 * files; to read or change them, open the account first; until then a read answers the defaults,
 * which the account's own values replace once it is opened.
 *
 * The broker has already checked each value against its key's rule (the contract's
 * `provisioningSpec`); this file adds the checks that involve several keys.
 */
import {
  ErrorCode,
  SECRET_MASK,
  TalkbusError,
  defaultProvisioning,
  provisioningSpec,
  secretProvisioningKeys,
  type Provisioning,
  type ProvisioningKey,
} from '@talkbus/contracts';
import type { Accounts } from './accounts.ts';
import type { ProfileDeps } from './profile-deps.ts';
import { guarded, type AccountData } from './profile-store.ts';

/** The §4.3 rule, quoted in the refusal of `profile.set` before `profile.open`. */
export const GUIDE_4_3_OPEN_FIRST =
  'Guide §4.3: parameters are stored with each account; to read or change them, open the account first ' +
  '(until then reads answer the defaults) — "用户如果读取或修改参数，需要首先打开用户账号，否则获取的参数都是默认数值"';

/** The account's parameters: the defaults, overlaid with what is stored. */
export async function loadProvisioning(data: AccountData): Promise<Provisioning> {
  const values: Record<string, unknown> = defaultProvisioning();
  for await (const [key, value] of data.provisioning.entries()) {
    // A key the code no longer knows (dropped in a later version) is ignored, not answered.
    if (Object.hasOwn(provisioningSpec, key)) values[key] = value;
  }
  return values as Provisioning;
}

/**
 * A copy of `values` with every non-empty secret replaced by `SECRET_MASK`, unless
 * `includeSecrets`. An empty secret stays empty, so callers can tell "no password set".
 */
export function maskSecrets<V extends Partial<Provisioning>>(values: V, includeSecrets: boolean): V {
  const copy = structuredClone(values);
  if (includeSecrets) return copy;
  for (const key of secretProvisioningKeys) {
    const value = copy[key];
    if (typeof value === 'string' && value !== '') (copy as Record<string, unknown>)[key] = SECRET_MASK;
  }
  return copy;
}

/** A rule across several keys: `check` answers why the values break it, or null. */
interface CrossFieldRule {
  keys: readonly ProvisioningKey[];
  check(values: Provisioning): string | null;
}

const crossFieldRules: readonly CrossFieldRule[] = [
  {
    keys: ['mediaPortMin', 'mediaPortMax'],
    check: (v) =>
      v.mediaPortMin <= v.mediaPortMax
        ? null
        : `mediaPortMin (${v.mediaPortMin}) must not be above mediaPortMax (${v.mediaPortMax})`,
  },
  {
    keys: ['audioCodecs'],
    check: (v) =>
      v.audioCodecs.some((codec) => codec !== 'telephone-event')
        ? null
        : 'audioCodecs needs a voice codec besides telephone-event',
  },
  {
    // §6.2.7: `auto` falls back to SIP INFO; a forced RFC 4733 needs telephone-event offered.
    keys: ['dtmfMode', 'audioCodecs'],
    check: (v) =>
      v.dtmfMode !== 'rfc4733' || v.audioCodecs.includes('telephone-event')
        ? null
        : "dtmfMode 'rfc4733' needs telephone-event in audioCodecs (or dtmfMode 'auto' to fall back to SIP INFO)",
  },
];

/**
 * Checks the rules that involve several keys on the values after a change of `changed`.
 * @throws TalkbusError `INVALID_PARAMETER` whose message and `data.keys` name the keys.
 */
export function checkCrossField(values: Provisioning, changed: readonly ProvisioningKey[]): void {
  const broken = crossFieldRules
    .filter((rule) => rule.keys.some((key) => changed.includes(key)))
    .map((rule) => ({ rule, reason: rule.check(values) }))
    .filter((result): result is { rule: CrossFieldRule; reason: string } => result.reason !== null);
  if (broken.length === 0) return;
  const keys = [...new Set(broken.flatMap(({ rule }) => rule.keys))];
  throw new TalkbusError(
    ErrorCode.INVALID_PARAMETER,
    `Invalid provisioning values: ${broken.map((b) => b.reason).join('; ')}`,
    {
      keys,
    },
  );
}

/** `profile.get` / `profile.set`. */
export class ProvisioningActions {
  readonly #deps: ProfileDeps;
  readonly #accounts: Accounts;

  constructor(deps: ProfileDeps, accounts: Accounts) {
    this.#deps = deps;
    this.#accounts = accounts;
  }

  /** The values of `keys` (all when omitted): the stored ones once open, else the defaults (§4.3). */
  async get(
    account: string,
    keys?: ProvisioningKey[],
    includeSecrets = false,
  ): Promise<{ opened: boolean; values: Partial<Provisioning> }> {
    await this.#accounts.require(account);
    const loaded = await this.#accounts.provisioningOf(account);
    const all = loaded ?? defaultProvisioning();
    const values = keys ? pick(all, keys) : all;
    return { opened: loaded !== null, values: maskSecrets(values, includeSecrets) };
  }

  /**
   * Writes `values` of an open account in one batch, then emits `profile.changed` with the keys
   * (never the values). A secret given as `SECRET_MASK` (a masked value read back and sent
   * again) leaves the secret unchanged.
   * @throws TalkbusError `ACCOUNT_NOT_OPEN` (§4.3), `INVALID_PARAMETER` (rules across keys)
   */
  set(account: string, values: Partial<Provisioning>): Promise<{ values: Partial<Provisioning> }> {
    const { db, queue, publish } = this.#deps;
    return queue.run(account, async () => {
      await this.#accounts.require(account);
      const current = await this.#accounts.provisioningOf(account);
      if (!current) {
        throw new TalkbusError(
          ErrorCode.ACCOUNT_NOT_OPEN,
          `Account '${account}' is not open: call profile.open first. ${GUIDE_4_3_OPEN_FIRST}`,
          {
            account,
          },
        );
      }
      const given = (Object.keys(values) as ProvisioningKey[]).filter((key) => values[key] !== undefined);
      if (given.length === 0) {
        throw new TalkbusError(ErrorCode.INVALID_PARAMETER, 'values names no provisioning key to set', { keys: [] });
      }
      const changed = given.filter((key) => !(secretProvisioningKeys.includes(key) && values[key] === SECRET_MASK));
      if (changed.length === 0) return { values: {} };
      const next = { ...current, ...pick(values as Provisioning, changed) };
      checkCrossField(next, changed);
      const { provisioning } = db.dataOf(account);
      const batch = db.batch();
      for (const key of changed) batch.put(provisioning, key, next[key]);
      await guarded(`saving parameters of account '${account}'`, () => batch.write());
      this.#accounts.remember(account, next);
      await publish('profile.changed', { account, keys: changed });
      return { values: maskSecrets(pick(next, changed), false) };
    });
  }
}

function pick(values: Provisioning, keys: readonly ProvisioningKey[]): Partial<Provisioning> {
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = values[key];
  return out as Partial<Provisioning>;
}
