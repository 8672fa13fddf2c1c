import { resolveTransforms } from '../../../src/engine/render/pt/transforms.js';
import type { Transform } from '../../../src/engine/render/pt/input.js';

// transforms.go (Resolve, ResolveMath/Map/Match/String/Convert) from function-patch-and-transform release-0.10.
const run = (t: Partial<Transform> & { type: string }, input: unknown) =>
  resolveTransforms([t as Transform], input as never);

describe('math transform', () => {
  it('Multiply keeps float64 for float input and int64 for int64 input', () => {
    expect(run({ type: 'math', math: { type: 'Multiply', multiply: 2n } }, 1.5)).toBe(3);
    expect(run({ type: 'math', math: { type: 'Multiply', multiply: 2n } }, 4n)).toBe(8n);
  });
  it('ClampMin/ClampMax return the int64 clamp or the input unchanged', () => {
    expect(run({ type: 'math', math: { type: 'ClampMin', clampMin: 5n } }, 2.9)).toBe(5n);
    expect(run({ type: 'math', math: { type: 'ClampMin', clampMin: 5n } }, 7.5)).toBe(7.5);
    expect(run({ type: 'math', math: { type: 'ClampMax', clampMax: 5n } }, 9)).toBe(5n);
  });
  it('rejects non-numbers', () => {
    expect(() => run({ type: 'math', math: { type: 'Multiply', multiply: 2n } }, 'x')).toThrow(
      'transform at index 0 returned error: math transform could not resolve: input is required to be a number for math transformer, got string',
    );
  });
});

describe('map transform', () => {
  const pairs = new Map<string, unknown>([
    ['a', { x: 1 }],
    ['n', undefined],
  ]);
  it('maps strings to JSON values', () => {
    expect(run({ type: 'map', map: { pairs: pairs as never } }, 'a')).toEqual({ x: 1 });
  });
  it('errors on missing keys, non-strings and null values', () => {
    expect(() => run({ type: 'map', map: { pairs: pairs as never } }, 'zz')).toThrow(
      'map transform could not resolve: key zz is not found in map',
    );
    expect(() => run({ type: 'map', map: { pairs: pairs as never } }, 3)).toThrow(
      'type float64 is not supported for map transform',
    );
    expect(() => run({ type: 'map', map: { pairs: pairs as never } }, 'n')).toThrow(
      'value for key n is not valid JSON: unexpected end of JSON input',
    );
  });
});

describe('match transform', () => {
  const match = (patterns: unknown[], extra: object = {}) => ({
    type: 'match',
    match: { patterns, fallbackValue: undefined, fallbackTo: '', ...extra } as never,
  });
  it('literal and regexp patterns, first match wins', () => {
    const t = match([
      { type: 'literal', literal: 'a', result: 1 },
      { type: 'regexp', regexp: '^b.*', result: 'B' },
    ]);
    expect(run(t, 'a')).toBe(1);
    expect(run(t, 'bcd')).toBe('B');
    expect(run(t, 'zzz')).toBeNull();
  });
  it('fallbackValue and fallbackTo Input', () => {
    expect(run(match([{ type: 'literal', literal: 'a', result: 1 }], { fallbackValue: 'fb' }), 'q')).toBe(
      'fb',
    );
    expect(run(match([{ type: 'literal', literal: 'a', result: 1 }], { fallbackTo: 'Input' }), 'q')).toBe(
      'q',
    );
    expect(() =>
      run(
        match([{ type: 'literal', literal: 'a', result: 1 }], { fallbackTo: 'Input', fallbackValue: 1 }),
        'q',
      ),
    ).toThrow('cannot set both a fallback value and the fallback to input flag');
  });
  it('a pattern without an explicit type fails at run time', () => {
    expect(() => run(match([{ type: '', literal: 'a', result: 1 }]), 'a')).toThrow(
      "match transform could not resolve: cannot match pattern at index 0: unsupported pattern type ''",
    );
  });
  it('non-string input', () => {
    expect(() => run(match([{ type: 'literal', literal: 'a', result: 1 }]), 3)).toThrow(
      "unsupported input type 'float64'",
    );
    expect(() => run(match([{ type: 'regexp', regexp: 'a', result: 1 }]), null)).toThrow(
      "unsupported input type 'null'",
    );
  });
});

