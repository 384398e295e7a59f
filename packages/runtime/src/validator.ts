/**
 * The broker's parameter validator: Moleculer's fastest-validator, with secrets taken out of
 * validation errors. fastest-validator puts the offending value in each error (`actual`), and
 * Moleculer logs failed calls with their errors, so a mistyped password would reach the logs.
 */
import Moleculer from 'moleculer';

/** Field names whose values are secrets (`authPassword`, `values.authPassword`, a product `key`). */
const SECRET_FIELD = /(password|secret|privatekey)$|(^|\.)key$/i;

interface ValidationIssue {
  field?: string;
  actual?: unknown;
  message?: string;
}

type Check = ((value: unknown, options?: unknown) => true | ValidationIssue[] | Promise<true | ValidationIssue[]>) & {
  async?: boolean;
};

function redact(result: true | ValidationIssue[]): true | ValidationIssue[] {
  if (result === true) return result;
  for (const issue of result) {
    if (issue.field && SECRET_FIELD.test(issue.field) && 'actual' in issue) {
      const actual = issue.actual;
      issue.actual = '[redacted]';
      if (typeof issue.message === 'string' && actual !== undefined && actual !== null && String(actual) !== '') {
        issue.message = issue.message.split(String(actual)).join('[redacted]');
      }
    }
  }
  return result;
}

/** fastest-validator for the broker, redacting secret values from its errors. */
export class RedactingValidator extends Moleculer.Validators.Fastest {
  override compile(schema: Record<string, unknown>): ReturnType<Moleculer.Validators.Fastest['compile']> {
    const check = super.compile(schema) as unknown as Check;
    const wrapped: Check = (value, options) => {
      const result = check(value, options);
      return result instanceof Promise ? result.then(redact) : redact(result);
    };
    wrapped.async = check.async;
    return wrapped as unknown as ReturnType<Moleculer.Validators.Fastest['compile']>;
  }
}
