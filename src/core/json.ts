/** The shapes every layer shares: a JSON object, a Kubernetes object of any kind, and JSON copies. */

export type JsonObject = { [key: string]: unknown };

/** A Kubernetes object of any kind, as decoded from YAML or JSON. */
export interface Unstructured extends JsonObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: JsonObject;
  status?: JsonObject;
}

export interface ObjectMeta extends JsonObject {
  name?: string;
  namespace?: string;
  generateName?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A JSON-semantics deep copy: drops undefined fields, turns bigint into number. A `__proto__` key is
 * dropped, as assigning it always did (it set the copy's prototype, which the next copy shed).
 */
export function cloneJson<T>(v: T): T {
  return structClone(v) as T;
}

function structClone(v: unknown): unknown {
  if (typeof v !== 'object') {
    if (v === undefined) return null;
    return typeof v === 'bigint' ? Number(v) : v;
  }
  if (v === null) return null;
  if (Array.isArray(v)) {
    const n = v.length;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = structClone(v[i]);
    return out;
  }
  const out: JsonObject = {};
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const x = (v as JsonObject)[k];
    if (x !== undefined && k !== '__proto__') out[k] = structClone(x);
  }
  return out;
}
