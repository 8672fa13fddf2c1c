/**
 * What the controller keeps of each managed resource. It caches every one of them for as long as it
 * runs, so the cache keeps only what is read, and what many of them repeat (label values, condition
 * lists, what atProvider reports back of forProvider) is held once.
 */
import { isDeepStrictEqual } from 'node:util';
import { isObject, shareEqualValues, type KMeta, type KObject } from './object.js';

const RESOURCE_NAME = 'crossplane.io/composition-resource-name';
const EXTERNAL_NAME = 'crossplane.io/external-name';

/**
 * Values by a key, each held once. Bounded: two generations of at most `max` each; when the young one
 * is full it becomes the old one, and a value found there moves back, so what keeps coming back stays.
 */
export class Interned<T> {
  private young = new Map<string, T>();
  private old = new Map<string, T>();

  constructor(private readonly max: number) {}

  get(key: string, value: T): T {
    const young = this.young.get(key);
    if (young !== undefined) return young;
    const known = this.old.get(key) ?? value;
    if (this.young.size >= this.max) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, known);
    return known;
  }
}

/**
 * Strings: kinds, label values, and the values in forProvider and atProvider, which repeat across
 * environments (regions, ids of shared things, policies, a function's code) and within one (tags).
 * JSON.parse makes a new copy of each for every object.
 */
const strings = new Interned<string>(100_000);
export const intern = (s: string): string => strings.get(s, s);
export const internOptional = (s: string | undefined): string | undefined =>
  s === undefined ? s : intern(s);

/**
 * `v` with every string in it held once, replaced in place (by an equal string, so no reader can
 * tell). Frozen objects are left as they are.
 */
export function internDeep<T>(v: T): T {
  if (typeof v === 'string') return intern(v) as T;
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const value = o[k];
      if (typeof value === 'string') o[k] = intern(value);
      else if (value !== null && typeof value === 'object') internDeep(value);
    }
  }
  return v;
}

/** Condition lists, by their JSON: most managed resources hold the same few. */
const conditionLists = new Interned<unknown>(4096);

function sharedConditions(conditions: unknown): unknown {
  return Array.isArray(conditions) ? conditionLists.get(JSON.stringify(conditions), conditions) : conditions;
}

function internedValues(map: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(map)) if (typeof map[k] === 'string') out[k] = intern(map[k]);
  return out;
}

/** The two annotations read; the resource name repeats across environments, the external name does not. */
function keptAnnotations(annotations: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const resource = annotations[RESOURCE_NAME];
  if (typeof resource === 'string') out[RESOURCE_NAME] = intern(resource);
  const external = annotations[EXTERNAL_NAME];
  if (typeof external === 'string') out[EXTERNAL_NAME] = external;
  return out;
}

/**
 * status.atProvider with each value that equals forProvider's (or, for tagsAll, its own tags) replaced
 * by that same value: a provider reports back most of what it was given, and the cache then holds it
 * once. Nothing modifies cached objects, so sharing is safe.
 */
function sharedAtProvider(at: Record<string, unknown>, fp: Record<string, unknown>): Record<string, unknown> {
  const out = shareEqualValues(at, fp);
  if (isObject(out.tagsAll) && isObject(out.tags) && isDeepStrictEqual(out.tagsAll, out.tags))
    out.tagsAll = out.tags;
  return out;
}

/**
 * What the status computation and the renderer read of a managed resource: its kind, name,
 * resourceVersion, labels, two annotations, forProvider, conditions and atProvider. Dropping the rest
 * (initProvider, managedFields, last-applied-configuration, …) is most of the cache's memory.
 */
export function trimManaged(mr: KObject): KObject {
  const m = mr.metadata ?? {};
  const spec = isObject(mr.spec) ? mr.spec : {};
  const status = isObject(mr.status) ? mr.status : {};
  const forProvider = isObject(spec.forProvider) ? internDeep(spec.forProvider) : undefined;
  const observedAt = internDeep(status.atProvider);
  const atProvider =
    isObject(observedAt) && forProvider ? sharedAtProvider(observedAt, forProvider) : observedAt;
  // Built by assignment, always in this order: objects made of spreads get a hidden class each in
  // V8 (~200 bytes apiece, one per cached resource); assigned properties share them.
  const metadata: KMeta = { name: m.name };
  if (m.namespace) metadata.namespace = intern(m.namespace);
  metadata.resourceVersion = m.resourceVersion;
  if (m.deletionTimestamp) metadata.deletionTimestamp = m.deletionTimestamp;
  if (isObject(m.labels)) metadata.labels = internedValues(m.labels);
  metadata.annotations = keptAnnotations(m.annotations ?? {});
  const kept: Record<string, unknown> = {};
  if (status.conditions !== undefined) kept.conditions = sharedConditions(status.conditions);
  if (atProvider !== undefined) kept.atProvider = atProvider;
  return {
    apiVersion: internOptional(mr.apiVersion),
    kind: internOptional(mr.kind),
    metadata,
    spec: forProvider ? { forProvider } : {},
    status: kept,
  };
}
