import { formatSchemaError, validate, type JSONSchemaProps } from '../../src/engine/schema/index.js';

const obj = (
  properties: Record<string, JSONSchemaProps>,
  extra: Partial<JSONSchemaProps> = {},
): JSONSchemaProps => ({
  type: 'object',
  properties,
  ...extra,
});
const lines = (schema: JSONSchemaProps, value: unknown): string[] =>
  validate(schema, value).map(formatSchemaError);
const kinds = (schema: JSONSchemaProps, value: unknown): string[] =>
  validate(schema, value).map((e) => e.kind);

describe('type', () => {
  const s = obj({
    i: { type: 'integer' },
    n: { type: 'number' },
    s: { type: 'string' },
    b: { type: 'boolean' },
  });
  it('accepts matching types (a whole number is a valid number)', () => {
    expect(validate(s, { i: 1, n: 2, s: 'x', b: false })).toEqual([]);
  });
  it('rejects integer vs number and other mismatches like the apiserver', () => {
    expect(lines(s, { i: 1.5 })).toEqual([
      'i: Invalid value: "number": i in body must be of type integer: "number"',
    ]);
    expect(kinds(s, { n: 'x', s: 1, b: 'true' })).toEqual(['type', 'type', 'type']);
  });
  it('nullable', () => {
    const n = obj({ a: { type: 'string', nullable: true }, b: { type: 'string' } });
    expect(validate(n, { a: null })).toEqual([]);
    expect(lines(n, { b: null })).toEqual([
      'b: Invalid value: "null": b in body must be of type string: "null"',
    ]);
  });
  it('x-kubernetes-int-or-string', () => {
    const n = obj({
      p: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
    });
    expect(validate(n, { p: 80 })).toEqual([]);
    expect(validate(n, { p: '50%' })).toEqual([]);
    expect(kinds(n, { p: 1.5 })).toEqual(['type']);
    expect(kinds(n, { p: true })).toEqual(['type']);
  });
});

describe('enum', () => {
  const s = obj({ mode: { type: 'string', enum: ['Pipeline', 'Resources'] } });
  it('accepts a listed value', () => expect(validate(s, { mode: 'Pipeline' })).toEqual([]));
  it('rejects others with Unsupported value', () => {
    expect(lines(s, { mode: 'x' })).toEqual([
      'mode: Unsupported value: "x": supported values: "Pipeline", "Resources"',
    ]);
  });
});

describe('pattern (Go RE2, unanchored like the apiserver)', () => {
  const s = obj({ name: { type: 'string', pattern: '^[a-z]+$' }, part: { type: 'string', pattern: 'b' } });
  it('accepts', () => expect(validate(s, { name: 'abc', part: 'abc' })).toEqual([]));
  it('rejects', () => {
    expect(lines(s, { name: 'ABC' })).toEqual([
      `name: Invalid value: "ABC": name in body should match '^[a-z]+$'`,
    ]);
    expect(kinds(s, { part: 'xyz' })).toEqual(['pattern']);
  });
});

describe('format', () => {
  const s = obj({
    t: { type: 'string', format: 'date-time' },
    d: { type: 'string', format: 'date' },
    ip: { type: 'string', format: 'ipv4' },
    c: { type: 'string', format: 'cidr' },
    u: { type: 'string', format: 'uuid' },
    b: { type: 'string', format: 'byte' },
    h: { type: 'string', format: 'hostname' },
    dur: { type: 'string', format: 'duration' },
    other: { type: 'string', format: 'int-or-whatever' },
  });
  it('accepts valid values and ignores unsupported formats', () => {
    expect(
      validate(s, {
        t: '2024-01-02T03:04:05Z',
        d: '2024-02-29',
        ip: '10.0.0.1',
        c: '10.0.0.0/16',
        u: '123e4567-e89b-12d3-a456-426614174000',
        b: 'aGk=',
        h: 'example.com',
        dur: '1h30m',
        other: 'anything',
      }),
    ).toEqual([]);
  });
  it('rejects invalid values', () => {
    expect(lines(s, { t: 'yesterday' })).toEqual([
      't: Invalid value: "yesterday": t in body must be of type date-time: "yesterday"',
    ]);
    expect(
      kinds(s, { d: '2023-02-29', ip: '10.0.0', c: '10.0.0.0/40', u: 'x', b: 'a', h: '-bad-', dur: 'soon' }),
    ).toEqual(Array(7).fill('format'));
  });
});

