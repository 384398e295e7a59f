/**
 * A typed builder for the broker's parameter schemas.
 *
 * Moleculer validates action parameters with fastest-validator; its schemas are plain objects
 * that TypeScript cannot read a type from. Every rule built here carries the TypeScript type of
 * the value it accepts (a phantom field), so an action's parameter type is inferred from the very
 * schema the broker validates with: one source of truth, no drift between the two.
 */

declare const valueType: unique symbol;

/** A fastest-validator rule that accepts values of type `T`. */
export type Rule<T> = Readonly<Record<string, unknown>> & { readonly [valueType]?: T };

/** An action's parameter schema: field name → rule. */
export type ParamsSchema = Readonly<Record<string, Rule<unknown>>>;

/** The type a rule accepts. */
export type TypeOf<R> = R extends Rule<infer T> ? T : never;

type OptionalKeys<S> = { [K in keyof S]: undefined extends TypeOf<S[K]> ? K : never }[keyof S];
type RequiredKeys<S> = Exclude<keyof S, OptionalKeys<S>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The parameter object a schema accepts; fields whose rule is optional become optional keys. */
export type Infer<S extends ParamsSchema> = Simplify<
  { [K in RequiredKeys<S>]: TypeOf<S[K]> } & {
    [K in OptionalKeys<S>]?: Exclude<TypeOf<S[K]>, undefined>;
  }
>;

interface StringOptions {
  /** Minimum length in characters (default 0). */
  min?: number;
  /** Maximum length in characters. Required: every string the wire or an app sends is bounded. */
  max: number;
  pattern?: RegExp;
  /** Custom message when `pattern` does not match. */
  patternMessage?: string;
  trim?: boolean;
}

interface NumberOptions {
  min?: number;
  max?: number;
  integer?: boolean;
  /** Accept numeric strings ("42"), as a CLI or HTTP caller sends them. */
  convert?: boolean;
}

function rule<T>(body: Record<string, unknown>): Rule<T> {
  return body as Rule<T>;
}

/** Rule builders. Each returns a fastest-validator rule typed with the value it accepts. */
export const t = {
  string(options: StringOptions): Rule<string> {
    const { patternMessage, ...rest } = options;
    return rule({
      type: 'string',
      ...rest,
      ...(patternMessage ? { messages: { stringPattern: patternMessage } } : {}),
    });
  },
  number(options: NumberOptions = {}): Rule<number> {
    return rule({ type: 'number', ...options });
  },
  integer(options: Omit<NumberOptions, 'integer'> = {}): Rule<number> {
    return rule({ type: 'number', integer: true, ...options });
  },
  boolean(): Rule<boolean> {
    return rule({ type: 'boolean' });
  },
  /** One of a fixed set of strings. */
  enum<const V extends readonly string[]>(values: V): Rule<V[number]> {
    return rule({ type: 'enum', values: [...values] });
  },
  /** An object with a known shape; unknown keys are refused. */
  object<S extends ParamsSchema>(props: S): Rule<Infer<S>> {
    return rule({ type: 'object', strict: true, props });
  },
  /** An object whose values all follow one rule (a map), with a bounded number of keys. */
  record<V>(value: Rule<V>, options: { maxKeys: number }): Rule<Record<string, V>> {
    return rule({
      type: 'record',
      key: { type: 'string', min: 1, max: 128 },
      value,
      ...options,
      // fastest-validator's record has no key count limit; the custom check below adds it.
      custom: (v: Record<string, unknown>, errors: unknown[]) => {
        if (v && typeof v === 'object' && Object.keys(v).length > options.maxKeys) {
          (errors as { type: string; expected: number; actual: number }[]).push({
            type: 'objectMaxProps',
            expected: options.maxKeys,
            actual: Object.keys(v).length,
          });
        }
        return v;
      },
    });
  },
  array<V>(items: Rule<V>, options: { min?: number; max: number; unique?: boolean }): Rule<V[]> {
    return rule({ type: 'array', items, ...options });
  },
  /** Any JSON value (stored as given); bound its size where it is used. */
  any(): Rule<unknown> {
    return rule({ type: 'any' });
  },
  /** Makes a rule optional: the field may be absent (or undefined). */
  optional<V>(inner: Rule<V>): Rule<V | undefined> {
    return rule({ ...inner, optional: true });
  },
  /** Accepts a value that matches any of the given rules. */
  oneOf<A, B>(a: Rule<A>, b: Rule<B>): Rule<A | B> {
    return rule({ type: 'multi', rules: [a, b] }) as Rule<A | B>;
  },
  /** Accepts exactly this literal value. */
  literal<const V extends string | number | boolean>(value: V): Rule<V> {
    return rule({ type: 'equal', value, strict: true });
  },
} as const;

/**
 * Wraps a parameter schema for the broker: unknown fields are refused, so a misspelt parameter
 * is an error naming it rather than silently ignored.
 */
export function strictParams<S extends ParamsSchema>(schema: S): S & { $$strict: true } {
  return { ...schema, $$strict: true };
}
