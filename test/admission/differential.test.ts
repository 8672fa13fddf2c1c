// The offline half of the admission differential: how the server's answers are read and compared,
// and what the live differential taught envstack validate (each case below was a disagreement with
// a real kube-apiserver, test/live/admission.test.ts).
import { loadAllYaml } from '../../src/engine/render/yaml.js';
import { unknownFieldPaths } from '../../src/engine/schema/index.js';
import { platformEnvironmentCrdSchema } from '../../src/platform/validate/crd.js';
import { formatProblem, validateClaim, validateClaimIn } from '../../src/platform/validate/index.js';
import { agrees, formatDisagreement, formatSummary, serverAnswer, type Answer } from './differential.js';
import { generateMutants, generateUpdates } from './mutants.js';

const claim = (spec: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'platform.envstack.dev/v1alpha1',
  kind: 'PlatformEnvironment',
  metadata: { name: 'x', namespace: 'team-a' },
  spec: { project: 'hello', environment: 'dev', owner: 'me', region: 'us-east-1', ...spec },
  ...extra,
});
const paths = (doc: unknown, flavor: 'claim' | 'namespaced' = 'claim') =>
  validateClaim(doc, { flavor }).map((p) => p.path);

describe('reading the server', () => {
  test('a 201 is accepted', () => {
    expect(serverAnswer(201, '{}')).toEqual({ accepted: true, fields: [], details: [] });
  });
  test('an Invalid status names its causes, <nil> as the root', () => {
    const body = JSON.stringify({
      kind: 'Status',
      reason: 'Invalid',
      details: {
        causes: [
          { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.owner' },
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: null: some validation rules…',
            field: '<nil>',
          },
        ],
      },
    });
    expect(serverAnswer(422, body).fields).toEqual(['', 'spec.owner']);
  });
  test('a strict decoding error names the unknown fields', () => {
    const message =
      'PlatformEnvironment in version "v1alpha1" cannot be handled as a PlatformEnvironment: strict decoding error: unknown field "extra", unknown field "status.bogus"';
    expect(serverAnswer(400, JSON.stringify({ reason: 'BadRequest', message })).fields).toEqual([
      'extra',
      'status.bogus',
    ]);
  });
  test('a namespace that does not exist is metadata.namespace', () => {
    const body = JSON.stringify({
      reason: 'NotFound',
      message: 'namespaces "A_B" not found',
      details: { kind: 'namespaces' },
    });
    expect(serverAnswer(404, body).fields).toEqual(['metadata.namespace']);
  });
});

describe('comparing', () => {
  const rejected = (fields?: string[]): Answer => ({ accepted: false, fields, details: ['x'] });
  test('the same verdict and fields agree; other fields do not', () => {
    expect(agrees(rejected(['spec.a']), rejected(['spec.a']))).toBe(true);
    expect(agrees(rejected(['spec.a']), rejected(['spec.a', 'spec.b']))).toBe(false);
    expect(agrees({ accepted: true, fields: [], details: [] }, rejected(['spec.a']))).toBe(false);
  });
  test('when kubectl refused to send a file only the verdict counts; a YAML error of ours does not pass for a field', () => {
    expect(agrees(rejected(undefined), rejected(['apiVersion']))).toBe(true);
    expect(agrees(rejected(['spec.owner']), rejected(undefined))).toBe(false);
  });
  test('one line per disagreement with both answers, and the summary line', () => {
    const line = formatDisagreement({
      file: 'a.yaml',
      flavor: 'claim',
      real: rejected(['']),
      ours: { accepted: true, fields: [], details: [] },
      agree: false,
    });
    expect(line).toBe('a.yaml [claim]: real server rejected [<root>]: x | envstack validate accepted');
    expect(
      formatSummary({
        files: ['a', 'b'],
        flavors: ['claim'],
        verdicts: [],
        agree: 1,
        disagree: 1,
        schemaDrift: {},
        ms: 0,
      }),
    ).toBe('2 claims: 1 agree, 1 disagree');
  });
});

