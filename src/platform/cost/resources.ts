/** Composed resources as the pricing rules read them: kind, component, region, parameters, siblings. */
import type { JsonObject, Unstructured } from '../../core/json.js';
import { isObject } from '../../core/json.js';
import { COMPONENT_LABEL } from '../compose/names.js';

const RESOURCE_NAME_ANNOTATION = 'crossplane.io/composition-resource-name';
export const EXTERNAL_NAME = 'crossplane.io/external-name';

export interface CostResource {
  /** The composition resource name. */
  name: string;
  /** `service/Kind`: the provider service (the API group's first label) and the kind, e.g. `rds/Instance`. */
  kind: string;
  component: string;
  region: string;
  forProvider: JsonObject;
  initProvider: JsonObject;
  labels: Record<string, string>;
  object: Unstructured;
}

export { isObject };

export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function isTrue(v: unknown): boolean {
  return v === true || v === 'true';
}

export function kindOf(o: Unstructured): string {
  const group = String(o.apiVersion ?? '').split('/')[0];
  return `${group.split('.')[0]}/${o.kind ?? ''}`;
}

export function toCostResource(o: Unstructured, defaultRegion: string): CostResource {
  const spec = isObject(o.spec) ? o.spec : {};
  const forProvider = isObject(spec.forProvider) ? spec.forProvider : {};
  return {
    name: o.metadata?.annotations?.[RESOURCE_NAME_ANNOTATION] ?? o.metadata?.name ?? '',
    kind: kindOf(o),
    component: o.metadata?.labels?.[COMPONENT_LABEL] ?? 'other',
    region: str(forProvider.region) ?? defaultRegion,
    forProvider,
    initProvider: isObject(spec.initProvider) ? spec.initProvider : {},
    labels: o.metadata?.labels ?? {},
    object: o,
  };
}

/** The resources a `…Selector` (matchLabels) or `…Ref` (name) value points at. */
export function resolveReference(resources: readonly CostResource[], ref: unknown): CostResource[] {
  if (!isObject(ref)) return [];
  if (isObject(ref.matchLabels)) {
    const wanted = Object.entries(ref.matchLabels);
    if (wanted.length === 0) return [];
    return resources.filter((r) => wanted.every(([k, v]) => r.labels[k] === v));
  }
  if (typeof ref.name === 'string') return resources.filter((r) => r.object.metadata?.name === ref.name);
  return [];
}

/** Every selector or ref under `obj` (any depth), with its field name. */
function referencesIn(obj: unknown, field = ''): { field: string; ref: JsonObject }[] {
  if (Array.isArray(obj)) return obj.flatMap((v) => referencesIn(v, field));
  if (!isObject(obj)) return [];
  return Object.entries(obj).flatMap(([k, v]) => {
    if ((/Selector$/.test(k) || /Ref$/.test(k)) && isObject(v)) return [{ field: k, ref: v }];
    if (/Refs$/.test(k) && Array.isArray(v)) return v.filter(isObject).map((ref) => ({ field: k, ref }));
    return referencesIn(v, k);
  });
}

/** Whether `from` points at `to` through any selector or ref (optionally only fields matching `field`). */
export function pointsAt(
  resources: readonly CostResource[],
  from: CostResource,
  to: CostResource,
  field?: RegExp,
): boolean {
  return referencesIn(from.forProvider).some(
    (x) => (!field || field.test(x.field)) && resolveReference(resources, x.ref).includes(to),
  );
}

/** The resource's AWS name: the external-name annotation, else its `name` parameter. */
export function awsName(r: CostResource): string | undefined {
  return str(r.object.metadata?.annotations?.[EXTERNAL_NAME]) ?? str(r.forProvider.name);
}
