/**
 * Checks of the payloads of the events the profile service consumes (`call.termed`, `im.sent`,
 * `im.received`). Events come from other services, possibly other nodes and versions: a payload
 * that does not fit is logged and ignored, never written and never thrown. Unknown extra fields
 * are tolerated (a newer sender may add some).
 */
import type { ServiceBroker } from 'moleculer';
import { TERM_REASONS, accountName, type CallTermedEvent, type ImEvent } from '@talkbus/contracts';

const epochMs = { type: 'number', integer: true, min: 0, max: 8.64e15 };
const nullable = (rule: Record<string, unknown>) => ({ ...rule, nullable: true });
const text = (min: number, max: number) => ({ type: 'string', min, max });

/** fastest-validator schema of `call.termed`. */
export const callTermedSchema = {
  $$root: true,
  type: 'object',
  props: {
    sessionId: text(1, 128),
    account: accountName,
    cookie: { ...nullable(text(0, 256)), optional: true },
    direction: { type: 'enum', values: ['incoming', 'outgoing'] },
    peerUri: text(1, 2048),
    peerName: nullable(text(0, 256)),
    video: { type: 'boolean' },
    startedAt: epochMs,
    answeredAt: nullable(epochMs),
    endedAt: epochMs,
    reason: { type: 'enum', values: [...TERM_REASONS] },
    sipStatus: nullable({ type: 'number', integer: true, min: 100, max: 699 }),
  },
};

/**
 * fastest-validator schema of `im.sent` / `im.received`. The body is not bounded here: the log
 * truncates it (`maxImBodyBytes`) rather than losing the message.
 */
export const imEventSchema = {
  $$root: true,
  type: 'object',
  props: {
    account: accountName,
    messageId: text(1, 256),
    peerUri: text(1, 2048),
    contentType: text(1, 256),
    body: { type: 'string' },
    at: epochMs,
    status: { type: 'enum', values: ['sent', 'delivered', 'failed', 'received'] },
  },
};

/** One problem with a payload: which field and why (never the field's value). */
export interface PayloadProblem {
  field: string;
  type: string;
}

/** A compiled check: the payload as `T`, or what is wrong with it. */
export type PayloadCheck<T> = (payload: unknown) => { ok: true; value: T } | { ok: false; problems: PayloadProblem[] };

/** Compiles the checks with the broker's validator (the one that checks action params). */
export function compilePayloadChecks(broker: ServiceBroker): {
  callTermed: PayloadCheck<CallTermedEvent>;
  im: PayloadCheck<ImEvent>;
} {
  const validator = broker.validator;
  if (!validator) throw new Error('The profile service needs a broker with its validator enabled (validator: true)');
  const make = <T>(schema: Record<string, unknown>): PayloadCheck<T> => {
    // fastest-validator's checker answers true or a list of problems (Moleculer types it boolean).
    const check = validator.compile(schema) as unknown as (value: unknown) => true | { field?: string; type: string }[];
    return (payload) => {
      const result = check(payload);
      if (result === true) return { ok: true, value: payload as T };
      return {
        ok: false,
        problems: result.map((problem) => ({ field: problem.field ?? '(payload)', type: problem.type })),
      };
    };
  };
  return { callTermed: make<CallTermedEvent>(callTermedSchema), im: make<ImEvent>(imEventSchema) };
}
