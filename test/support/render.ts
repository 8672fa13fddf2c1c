import yaml from 'js-yaml';
import { readFileSync } from 'node:fs';
import type { Flavor } from '../../src/platform/compose/flavor.js';
import type { Unstructured } from '../../src/engine/render/fnapi.js';
import { renderClaim } from '../../src/platform/render/service.js';

export const examplesDir = new URL('../../examples/', import.meta.url);

export function loadExample(name: string): Unstructured {
  return yaml.load(readFileSync(new URL(`${name}.yaml`, examplesDir), 'utf8')) as Unstructured;
}

export function withSpec(claim: Unstructured, patch: (spec: Record<string, unknown>) => void): Unstructured {
  const copy = structuredClone(claim);
  patch(copy.spec as Record<string, unknown>);
  return copy;
}

export async function renderedNames(
  claim: Unstructured,
  flavor: Flavor = 'claim',
  observed: Unstructured[] = [],
): Promise<string[]> {
  const result = await renderClaim({ claim, flavor, observed });
  return result.composed.map(
    (r) => r.metadata?.annotations?.['crossplane.io/composition-resource-name'] ?? '',
  );
}

/** Every `*Selector` with matchLabels in a resource, as [field path, resource label] pairs. */
export function selectors(obj: unknown, path = ''): Array<[string, string]> {
  if (Array.isArray(obj)) return obj.flatMap((v, i) => selectors(v, `${path}[${i}]`));
  if (obj === null || typeof obj !== 'object') return [];
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(obj)) {
    const p = path ? `${path}.${k}` : k;
    if (/Selector$/.test(k) && v && typeof v === 'object' && 'matchLabels' in v) {
      const label = (v as { matchLabels: Record<string, string> }).matchLabels['envstack.dev/resource'];
      if (label) out.push([p, label]);
    } else out.push(...selectors(v, p));
  }
  return out;
}
