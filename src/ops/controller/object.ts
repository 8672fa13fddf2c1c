/** The few shapes of Kubernetes objects the controller reads, without trusting them. */
import { isDeepStrictEqual } from 'node:util';
import { isObject } from '../../core/json.js';

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface KMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  managedFields?: unknown[];
  [key: string]: unknown;
}

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata?: KMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

export { isObject };

/**
 * `values` with each value that equals (deep-equals, for objects) `twins`' value of the same key
 * replaced by that twin, so a cache holds it once. Safe because nothing modifies cached objects.
 */
export function shareEqualValues(
  values: Record<string, unknown>,
  twins: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    const twin = twins[k];
    out[k] =
      v === twin || (v !== null && typeof v === 'object' && twin !== undefined && isDeepStrictEqual(v, twin))
        ? twin
        : v;
  }
  return out;
}

export function conditionOf(obj: KObject, type: string): Condition | undefined {
  const conditions = isObject(obj.status) ? obj.status.conditions : undefined;
  if (!Array.isArray(conditions)) return undefined;
  const found = conditions.find((c): c is Condition => isObject(c) && c.type === type);
  return found;
}

/** `namespace/name`, or `name` for cluster-scoped objects. */
export function keyOf(obj: KObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name ?? ''}` : (obj.metadata?.name ?? '');
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
