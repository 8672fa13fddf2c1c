/**
 * What the controller keeps of each managed resource. It caches every one of them for as long as it
 * runs, so the cache keeps only what is read, and what many of them repeat (label values, condition
 * lists, what atProvider reports back of forProvider) is held once.
 */
import { isDeepStrictEqual } from 'node:util';
import { isObject, shareEqualValues, type KObject } from './object.js';

const KEPT_ANNOTATIONS = ['crossplane.io/composition-resource-name', 'crossplane.io/external-name'];

/** Values by a key, each held once. Bounded: when full it starts again. */
export class Interned<T> {
  private readonly values = new Map<string, T>();

  constructor(private readonly max: number) {}

  get(key: string, value: T): T {
    const known = this.values.get(key);
    if (known !== undefined) return known;
    if (this.values.size >= this.max) this.values.clear();
    this.values.set(key, value);
    return value;
  }
}

/** Kinds, label and annotation values: a few per environment and a few hundred shared by all. */
const strings = new Interned<string>(50_000);
export const intern = (s: string): string => strings.get(s, s);
export const internOptional = (s: string | undefined): string | undefined =>
  s === undefined ? s : intern(s);

/** Condition lists, by their JSON: most managed resources hold the same few. */
const conditionLists = new Interned<unknown>(4096);

function sharedConditions(conditions: unknown): unknown {
  return Array.isArray(conditions) ? conditionLists.get(JSON.stringify(conditions), conditions) : conditions;
}

function internedValues(map: Record<string, string>, keys?: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys ?? Object.keys(map)) if (typeof map[k] === 'string') out[k] = intern(map[k]);
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
  const forProvider = isObject(spec.forProvider) ? spec.forProvider : undefined;
  const atProvider =
    isObject(status.atProvider) && forProvider
      ? sharedAtProvider(status.atProvider, forProvider)
      : status.atProvider;
  return {
    apiVersion: internOptional(mr.apiVersion),
    kind: internOptional(mr.kind),
    metadata: {
      name: m.name,
      ...(m.namespace ? { namespace: intern(m.namespace) } : {}),
      resourceVersion: m.resourceVersion,
      ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
      ...(isObject(m.labels) ? { labels: internedValues(m.labels) } : {}),
      annotations: internedValues(m.annotations ?? {}, KEPT_ANNOTATIONS),
    },
    spec: forProvider ? { forProvider } : {},
    status: {
      ...(status.conditions !== undefined ? { conditions: sharedConditions(status.conditions) } : {}),
      ...(atProvider !== undefined ? { atProvider } : {}),
    },
  };
}
