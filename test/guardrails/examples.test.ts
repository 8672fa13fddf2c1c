import { readdirSync, readFileSync } from 'node:fs';
import type { Flavor } from '../../src/platform/compose/flavor.js';
import { lintRendered, rules } from '../../src/platform/guardrails/index.js';
import { convergeClaim } from '../../src/platform/render/converge.js';
import type { JsonObject, Unstructured } from '../../src/engine/render/fnapi.js';
import { loadAllYaml } from '../../src/engine/render/yaml.js';
import { mutations } from './mutations.js';

const dir = new URL('../../examples/', import.meta.url);

interface Rendered {
  label: string;
  docs: Unstructured[];
  spec: JsonObject;
}

const rendered: Rendered[] = [];
for (const file of readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()) {
  const claims = loadAllYaml(readFileSync(new URL(file, dir), 'utf8')).filter(
    (d): d is Unstructured => (d as Unstructured | null)?.kind === 'PlatformEnvironment',
  );
  for (const claim of claims) {
    for (const flavor of ['claim', 'namespaced'] as Flavor[]) {
      const { result } = await convergeClaim({ claim, flavor });
      rendered.push({
        label: `${file} [${flavor}]`,
        docs: [result.composite, ...result.composed],
        spec: result.input.spec as JsonObject,
      });
    }
  }
}

const ruleIds = (docs: Unstructured[], spec: JsonObject) =>
  [...new Set(lintRendered(docs, { spec }).map((f) => f.ruleId))].sort();

test('there are examples to lint', () => {
  expect(rendered.length).toBeGreaterThanOrEqual(2);
});

describe.each(rendered.map((r) => [r.label, r] as const))('%s', (_label, r) => {
  test('passes every guardrail', () => {
    expect(
      lintRendered(r.docs, { spec: r.spec }).map((f) => `${f.ruleId} ${f.resource}: ${f.message}`),
    ).toEqual([]);
  });
});

test('every rule has a mutation', () => {
  expect(Object.keys(mutations).sort()).toEqual(rules.map((r) => r.id).sort());
});

describe('mutation check: each rule catches its own mutation, and only that rule fires', () => {
  for (const rule of rules) {
    const targets = rendered.flatMap((r) => {
      const mutated = mutations[rule.id]?.apply(r.docs);
      return mutated ? [{ label: r.label, mutated, spec: r.spec }] : [];
    });
    if (targets.length === 0) {
      test.todo(`${rule.id} ${rule.name}: no example composes what "${mutations[rule.id]?.what}" needs yet`);
      continue;
    }
    test.each(targets.map((t) => [t.label, t] as const))(
      `${rule.id} (${mutations[rule.id].what}) on %s`,
      (_label, t) => {
        expect(ruleIds(t.mutated, t.spec)).toEqual([rule.id]);
      },
    );
  }
});

test("prod with the claim's explicit override of deletion protection passes; the profile alone would not", async () => {
  const prod = loadAllYaml(readFileSync(new URL('prod.yaml', dir), 'utf8')).find(
    (d): d is Unstructured => (d as Unstructured | null)?.kind === 'PlatformEnvironment',
  )!;
  const claim = structuredClone(prod);
  const spec = claim.spec as JsonObject;
  spec.database = {
    ...((spec.database as JsonObject | undefined) ?? {}),
    enabled: true,
    deletionProtection: false,
  };
  const { result } = await convergeClaim({ claim, flavor: 'claim' });
  const docs = [result.composite, ...result.composed];
  const db = result.composed.find(
    (r) => r.apiVersion?.startsWith('rds.') && (r.kind === 'Instance' || r.kind === 'Cluster'),
  );
  expect((db?.spec?.forProvider as JsonObject | undefined)?.deletionProtection).toBe(false);
  expect(ruleIds(docs, result.input.spec as JsonObject)).toEqual([]);
  const withoutOverride = structuredClone(result.input.spec as JsonObject);
  delete (withoutOverride.database as JsonObject).deletionProtection;
  expect(ruleIds(docs, withoutOverride)).toEqual(['ENV023']);
});
