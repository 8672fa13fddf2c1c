import { cachedRenderer, type RenderDesired } from '../../src/controller/desired.js';
import type { KObject } from '../../src/controller/object.js';
import { mr, xr } from './fixtures.js';

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
