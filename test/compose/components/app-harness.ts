/**
 * Renders the application-side components through the real pipeline (P&T, cel-filter, auto-ready
 * as implemented in src/engine/render) for a claim, and checks what comes out against the provider CRDs.
 */
import { App, Chart } from 'cdk8s';
import { specSchema, type PlatformEnvironmentSpecInput } from '../../../src/platform/api/schema.js';
import {
  buildFoundation as declareFoundation,
  type Foundation as Components,
} from '../../../src/platform/compose/components/index.js';
import { elbLogDeliveryEnvironmentPatches } from '../../../src/platform/compose/components/loadbalancer.js';
import { userDataEnvironmentPatches } from '../../../src/platform/compose/components/userdata.js';
import { PlatformComposition } from '../../../src/platform/compose/composition.js';
import type { Flavor } from '../../../src/platform/compose/flavor.js';
import { RESOURCE_LABEL, type Component } from '../../../src/platform/compose/names.js';
import { Stack } from '../../../src/platform/compose/resource.js';
import type { JsonObject } from '../../../src/engine/render/fnapi.js';
import { defaultFunctions, render } from '../../../src/engine/render/index.js';
import { validateObject, type CrdIndex } from '../../../src/engine/schema/index.js';
import { bundledCrdIndex } from '../../../src/platform/validate/index.js';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

const foundation: readonly Component[] = ['network', 'security', 'encryption', 'storage', 'database'];

/** The provider schemas that ship with the package (schemas/crds.bundle.json.gz). */
export function crdIndex(): CrdIndex {
  return bundledCrdIndex();
}

export const baseClaim: PlatformEnvironmentSpecInput = {
  project: 'shop',
  environment: 'dev',
  owner: 'team-a',
  region: REGION,
};

export interface Rendered {
  stack: Stack;
  composed: Map<string, JsonObject>;
}

/** The components every other one builds on, as `buildStack` declares them, and their stack. */
export interface Foundation extends Components {
  env: Stack;
}

export function buildFoundation(flavor: Flavor): Foundation {
  const env = new Stack(flavor);
  return { env, ...declareFoundation(env) };
}

/** The foundation the app side needs (subnets, security groups, key, buckets) plus `build`. */
export function buildWith(flavor: Flavor, build: (f: Foundation) => void): Stack {
  const f = buildFoundation(flavor);
  build(f);
  return f.env;
}

export function renderStack(
  stack: Stack,
  claim: Partial<PlatformEnvironmentSpecInput> = {},
  status: JsonObject = {},
): Rendered {
  const chart = new Chart(new App(), 'test');
  new PlatformComposition(chart, 'composition', { flavor: stack.flavor, stack });
  const composition = chart.toJson()[0] as JsonObject;
  const pipeline = (composition.spec as JsonObject).pipeline as JsonObject[];
  const pt = pipeline[0].input as JsonObject;
  const env = pt.environment as { patches: unknown[] };
  env.patches.push(...userDataEnvironmentPatches(), ...elbLogDeliveryEnvironmentPatches());
  // Other components' conditions are made type-safe here; ours are checked as written.
  const component = new Map(stack.resources.map((r) => [r.name, r.component]));
  for (const f of pipeline.flatMap(
    (s) => (s.input as { filters?: Array<{ name: string; expression: string }> } | undefined)?.filters ?? [],
  )) {
    if (foundation.includes(component.get(f.name) as Component)) {
      f.expression = `(${f.expression.replace(/has\((spec|status)\) && /g, '')}) == true`;
    }
  }
  const spec = specSchema.parse({ ...baseClaim, ...claim });
  const ids = (status.ids as JsonObject | undefined) ?? {};
  const xr: JsonObject = {
    apiVersion: 'platform.envstack.dev/v1alpha1',
    kind: stack.flavor === 'claim' ? 'XPlatformEnvironment' : 'PlatformEnvironment',
    metadata: {
      name: 'shop-dev',
      uid: 'uid-1',
      ...(stack.flavor === 'namespaced' ? { namespace: 'team-a' } : {}),
    },
    spec: spec as unknown as JsonObject,
    status: {
      ...status,
      ids: {
        vpcArn: `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc/vpc-0123`,
        kmsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
        ...ids,
      },
    },
  };
  const out = render({ composite: xr, composition, functions: defaultFunctions() });
  const composed = new Map<string, JsonObject>();
  for (const c of out.composed) {
    const labels = (c.metadata as JsonObject).labels as Record<string, string>;
    composed.set(labels[RESOURCE_LABEL], c as JsonObject);
  }
  return { stack, composed };
}

