/**
 * Interop tests need their real peer. `npm run setup` installs every one, so a missing peer is a
 * broken machine, not a reason to skip: a skipped test checks nothing.
 */

/** Fails the test file at load, with what to do, when a peer is not installed. */
export function requirePeer(available: boolean, what: string): void {
  if (!available) throw new Error(`${what} is not installed; \`npm run setup\` installs it`);
}