describe('numeric range', () => {
  const s = obj({
    a: { type: 'integer', minimum: 1, maximum: 10 },
    b: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true },
    c: { type: 'integer', multipleOf: 5 },
  });
  it('accepts', () => expect(validate(s, { a: 1, b: 0.5, c: 15 })).toEqual([]));
  it('rejects', () => {
    expect(lines(s, { a: 0 })).toEqual([
      'a: Invalid value: 0: a in body should be greater than or equal to 1',
    ]);
    expect(lines(s, { a: 11 })).toEqual([
      'a: Invalid value: 11: a in body should be less than or equal to 10',
    ]);
    expect(lines(s, { b: 0 })).toEqual(['b: Invalid value: 0: b in body should be greater than 0']);
    expect(lines(s, { b: 1 })).toEqual(['b: Invalid value: 1: b in body should be less than 1']);
    expect(lines(s, { c: 7 })).toEqual(['c: Invalid value: 7: c in body should be a multiple of 5']);
  });
});

describe('string length (counted in characters)', () => {
  const s = obj({ n: { type: 'string', minLength: 2, maxLength: 3 } });
  it('accepts', () => expect(validate(s, { n: 'äöü' })).toEqual([]));
  it('rejects', () => {
    expect(lines(s, { n: 'abcd' })).toEqual(['n: Too long: may not be more than 3 bytes']);
    expect(lines(s, { n: 'a' })).toEqual([
      'n: Invalid value: "a": n in body should be at least 2 chars long',
    ]);
  });
});

describe('arrays', () => {
  const s = obj({
    l: { type: 'array', minItems: 1, maxItems: 2, items: { type: 'string' } },
    u: { type: 'array', uniqueItems: true, items: { type: 'integer' } },
    set: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
    map: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      items: obj({ name: { type: 'string' }, port: { type: 'integer' } }, { required: ['name'] }),
    },
  });
  it('accepts', () => {
    expect(
      validate(s, { l: ['a'], u: [1, 2], set: ['a', 'b'], map: [{ name: 'a', port: 1 }, { name: 'b' }] }),
    ).toEqual([]);
  });
  it('rejects item counts, duplicates and bad items', () => {
    expect(lines(s, { l: [] })).toEqual(['l: Invalid value: 0: l in body should have at least 1 items']);
    expect(lines(s, { l: ['a', 'b', 'c'] })).toEqual(['l: Too many: 3: must have at most 2 items']);
    expect(kinds(s, { u: [1, 1] })).toEqual(['duplicate']);
    expect(lines(s, { set: ['a', 'b', 'a'] })).toEqual(['set[2]: Duplicate value: "a"']);
    expect(lines(s, { map: [{ name: 'a' }, { name: 'a', port: 2 }] })).toEqual([
      'map[1]: Duplicate value: {"name":"a"}',
    ]);
    expect(lines(s, { l: [1] })).toEqual([
      'l[0]: Invalid value: "integer": l[0] in body must be of type string: "integer"',
    ]);
    expect(lines(s, { map: [{ port: 1 }] })).toEqual(['map[0].name: Required value']);
  });
});

