// The provider model (src/platform/render/provider-shape.ts) is the ground truth for "untouched": a
// provider-shaped resource of every kind we compose shows no drift, and a value AWS changed does.
import { composedKinds, kindId, kindRefOf } from '../../src/ops/controller/kinds.js';
import type { KObject } from '../../src/ops/controller/object.js';
import { computeStatus } from '../../src/ops/controller/status.js';
import { convergeClaim } from '../../src/platform/render/converge.js';
import type { Unstructured } from '../../src/engine/render/fnapi.js';
import {
  CROSSPLANE_TAGS,
  lateInitialized,
  observedStatus,
} from '../../src/platform/render/provider-shape.js';
import { readYamlDocuments } from '../../src/platform/render/service.js';
import { T0 } from './fixtures.js';

const example = (name: string): Unstructured =>
  readYamlDocuments(new URL(`../../examples/${name}.yaml`, import.meta.url).pathname)[0];

/** Every example, plus prod-dr on Aurora (the only one composing a GlobalCluster). */
function claims(): [string, Unstructured][] {
  const dr = example('prod-dr');
  const aurora: Unstructured = {
    ...dr,
    spec: {
      ...dr.spec,
      database: {
        ...(dr.spec?.database as object),
        engine: 'aurora-postgresql',
        instanceClass: 'db.r6g.large',
      },
    },
  };
  return [
    ...['minimal', 'dev', 'staging', 'prod', 'prod-dr'].map((n): [string, Unstructured] => [n, example(n)]),
    ['prod-dr-aurora', aurora],
  ];
}

const forProviderOf = (o: KObject): Record<string, unknown> =>
  (o.spec?.forProvider ?? {}) as Record<string, unknown>;
const atProviderOf = (o: KObject): Record<string, unknown> =>
  ((o.status as { atProvider?: Record<string, unknown> } | undefined)?.atProvider ?? {}) as Record<
    string,
    unknown
  >;

describe.each(['claim', 'namespaced'] as const)('%s flavor', (flavor) => {
  const envs: { name: string; xr: KObject; desired: KObject[]; live: KObject[] }[] = [];
  beforeAll(async () => {
    for (const [name, claim] of claims()) {
      const { result, observed } = await convergeClaim({ claim, flavor });
      envs.push({
        name,
        xr: result.composite as KObject,
        desired: result.composed as KObject[],
        live: observed as KObject[],
      });
    }
  }, 120_000);

  test('the examples compose every kind the stack has', () => {
    const seen = new Set(
      envs.flatMap((e) => e.live.map((m) => kindId(kindRefOf(m.apiVersion ?? '', m.kind ?? '')))),
    );
    expect(
      composedKinds(flavor)
        .map(kindId)
        .filter((k) => !seen.has(k)),
    ).toEqual([]);
  });

  test('resources are provider-shaped: late-initialised spec, crossplane tags, ids, ARNs, AWS forms', () => {
    const all = envs.flatMap((e) => e.live);
    const vpc = all.find((m) => m.kind === 'VPC');
    if (!vpc) throw new Error('no VPC');
    const fp = forProviderOf(vpc);
    const at = atProviderOf(vpc);
    expect(fp.instanceTenancy).toBe('default');
    expect(at.instanceTenancy).toBe('default');
    expect(at.tags).toMatchObject({
      'crossplane-kind': `vpc.${vpc.apiVersion?.split('/')[0]}`,
      'crossplane-name': vpc.metadata?.name,
      'crossplane-providerconfig': 'default',
    });
    expect(at.tagsAll).toEqual(at.tags);
    expect(String(at.arn)).toMatch(/^arn:aws:ec2:[a-z0-9-]+:123456789012:vpc\/vpc-0[0-9a-f]{16}$/);
    expect(String(at.id)).toMatch(/^vpc-0[0-9a-f]{16}$/);
    expect(vpc.metadata?.annotations?.['crossplane.io/external-name']).toBe(at.id);
    // Every taggable kind carries upjet's tags in spec and status.
    for (const m of all.filter((x) => forProviderOf(x).tags !== undefined))
      for (const t of CROSSPLANE_TAGS) expect(Object.keys(atProviderOf(m).tags as object)).toContain(t);
    // JSON documents come back compact with sorted keys, not as written.
    const role = all.find((m) => m.kind === 'Role' && typeof forProviderOf(m).assumeRolePolicy === 'string');
    if (!role) throw new Error('no Role');
    const doc = JSON.parse(String(forProviderOf(role).assumeRolePolicy)) as unknown;
    expect(atProviderOf(role).assumeRolePolicy).toBe(JSON.stringify(sortKeys(doc)));
    // The model is a pure function of the resource.
    expect(observedStatus(role as Unstructured)).toEqual(
      observedStatus(JSON.parse(JSON.stringify(role)) as Unstructured),
    );
    expect(lateInitialized(role as Unstructured)).toEqual(forProviderOf(role));
  });

  test('an untouched provider-shaped resource of every kind shows no drift', () => {
    for (const e of envs) {
      const s = computeStatus({ xr: e.xr, mrs: e.live, desired: e.desired, now: T0 });
      expect({ env: e.name, drift: s.drift.items }).toEqual({ env: e.name, drift: [] });
      expect(s.phase).toBe('Ready');
    }
  });

  test('a value AWS changed behind our back is cloud drift, for every kind whose set fields AWS reports', () => {
    const checked = new Set<string>();
    for (const e of envs) {
      for (const live of e.live) {
        const id = `${live.apiVersion}/${live.kind}`;
        if (checked.has(id)) continue;
        const desired = e.desired.find(
          (d) =>
            d.metadata?.annotations?.['crossplane.io/composition-resource-name'] ===
            live.metadata?.annotations?.['crossplane.io/composition-resource-name'],
        );
        const at = atProviderOf(live);
        const field = Object.keys(forProviderOf(desired ?? {})).find(
          (k) => ['string', 'number', 'boolean'].includes(typeof at[k]) && k !== 'region',
        );
        if (!field) continue;
        checked.add(id);
        const v = at[field];
        const changed = typeof v === 'boolean' ? !v : typeof v === 'number' ? v + 1 : `${String(v)}-changed`;
        const mutated: KObject = {
          ...live,
          status: { ...live.status, atProvider: { ...at, [field]: changed } },
        };
        const mrs = e.live.map((m) => (m === live ? mutated : m));
        const s = computeStatus({ xr: e.xr, mrs, desired: e.desired, now: T0 });
        expect(s.drift.items?.map((i) => [i.kind, i.type, i.field])).toEqual([[live.kind, 'cloud', field]]);
      }
    }
    expect(checked.size).toBeGreaterThan(50);
  });
});

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, sortKeys(o[k])]),
  );
}
