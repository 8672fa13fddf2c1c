import { isObject, type JsonObject } from '../../../core/json.js';

/** Provider v1beta1 kinds wrap single blocks in a one-element list, v1beta2+ do not: read either. */
export function block(v: unknown): JsonObject | undefined {
  if (Array.isArray(v)) return isObject(v[0]) ? v[0] : undefined;
  return isObject(v) ? v : undefined;
}

export function blocks(v: unknown): JsonObject[] {
  if (Array.isArray(v)) return v.filter(isObject);
  return isObject(v) ? [v] : [];
}
