import { ListItemStream } from '../../src/ops/controller/liststream.js';

const awkward = ['a"b', 'x\\\\', 'q\\"}]{[', '{"items":[1]}', 'ünï😀', '\\', '"', ']'];
const item = (i: number) => ({
  apiVersion: 'v1',
  kind: 'X',
  metadata: { name: `n${i}`, annotations: { a: awkward[i % awkward.length] } },
  spec: { list: [1, { b: [] }, 'x]'], s: awkward[(i * 7) % awkward.length] },
});

/** `text` fed in chunks of the given sizes, in turn. */
function decode(text: string, sizes: number[]): { items: unknown[]; envelope: unknown } {
  const items: unknown[] = [];
  const stream = new ListItemStream((x) => items.push(x));
  const bytes = Buffer.from(text);
  for (let at = 0, n = 0; at < bytes.length; n += 1) {
    const size = sizes[n % sizes.length];
    stream.write(bytes.subarray(at, at + size));
    at += size;
  }
  return { items, envelope: JSON.parse(stream.end()) as unknown };
}

test.each([
  ['one chunk', [1 << 20]],
  ['one byte at a time', [1]],
  ['chunks of uneven sizes', [7, 1, 2, 64, 3]],
  ['chunks of two and three bytes', [2, 3]],
])('a list in %s: each item on its own, the rest with items empty', (_what, sizes) => {
  const items = Array.from({ length: 25 }, (_, i) => item(i));
  const metadata = { continue: 'tok"en]', resourceVersion: '12' };
  for (const text of [
    JSON.stringify({ apiVersion: 'v1', items, kind: 'XList', metadata }),
    JSON.stringify({ kind: 'XList', metadata, items }, null, 2),
  ]) {
    const got = decode(text, sizes);
    expect(got.items).toEqual(items);
    expect(got.envelope).toEqual({ ...(JSON.parse(text) as object), items: [] });
  }
});

test('anything but a list is left whole', () => {
  const text = JSON.stringify({ kind: 'Status', details: { causes: [{ items: [1] }] }, items: 'none' });
  expect(decode(text, [5])).toEqual({ items: [], envelope: JSON.parse(text) });
});
