/**
 * @talkbus/contracts — the public API of talkbus in one place: action names with parameter
 * schemas and result types, event names with payloads, error codes. Services and clients
 * import only this to talk to each other.
 */
export * from './schema.ts';
export * from './action.ts';
export * from './errors.ts';
export * from './provisioning.ts';
export * from './profile.ts';
export * from './license.ts';
export * from './media.ts';
export * from './session.ts';
export * from './registrar.ts';
export * from './recorder.ts';
export * from './events.ts';
export * from './catalog.ts';
