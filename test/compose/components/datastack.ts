/**
 * Test support for the data and security components: synthesizes the Composition for a Stack,
 * renders it in-process (P&T, cel-filter, auto-ready) for a sample claim, and validates what comes
 * out against the provider's real CRDs.
 */
import { App, Chart } from 'cdk8s';
import { specSchema, type PlatformEnvironmentSpecInput } from '../../../src/platform/api/schema.js';
import { PlatformComposition } from '../../../src/platform/compose/composition.js';
import type { Flavor } from '../../../src/platform/compose/flavor.js';
import { RESOURCE_LABEL } from '../../../src/platform/compose/names.js';
import type { Stack } from '../../../src/platform/compose/resource.js';
import { apiNames } from '../../../src/platform/compose/xrd.js';
import {
  defaultFunctions,
  render,
  type JsonObject,
  type Unstructured,
} from '../../../src/engine/render/index.js';
import { patchAndTransform } from '../../../src/engine/render/pt/index.js';
import { formatSchemaError, validateObject, type CrdIndex } from '../../../src/engine/schema/index.js';
import { bundledCrdIndex } from '../../../src/platform/validate/index.js';

/** The provider schemas that ship with the package (schemas/crds.bundle.json.gz). */
export function crds(): CrdIndex {
  return bundledCrdIndex();
}

export const VPC_ARN = 'arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0abc';

export function sampleXr(
  flavor: Flavor,
  input: Partial<PlatformEnvironmentSpecInput>,
  status: JsonObject = {},
): Unstructured {
  const spec = specSchema.parse({
    project: 'shop',
    environment: 'dev',
    owner: 'team-a',
    region: 'eu-west-1',
    ...input,
  });
  return {
    apiVersion: 'platform.envstack.dev/v1alpha1',
    kind: apiNames(flavor).compositeKind,
    metadata: {
      name: 'shop-env',
      uid: '11111111-2222-3333-4444-555555555555',
      ...(flavor === 'namespaced' ? { namespace: 'team-a' } : {}),
    },
    spec: { ...(spec as unknown as JsonObject), ...(flavor === 'namespaced' ? { crossplane: {} } : {}) },
    status: { ...status, ids: { vpcArn: VPC_ARN, ...((status.ids as JsonObject | undefined) ?? {}) } },
  };
}

export function compositionOf(stack: Stack): Unstructured {
  const app = new App();
  const chart = new Chart(app, 'test');
  new PlatformComposition(chart, 'composition', { flavor: stack.flavor, stack });
  return chart.toJson()[0] as Unstructured;
}

export function renderStack(stack: Stack, xr: Unstructured, observed: Unstructured[] = []) {
  return render({
    composite: xr,
    composition: compositionOf(stack),
    observed,
    functions: defaultFunctions(),
  });
}

export function byName(composed: Unstructured[]): Map<string, Unstructured> {
  const out = new Map<string, Unstructured>();
  for (const c of composed) {
    const meta = c.metadata as JsonObject;
    const name = (meta.annotations as Record<string, string>)['crossplane.io/composition-resource-name'];
    out.set(name, c);
  }
  return out;
}

/** Schema errors of every rendered resource, as `name: error` lines. */
export function schemaErrors(composed: Unstructured[]): string[] {
  const errors: string[] = [];
  for (const [name, obj] of byName(composed)) {
    const withName = structuredClone(obj);
    (withName.metadata as JsonObject).name ??= `shop-env-${name}`;
    for (const e of validateObject(crds(), withName).errors) errors.push(`${name}: ${formatSchemaError(e)}`);
  }
  return errors;
}

/** Every `*Selector` in a value, with where it sits. */
export function selectors(
  value: unknown,
  path = '',
): Array<{ path: string; labels: Record<string, string> }> {
  if (Array.isArray(value)) return value.flatMap((v, i) => selectors(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const out: Array<{ path: string; labels: Record<string, string> }> = [];
  for (const [k, v] of Object.entries(value)) {
    const here = path ? `${path}.${k}` : k;
    if (k.endsWith('Selector') && v && typeof v === 'object' && 'matchLabels' in v) {
      out.push({ path: here, labels: (v as { matchLabels: Record<string, string> }).matchLabels });
    } else out.push(...selectors(v, here));
  }
  return out;
}

/** Selectors in the stack that match no sibling's labels: `resource path → labels`. */
export function danglingSelectors(stack: Stack): string[] {
  const labelsOf = stack.resources.map((r) => (r.base.metadata as { labels: Record<string, string> }).labels);
  const dangling: string[] = [];
  for (const r of stack.resources) {
    for (const s of selectors(r.base.spec)) {
      const hit = labelsOf.some((l) => Object.entries(s.labels).every(([k, v]) => l[k] === v));
      if (!hit) dangling.push(`${r.name} ${s.path} → ${JSON.stringify(s.labels)}`);
    }
  }
  return dangling;
}

/** The composition resource name a selector for one sibling names. */
export function selected(labels: Record<string, string>): string | undefined {
  return labels[RESOURCE_LABEL];
}

/** The claim flavor's XR connection details after one P&T run over `observed`, decoded. */
export function connectionDetails(
  stack: Stack,
  xr: Unstructured,
  observed: Record<string, Unstructured>,
): Record<string, string> {
  const composition = compositionOf(stack);
  const step = ((composition.spec as JsonObject).pipeline as JsonObject[])[0];
  const rsp = patchAndTransform({
    observed: {
      composite: { resource: xr },
      resources: Object.fromEntries(Object.entries(observed).map(([n, r]) => [n, { resource: r }])),
    },
    desired: { composite: { resource: xr }, resources: {} },
    input: step.input as JsonObject,
  });
  const fatal = (rsp.results ?? []).filter((r) => r.severity === 'SEVERITY_FATAL');
  if (fatal.length) throw new Error(fatal.map((r) => r.message).join('; '));
  return Object.fromEntries(
    Object.entries(rsp.desired.composite?.connectionDetails ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v, 'base64').toString(),
    ]),
  );
}

/** An observed composed resource: the rendered one plus what the provider reports. */
export function observedFrom(rendered: Unstructured, atProvider: JsonObject): Unstructured {
  const o = structuredClone(rendered);
  o.status = { atProvider, conditions: [{ type: 'Ready', status: 'True', reason: 'Available' }] };
  return o;
}
