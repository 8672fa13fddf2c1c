import { autoReady, celFilter, defaultFunctions, render } from '../../src/render/index.js';
import type { CompositionFunction, FnState, Unstructured } from '../../src/render/fnapi.js';
import { patchAndTransform } from '../../src/render/pt/function.js';
import { onlyReadsRequest, readsRequestOnly } from '../../src/render/unstructured.js';

const xr: Unstructured = {
  apiVersion: 'example.org/v1',
  kind: 'XThing',
  metadata: { name: 'x' },
  spec: { region: 'us-east-1' },
};
const observed: Unstructured[] = [
  {
    apiVersion: 'ec2/v1',
    kind: 'VPC',
    metadata: { name: 'x-vpc', annotations: { 'crossplane.io/composition-resource-name': 'vpc' } },
    spec: { forProvider: { region: 'us-east-1' } },
  },
];
const composition = (...fns: string[]): Unstructured => ({
  apiVersion: 'apiextensions.crossplane.io/v1',
  kind: 'Composition',
  metadata: { name: 'c' },
  spec: {
    compositeTypeRef: { apiVersion: 'example.org/v1', kind: 'XThing' },
    mode: 'Pipeline',
    pipeline: fns.map((fn, i) => ({ step: `s${i}`, functionRef: { name: fn } })),
  },
});

test('the built-in functions are declared as only reading their request', () => {
  for (const fn of [patchAndTransform, celFilter, autoReady, ...Object.values(defaultFunctions())])
    expect(onlyReadsRequest(fn)).toBe(true);
});

test('functions that only read share one frozen observed state; the others get copies of their own', () => {
  const seen: { step: string; state: FnState; before: FnState }[] = [];
  const reader = (step: string): CompositionFunction => {
    const fn: CompositionFunction = (req) => {
      seen.push({ step, state: req.observed, before: structuredClone(req.observed) });
      return { desired: req.desired, results: [] };
    };
    readsRequestOnly(fn);
    return fn;
  };
  const mutator: CompositionFunction = (req) => {
    seen.push({ step: 'm', state: req.observed, before: structuredClone(req.observed) });
    (req.observed.resources?.vpc.resource.spec as Record<string, unknown>).region = 'changed';
    return { desired: req.desired, results: [] };
  };
  render({
    composite: xr,
    composition: composition('a', 'm', 'b', 'm'),
    observed,
    functions: { a: reader('a'), b: reader('b'), m: mutator },
  });
  const [a, m1, b, m2] = seen;
  expect(a.state).toBe(b.state);
  expect(Object.isFrozen(a.state.resources?.vpc.resource.spec)).toBe(true);
  expect(b.state.resources?.vpc.resource.spec).toEqual({ forProvider: { region: 'us-east-1' } });
  // What a mutating function changed is its own: neither the shared state nor the next copy sees it.
  expect(m1.state).not.toBe(a.state);
  expect(m2.state).not.toBe(m1.state);
  expect(m2.before.resources?.vpc.resource.spec).toEqual({ forProvider: { region: 'us-east-1' } });
  expect(observed[0].spec).toEqual({ forProvider: { region: 'us-east-1' } });
});
