/**
 * The few k8s.io/apimachinery Unstructured accessors and crossplane-runtime helpers render relies on,
 * with the same edge behaviour (e.g. a labels map holding a non-string reads as absent).
 */
import type { JsonObject, Unstructured } from './fnapi.js';

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON-semantics deep copy: drops undefined fields, turns bigint into number. */
export function cloneJson<T>(v: T): T {
  return structClone(v) as T;
}

function structClone(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => structClone(x));
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = structClone(x);
  return out;
}

export function getString(o: JsonObject, ...path: string[]): string {
  const v = getPath(o, path);
  return typeof v === 'string' ? v : '';
}

export function getPath(o: unknown, path: string[]): unknown {
  let cur: unknown = o;
  for (const p of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

function metadataOf(u: Unstructured, create: boolean): JsonObject | undefined {
  if (isObject(u.metadata)) return u.metadata;
  if (!create) return undefined;
  u.metadata = {};
  return u.metadata;
}

/** Unstructured.SetName / SetNamespace / SetGenerateName: an empty value removes the field. */
export function setMetaString(
  u: Unstructured,
  field: 'name' | 'namespace' | 'generateName',
  v: string,
): void {
  if (v === '') {
    const m = metadataOf(u, false);
    if (m) delete m[field];
    return;
  }
  metadataOf(u, true)![field] = v;
}

export function getStringMap(
  u: Unstructured,
  field: 'labels' | 'annotations',
): Record<string, string> | undefined {
  const m = getPath(u, ['metadata', field]);
  if (!isObject(m)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'string') return undefined;
    out[k] = v;
  }
  return out;
}

/** crossplane-runtime meta.AddLabels / AddAnnotations. */
export function addToStringMap(
  u: Unstructured,
  field: 'labels' | 'annotations',
  add: Record<string, string>,
): void {
  const cur = getStringMap(u, field);
  metadataOf(u, true)![field] = cur ? { ...cur, ...add } : { ...add };
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export function getOwnerReferences(u: Unstructured): OwnerReference[] {
  const refs = getPath(u, ['metadata', 'ownerReferences']);
  if (!Array.isArray(refs)) return [];
  const out: OwnerReference[] = [];
  for (const r of refs) {
    if (!isObject(r)) return [];
    const ref: OwnerReference = {
      apiVersion: typeof r.apiVersion === 'string' ? r.apiVersion : '',
      kind: typeof r.kind === 'string' ? r.kind : '',
      name: typeof r.name === 'string' ? r.name : '',
      uid: typeof r.uid === 'string' ? r.uid : '',
    };
    if (typeof r.controller === 'boolean') ref.controller = r.controller;
    if (typeof r.blockOwnerDeletion === 'boolean') ref.blockOwnerDeletion = r.blockOwnerDeletion;
    out.push(ref);
  }
  return out;
}

/** meta.AddControllerReference: refuses a different controller, replaces a same-UID owner. */
export function addControllerReference(u: Unstructured, ref: OwnerReference): void {
  const refs = getOwnerReferences(u);
  const ctrl = refs.find((r) => r.controller === true);
  if (ctrl && ctrl.uid !== ref.uid) {
    throw new Error(
      `${getString(u, 'metadata', 'name')} is already controlled by ${ctrl.kind} ${ctrl.name} (UID ${ctrl.uid})`,
    );
  }
  const i = refs.findIndex((r) => r.uid === ref.uid);
  if (i >= 0) refs[i] = ref;
  else refs.push(ref);
  metadataOf(u, true)!.ownerReferences = refs.map((r) => ({ ...r }));
}

/** Go's sort.Strings / string < ordering (bytewise UTF-8, i.e. code point order). */
export function goStringCompare(a: string, b: string): number {
  const ac = Array.from(a);
  const bc = Array.from(b);
  for (let i = 0; i < ac.length && i < bc.length; i++) {
    const d = ac[i].codePointAt(0)! - bc[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ac.length - bc.length;
}
