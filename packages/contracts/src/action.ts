/**
 * How an action is declared: its full name, its parameter schema (which the broker validates)
 * and its result type. Services register handlers against these; clients call through them.
 */
import type { Infer, ParamsSchema } from './schema.ts';

declare const resultType: unique symbol;

/** One action of the public API. */
export interface ActionSpec<N extends string = string, P extends ParamsSchema = ParamsSchema, R = unknown> {
  /** Full name, `<service>.<action>`. */
  readonly name: N;
  /** fastest-validator schema; the broker refuses calls that do not match, naming the field. */
  readonly params: P;
  /** One line for `--help` and the REPL. */
  readonly description: string;
  /** Phantom: the result type. */
  readonly [resultType]?: R;
}

/**
 * Declares an action. Curried so the result type is given and the rest inferred:
 * `action<Result>()('profile.create', { account: t.string(…) }, 'Creates an account')`.
 */
export function action<R>() {
  return <const N extends string, const P extends ParamsSchema>(
    name: N,
    params: P,
    description: string,
  ): ActionSpec<N, P, R> => ({ name, params, description });
}

/** The parameter type of an action spec. */
export type ParamsOf<A> = A extends ActionSpec<string, infer P, unknown> ? Infer<P> : never;
/** The result type of an action spec. */
export type ResultOf<A> = A extends ActionSpec<string, ParamsSchema, infer R> ? R : never;

/** The local part of an action name (`profile.contacts.add` → `contacts.add`). */
export function localName(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? name : name.slice(dot + 1);
}
