import { applyDefaults, type JSONSchemaProps } from '../../src/engine/schema/index.js';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      default: {},
      properties: {
        replicas: { type: 'integer', default: 1 },
        mode: { type: 'string', default: 'Pipeline' },
        note: { type: 'string', nullable: true, default: 'n' },
        policy: {
          type: 'object',
          default: {},
          properties: { deletion: { type: 'string', default: 'Delete' } },
        },
        ports: {
          type: 'array',
          items: {
            type: 'object',
            properties: { protocol: { type: 'string', default: 'TCP' }, port: { type: 'integer' } },
          },
        },
        labels: { type: 'object', additionalProperties: { type: 'string', default: 'x' } },
        dropped: { type: 'string' },
      },
    },
  },
};

describe('applyDefaults', () => {
  it('fills missing fields recursively, including inside defaulted objects', () => {
    expect(applyDefaults(schema, {})).toEqual({
      spec: { replicas: 1, mode: 'Pipeline', note: 'n', policy: { deletion: 'Delete' } },
    });
  });

  it('does not overwrite values that are set and returns a new object', () => {
    const input = { spec: { replicas: 3, policy: { deletion: 'Orphan' } } };
    const out = applyDefaults(schema, input);
    expect(out.spec.replicas).toBe(3);
    expect(out.spec.policy.deletion).toBe('Orphan');
    expect(input).toEqual({ spec: { replicas: 3, policy: { deletion: 'Orphan' } } });
  });

  it('defaults list items and map values', () => {
    const out = applyDefaults(schema, { spec: { ports: [{ port: 80 }], labels: { a: null, b: 'y' } } });
    expect(out.spec.ports).toEqual([{ port: 80, protocol: 'TCP' }]);
    expect(out.spec.labels).toEqual({ a: 'x', b: 'y' });
  });

  it('replaces non-nullable nulls with the default, keeps nullable nulls, prunes other nulls', () => {
    const out = applyDefaults(schema, { spec: { replicas: null, note: null, dropped: null } });
    expect(out.spec).toEqual(expect.objectContaining({ replicas: 1, note: null }));
    expect(Object.hasOwn(out.spec, 'dropped')).toBe(false);
  });
});
