import type { RunFunctionRequest } from '../../../src/engine/render/fnapi.js';
import { ENVIRONMENT_CONTEXT_KEY, patchAndTransform } from '../../../src/engine/render/pt/index.js';

// Behaviour of fn.go RunFunction (function-patch-and-transform release-0.10; v0.10.9 has the same Go code).
const XR = {
  apiVersion: 'example.org/v1',
  kind: 'XThing',
  metadata: { name: 'xr' },
  spec: { region: 'eu', size: 3, tags: { a: '1' }, list: ['x', 'y'] },
};
const bucket = {
  apiVersion: 's3.aws.upbound.io/v1beta1',
  kind: 'Bucket',
  spec: { forProvider: { region: 'us' } },
};

function req(input: object, extra: Partial<RunFunctionRequest> = {}): RunFunctionRequest {
  return {
    observed: { composite: { resource: XR }, resources: {} },
    desired: { resources: {} },
    input: { apiVersion: 'pt.fn.crossplane.io/v1beta1', kind: 'Resources', ...input },
    ...extra,
  };
}
const one = (patches: object[], more: object = {}) => ({
  resources: [{ name: 'b', base: bucket, patches, ...more }],
});
const dres = (r: ReturnType<typeof patchAndTransform>, n = 'b'): Record<string, unknown> =>
  r.desired.resources[n]?.resource ?? {};

describe('patch types', () => {
  it('FromCompositeFieldPath copies a value (toFieldPath defaults to fromFieldPath)', () => {
    const r = patchAndTransform(
      req(
        one([
          { fromFieldPath: 'spec.region', toFieldPath: 'spec.forProvider.region' },
          { fromFieldPath: 'spec.size' },
        ]),
      ),
    );
    expect(r.results).toEqual([]);
    expect(dres(r)).toEqual({ ...bucket, spec: { forProvider: { region: 'eu' }, size: 3 } });
    expect(r.desired.composite?.resource).toEqual({ apiVersion: 'example.org/v1', kind: 'XThing' });
    expect(r.meta?.ttl).toBe('60s');
  });
  it('Format with %d on an XR number renders the float64 quirk', () => {
    const p = {
      fromFieldPath: 'spec.size',
      toFieldPath: 'metadata.name',
      transforms: [{ type: 'string', string: { type: 'Format', fmt: 'n-%d' } }],
    };
    expect(dres(patchAndTransform(req(one([p])))).metadata).toEqual({ name: 'n-%!d(float64=3)' });
  });
  it('CombineFromComposite formats all variables; a missing variable skips the patch', () => {
    const c = (vars: string[]) => ({
      type: 'CombineFromComposite',
      toFieldPath: 'metadata.name',
      combine: {
        strategy: 'string',
        variables: vars.map((v) => ({ fromFieldPath: v })),
        string: { fmt: '%s-%v' },
      },
    });
    expect(dres(patchAndTransform(req(one([c(['spec.region', 'spec.size'])])))).metadata).toEqual({
      name: 'eu-3',
    });
    const r = patchAndTransform(req(one([c(['spec.region', 'spec.nope'])])));
    expect(r.results).toEqual([]);
    expect(dres(r).metadata).toBeUndefined();
  });
  it('ToCompositeFieldPath reads the observed composed resource and is skipped until it exists', () => {
    const p = {
      type: 'ToCompositeFieldPath',
      fromFieldPath: 'status.atProvider.arn',
      toFieldPath: 'status.arn',
    };
    expect(patchAndTransform(req(one([p]))).desired.composite?.resource).toEqual({
      apiVersion: 'example.org/v1',
      kind: 'XThing',
    });
    const observed = {
      composite: { resource: XR },
      resources: {
        b: { resource: { ...bucket, metadata: { name: 'b-1' }, status: { atProvider: { arn: 'arn:x' } } } },
      },
    };
    const r = patchAndTransform(req(one([p]), { observed }));
    expect(r.desired.composite?.resource).toMatchObject({ status: { arn: 'arn:x' } });
    expect(dres(r)).toMatchObject({ metadata: { name: 'b-1' } });
  });
  it('CombineToComposite from the observed resource', () => {
    const p = {
      type: 'CombineToComposite',
      toFieldPath: 'status.x',
      combine: {
        strategy: 'string',
        variables: [{ fromFieldPath: 'metadata.name' }],
        string: { fmt: 'id=%s' },
      },
    };
    const observed = {
      composite: { resource: XR },
      resources: { b: { resource: { ...bucket, metadata: { name: 'b-1' } } } },
    };
    expect(patchAndTransform(req(one([p]), { observed })).desired.composite?.resource).toMatchObject({
      status: { x: 'id=b-1' },
    });
  });
  it('PatchSets are inlined; an unknown PatchSet is fatal', () => {
    const input = {
      patchSets: [
        {
          name: 'common',
          patches: [{ fromFieldPath: 'spec.region', toFieldPath: 'spec.forProvider.region' }],
        },
      ],
      ...one([{ type: 'PatchSet', patchSetName: 'common' }]),
    };
    expect(dres(patchAndTransform(req(input)))).toMatchObject({ spec: { forProvider: { region: 'eu' } } });
    const bad = patchAndTransform(req({ ...input, patchSets: [] }));
    expect(bad.results).toEqual([
      {
        severity: 'SEVERITY_FATAL',
        message: 'cannot resolve PatchSets: cannot find PatchSet by name common',
        target: 'TARGET_COMPOSITE',
      },
    ]);
  });
});