describe('string transform', () => {
  const s = (o: object) => ({ type: 'string', string: o as never });
  it('Format uses Go fmt on float64 input', () => {
    expect(run(s({ type: 'Format', fmt: 'n-%d' }), 3)).toBe('n-%!d(float64=3)');
    expect(run(s({ type: 'Format', fmt: 'n-%v' }), 3)).toBe('n-3');
  });
  it.each([
    ['ToUpper', 'abc', 'ABC'],
    ['ToLower', 'ABC', 'abc'],
    ['ToBase64', 'hello', 'aGVsbG8='],
    ['FromBase64', 'aGVsbG8=', 'hello'],
    ['ToJson', { b: '<', a: 1 }, '{"a":1,"b":"\\u003c"}'],
    ['ToSha1', 'abc', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['ToSha256', 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['ToAdler32', 'abc', '38600999'],
  ])('Convert %s', (conv, input, want) => {
    expect(run(s({ type: 'Convert', convert: conv }), input)).toBe(want);
  });
  it('FromBase64 rejects invalid input', () => {
    expect(() => run(s({ type: 'Convert', convert: 'FromBase64' }), 'a$')).toThrow(
      'string is not valid base64: illegal base64 data at input byte 1',
    );
  });
  it('TrimPrefix, TrimSuffix, Replace', () => {
    expect(run(s({ type: 'TrimPrefix', trim: 'ab' }), 'abc')).toBe('c');
    expect(run(s({ type: 'TrimSuffix', trim: 'bc' }), 'abc')).toBe('a');
    expect(run(s({ type: 'Replace', replace: { search: 'a', replace: 'x' } }), 'banana')).toBe('bxnxnx');
  });
  it('Regexp with group and no-match error', () => {
    expect(run(s({ type: 'Regexp', regexp: { match: 'a(b+)c', group: 1 } }), 'xabbc')).toBe('bb');
    expect(() => run(s({ type: 'Regexp', regexp: { match: 'z(.)', group: 1 } }), 'abc')).toThrow(
      'regexp "z(.)" had no matches for group 1',
    );
  });
  it('Join drops only the last byte of the trailing separator', () => {
    expect(run(s({ type: 'Join', join: { separator: ',' } }), ['a', 'b'])).toBe('a,b');
    expect(run(s({ type: 'Join', join: { separator: ', ' } }), ['a', 1])).toBe('a, 1,');
    expect(run(s({ type: 'Join', join: { separator: '' } }), ['a', 'b'])).toBe('ab');
    expect(() => run(s({ type: 'Join', join: { separator: ',' } }), 'a')).toThrow(
      'could not parse input array',
    );
  });
});

describe('convert transform', () => {
  const c = (toType: string, format?: string) => ({ type: 'convert', convert: { toType, format } });
  it.each([
    ['int64', undefined, '42', 42n],
    ['int', undefined, '42', 42n],
    ['bool', undefined, 'true', true],
    ['float64', undefined, '1.5', 1.5],
    ['float64', 'quantity', '1.5Gi', 1610612736],
    ['float64', 'quantity', '250m', 0.25],
    ['string', undefined, 3, '3'],
    ['int64', undefined, 3.9, 3n],
    ['bool', undefined, 1, true],
    ['string', undefined, true, 'true'],
    ['object', 'json', '{"a":1}', { a: 1 }],
    ['array', 'json', '[1,"x"]', [1, 'x']],
  ])('to %s (%s) from %j', (toType, format, input, want) => {
    expect(run(c(toType, format), input)).toEqual(want);
  });
  it('errors', () => {
    expect(() => run(c('int64'), 'abc')).toThrow(
      'convert transform could not resolve: strconv.ParseInt: parsing "abc": invalid syntax',
    );
    expect(() => run(c('object'), '{}')).toThrow(
      'conversion from string to object is not supported with format none',
    );
    expect(() => run(c('string'), { a: 1 })).toThrow('invalid input type map[string]interface {}');
    expect(() => run(c('float64', 'quantity'), '1ki')).toThrow("unable to parse quantity's suffix");
    expect(() => run(c('object', 'json'), '[1]')).toThrow(
      'json: cannot unmarshal array into Go value of type map[string]interface {}',
    );
  });
});
