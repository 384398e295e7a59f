/**
 * The catalog of every action, keyed by full name, and the typed call helper.
 */
import type { ActionSpec, ParamsOf, ResultOf } from './action.ts';
import { licenseActions, licenseServerActions } from './license.ts';
import { mediaActions, mediaTapActions, mediaWebRtcActions } from './media.ts';
import { profileActions } from './profile.ts';
import { recorderActions } from './recorder.ts';
import { registrarActions } from './registrar.ts';
import { imActions, sessionActions } from './session.ts';

type ByName<G> = { [K in keyof G as G[K] extends ActionSpec<infer N> ? N : never]: G[K] };

function byName<G extends Record<string, ActionSpec>>(group: G): ByName<G> {
  return Object.fromEntries(Object.values(group).map((spec) => [spec.name, spec])) as ByName<G>;
}

/** Every action, by full name. */
export const actions = {
  ...byName(profileActions),
  ...byName(licenseActions),
  ...byName(licenseServerActions),
  ...byName(mediaActions),
  ...byName(sessionActions),
  ...byName(imActions),
  ...byName(registrarActions),
  ...byName(mediaTapActions),
  ...byName(mediaWebRtcActions),
  ...byName(recorderActions),
} as const;

/** A full action name. */
export type ActionName = keyof typeof actions;
/** The params of an action, by name. */
export type ActionParams<N extends ActionName> = ParamsOf<(typeof actions)[N]>;
/** The result of an action, by name. */
export type ActionResult<N extends ActionName> = ResultOf<(typeof actions)[N]>;

/** What `call` needs of a broker or context: Moleculer's `call`. */
export interface Caller {
  call(name: string, params?: unknown, options?: Record<string, unknown>): Promise<unknown>;
}

/** Calls an action with checked params and a typed result. */
export function call<N extends ActionName>(
  caller: Caller,
  name: N,
  params: ActionParams<N>,
  options?: { timeout?: number; nodeID?: string; meta?: Record<string, unknown> },
): Promise<ActionResult<N>> {
  return caller.call(name, params, options) as Promise<ActionResult<N>>;
}
