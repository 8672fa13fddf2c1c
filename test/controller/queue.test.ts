import { WorkQueue } from '../../src/controller/queue.js';

test('a key waiting twice is handed out once', async () => {
  const q = new WorkQueue();
  q.add('a');
  q.add('b');
  q.add('a');
  expect(q.length).toBe(2);
  expect(await q.get()).toBe('a');
  expect(await q.get()).toBe('b');
  q.shutDown();
  expect(await q.get()).toBeUndefined();
});

test('a key added while processing is processed again after done, never by two workers at once', async () => {
  const q = new WorkQueue();
  q.add('a');
  const first = await q.get();
  q.add('a');
  q.add('a');
  expect(q.length).toBe(0);
  let second: string | undefined;
  const waiting = q.get().then((k) => (second = k));
  await Promise.resolve();
  expect(second).toBeUndefined();
  q.done(first ?? '');
  await waiting;
  expect(second).toBe('a');
  q.done('a');
  expect(q.length).toBe(0);
  q.shutDown();
});

test('failures back off exponentially per key and forget resets', async () => {
  const q = new WorkQueue({ baseDelayMs: 5, maxDelayMs: 40 });
  expect([
    q.addRateLimited('a'),
    q.addRateLimited('a'),
    q.addRateLimited('a'),
    q.addRateLimited('a'),
    q.addRateLimited('a'),
  ]).toEqual([5, 10, 20, 40, 40]);
  expect(q.addRateLimited('b')).toBe(5);
  expect(await q.get()).toBe('b');
  expect(await q.get()).toBe('a');
  q.forget('a');
  expect(q.failuresOf('a')).toBe(0);
  expect(q.addRateLimited('a')).toBe(5);
  q.shutDown();
});

test('shutdown releases waiting workers and drops pending keys', async () => {
  const q = new WorkQueue();
  const waiting = q.get();
  q.addAfter('later', 10_000);
  q.shutDown();
  expect(await waiting).toBeUndefined();
  q.add('x');
  expect(q.length).toBe(0);
});
