import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import {
  cachedRenderer,
  compositionRenderer,
  observedReadsOf,
  type RenderDesired,
} from '../../src/ops/controller/desired.js';
import type { KObject } from '../../src/ops/controller/object.js';
import { trimDesired } from '../../src/ops/controller/status.js';
import { claimToXr } from '../../src/platform/render/claim.js';
import type { Unstructured } from '../../src/engine/render/fnapi.js';
import { loadComposition } from '../../src/platform/render/service.js';
import { cond, mr, xr } from './fixtures.js';

/** A renderer that, like a ToCompositeFieldPath patch, reads status.atProvider of what it observes. */
function counting(): { render: RenderDesired; calls: () => number } {
  let n = 0;
  const render: RenderDesired = (_xr, observed) => {
    n += 1;
    return observed.map((o) => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      metadata: { annotations: o.metadata?.annotations },
      spec: { forProvider: { vpcId: (o.status?.atProvider as { id?: string } | undefined)?.id } },
    }));
  };
  return { render, calls: () => n };
}

const withAt = (o: KObject, atProvider: Record<string, unknown>): KObject => ({
  ...o,
  metadata: { ...o.metadata, resourceVersion: String(Math.random()) },
  status: { ...o.status, atProvider },
});

test('a render is reused while nothing it reads changes', () => {
  const { render, calls } = counting();
  const cached = cachedRenderer(render);
  const x = xr();
  const vpc = withAt(mr('vpc'), { id: 'vpc-1' });
  cached(x, [vpc]);
  cached(x, [withAt(vpc, { id: 'vpc-1' })]);
  // The controller's own status fields are outputs of the reconcile, not inputs of the render.
  cached({ ...x, status: { phase: 'Ready', drift: { count: 0 } } }, [vpc]);
  expect(calls()).toBe(1);
});

test('a changed status.atProvider value (same readiness) renders again', () => {
  const { render, calls } = counting();
  const cached = cachedRenderer(render);
  const x = xr();
  const vpc = withAt(mr('vpc'), { id: 'vpc-1' });
  expect(cached(x, [vpc])?.[0].spec?.forProvider).toEqual({ vpcId: 'vpc-1' });
  const replaced = withAt(vpc, { id: 'vpc-2' });
  expect(cached(x, [replaced])?.[0].spec?.forProvider).toEqual({ vpcId: 'vpc-2' });
  expect(calls()).toBe(2);
});

test('the XR status a patch reads, its labels, and the Composition used are in the key', () => {
  const { render, calls } = counting();
  const cached = cachedRenderer(render);
  const x = xr();
  const vpc = withAt(mr('vpc'), { id: 'vpc-1' });
  cached(x, [vpc]);
  cached({ ...x, status: { endpoints: { api: 'https://a' } } }, [vpc]);
  expect(calls()).toBe(2);
  cached({ ...x, metadata: { ...x.metadata, labels: { tier: 'gold' } } }, [vpc]);
  expect(calls()).toBe(3);
  const composition: KObject = { kind: 'Composition', metadata: { name: 'c' } };
  cached(x, [vpc], { composition, compositionKey: 'revision/r1/5' });
  cached(x, [vpc], { composition, compositionKey: 'revision/r1/5' });
  expect(calls()).toBe(4);
  cached(x, [vpc], { composition, compositionKey: 'revision/r2/9' });
  expect(calls()).toBe(5);
});