describe('objects', () => {
  it('required', () => {
    const s = obj({ a: { type: 'string' } }, { required: ['a'] });
    expect(validate(s, { a: 'x' })).toEqual([]);
    expect(lines(s, {})).toEqual(['a: Required value']);
  });
  it('unknown fields are errors', () => {
    const s = obj({ spec: obj({ a: { type: 'string' } }) });
    expect(lines(s, { spec: { a: 'x', b: 1 } })).toEqual(['spec.b: field not declared in schema']);
    expect(kinds(s, { spec: { b: 1 } })).toEqual(['unknown-field']);
  });
  it('x-kubernetes-preserve-unknown-fields keeps unknown fields but still checks declared ones', () => {
    const s = obj({ a: { type: 'string' } }, { 'x-kubernetes-preserve-unknown-fields': true });
    expect(validate(s, { a: 'x', anything: { deep: 1 } })).toEqual([]);
    expect(kinds(s, { a: 1 })).toEqual(['type']);
  });
  it('additionalProperties (maps)', () => {
    const s = obj({ tags: { type: 'object', additionalProperties: { type: 'string', maxLength: 3 } } });
    expect(validate(s, { tags: { a: 'x', b: 'y' } })).toEqual([]);
    // As kube-apiserver words it: the schema validator joins map keys with a dot, CEL uses [key].
    expect(lines(s, { tags: { env: 1 } })).toEqual([
      'tags.env: Invalid value: "integer": tags.env in body must be of type string: "integer"',
    ]);
    const rule = obj({
      tags: {
        type: 'object',
        additionalProperties: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self != "x"' }] },
      },
    });
    expect(lines(rule, { tags: { env: 'x' } })).toEqual([
      'tags[env]: Invalid value: "string": failed rule: self != "x"',
    ]);
  });
  it('minProperties / maxProperties', () => {
    const s = obj({
      m: { type: 'object', additionalProperties: { type: 'string' }, minProperties: 1, maxProperties: 2 },
    });
    expect(validate(s, { m: { a: 'x' } })).toEqual([]);
    expect(lines(s, { m: {} })).toEqual(['m: Invalid value: 0: m in body should have at least 1 properties']);
    expect(lines(s, { m: { a: '', b: '', c: '' } })).toEqual(['m: Too many: 3: must have at most 2 items']);
  });
  it('x-kubernetes-embedded-resource requires apiVersion and kind and checks metadata', () => {
    const s = obj({
      input: {
        type: 'object',
        'x-kubernetes-embedded-resource': true,
        'x-kubernetes-preserve-unknown-fields': true,
      },
    });
    expect(
      validate(s, { input: { apiVersion: 'pt.fn.crossplane.io/v1beta1', kind: 'Resources', resources: [] } }),
    ).toEqual([]);
    expect(lines(s, { input: { resources: [] } })).toEqual([
      'input.apiVersion: Required value: must not be empty',
      'input.kind: Required value: must not be empty',
    ]);
    expect(kinds(s, { input: { apiVersion: 'v1', kind: 'X', metadata: { name: 'Bad_Name' } } })).toEqual([
      'metadata',
    ]);
  });
});

describe('allOf / anyOf / oneOf / not', () => {
  it('anyOf', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      anyOf: [{ required: ['a'] }, { required: ['b'] }],
      properties: { a: {}, b: {} },
    };
    expect(validate(s, { a: 1 })).toEqual([]);
    expect(kinds(s, {})).toEqual(['composition']);
  });
  it('oneOf', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      oneOf: [{ required: ['a'] }, { required: ['b'] }],
      properties: { a: {}, b: {} },
    };
    expect(validate(s, { b: 1 })).toEqual([]);
    expect(lines(s, { a: 1, b: 1 })).toEqual([
      'Invalid value: "": body in body must validate one and only one schema (oneOf)',
    ]);
  });
  it('allOf and not', () => {
    const s = obj({ n: { type: 'integer', allOf: [{ minimum: 1 }, { maximum: 5 }], not: { enum: [3] } } });
    expect(validate(s, { n: 2 })).toEqual([]);
    expect(kinds(s, { n: 9 })).toEqual(['composition', 'range']);
    expect(kinds(s, { n: 3 })).toEqual(['composition']);
  });
});

describe('path option', () => {
  it('prefixes paths', () => {
    const s = obj({ a: { type: 'string' } }, { required: ['a'] });
    expect(validate(s, {}, { path: 'spec.forProvider' }).map((e) => e.path)).toEqual(['spec.forProvider.a']);
  });
});
