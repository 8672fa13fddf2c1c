import { WorkQueue } from '../../src/ops/controller/queue.js';

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

test('keys from a resync wait behind every key added for a change; a change moves a waiting one ahead', async () => {
  const q = new WorkQueue();
  for (const k of ['r1', 'r2', 'r3', 'r4']) q.addLow(k);
  q.add('e1');
  q.add('r3');
  q.addLow('e1');
  q.add('e2');
  expect(q.length).toBe(6);
  const order: string[] = [];
  for (let i = 0; i < 6; i++) {
    const k = (await q.get()) ?? '';
    order.push(k);
    q.done(k);
  }
  expect(order).toEqual(['e1', 'r3', 'e2', 'r1', 'r2', 'r4']);
  expect(q.length).toBe(0);
});

test('a resync of a key being processed runs it again after done, still behind changes', async () => {
  const q = new WorkQueue();
  q.add('a');
  const a = await q.get();
  q.addLow('a');
  q.add('b');
  q.done(a ?? '');
  expect(await q.get()).toBe('b');
  q.done('b');
  expect(await q.get()).toBe('a');
  q.done('a');
  // A change to a key being processed, after a resync of it: again as a change.
  q.add('c');
  const c = await q.get();
  q.addLow('c');
  q.add('c');
  q.addLow('d');
  q.done(c ?? '');
  expect(await q.get()).toBe('c');
  q.done('c');
  expect(await q.get()).toBe('d');
  q.done('d');
  expect(q.length).toBe(0);
  // A worker already waiting takes a resync key at once.
  const waiting = q.get();
  q.addLow('e');
  expect(await waiting).toBe('e');
});
