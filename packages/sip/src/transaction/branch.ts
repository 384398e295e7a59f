/** Branch values for new client transactions (RFC 3261 §8.1.1.7). */
import { randomBytes } from 'node:crypto';
import { BRANCH_MAGIC_COOKIE } from '../message/values/via.ts';

/**
 * A new branch: "The branch ID inserted by an element compliant with this specification MUST
 * always begin with the characters 'z9hG4bK'" and "MUST be unique across space and time for all
 * requests sent by the UA" (§8.1.1.7): the cookie plus 96 random bits.
 */
export function createBranch(): string {
  return `${BRANCH_MAGIC_COOKIE}${randomBytes(12).toString('base64url')}`;
}
