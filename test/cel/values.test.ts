import { escapeCelName, evaluateRule, toCelValue } from '../../src/engine/cel/index.js';

describe('escapeCelName', () => {
  it.each([
    ['foo', 'foo'],
    ['foo-bar', 'foo__dash__bar'],
    ['a.b', 'a__dot__b'],
    ['a/b', 'a__slash__b'],
    ['a__b', 'a__underscores__b'],
    ['namespace', '__namespace__'],
    ['in', '__in__'],
  ])('%s → %s', (name, escaped) => {
    expect(escapeCelName(name)).toBe(escaped);
  });

  it('leaves names CEL cannot reach undefined', () => {
    expect(escapeCelName('1abc')).toBeUndefined();
    expect(escapeCelName('a b')).toBeUndefined();
    expect(escapeCelName('')).toBeUndefined();
  });
});

describe('toCelValue', () => {
  it('integer → int, number → double even for whole numbers', () => {
    expect(toCelValue(3, { type: 'integer' })).toBe(3n);
    expect(toCelValue(3, { type: 'number' })).toBe(3);
    expect(evaluateRule('self == 3', { self: toCelValue(3, { type: 'integer' }) })).toBe(true);
    expect(evaluateRule('self > 2.5', { self: toCelValue(3, { type: 'number' }) })).toBe(true);
  });

  it('int-or-string keeps strings and makes integers ints', () => {
    const s = { 'x-kubernetes-int-or-string': true };
    expect(toCelValue('50%', s)).toBe('50%');
    expect(toCelValue(8080, s)).toBe(8080n);
  });

  it('string formats date-time, date, duration and byte become timestamp, timestamp, duration, bytes', () => {
    const ts = toCelValue('2024-01-02T03:04:05Z', { type: 'string', format: 'date-time' });
    expect(ts).toBeInstanceOf(Date);
    expect(evaluateRule('self.getFullYear() == 2024', { self: ts })).toBe(true);
    expect(toCelValue('2024-01-02', { type: 'string', format: 'date' })).toEqual(
      new Date('2024-01-02T00:00:00Z'),
    );
    const d = toCelValue('90s', { type: 'string', format: 'duration' });
    expect(evaluateRule('self == duration("1m30s")', { self: d })).toBe(true);
    expect(toCelValue('aGk=', { type: 'string', format: 'byte' })).toEqual(new Uint8Array([104, 105]));
    expect(toCelValue('plain', { type: 'string' })).toBe('plain');
  });

  it('objects expose escaped property names and drop undeclared fields; maps keep keys', () => {
    const schema = {
      type: 'object',
      properties: {
        'max-size': { type: 'integer' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
    };
    const v = toCelValue({ 'max-size': 2, labels: { 'app.kubernetes.io/name': 'x' }, extra: 1 }, schema);
    expect(v).toEqual({ max__dash__size: 2n, labels: { 'app.kubernetes.io/name': 'x' } });
    expect(
      evaluateRule('self.max__dash__size == 2 && self.labels["app.kubernetes.io/name"] == "x"', { self: v }),
    ).toBe(true);
  });

  it('preserved unknown fields and embedded resources are converted without a schema', () => {
    const v = toCelValue(
      { apiVersion: 'v1', kind: 'ConfigMap', data: { n: 1, f: 1.5 } },
      {
        type: 'object',
        'x-kubernetes-embedded-resource': true,
        'x-kubernetes-preserve-unknown-fields': true,
      },
    );
    expect(v).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', data: { n: 1n, f: 1.5 } });
  });

  it('arrays convert their items', () => {
    expect(toCelValue([1, 2], { type: 'array', items: { type: 'integer' } })).toEqual([1n, 2n]);
  });
});