/** Schema errors of every composed resource of `components`, as readable strings. */
export function schemaErrors(r: Rendered, components: readonly Component[]): string[] {
  const errors: string[] = [];
  for (const [name, obj] of r.composed) {
    const res = r.stack.resources.find((x) => x.name === name);
    if (!res || !components.includes(res.component)) continue;
    for (const e of validateObject(crdIndex(), obj).errors) errors.push(`${name}: ${JSON.stringify(e)}`);
  }
  return errors;
}

function walk(node: unknown, visit: (key: string, value: JsonObject) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (v && typeof v === 'object' && !Array.isArray(v)) visit(k, v as JsonObject);
      walk(v, visit);
    }
  }
}

/** Selectors (in rendered resources of `components`) that match no rendered sibling. */
export function danglingSelectors(r: Rendered, components: readonly Component[]): string[] {
  const dangling: string[] = [];
  const labelsOf = [...r.composed.values()].map(
    (c) => (c.metadata as JsonObject).labels as Record<string, string>,
  );
  for (const [name, obj] of r.composed) {
    const res = r.stack.resources.find((x) => x.name === name);
    if (!res || !components.includes(res.component)) continue;
    walk(obj.spec, (key, value) => {
      if (!/Selector$/.test(key)) return;
      const wanted = value.matchLabels as Record<string, string> | undefined;
      if (!wanted || value.matchControllerRef !== true) {
        dangling.push(`${name}.${key}: not a controller-ref selector`);
        return;
      }
      const hit = labelsOf.some((labels) => Object.entries(wanted).every(([k, v]) => labels[k] === v));
      if (!hit) dangling.push(`${name}.${key} → ${JSON.stringify(wanted)}`);
    });
  }
  return dangling;
}

export interface Statement {
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
}

/** Every policy document in the rendered resources of `components`, parsed. */
export function policies(
  r: Rendered,
  components: readonly Component[],
): Array<{ name: string; statements: Statement[] }> {
  const docs: Array<{ name: string; statements: Statement[] }> = [];
  for (const [name, obj] of r.composed) {
    const res = r.stack.resources.find((x) => x.name === name);
    if (!res || !components.includes(res.component)) continue;
    const fp = ((obj.spec as JsonObject).forProvider as JsonObject | undefined) ?? {};
    for (const key of ['policy', 'assumeRolePolicy']) {
      const text = fp[key];
      if (typeof text === 'string')
        docs.push({ name: `${name}.${key}`, statements: JSON.parse(text).Statement });
    }
  }
  return docs;
}

/** Allow statements on `Resource: "*"` without a Condition. */
export function unconditionedWildcards(r: Rendered, components: readonly Component[]): string[] {
  return policies(r, components).flatMap(({ name, statements }) =>
    statements
      .filter(
        (s) =>
          s.Effect === 'Allow' && [s.Resource].flat().includes('*') && !name.endsWith('assumeRolePolicy'),
      )
      .filter((s) => !s.Condition)
      .map((s) => `${name}: ${JSON.stringify(s.Action)}`),
  );
}

export function forProvider(r: Rendered, name: string): JsonObject {
  const obj = r.composed.get(name);
  if (!obj) throw new Error(`${name} was not rendered; rendered: ${[...r.composed.keys()].join(', ')}`);
  return (obj.spec as JsonObject).forProvider as JsonObject;
}

/** Names of rendered resources belonging to `component`. */
export function renderedOf(r: Rendered, component: Component): string[] {
  return [...r.composed.keys()].filter(
    (n) => r.stack.resources.find((x) => x.name === n)?.component === component,
  );
}

/** The checks every component's render must pass: valid against the CRDs, selectors resolve, no unconditioned wildcard. */
export function expectSound(rendered: Rendered, components: readonly Component[]): void {
  expect(schemaErrors(rendered, components)).toEqual([]);
  expect(danglingSelectors(rendered, components)).toEqual([]);
  expect(unconditionedWildcards(rendered, components)).toEqual([]);
}