describe('environment', () => {
  const ctx = {
    [ENVIRONMENT_CONTEXT_KEY]: {
      apiVersion: 'internal.crossplane.io/v1alpha1',
      kind: 'Environment',
      zone: 'z1',
      n: 2,
    },
  };
  it('FromEnvironmentFieldPath / ToEnvironmentFieldPath / environment patches', () => {
    const input = {
      environment: {
        patches: [
          { type: 'ToEnvironmentFieldPath', fromFieldPath: 'spec.region', toFieldPath: 'region' },
          { type: 'FromEnvironmentFieldPath', fromFieldPath: 'zone', toFieldPath: 'status.zone' },
        ],
      },
      ...one([
        { type: 'FromEnvironmentFieldPath', fromFieldPath: 'region', toFieldPath: 'spec.forProvider.region' },
      ]),
    };
    const r = patchAndTransform(req(input, { context: ctx }));
    expect(r.results).toEqual([]);
    expect(r.context?.[ENVIRONMENT_CONTEXT_KEY]).toMatchObject({ region: 'eu', zone: 'z1' });
    expect(r.desired.composite?.resource).toMatchObject({ status: { zone: 'z1' } });
    expect(dres(r)).toMatchObject({ spec: { forProvider: { region: 'eu' } } });
  });
  it('defaults the environment GVK when the context has none', () => {
    const r = patchAndTransform(
      req({
        environment: {
          patches: [{ type: 'ToEnvironmentFieldPath', fromFieldPath: 'spec.region', toFieldPath: 'r' }],
        },
      }),
    );
    expect(r.context?.[ENVIRONMENT_CONTEXT_KEY]).toEqual({
      apiVersion: 'internal.crossplane.io/v1alpha1',
      kind: 'Environment',
      r: 'eu',
    });
  });
  it('values written to the environment become int64 for later reads (quirk)', () => {
    const f = {
      type: 'FromEnvironmentFieldPath',
      fromFieldPath: 'n',
      toFieldPath: 'metadata.name',
      transforms: [{ type: 'string', string: { type: 'Format', fmt: '%d' } }],
    };
    expect(dres(patchAndTransform(req(one([f]), { context: ctx }))).metadata).toEqual({
      name: '%!d(float64=2)',
    });
    const input = {
      environment: {
        patches: [{ type: 'ToEnvironmentFieldPath', fromFieldPath: 'spec.region', toFieldPath: 'r' }],
      },
      ...one([f]),
    };
    expect(dres(patchAndTransform(req(input, { context: ctx }))).metadata).toEqual({ name: '2' });
  });
});

