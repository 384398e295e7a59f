/**
 * Helpers for services: register handlers against the contracts' action specs, so the broker
 * validates exactly the published schema and the handler sees typed params.
 */
import type { Context, ServiceBroker, ServiceSchema } from 'moleculer';
import {
  localName,
  strictParams,
  type ActionSpec,
  type EventMap,
  type EventName,
  type ParamsOf,
  type ResultOf,
} from '@talkbus/contracts';
import type { TalkbusConfig } from './config.ts';

/** Handlers for a group of action specs, one per spec, typed by it. */
export type Handlers<G extends Record<string, ActionSpec>> = {
  [K in keyof G]: (params: ParamsOf<G[K]>, ctx: Context) => Promise<ResultOf<G[K]>>;
};

/** Builds a Moleculer `actions` object from specs and handlers. */
export function actionsFrom<G extends Record<string, ActionSpec>>(
  specs: G,
  handlers: Handlers<G>,
): NonNullable<ServiceSchema['actions']> {
  const actions: Record<string, unknown> = {};
  for (const key of Object.keys(specs) as (keyof G & string)[]) {
    const spec = specs[key]!;
    const handler = handlers[key];
    actions[localName(spec.name)] = {
      params: strictParams(spec.params),
      handler(ctx: Context) {
        return handler(ctx.params as ParamsOf<G[typeof key]>, ctx);
      },
    };
  }
  return actions as NonNullable<ServiceSchema['actions']>;
}

/** Emits a typed event. */
export function emit<N extends EventName>(
  broker: Pick<ServiceBroker, 'emit'>,
  name: N,
  payload: EventMap[N],
): Promise<void> {
  return broker.emit(name, payload) as Promise<void>;
}

/** What a service factory gets from the node it runs in. */
export interface ServiceContext {
  config: TalkbusConfig;
}

/** Makes a service schema for a node. */
export type ServiceFactory = (context: ServiceContext) => ServiceSchema;
