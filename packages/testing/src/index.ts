/**
 * @talkbus/testing: helpers the packages' tests share. Test code only; nothing in a package's
 * own API depends on it.
 */
export { randomBytes, seededRandom } from './seeded-random.ts';
