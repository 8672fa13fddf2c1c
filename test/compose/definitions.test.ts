import { synthesize } from '../../src/compose/app.js';
import { flavors } from '../../src/compose/flavor.js';
import { crdIndex } from '../../src/validate/index.js';
import { validateObject } from '../../src/schema/index.js';
import type { Unstructured } from '../../src/render/fnapi.js';

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

  test('the pipeline is P&T, then cel-filter, then auto-ready', () => {
    const pipeline = (s.compositions[flavor].spec as { pipeline: Array<{ functionRef: { name: string } }> })
      .pipeline;
    expect(pipeline.map((p) => p.functionRef.name)).toEqual([
      'function-patch-and-transform',
      'function-cel-filter',
      'function-auto-ready',
    ]);
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
