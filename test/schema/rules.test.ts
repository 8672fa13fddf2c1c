import { formatSchemaError, validate, type JSONSchemaProps } from '../../src/engine/schema/index.js';

const lines = (schema: JSONSchemaProps, value: unknown, oldObj?: unknown): string[] =>
  validate(schema, value, { oldObj }).map(formatSchemaError);

describe('x-kubernetes-validations', () => {
  const spec: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          minSize: { type: 'integer' },
          maxSize: { type: 'integer' },
          cidr: { type: 'string' },
        },
        'x-kubernetes-validations': [
          { rule: 'self.minSize <= self.maxSize', message: 'minSize must be <= maxSize' },
          { rule: '!has(self.cidr) || isCIDR(self.cidr)', messageExpression: '"bad cidr: " + self.cidr' },
          { rule: '!has(self.cidr) || !isCIDR(self.cidr) || cidr(self.cidr).prefixLength() >= 16' },
        ],
      },
    },
  };

  it('passes when every rule holds', () => {
    expect(lines(spec, { spec: { minSize: 1, maxSize: 2, cidr: '10.0.0.0/16' } })).toEqual([]);
  });

  it('reports message, messageExpression and the default failed-rule message', () => {
    expect(lines(spec, { spec: { minSize: 3, maxSize: 2, cidr: '10.0.0.0/8' } })).toEqual([
      'spec: Invalid value: "object": minSize must be <= maxSize',
      'spec: Invalid value: "object": failed rule: !has(self.cidr) || !isCIDR(self.cidr) || cidr(self.cidr).prefixLength() >= 16',
    ]);
    expect(lines(spec, { spec: { minSize: 1, maxSize: 2, cidr: 'nope' } })).toEqual([
      'spec: Invalid value: "object": bad cidr: nope',
    ]);
  });

  it('reports evaluation errors with the rule', () => {
    const errs = validate(spec, { spec: { maxSize: 2 } });
    expect(errs).toHaveLength(1);
    expect(errs[0].kind).toBe('rule-error');
    expect(errs[0].message).toMatch(/evaluating rule: self.minSize <= self.maxSize/);
  });

  it('reports a rule that does not compile', () => {
    const s: JSONSchemaProps = { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.size() >' }] };
    expect(validate(s, 'x').map((e) => e.kind)).toEqual(['rule-error']);
  });

  it('honours reason and fieldPath', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string' } },
      'x-kubernetes-validations': [
        { rule: 'has(self.a)', message: 'a is required', reason: 'FieldValueRequired', fieldPath: '.a' },
        { rule: '!has(self.b)', message: 'b is not allowed', reason: 'FieldValueForbidden', fieldPath: '.b' },
      ],
    };
    expect(lines(s, { b: 'x' })).toEqual([
      'a: Required value: a is required',
      'b: Forbidden: b is not allowed',
    ]);
    expect(validate(s, { b: 'x' }).map((e) => e.reason)).toEqual([
      'FieldValueRequired',
      'FieldValueForbidden',
    ]);
  });

  it('sees escaped property names and typed values', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      properties: { 'max-retries': { type: 'integer' }, ratio: { type: 'number' } },
      'x-kubernetes-validations': [{ rule: 'self.max__dash__retries == 3 && self.ratio == 1.0' }],
    };
    expect(lines(s, { 'max-retries': 3, ratio: 1 })).toEqual([]);
  });

  it('evaluates rules on list items and map values', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      properties: {
        ports: {
          type: 'array',
          items: {
            type: 'integer',
            'x-kubernetes-validations': [{ rule: 'self > 0 && self < 65536', message: 'bad port' }],
          },
        },
      },
    };
    expect(lines(s, { ports: [80, 0] })).toEqual(['ports[1]: Invalid value: "integer": bad port']);
  });
});

describe('transition rules (oldSelf)', () => {
  const s: JSONSchemaProps = {
    type: 'object',
    properties: {
      region: {
        type: 'string',
        'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'region is immutable' }],
      },
      size: {
        type: 'integer',
        'x-kubernetes-validations': [
          {
            rule: '!oldSelf.hasValue() || self >= oldSelf.value()',
            message: 'size may not shrink',
            optionalOldSelf: true,
          },
        ],
      },
      items: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            value: {
              type: 'string',
              'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'value is immutable' }],
            },
          },
        },
      },
    },
  };

  it('is skipped on create', () => {
    expect(lines(s, { region: 'eu-west-1', size: 1 })).toEqual([]);
  });

  it('is evaluated on update when the old value exists', () => {
    expect(lines(s, { region: 'eu-west-1' }, { region: 'eu-west-1' })).toEqual([]);
    expect(lines(s, { region: 'us-east-1' }, { region: 'eu-west-1' })).toEqual([
      'region: Invalid value: "string": region is immutable',
    ]);
  });

  it('is skipped for a field that is new in the update', () => {
    expect(lines(s, { region: 'us-east-1' }, {})).toEqual([]);
  });

  it('optionalOldSelf evaluates with an optional oldSelf', () => {
    expect(lines(s, { size: 1 }, {})).toEqual([]);
    expect(lines(s, { size: 1 }, { size: 2 })).toEqual([
      'size: Invalid value: "integer": size may not shrink',
    ]);
  });

  it('correlates list-type=map items by key', () => {
    const old = {
      items: [
        { name: 'a', value: '1' },
        { name: 'b', value: '2' },
      ],
    };
    expect(
      lines(
        s,
        {
          items: [
            { name: 'b', value: '2' },
            { name: 'a', value: '1' },
            { name: 'c', value: '3' },
          ],
        },
        old,
      ),
    ).toEqual([]);
    expect(lines(s, { items: [{ name: 'b', value: 'x' }] }, old)).toEqual([
      'items[0].value: Invalid value: "string": value is immutable',
    ]);
  });
});
