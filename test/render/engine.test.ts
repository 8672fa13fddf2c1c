import { render, RenderError, RENDER_CONDITION_TIME } from '../../src/engine/render/engine.js';
import type {
  CompositionFunction,
  FnState,
  RunFunctionRequest,
  Unstructured,
} from '../../src/engine/render/fnapi.js';
import { pipelineComposition } from './pipeline.js';

const xr: Unstructured = {
  apiVersion: 'example.org/v1',
  kind: 'XNet',
  metadata: { name: 'net', uid: 'uid-1', labels: { team: 'a' } },
  spec: { region: 'us-east-1', count: 2 },
};

const composition = pipelineComposition;

const addResources =
  (resources: FnState['resources']): CompositionFunction =>
  (req) => ({
    desired: { ...req.desired, resources: { ...req.desired.resources, ...resources } },
    results: [],
    context: req.context,
  });

describe('pipeline semantics', () => {
  it('threads desired state and context through steps, and gives the XR as observed composite', () => {
    const seen: RunFunctionRequest[] = [];
    const one: CompositionFunction = (req) => {
      seen.push(req);
      return {
        desired: {
          composite: { resource: { status: { phase: 'one' } } },
          resources: { vpc: { resource: { apiVersion: 'ec2/v1', kind: 'VPC', spec: { n: 1 } } } },
        },
        results: [{ severity: 'SEVERITY_NORMAL', message: 'did one' }],
        context: { ...req.context, fromOne: 'x' },
      };
    };
    const two: CompositionFunction = (req) => {
      seen.push(req);
      return {
        desired: req.desired,
        results: [{ severity: 'SEVERITY_WARNING', message: 'careful' }],
        context: req.context,
      };
    };
    const out = render({
      composite: xr,
      composition: composition(
        { step: 's1', fn: 'one', input: { apiVersion: 'x/v1', kind: 'In' } },
        { step: 's2', fn: 'two' },
      ),
      functions: { one, two },
      context: { 'apiextensions.crossplane.io/environment': { a: 1 } },
    });
    expect(seen[0].observed.composite?.resource).toEqual(xr);
    expect(seen[0].desired).toEqual({ resources: {} });
    expect(seen[0].input).toEqual({ apiVersion: 'x/v1', kind: 'In' });
    expect(seen[0].context).toEqual({ 'apiextensions.crossplane.io/environment': { a: 1 } });
    expect(seen[1].desired.resources.vpc.resource.spec).toEqual({ n: 1 });
    expect(seen[1].context?.fromOne).toBe('x');
    expect(seen[1].input).toBeUndefined();
    expect(out.results).toEqual([
      {
        apiVersion: 'render.crossplane.io/v1beta1',
        kind: 'Result',
        step: 's1',
        severity: 'SEVERITY_NORMAL',
        message: 'did one',
      },
      {
        apiVersion: 'render.crossplane.io/v1beta1',
        kind: 'Result',
        step: 's2',
        severity: 'SEVERITY_WARNING',
        message: 'careful',
      },
    ]);
    expect(out.context).toEqual({
      apiVersion: 'render.crossplane.io/v1beta1',
      kind: 'Context',
      fields: { 'apiextensions.crossplane.io/environment': { a: 1 }, fromOne: 'x' },
    });
  });

  it('stops at the first fatal result with render error text', () => {
    let afterCalls = 0;
    const after: CompositionFunction = (req) => {
      afterCalls++;
      return addResources({})(req);
    };
    const fatal: CompositionFunction = (req) => ({
      desired: req.desired,
      results: [{ severity: 'SEVERITY_FATAL', message: 'boom' }],
    });
    expect(() =>
      render({
        composite: xr,
        composition: composition({ step: 'bad', fn: 'f' }, { step: 'next', fn: 'g' }),
        functions: { f: fatal, g: after },
      }),
    ).toThrow(new RenderError('pipeline step "bad" returned a fatal result: boom'));
    expect(afterCalls).toBe(0);
  });

  it('reports unknown functions and rejects non-pipeline compositions and type mismatches', () => {
    expect(() =>
      render({ composite: xr, composition: composition({ step: 's', fn: 'nope' }), functions: {} }),
    ).toThrow(
      'cannot run pipeline step "s": unknown Function "nope" - does it exist in your Functions file?',
    );
    const c = composition();
    (c.spec as Record<string, unknown>).mode = 'Resources';
    expect(() => render({ composite: xr, composition: c, functions: {} })).toThrow(
      'render only supports Composition Function pipelines: Composition "comp" must use spec.mode: Pipeline',
    );
    expect(() =>
      render({ composite: { ...xr, kind: 'Other' }, composition: composition(), functions: {} }),
    ).toThrow("composition's compositeTypeRef.kind (XNet) does not match XR's kind (Other)");
  });

  it('does not let functions mutate what later steps see', () => {
    const mutator: CompositionFunction = (req) => {
      (req.observed.composite!.resource.spec as Record<string, unknown>).region = 'changed';
      return { desired: req.desired, results: [] };
    };
    let region: unknown;
    const reader: CompositionFunction = (req) => {
      region = req.observed.composite?.resource.spec?.region;
      return { desired: req.desired, results: [] };
    };
    render({
      composite: xr,
      composition: composition({ step: 'a', fn: 'm' }, { step: 'b', fn: 'r' }),
      functions: { m: mutator, r: reader },
    });
    expect(region).toBe('us-east-1');
  });
});