describe('what a render reads of the observed resources', () => {
  const pipeline = (...steps: Record<string, unknown>[]): KObject => ({
    kind: 'Composition',
    metadata: { name: 'c' },
    spec: {
      mode: 'Pipeline',
      pipeline: steps.map((s, i) => ({ step: `s${i}`, ...s })),
    },
  });
  const pt = (patches: Record<string, unknown>[]) => ({
    functionRef: { name: 'function-patch-and-transform' },
    input: { resources: [{ name: 'vpc', base: { kind: 'VPC' }, patches }] },
  });
  const cel = (expression: string) => ({
    functionRef: { name: 'function-cel-filter' },
    input: { filters: [{ name: 'vpc', expression }] },
  });

  test('the built-in Composition: composed resources read only which observed resources exist', async () => {
    expect(observedReadsOf((await loadComposition('claim')) as KObject)).toBe('identity');
    expect(observedReadsOf((await loadComposition('namespaced')) as KObject)).toBe('identity');
  });

  test('ToComposite patches, readiness and filters on the observed XR read no composed status', () => {
    const c = pipeline(
      pt([
        { type: 'ToCompositeFieldPath', fromFieldPath: 'status.atProvider.id', toFieldPath: 'status.vpcId' },
      ]),
      cel('observed.composite.resource.spec.network.flowLogs == true'),
      { functionRef: { name: 'function-auto-ready' } },
    );
    expect(observedReadsOf(c)).toBe('identity');
  });

  test.each([
    [
      'a patch into the environment',
      pipeline(
        pt([{ type: 'ToEnvironmentFieldPath', fromFieldPath: 'status.atProvider.id', toFieldPath: 'id' }]),
      ),
    ],
    [
      'a filter on an observed composed resource',
      pipeline(cel('observed.resources.vpc.resource.status.atProvider.id != ""')),
    ],
    ['a filter on desired state', pipeline(cel('has(desired.composite.resource.status.vpcId)'))],
    ['a filter on the context', pipeline(cel('context.x == 1'))],
    ['a function render does not know', pipeline({ functionRef: { name: 'function-go-templating' } })],
    ['no pipeline', { kind: 'Composition', spec: { resources: [] } }],
  ])('%s: composed resources may read observed status', (_what, c) => {
    expect(observedReadsOf(c as KObject)).toBe('status');
  });

  test('with the built-in Composition, the composed resources are the same whatever the observed ones report', async () => {
    const render = await compositionRenderer('claim');
    const x = {
      ...claimToXr(yaml.load(readFileSync('examples/prod.yaml', 'utf8')) as Unstructured, {
        flavor: 'claim',
      }),
      status: { vpcId: 'vpc-1' },
    } as KObject;
    const first = render(x, []) ?? [];
    // Every composed resource observed, first healthy with one set of atProvider values, then failing with others.
    const observed = (seed: string, healthy: boolean): KObject[] =>
      first.map((d, i) => ({
        ...d,
        metadata: { ...d.metadata, name: `obj-${i}` },
        status: {
          atProvider: { id: `${seed}-${i}`, arn: `arn:aws:x:${seed}:${i}`, port: i, tags: { seed } },
          conditions: [cond('Ready', healthy ? 'True' : 'False'), cond('Synced', healthy ? 'True' : 'False')],
        },
      }));
    expect(render.observedReads?.()).toBe('identity');
    expect(render(x, observed('a', true))).toEqual(render(x, observed('b', false)));
  });

  test('a render of a Composition whose composed resources read no status is reused when only status changes', () => {
    const { render: inner, calls } = counting();
    const render: RenderDesired = Object.assign(inner, { observedReads: () => 'identity' as const });
    const cached = cachedRenderer(render, { keep: trimDesired });
    const x = xr();
    const vpc = withAt(mr('vpc'), { id: 'vpc-1' });
    cached(x, [vpc]);
    cached(x, [withAt(vpc, { id: 'vpc-2' })]);
    cached(x, [{ ...vpc, status: { conditions: [cond('Ready', 'False')] } }]);
    expect(calls()).toBe(1);
    // Another observed resource (or one renamed) is another input.
    cached(x, [vpc, withAt(mr('subnet-a', { kind: 'Subnet' }), {})]);
    expect(calls()).toBe(2);
    cached(x, [{ ...vpc, metadata: { ...vpc.metadata, name: 'env-a-vpc-2' } }]);
    expect(calls()).toBe(3);
  });

  test('the cache keeps what the status reads of a rendered object', () => {
    const rendered: KObject = {
      apiVersion: 'ec2.aws.upbound.io/v1beta1',
      kind: 'VPC',
      metadata: {
        name: 'env-a-vpc',
        generateName: 'env-a-',
        labels: { 'envstack.dev/component': 'network', 'envstack.dev/resource': 'vpc', other: 'x' },
        annotations: { 'crossplane.io/composition-resource-name': 'vpc', other: 'y' },
        ownerReferences: [{ name: 'env-a' }],
      },
      spec: { forProvider: { cidrBlock: '10.0.0.0/16' }, providerConfigRef: { name: 'default' } },
    };
    const cached = cachedRenderer(() => [rendered], { keep: trimDesired });
    expect(cached(xr(), [])).toEqual([
      {
        apiVersion: 'ec2.aws.upbound.io/v1beta1',
        kind: 'VPC',
        metadata: {
          name: 'env-a-vpc',
          labels: { 'envstack.dev/component': 'network', 'envstack.dev/resource': 'vpc' },
          annotations: { 'crossplane.io/composition-resource-name': 'vpc' },
        },
        spec: { forProvider: { cidrBlock: '10.0.0.0/16' } },
      },
    ]);
  });
});
