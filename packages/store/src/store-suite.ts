/**
 * The suite every `KeyValueStore` backend runs (STYLE §8; compare Level/abstract-level
 * `test/index.js`). A backend's test file calls {@link storeSuite} with a factory of fresh,
 * empty backings. Not exported from `index.ts`: it imports `node:test`.
 */
import { describe } from 'node:test';
import { batchAndLifecycleTests } from './store-suite-batches.ts';
import { suiteContext, type StoreSuiteOptions } from './store-suite-context.ts';
import { dataTests } from './store-suite-data.ts';
import { schemaTests } from './store-suite-schema.ts';

export {
  assertStoreError,
  collect,
  type StoreSuiteBacking,
  type StoreSuiteOptions,
  type SuiteOpenOptions,
} from './store-suite-context.ts';

/** Runs the shared suite for one backend. */
export function storeSuite(options: StoreSuiteOptions): void {
  const context = suiteContext(options);
  describe(`KeyValueStore suite: ${options.name}`, () => {
    dataTests(context);
    batchAndLifecycleTests(context);
    schemaTests(context);
  });
}