describe('policies', () => {
  it('Required on a missing path withholds a new resource and marks the XR not ready', () => {
    const r = patchAndTransform(
      req(one([{ fromFieldPath: 'spec.nope', policy: { fromFieldPath: 'Required' } }])),
    );
    expect(r.desired.resources).toEqual({});
    expect(r.desired.composite?.ready).toBe('READY_FALSE');
    expect(r.results).toEqual([
      {
        severity: 'SEVERITY_WARNING',
        target: 'TARGET_COMPOSITE',
        message: `not adding new composed resource "b" to desired state because "FromCompositeFieldPath" patch at index 0 has 'policy.fromFieldPath: Required': spec.nope: no such field`,
      },
    ]);
  });
  it('Required on an existing resource only warns', () => {
    const observed = {
      composite: { resource: XR },
      resources: { b: { resource: { ...bucket, metadata: { name: 'b-1' } } } },
    };
    const r = patchAndTransform(
      req(one([{ fromFieldPath: 'spec.nope', policy: { fromFieldPath: 'Required' } }]), { observed }),
    );
    expect(Object.keys(r.desired.resources)).toEqual(['b']);
    expect(r.results[0].message).toBe(
      `cannot render composed resource "b" "FromCompositeFieldPath" patch at index 0: ignoring 'policy.fromFieldPath: Required' because 'to' resource already exists: spec.nope: no such field`,
    );
  });
  it('MergeObjects keeps existing keys; Replace overwrites', () => {
    const base = { ...bucket, spec: { forProvider: { tags: { a: 'base', b: 'base' } } } };
    const p = (pol?: string) => ({
      fromFieldPath: 'spec.tags',
      toFieldPath: 'spec.forProvider.tags',
      ...(pol ? { policy: { toFieldPath: pol } } : {}),
    });
    const run = (pol?: string) =>
      dres(patchAndTransform(req({ resources: [{ name: 'b', base, patches: [p(pol)] }] })));
    expect(run()).toMatchObject({ spec: { forProvider: { tags: { a: '1' } } } });
    expect(run('MergeObjects')).toMatchObject({ spec: { forProvider: { tags: { a: 'base', b: 'base' } } } });
    expect(run('ForceMergeObjects')).toMatchObject({
      spec: { forProvider: { tags: { a: '1', b: 'base' } } },
    });
  });
  it('AppendArray policies append', () => {
    const base = { ...bucket, spec: { l: ['z'] } };
    const r = patchAndTransform(
      req({
        resources: [
          {
            name: 'b',
            base,
            patches: [
              {
                fromFieldPath: 'spec.list',
                toFieldPath: 'spec.l',
                policy: { toFieldPath: 'ForceMergeObjectsAppendArrays' },
              },
            ],
          },
        ],
      }),
    );
    expect(dres(r)).toMatchObject({ spec: { l: ['z', 'x', 'y'] } });
  });
});

describe('readiness and connection details', () => {
  const observedWith = (o: object, conn: Record<string, string> = {}) => ({
    composite: { resource: XR },
    resources: { b: { resource: { ...bucket, metadata: { name: 'b-1' }, ...o }, connectionDetails: conn } },
  });
  it('default check: Ready condition True sets READY_TRUE, otherwise ready is left unspecified', () => {
    const ready = observedWith({
      status: {
        conditions: [
          { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: '2024-01-01T00:00:00Z' },
        ],
      },
    });
    expect(patchAndTransform(req(one([]), { observed: ready })).desired.resources.b.ready).toBe('READY_TRUE');
    expect(
      patchAndTransform(req(one([]), { observed: observedWith({}) })).desired.resources.b.ready,
    ).toBeUndefined();
    expect(patchAndTransform(req(one([]))).desired.resources.b.ready).toBeUndefined();
  });
  it.each([
    [{ type: 'MatchString', fieldPath: 'status.s', matchString: 'ok' }, true],
    [{ type: 'MatchTrue', fieldPath: 'status.t' }, true],
    [{ type: 'MatchFalse', fieldPath: 'status.f' }, true],
    [{ type: 'NonEmpty', fieldPath: 'status.s' }, true],
    [{ type: 'NonEmpty', fieldPath: 'status.missing' }, false],
    [{ type: 'None' }, true],
    [{ type: 'MatchCondition', matchCondition: { type: 'Synced', status: 'Unknown' } }, true],
  ])('readiness check %j', (check, want) => {
    const r = patchAndTransform(
      req(one([], { readinessChecks: [check] }), {
        observed: observedWith({ status: { s: 'ok', t: true, f: false, n: 5 } }),
      }),
    );
    expect(r.results).toEqual([]);
    expect(r.desired.resources.b.ready === 'READY_TRUE').toBe(want);
  });
  it('MatchInteger cannot match observed (float64) values and warns', () => {
    const r = patchAndTransform(
      req(one([], { readinessChecks: [{ type: 'MatchInteger', fieldPath: 'status.n', matchInteger: 5 }] }), {
        observed: observedWith({ status: { n: 5 } }),
      }),
    );
    expect(r.desired.resources.b.ready).toBeUndefined();
    expect(r.results[0].message).toBe(
      'cannot check readiness of composed resource "b": cannot run readiness check at index 0: status.n: not a (int64) number',
    );
  });
  it('connection details land on the desired composite (base64)', () => {
    const cds = [
      { name: 'user', type: 'FromValue', value: 'admin' },
      { name: 'pw', type: 'FromConnectionSecretKey', fromConnectionSecretKey: 'password' },
      { name: 'port', type: 'FromFieldPath', fromFieldPath: 'status.port' },
      { name: 'gone', type: 'FromFieldPath', fromFieldPath: 'status.nope' },
    ];
    const r = patchAndTransform(
      req(one([], { connectionDetails: cds }), {
        observed: observedWith({ status: { port: 5432 } }, { password: 'czNjcjN0' }),
      }),
    );
    expect(r.desired.composite?.connectionDetails).toEqual({
      user: 'YWRtaW4=',
      pw: 'czNjcjN0',
      port: 'NTQzMg==',
    });
  });
  it('a v2 XR (spec.crossplane) gets a composed connection Secret', () => {
    const xr = { ...XR, metadata: { name: 'xr', namespace: 'ns' }, spec: { ...XR.spec, crossplane: {} } };
    const observed = {
      composite: { resource: xr },
      resources: { b: { resource: { ...bucket, metadata: { name: 'b-1' } } } },
    };
    const r = patchAndTransform(
      req(one([], { connectionDetails: [{ name: 'k', type: 'FromValue', value: 'v' }] }), { observed }),
    );
    expect(r.desired.resources['xr-connection-secret']).toEqual({
      resource: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'xr-connection', namespace: 'ns' },
        data: { k: 'dg==' },
        type: 'connection.crossplane.io/v1alpha1',
      },
      ready: 'READY_TRUE',
    });
  });
});

