import type { JSONSchemaProps } from './types.js';
import { isObject } from '../../core/json.js';

/** Deep copy of JSON data built from this realm's constructors (structuredClone's objects confuse cel-js in VMs). */
function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = clone(x);
    return out as T;
  }
  return v;
}

const isNonNullableNull = (v: unknown, s: JSONSchemaProps | undefined): boolean => v === null && !s?.nullable;

function defaultInPlace(x: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (isObject(x)) {
    for (const [key, prop] of Object.entries(s.properties ?? {})) {
      if (prop.default === undefined) continue;
      if (!Object.hasOwn(x, key) || isNonNullableNull(x[key], prop)) x[key] = clone(prop.default);
    }
    const additional = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
    if (additional?.default !== undefined) {
      for (const key of Object.keys(x)) {
        if (!s.properties?.[key] && isNonNullableNull(x[key], additional)) x[key] = clone(additional.default);
      }
    }
    for (const [key, value] of Object.entries(x)) {
      const prop = s.properties?.[key];
      if (prop) defaultInPlace(value, prop);
      else if (additional) defaultInPlace(value, additional);
    }
    return;
  }
  if (Array.isArray(x) && s.items) {
    const items = s.items;
    for (let i = 0; i < x.length; i++) {
      if (items.default !== undefined && isNonNullableNull(x[i], items)) x[i] = clone(items.default);
      defaultInPlace(x[i], items);
    }
  }
}

/** Drops non-nullable nulls that have no default, as the apiserver does after defaulting. */
function pruneNulls(x: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (isObject(x)) {
    const additional = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
    for (const [key, value] of Object.entries(x)) {
      const prop = s.properties?.[key] ?? additional;
      if (!prop) continue;
      if (value === null && !prop.nullable && prop.default === undefined) delete x[key];
      else pruneNulls(value, prop);
    }
    return;
  }
  if (Array.isArray(x) && s.items) for (const item of x) pruneNulls(item, s.items);
}

/**
 * Structural defaulting as the apiserver does it: a property's `default` fills a missing field (or a null in a
 * non-nullable field), recursively, including inside objects that were themselves defaulted. Returns a new object.
 */
export function applyDefaults<T>(schema: JSONSchemaProps, obj: T): T {
  const out = clone(obj);
  defaultInPlace(out, schema);
  pruneNulls(out, schema);
  return out;
}
