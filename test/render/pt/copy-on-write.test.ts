import { deepCopy, roundTripPreserveInts, type GoMap } from '../../../src/engine/render/pt/govalue.js';
import type { Patch } from '../../../src/engine/render/pt/input.js';
import { applyFromFieldPathPatch, type Holder } from '../../../src/engine/render/pt/patches.js';
import { rng } from '../../support/random.js';

/**
 * A holder marked `decoded` is patched by copying only the path written (into containers it owns,
 * in place). That must give exactly what patching a deep copy and decoding it again gives, the same
 * errors, leave the holder as it was when a patch fails, and never change the object it started from.
 */

const snapshot = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `int64:${x}` : x));

const SOURCE: GoMap = {
  spec: {
    s: 'text',
    i: 3,
    f: 2.5,
    t: true,
    n: null,
    o: { a: 'x', b: { c: 1 } },
    l: ['p', 'q'],
    lo: [{ a: 1 }, { b: 2 }],
    e: {},
    el: [],
    k: 42,
    nan: Number.NaN,
  },
};
const FROM = Object.keys(SOURCE.spec as GoMap).map((k) => `spec.${k}`);
const TO = [
  'kind',
  'apiVersion',
  'metadata.name',
  'metadata.labels.team',
  'metadata.labels',
  'spec',
  'spec.a',
  'spec.a.b',
  'spec.a.b.c',
  'spec.forProvider.region',
  'spec.forProvider.tags.Name',
  'spec.forProvider.tags',
  'spec.list[0]',
  'spec.list[2].x',
  'spec.list[3]',
  'spec.list[0][1]',
  'spec.num.x',
  'spec.num[0]',
  'spec.str[1]',
  'spec.arr.x',
  'spec.arr[1]',
  'spec.arr[5].y',
  'spec.nul.x',
  'spec.nul[0]',
  'spec[weird.key]',
  'spec.big[1025]',
  'spec..x',
  'spec.a[',
  'kind.x',
  '[kind]',
];
const POLICIES = [
  undefined,
  'Replace',
  'MergeObjects',
  'MergeObjectsAppendArrays',
  'ForceMergeObjects',
  'ForceMergeObjectsAppendArrays',
  'AppendArray',
];

const BASE: GoMap = roundTripPreserveInts({
  apiVersion: 'x/v1',
  kind: 'Thing',
  metadata: { labels: { a: 'b' } },
  spec: {
    forProvider: { region: 'us', tags: { ManagedBy: 'me' } },
    list: [{ x: 1 }, null],
    num: 7,
    str: 'abc',
    arr: [1, 2],
    nul: null,
  },
}) as GoMap;

function attempt(p: Patch, h: Holder): string | undefined {
  try {
    applyFromFieldPathPatch(p, SOURCE, h);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

describe('patching a decoded holder copies what it writes', () => {
  it('matches patching a deep copy, error for error, over random patch sequences', () => {
    const next = rng(99);
    const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)];
    const baseSnapshot = snapshot(BASE);
    let failures = 0;
    for (let run = 0; run < 300; run++) {
      const fast: Holder = { obj: BASE, decoded: true };
      const ref: Holder = { obj: deepCopy(BASE) as GoMap };
      for (let step = 0; step < 12; step++) {
        const policy = pick(POLICIES);
        const p: Patch = {
          kind: 'composed',
          type: '',
          fromFieldPath: pick(FROM),
          toFieldPath: pick(TO),
          transforms: [],
          ...(policy ? { policy: { toFieldPath: policy } } : {}),
        };
        const before = snapshot(fast.obj);
        const want = attempt(p, ref);
        ref.decoded = false; // the reference always takes the deep-copy path
        const got = attempt(p, fast);
        expect(got).toBe(want);
        if (got !== undefined) {
          failures++;
          expect(snapshot(fast.obj)).toBe(before);
        }
        expect(snapshot(fast.obj)).toBe(snapshot(ref.obj));
        expect(snapshot(BASE)).toBe(baseSnapshot);
      }
    }
    expect(failures).toBeGreaterThan(100);
  });

  it('never writes into what it started from', () => {
    const start = roundTripPreserveInts({ kind: 'K', spec: { a: { b: 1 } } }) as GoMap;
    const h: Holder = { obj: start, decoded: true };
    const p = (to: string, from: string): Patch => ({
      kind: 'composed',
      type: '',
      fromFieldPath: from,
      toFieldPath: to,
      transforms: [],
    });
    applyFromFieldPathPatch(p('spec.a.c', 'spec.s'), SOURCE, h);
    applyFromFieldPathPatch(p('spec.a.d', 'spec.i'), SOURCE, h);
    expect(start).toEqual({ kind: 'K', spec: { a: { b: 1n } } });
    expect(h.obj).toEqual({ kind: 'K', spec: { a: { b: 1n, c: 'text', d: 3n } } });
  });
});