describe('what the real server taught envstack validate', () => {
  test('unknown fields refuse the object and are all it hears about (strict decoding comes first)', () => {
    expect(paths(claim({ owner: 5, bogus: 1 }, { status: { nope: 1 }, extra: 1 }))).toEqual([
      'extra',
      'spec.bogus',
      'status.nope',
    ]);
    expect(paths({ ...claim(), metadata: { name: 'x', bogus: 1 } })).toEqual(['metadata.bogus']);
  });

  test('pruning goes by shape: keys of a map where the schema says string are unknown', () => {
    const schema = platformEnvironmentCrdSchema('claim');
    expect(
      unknownFieldPaths(schema, claim({ owner: { a: 1 }, loadBalancer: { allowedCidrs: [{ b: 1 }] } })),
    ).toEqual(['spec.loadBalancer.allowedCidrs[0].b', 'spec.owner.a']);
    expect(unknownFieldPaths(schema, claim({ tags: { env: { c: 1 } } }))).toEqual(['spec.tags.env.c']);
  });

  test("Crossplane's own spec fields: the claim's in the claim flavor, spec.crossplane in the namespaced one", () => {
    const ref = claim({ compositionRef: { name: 'aws' }, writeConnectionSecretToRef: { name: 's' } });
    expect(paths(ref, 'claim')).toEqual([]);
    expect(paths(ref, 'namespaced')).toEqual(['spec.compositionRef', 'spec.writeConnectionSecretToRef']);
    const xp = claim({ crossplane: { compositionUpdatePolicy: 'Manual' } });
    expect(paths(xp, 'namespaced')).toEqual([]);
    expect(paths(xp, 'claim')).toEqual(['spec.crossplane']);
    expect(validateClaimIn(ref, ['claim', 'namespaced']).map((p) => formatProblem('f', p))).toEqual([
      'f: [namespaced] spec.compositionRef: field not declared in schema',
      'f: [namespaced] spec.writeConnectionSecretToRef: field not declared in schema',
    ]);
  });

  test('after a type, required, enum, too-long or too-many error the CEL rules are not checked', () => {
    const cidr = { network: { cidr: '8.8.0.0/16' } };
    expect(paths(claim({ ...cidr, owner: '!!' })).sort()).toEqual(['spec.network.cidr', 'spec.owner']);
    expect(paths(claim({ ...cidr, environment: 'qa' })).sort()).toEqual(['', 'spec.environment']);
    expect(validateClaim(claim({ ...cidr, environment: 'qa' }))[1].message).toMatch(
      /some validation rules were not checked/,
    );
  });

  test('metadata: names are DNS subdomains of at most 63 characters, finalizers are named as a list', () => {
    expect(paths({ ...claim(), metadata: { name: 'a'.repeat(64) } })).toEqual(['metadata.name', '']);
    expect(paths({ ...claim(), metadata: { name: 'Bad_Name' } })).toEqual(['metadata.name']);
    expect(paths({ ...claim(), metadata: { name: 'x', finalizers: ['Not A Finalizer'] } })).toEqual([
      'metadata.finalizers',
    ]);
  });

  test('a namespace that cannot exist is all the apiserver says (NotFound before validation)', () => {
    expect(paths({ ...claim({ owner: 5 }), metadata: { name: 'x', namespace: 'Team_A' } })).toEqual([
      'metadata.namespace',
    ]);
  });

  test('a map value is spec.tags.KEY to the schema validator', () => {
    expect(paths(claim({ tags: { env: 1 } }))).toEqual(['spec.tags.env', '']);
  });

  test('an integer beyond int64 is a float to the apiserver', () => {
    expect(paths(claim({ compute: { minSize: 1e20 } })).sort()).toEqual(['', 'spec.compute.minSize']);
  });

  test('the status of a created claim is dropped (its values are not checked, its unknown fields are)', () => {
    expect(paths(claim({}, { status: { phase: 5 } }))).toEqual([]);
    expect(paths(claim({}, { status: { phase: 'Ready', bogus: 1 } }))).toEqual(['status.bogus']);
  });
});

describe('YAML read as kubectl reads it (each checked against kubectl create --dry-run=client -o json)', () => {
  const read = (v: string) => (loadAllYaml(`a: ${v}`)[0] as { a: unknown }).a;
  test.each([
    ['2024-01-01', '2024-01-01'],
    ['2001-12-14t21:59:43.10-05:00', '2001-12-14t21:59:43.10-05:00'],
    ['010', 8],
    ['0777', 511],
    ['09', 9],
    ['1_000', 1000],
    ['0x_1F', 31],
    ['0b101', 5],
    ['0o17', 15],
    ['+.5', 0.5],
    ['1e3', 1000],
    ['1:30', '1:30'],
    ['_1', '_1'],
    ['yes', true],
    ['Off', false],
    ['!!bad x', 'x'],
    ['!!binary aGVsbG8=', 'hello'],
  ])('%s', (text, value) => {
    expect(read(text)).toEqual(value);
  });
  test('a key given twice keeps its last value', () => {
    expect(loadAllYaml('a: 1\na: 2\n')).toEqual([{ a: 2 }]);
  });
});

describe('mutants', () => {
  test('are the same for the same seed, and differ for another', () => {
    expect(generateMutants({ count: 30 })).toEqual(generateMutants({ count: 30 }));
    expect(generateMutants({ count: 30, seed: 1 }).map((m) => m.text)).not.toEqual(
      generateMutants({ count: 30 }).map((m) => m.text),
    );
  });
  test('say what they changed, and updates hold the stored claim and the update', () => {
    const [m] = generateMutants({ count: 1 });
    expect(m.text).toMatch(/^# Mutant 0 of /);
    expect(m.ops.length).toBeGreaterThanOrEqual(1);
    const updates = generateUpdates({ count: 20 });
    expect(updates.every((u) => loadAllYaml(u.text).length === 2)).toBe(true);
    expect(updates.some((u) => u.ops.some((o) => o.includes('(update)')))).toBe(true);
  });
});