describe('inputs, errors and pass-through', () => {
  it('keeps desired resources from previous functions and patches a base-less template onto them', () => {
    const desired = {
      resources: {
        prev: { resource: { apiVersion: 'v1', kind: 'ConfigMap' }, ready: 'READY_TRUE' as const },
        b: { resource: bucket },
      },
    };
    const r = patchAndTransform(
      req(
        {
          resources: [
            {
              name: 'b',
              patches: [{ fromFieldPath: 'spec.region', toFieldPath: 'spec.forProvider.region' }],
            },
          ],
        },
        { desired },
      ),
    );
    expect(r.desired.resources.prev).toEqual(desired.resources.prev);
    expect(dres(r)).toMatchObject({ spec: { forProvider: { region: 'eu' } } });
  });
  it('a template without base and without a previous resource is fatal; desired is returned unchanged', () => {
    const r = patchAndTransform(req({ resources: [{ name: 'x' }] }));
    expect(r.results[0]).toEqual({
      severity: 'SEVERITY_FATAL',
      target: 'TARGET_COMPOSITE',
      message:
        'composed resource "x" has no base template, and was not produced by a previous Function in the pipeline',
    });
    expect(r.desired).toEqual({ resources: {} });
  });
  it('invalid input is fatal with the field path', () => {
    const r = patchAndTransform(req(one([{ toFieldPath: 'x' }])));
    expect(r.results[0].message).toBe(
      'invalid Function input: resources[0].patches[0].fromFieldPath: Required value: fromFieldPath must be set for patch type FromCompositeFieldPath',
    );
    const s = patchAndTransform(
      req(one([{ fromFieldPath: 'a', transforms: [{ type: 'string', string: { fmt: '%s' } }] }])),
    );
    expect(s.results[0].message).toBe(
      'invalid Function input: resources[0].patches[0].transforms[0].string.type: Required value: string transform type is required',
    );
    expect(patchAndTransform(req({ resources: [] })).results[0].message).toBe(
      'invalid Function input: resources: Required value: resources or environment patches are required',
    );
  });
  it('a transform error at run time is fatal', () => {
    const r = patchAndTransform(
      req(
        one([
          { fromFieldPath: 'spec.region', transforms: [{ type: 'convert', convert: { toType: 'int64' } }] },
        ]),
      ),
    );
    expect(r.results[0].message).toBe(
      'cannot render composed resource "b" "FromCompositeFieldPath" patch at index 0: transform at index 0 returned error: convert transform could not resolve: strconv.ParseInt: parsing "eu": invalid syntax',
    );
  });
  it('does not set crossplane.io/composition-resource-name', () => {
    expect(JSON.stringify(patchAndTransform(req(one([]))).desired)).not.toContain(
      'composition-resource-name',
    );
  });
  it('does not mutate its request', () => {
    const q = req(one([{ fromFieldPath: 'spec.region', toFieldPath: 'spec.forProvider.region' }]));
    const before = JSON.stringify(q);
    patchAndTransform(q);
    expect(JSON.stringify(q)).toBe(before);
  });
});
