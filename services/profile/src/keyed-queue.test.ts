import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedQueue } from './keyed-queue.ts';

test('work on one key runs one at a time, in order; other keys run alongside; a failure does not block', async () => {
  const queue = new KeyedQueue();
  const trace: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const first = queue.run('a', async () => {
    trace.push('a1 start');
    await gate;
    trace.push('a1 end');
    throw new Error('a1 failed');
  });
  const second = queue.run('a', async () => {
    trace.push('a2');
    return 2;
  });
  const other = queue.run('b', async () => {
    trace.push('b1');
    return 'b';
  });
  assert.equal(await other, 'b');
  assert.deepEqual(trace, ['a1 start', 'b1']);
  release();
  await assert.rejects(first, /a1 failed/);
  assert.equal(await second, 2);
  assert.deepEqual(trace, ['a1 start', 'b1', 'a1 end', 'a2']);
  await queue.drain();
});
