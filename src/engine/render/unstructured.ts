/**
 * The few k8s.io/apimachinery Unstructured accessors and crossplane-runtime helpers render relies on,
 * with the same edge behaviour (e.g. a labels map holding a non-string reads as absent).
 */
import type {
  CompositionFunction,
  FnState,
  JsonObject,
  RunFunctionRequest,
  RunFunctionResponse,
  Unstructured,
} from './fnapi.js';
import { cloneJson, isObject } from '../../core/json.js';

export { cloneJson, isObject };

/**
 * Passing state between pipeline steps without copying it. render copies each response it receives
 * (a response "crosses gRPC"): cloneJson normalizes it and makes it render's own. A built-in function
 * that render runs as a step (not one wrapped in another function, which may change its response) can
 * spare that copy for an object it hands over: one cloneJson would leave as it is (plain JSON, no
 * undefined, no bigint, no `__proto__` key) that nothing but the response references. It can also
 * pass on, unchanged, a resource render gave it in the request (render made those; see adoptJson).
 */
const handedOver = new WeakSet<object>();
const normalizedByRender = new WeakSet<object>();
let runningStep: unknown;

const observedReaders = new WeakSet<CompositionFunction>();

/**
 * Declares that `fn` never modifies the observed state of its request, so render may give every such
 * step one frozen copy instead of a copy each. Any other function gets its own copy, as over gRPC.
 */
export function readsObservedOnly(fn: CompositionFunction): void {
  observedReaders.add(fn);
}

export const onlyReadsObserved = (fn: CompositionFunction): boolean => observedReaders.has(fn);

/** render runs each pipeline step through this. */
export function runStep(fn: CompositionFunction, req: RunFunctionRequest): RunFunctionResponse {
  const outer = runningStep;
  runningStep = fn;
  try {
    return fn(req);
  } finally {
    runningStep = outer;
  }
}

/** For `fn`'s response: `v` equals its own cloneJson and nothing else will reference it. */
export function handOver(fn: CompositionFunction, v: object): void {
  if (runningStep === fn) handedOver.add(v);
}

/** For `fn`'s response: `v`, from its request, is passed on unchanged and referenced once. */
export function passOn(fn: CompositionFunction, v: unknown): void {
  if (runningStep === fn && typeof v === 'object' && v !== null && normalizedByRender.has(v)) {
    handedOver.add(v);
  }
}

/** render's copy of a response object: the object itself if it was handed over (only once), else a clone. */
export function adoptJson<T>(v: T): T {
  const own = typeof v === 'object' && v !== null && handedOver.delete(v) ? v : cloneJson(v);
  if (typeof own === 'object' && own !== null) normalizedByRender.add(own);
  return own;
}

const deepFrozen = new WeakSet<object>();

/** cloneJson, with the copy frozen all the way down (and remembered as such: see isDeepFrozen). */
export function frozenCloneJson<T>(v: T): T {
  const out = frozenClone(v);
  if (typeof out === 'object' && out !== null) deepFrozen.add(out);
  return out as T;
}

function frozenClone(v: unknown): unknown {
  if (typeof v !== 'object') {
    if (v === undefined) return null;
    return typeof v === 'bigint' ? Number(v) : v;
  }
  if (v === null) return null;
  if (Array.isArray(v)) {
    const n = v.length;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = frozenClone(v[i]);
    return Object.freeze(out);
  }
  const out: JsonObject = {};
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const x = (v as JsonObject)[k];
    if (x !== undefined && k !== '__proto__') out[k] = frozenClone(x);
  }
  return Object.freeze(out);
}

/** Whether v came from frozenCloneJson: it and everything in it can never change. */
export function isDeepFrozen(v: unknown): boolean {
  return typeof v === 'object' && v !== null && deepFrozen.has(v);
}

/**
 * A function's response state, started from its request's: the state and its resources map are new,
 * the resources themselves are the request's. Functions change only what is their own, and render
 * copies every response it receives, so the sharing is never seen.
 */
export function responseState(s: FnState): FnState {
  const out: FnState = { ...s };
  if (isObject(s.resources)) out.resources = { ...s.resources };
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
  for (const k of Object.keys(m)) {
    const v = m[k];
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

function getOwnerReferences(u: Unstructured): OwnerReference[] {
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
  // Below the surrogates, UTF-16 code unit order is code point order.
  const n = a.length < b.length ? a.length : b.length;
  let i = 0;
  for (; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x >= 0xd800 || y >= 0xd800) break;
    if (x !== y) return x - y;
  }
  if (i === n && !hasSurrogate(a, n) && !hasSurrogate(b, n)) return a.length - b.length;
  const ac = Array.from(a);
  const bc = Array.from(b);
  for (let i = 0; i < ac.length && i < bc.length; i++) {
    const d = ac[i].codePointAt(0)! - bc[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ac.length - bc.length;
}

function hasSurrogate(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) if (s.charCodeAt(i) >= 0xd800) return true;
  return false;
}
