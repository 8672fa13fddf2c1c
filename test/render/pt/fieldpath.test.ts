import { Paved, parseFieldPath, segmentsString } from '../../../src/engine/render/pt/index.js';
import { mergeValues } from '../../../src/engine/render/pt/merge.js';

// crossplane-runtime pkg/fieldpath (fieldpath.go lexer, paved.go, merge.go over mergo v1.0.2).
describe('fieldpath.Parse', () => {
  it('parses fields, indexes and quoted keys', () => {
    expect(segmentsString(parseFieldPath("a.b[0].c['k.with.dots']"))).toBe('a.b[0].c[k.with.dots]');
    expect(parseFieldPath('a[0]b')).toEqual([
      { type: 'field', field: 'a' },
      { type: 'index', index: 0 },
      { type: 'field', field: 'b' },
    ]);
  });
  it.each([
    ['a..b', "unexpected '.' at position 2"],
    ['.a', "unexpected '.' at position 0"],
    ['a.', "unexpected '.' at position 1"],
    ['a]', "unexpected ']' at position 1"],
    ['a[0', "unterminated '[' at position 1"],
    ['a[]', "unexpected ']' at position 2"],
    ['a.[0]', "unexpected '[' at position 2"],
  ])('rejects %s', (path, msg) => {
    expect(() => parseFieldPath(path)).toThrow(msg);
  });
});

describe('Paved', () => {
  it('reports not-found errors with crossplane-runtime wording', () => {
    const p = new Paved({ spec: { list: [1], s: 'x', n: null } });
    expect(() => p.getValue('spec.missing')).toThrow('spec.missing: no such field');
    expect(() => p.getValue('spec.list[3]')).toThrow('spec.list[3]: no such element');
    expect(() => p.getValue('spec.n.x')).toThrow('spec.n: expected map, got nil');
    expect(() => p.getValue('spec.s.x')).toThrow('spec.s: not an object');
    expect(() => p.getValue('spec.s[0]')).toThrow('spec.s: not an array');
    expect(() => p.getValue('a..b')).toThrow(`cannot parse path "a..b": unexpected '.' at position 2`);
  });
  it('creates intermediate objects and arrays on set', () => {
    const p = new Paved({});
    p.setValue('spec.a[2].b', 'x');
    expect(p.object).toEqual({ spec: { a: [null, null, { b: 'x' }] } });
    p.setValue('metadata.labels[app.kubernetes.io/name]', 'n');
    expect(p.object.metadata).toEqual({ labels: { 'app.kubernetes.io/name': 'n' } });
  });
  it('stores integral numbers as int64 (JSON round trip with preserved ints)', () => {
    const p = new Paved({});
    p.setValue('a', 3);
    p.setValue('b', 3.5);
    expect(p.object).toEqual({ a: 3n, b: 3.5 });
  });
  it('expands wildcards and errors on a nil parent', () => {
    const p = new Paved({ spec: { items: [{ a: 1 }, { a: 2 }], n: null } });
    expect(p.expandWildcards('spec.items[*].a')).toEqual(['spec.items[0].a', 'spec.items[1].a']);
    expect(p.expandWildcards('spec.missing[*].a')).toEqual([]);
    expect(() => p.expandWildcards('spec.n[*]')).toThrow('wildcard field "spec.n" is not found in the path');
  });
});

describe('merge (fieldpath.merge with mergo)', () => {
  const dst = () => ({ a: 'keep', m: { x: 1, y: 'old' }, l: ['p'], e: '' });
  const src = { a: 'new', m: { y: 'new', z: true }, l: ['q'], e: 'filled', n: 'added' };
  it('Replace (no options) replaces', () => {
    expect(mergeValues(dst(), src, undefined)).toEqual(src);
  });
  it('MergeObjects keeps existing non-empty values and arrays, fills empty ones', () => {
    expect(mergeValues(dst(), src, { keepMapValues: true })).toEqual({
      a: 'keep',
      m: { x: 1, y: 'old', z: true },
      l: ['p'],
      e: 'filled',
      n: 'added',
    });
  });
  it('ForceMergeObjects overrides values but merges maps', () => {
    expect(mergeValues(dst(), src, { keepMapValues: false })).toEqual({
      a: 'new',
      m: { x: 1, y: 'new', z: true },
      l: ['q'],
      e: 'filled',
      n: 'added',
    });
  });
  it('MergeObjectsAppendArrays appends nested arrays', () => {
    expect(mergeValues(dst(), src, { keepMapValues: true, appendSlice: true })).toMatchObject({
      a: 'keep',
      l: ['p', 'q'],
    });
  });
  it('AppendSlice removes top-level duplicates first, type-strictly', () => {
    expect(mergeValues(['a', 'b'], ['b', 'c'], { appendSlice: true })).toEqual(['a', 'b', 'c']);
    expect(mergeValues([1], [1n], { appendSlice: true })).toEqual([1, 1n]);
  });
  it('appending to a non-array fails like mergo', () => {
    expect(() => mergeValues('s', ['x'], { appendSlice: true })).toThrow(
      'failed to merge values: cannot append two slices with different type ([]interface {}, string)',
    );
  });
});
