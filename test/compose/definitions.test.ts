import { synthesize } from '../../src/platform/compose/app.js';
import { FILTERS_PER_STEP } from '../../src/platform/compose/composition.js';
import { buildStack } from '../../src/platform/compose/components/index.js';
import { flavors } from '../../src/platform/compose/flavor.js';
import { crdIndex } from '../../src/platform/validate/index.js';
import { validateObject } from '../../src/engine/schema/index.js';
import type { Unstructured } from '../../src/engine/render/fnapi.js';

const s = await synthesize();
const index = crdIndex();

describe.each(flavors)('%s flavor', (flavor) => {
  test('the XRD validates against the real Crossplane XRD CRD', () => {
    const result = validateObject(index, s.xrds[flavor] as Unstructured);
    expect(result.errors).toEqual([]);
    expect(result.crd).toBeDefined();
  });

  test('the Composition validates against the real Composition CRD', () => {
    expect(validateObject(index, s.compositions[flavor] as Unstructured).errors).toEqual([]);
  });

  test("the P&T input validates against function-patch-and-transform's input CRD", () => {
    const pipeline = (s.compositions[flavor].spec as { pipeline: Array<{ input?: Unstructured }> }).pipeline;
    const input = { ...(pipeline[0].input as Unstructured), metadata: { name: 'compose' } };
    expect(validateObject(index, input).errors).toEqual([]);
  });

  test('the pipeline is P&T, then cel-filter in steps of a few filters each, then auto-ready', () => {
    const pipeline = (
      s.compositions[flavor].spec as {
        pipeline: Array<{ step: string; functionRef: { name: string }; input?: { filters?: unknown[] } }>;
      }
    ).pipeline;
    const names = pipeline.map((p) => p.functionRef.name);
    expect(names[0]).toBe('function-patch-and-transform');
    expect(names.at(-1)).toBe('function-auto-ready');
    const filterSteps = pipeline.slice(1, -1);
    expect(filterSteps.map((p) => p.functionRef.name)).toEqual(filterSteps.map(() => 'function-cel-filter'));
    expect(new Set(pipeline.map((p) => p.step)).size).toBe(pipeline.length);
    const counts = filterSteps.map((p) => p.input?.filters?.length ?? 0);
    expect(Math.max(...counts)).toBeLessThanOrEqual(FILTERS_PER_STEP);
    expect(Math.min(...counts)).toBeGreaterThan(0);
    // One filter per distinct condition of the stack's optional resources.
    const conditions = new Set(
      buildStack(flavor)
        .resources.filter((r) => r.when)
        .map((r) => r.when),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(conditions.size);
  });

  test('printer columns add phase, components, drift and endpoint to what Crossplane adds', () => {
    const versions = (
      s.xrds[flavor].spec as { versions: Array<{ additionalPrinterColumns: Array<{ name: string }> }> }
    ).versions;
    expect(versions[0].additionalPrinterColumns.map((c) => c.name)).toEqual([
      'PHASE',
      'COMPONENTS',
      'DRIFT',
      'ENDPOINT',
    ]);
  });
});

test('claim flavor offers claims; namespaced flavor is a v2 namespaced XR of the same user-facing kind', () => {
  const claim = s.xrds.claim as { apiVersion: string; spec: Record<string, unknown> };
  const ns = s.xrds.namespaced as { apiVersion: string; spec: Record<string, unknown> };
  expect(claim.apiVersion).toBe('apiextensions.crossplane.io/v1');
  expect(claim.spec.claimNames).toEqual(expect.objectContaining({ kind: 'PlatformEnvironment' }));
  expect(ns.apiVersion).toBe('apiextensions.crossplane.io/v2');
  expect(ns.spec.scope).toBe('Namespaced');
  expect((ns.spec.names as { kind: string }).kind).toBe('PlatformEnvironment');
});

test('the group is configurable at synth', async () => {
  const other = await synthesize({ group: 'platform.example.org' });
  expect((other.xrds.claim.metadata as { name: string }).name).toBe(
    'xplatformenvironments.platform.example.org',
  );
  expect(JSON.stringify(other.compositions.namespaced)).toContain(
    '"apiVersion":"platform.example.org/v1alpha1"',
  );
});

test('composed resources use the newest API version the provider serves', () => {
  for (const flavor of flavors) {
    const resources = (
      s.compositions[flavor].spec as {
        pipeline: Array<{ input: { resources: Array<{ base: Unstructured }> } }>;
      }
    ).pipeline[0].input.resources;
    for (const r of resources) {
      const [group, version] = String(r.base.apiVersion).split('/');
      if (!group.includes('.aws.')) continue;
      const entry = index.servedVersions(group, String(r.base.kind));
      expect([r.base.kind, version]).toEqual([r.base.kind, entry[entry.length - 1]]);
    }
  }
});