describe('output assembly', () => {
  const resources: FnState['resources'] = {
    'z-subnet': { resource: { apiVersion: 'ec2/v1', kind: 'Subnet', spec: {} } },
    'a-vpc': { resource: { apiVersion: 'ec2/v1', kind: 'VPC', spec: {} }, ready: 'READY_TRUE' },
    named: { resource: { apiVersion: 'ec2/v1', kind: 'EIP', metadata: { name: 'explicit' } } },
  };

  it('adds generateName, annotation, composite label and controller reference, sorted by resource name', () => {
    const out = render({
      composite: xr,
      composition: composition({ step: 's', fn: 'f' }),
      functions: { f: addResources(resources) },
    });
    expect(
      out.composed.map((c) => c.metadata?.annotations?.['crossplane.io/composition-resource-name']),
    ).toEqual(['a-vpc', 'named', 'z-subnet']);
    expect(out.composed[0].metadata).toEqual({
      generateName: 'net-',
      annotations: { 'crossplane.io/composition-resource-name': 'a-vpc' },
      labels: { 'crossplane.io/composite': 'net' },
      ownerReferences: [
        {
          apiVersion: 'example.org/v1',
          kind: 'XNet',
          name: 'net',
          uid: 'uid-1',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    expect(out.composed[1].metadata?.name).toBe('explicit');
    expect(out.composed[1].metadata?.generateName).toBeUndefined();
  });

  it('keeps observed names and propagates claim labels and namespaces', () => {
    const nsXr: Unstructured = {
      ...xr,
      metadata: {
        name: 'net',
        namespace: 'team-a',
        uid: 'u2',
        labels: { 'crossplane.io/claim-name': 'c', 'crossplane.io/claim-namespace': 'cns' },
      },
    };
    const observed: Unstructured[] = [
      {
        apiVersion: 'ec2/v1',
        kind: 'Subnet',
        metadata: {
          name: 'net-abcde',
          generateName: 'net-',
          annotations: { 'crossplane.io/composition-resource-name': 'z-subnet' },
        },
      },
    ];
    const out = render({
      composite: nsXr,
      composition: composition({ step: 's', fn: 'f' }),
      observed,
      functions: { f: addResources(resources) },
    });
    const subnet = out.composed[2];
    expect(subnet.metadata?.name).toBe('net-abcde');
    expect(subnet.metadata?.generateName).toBe('net-');
    expect(subnet.metadata?.namespace).toBe('team-a');
    expect(subnet.metadata?.labels).toEqual({
      'crossplane.io/composite': 'net',
      'crossplane.io/claim-name': 'c',
      'crossplane.io/claim-namespace': 'cns',
    });
    expect(out.composite.metadata).toEqual({ name: 'net', namespace: 'team-a' });
  });

  it('uses the crossplane.io/composite label of a nested XR as name prefix', () => {
    const nested = {
      ...xr,
      metadata: { name: 'child', uid: 'u', labels: { 'crossplane.io/composite': 'root' } },
    };
    const out = render({
      composite: nested,
      composition: composition({ step: 's', fn: 'f' }),
      functions: { f: addResources(resources) },
    });
    expect(out.composed[0].metadata?.generateName).toBe('root-');
    expect(out.composed[0].metadata?.labels?.['crossplane.io/composite']).toBe('root');
  });

  it('builds the XR from the desired composite plus identity fields', () => {
    const f: CompositionFunction = () => ({
      desired: {
        composite: { resource: { status: { vpcId: 'vpc-1' }, spec: { ignored: false } } },
        resources: {},
      },
      results: [],
    });
    const out = render({ composite: xr, composition: composition({ step: 's', fn: 'f' }), functions: { f } });
    expect(out.composite).toEqual({
      apiVersion: 'example.org/v1',
      kind: 'XNet',
      metadata: { name: 'net' },
      spec: { ignored: false },
      status: {
        vpcId: 'vpc-1',
        conditions: [
          { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: '2024-01-01T00:00:00Z' },
        ],
      },
    });
    expect(out.context).toBeNull();
  });
});

describe('Ready condition', () => {
  const ready = (rs: FnState['resources'], compositeReady?: 'READY_TRUE' | 'READY_FALSE') =>
    render({
      composite: xr,
      composition: composition({ step: 's', fn: 'f' }),
      functions: {
        f: () => ({
          desired: {
            resources: rs,
            ...(compositeReady ? { composite: { resource: {}, ready: compositeReady } } : {}),
          },
          results: [],
          conditions: [
            { type: 'Custom', status: 'STATUS_CONDITION_FALSE', reason: 'Why', message: 'because' },
            { type: 'Ready', status: 'STATUS_CONDITION_TRUE', reason: 'Ignored' },
          ],
        }),
      },
      clock: () => new Date('2025-02-03T04:05:06.789Z'),
    }).composite.status?.conditions;
  const r = (ready?: 'READY_TRUE') => ({ resource: { kind: 'K' }, ...(ready ? { ready } : {}) });

  it('is Creating with a sorted, truncated list of unready resources', () => {
    expect(ready({ d: r(), b: r(), a: r(), c: r(), ok: r('READY_TRUE') })).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'Creating',
        message: 'Unready resources: a, b, c, and 1 more',
        lastTransitionTime: '2025-02-03T04:05:06Z',
      },
      {
        type: 'Custom',
        status: 'False',
        reason: 'Why',
        message: 'because',
        lastTransitionTime: '2025-02-03T04:05:06Z',
      },
    ]);
    expect((ready({ b: r(), a: r(), c: r() }) as { message: string }[])[0].message).toBe(
      'Unready resources: a, b, and c',
    );
    expect((ready({ b: r(), a: r() }) as { message: string }[])[0].message).toBe('Unready resources: a, b');
  });

  it('follows an explicit composite readiness', () => {
    expect((ready({ a: r() }, 'READY_TRUE') as { reason: string }[])[0].reason).toBe('Available');
    expect((ready({}, 'READY_FALSE') as Record<string, unknown>[])[0]).toEqual({
      type: 'Ready',
      status: 'False',
      reason: 'Creating',
      lastTransitionTime: '2025-02-03T04:05:06Z',
    });
  });

  it('defaults to the fixed render time', () => {
    const out = render({ composite: xr, composition: composition(), functions: {} });
    expect(RENDER_CONDITION_TIME.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(out.composite.status?.conditions).toEqual([
      { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: '2024-01-01T00:00:00Z' },
    ]);
  });
});
