/**
 * A node:test reporter that writes one JSON line at the end: how many tests (not suites) ran
 * and passed, so `npm test` can refuse a run of zero tests.
 */
import type { TestEvent } from 'node:test/reporters';

export default async function* countReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  let tests = 0;
  let failed = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (event.data.details.type === 'suite') continue;
    tests += 1;
    if (event.type === 'test:fail') failed += 1;
  }
  yield `${JSON.stringify({ tests, failed })}\n`;
}
