import { ApiError } from './status.js';
import { clone, deepEqual, isObject, type JsonObject } from './json.js';
import type { ManagedFieldsEntry } from './types.js';

/** Which part of an object a write may touch: the whole object, all but status, or only status. */
export type Scope = 'all' | 'main' | 'status';

type PathKey = string;

const TRACKED_METADATA = ['labels', 'annotations', 'finalizers', 'ownerReferences'];
const ATOMIC_METADATA = new Set(['finalizers', 'ownerReferences']);

const toKey = (path: string[]): PathKey => JSON.stringify(path);
const fromKey = (key: PathKey): string[] => JSON.parse(key) as string[];

export function inScope(topLevelField: string, scope: Scope): boolean {
  if (topLevelField === 'apiVersion' || topLevelField === 'kind') return false;
  if (scope === 'status') return topLevelField === 'status';
  if (scope === 'main') return topLevelField !== 'status';
  return true;
}

/** Leaf field paths of an object; lists are atomic (owned as a whole). */
export function leafPaths(obj: JsonObject, scope: Scope): Set<PathKey> {
  const out = new Set<PathKey>();
  const walk = (value: unknown, path: string[]): void => {
    if (isObject(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    } else {
      out.add(toKey(path));
    }
  };
  for (const [field, value] of Object.entries(obj)) {
    if (!inScope(field, scope)) continue;
    if (field === 'metadata') {
      if (!isObject(value)) continue;
      for (const metaField of TRACKED_METADATA) {
        const metaValue = value[metaField];
        if (metaValue === undefined) continue;
        if (ATOMIC_METADATA.has(metaField)) out.add(toKey(['metadata', metaField]));
        else walk(metaValue, ['metadata', metaField]);
      }
      continue;
    }
    walk(value, [field]);
  }
  return out;
}

export function getAt(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const segment of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[segment];
  }
  return cur;
}

function deleteAt(obj: JsonObject, path: string[]): void {
  const parent = getAt(obj, path.slice(0, -1));
  if (isObject(parent)) delete parent[path[path.length - 1]];
}

function overlaps(a: PathKey, b: PathKey): boolean {
  const pa = fromKey(a);
  const pb = fromKey(b);
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) if (pa[i] !== pb[i]) return false;
  return true;
}

export function toFieldsV1(paths: Iterable<PathKey>): JsonObject {
  const root: JsonObject = {};
  for (const key of paths) {
    let node = root;
    for (const segment of fromKey(key)) {
      const name = `f:${segment}`;
      if (!isObject(node[name])) node[name] = {};
      node = node[name] as JsonObject;
    }
  }
  return root;
}

export function fromFieldsV1(fields: unknown): Set<PathKey> {
  const out = new Set<PathKey>();
  const walk = (node: unknown, path: string[]): void => {
    if (!isObject(node)) return;
    const children = Object.keys(node).filter((k) => k.startsWith('f:'));
    if (children.length === 0 && path.length > 0) out.add(toKey(path));
    for (const child of children) walk(node[child], [...path, child.slice(2)]);
  };
  walk(fields, []);
  return out;
}

export interface Owner {
  manager: string;
  operation: 'Apply' | 'Update';
  subresource: string;
  apiVersion: string;
  time: string;
  paths: Set<PathKey>;
}

export function readOwners(entries: ManagedFieldsEntry[] | undefined): Owner[] {
  return (entries ?? []).map((e) => ({
    manager: e.manager,
    operation: e.operation,
    subresource: e.subresource ?? '',
    apiVersion: e.apiVersion,
    time: e.time,
    paths: fromFieldsV1(e.fieldsV1),
  }));
}

/** Drops ownership of fields that no longer exist, then serialises non-empty entries. */
export function writeOwners(owners: Owner[], obj: JsonObject): ManagedFieldsEntry[] | undefined {
  const entries: ManagedFieldsEntry[] = [];
  for (const owner of owners) {
    for (const key of owner.paths) if (getAt(obj, fromKey(key)) === undefined) owner.paths.delete(key);
    if (owner.paths.size === 0) continue;
    const entry: ManagedFieldsEntry = {
      manager: owner.manager,
      operation: owner.operation,
      apiVersion: owner.apiVersion,
      time: owner.time,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(owner.paths),
    };
    if (owner.subresource) entry.subresource = owner.subresource;
    entries.push(entry);
  }
  return entries.length > 0 ? entries : undefined;
}

export interface WriterIdentity {
  manager: string;
  subresource: string;
  apiVersion: string;
  time: string;
}

function ownerFor(owners: Owner[], who: WriterIdentity, operation: 'Apply' | 'Update'): Owner {
  let owner = owners.find(
    (o) => o.manager === who.manager && o.operation === operation && o.subresource === who.subresource,
  );
  if (!owner) {
    owner = { ...who, operation, paths: new Set() };
    owners.push(owner);
  }
  return owner;
}

/** An Update (create, PUT, non-apply PATCH) takes ownership of every field it changed. */
export function recordUpdate(
  owners: Owner[],
  who: WriterIdentity,
  before: JsonObject | undefined,
  after: JsonObject,
  scope: Scope,
): void {
  const beforePaths = before ? leafPaths(before, scope) : new Set<PathKey>();
  const changed = [...leafPaths(after, scope)].filter(
    (p) => !beforePaths.has(p) || !deepEqual(getAt(before, fromKey(p)), getAt(after, fromKey(p))),
  );
  if (changed.length === 0) return;
  const self = ownerFor(owners, who, 'Update');
  for (const other of owners) {
    if (other === self) continue;
    for (const p of other.paths) if (changed.some((c) => overlaps(c, p))) other.paths.delete(p);
  }
  for (const p of changed) self.paths.add(p);
  self.time = who.time;
  self.apiVersion = who.apiVersion;
}

function mergeApplied(target: JsonObject, applied: JsonObject): void {
  for (const [k, v] of Object.entries(applied)) {
    if (isObject(v) && isObject(target[k])) mergeApplied(target[k] as JsonObject, v);
    else target[k] = clone(v);
  }
}

function conflictError(conflicts: { owner: Owner; path: string[] }[]): ApiError {
  const lines = conflicts.map(
    ({ owner, path }) => `conflict with "${owner.manager}" using ${owner.apiVersion}: .${path.join('.')}`,
  );
  const n = conflicts.length;
  return new ApiError(
    409,
    `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${lines.join('\n')}`,
    'Conflict',
    {
      causes: conflicts.map(({ owner, path }) => ({
        type: 'FieldManagerConflict',
        message: `conflict with "${owner.manager}" using ${owner.apiVersion}`,
        field: `.${path.join('.')}`,
      })),
    },
  );
}

/**
 * Server-side apply: merges the applied configuration into the live object, removes fields this manager
 * applied before but no longer applies (unless someone else owns them), and refuses (409) to change a field
 * another manager owns unless forced, in which case ownership moves to the applier.
 */
export function applyConfiguration(
  owners: Owner[],
  live: JsonObject,
  applied: JsonObject,
  who: WriterIdentity,
  scope: Scope,
  force: boolean,
): JsonObject {
  const appliedPaths = leafPaths(applied, scope);
  const self = ownerFor(owners, who, 'Apply');
  const conflicts: { owner: Owner; path: string[]; key: PathKey }[] = [];
  for (const other of owners) {
    if (other === self) continue;
    for (const owned of other.paths) {
      const clash = [...appliedPaths].some((a) => {
        if (!overlaps(a, owned)) return false;
        const want = getAt(applied, fromKey(a));
        const have = getAt(live, fromKey(a));
        if (isObject(want) && Object.keys(want).length === 0 && isObject(have)) return false;
        return !deepEqual(want, have);
      });
      if (clash) conflicts.push({ owner: other, path: fromKey(owned), key: owned });
    }
  }
  if (conflicts.length > 0 && !force) {
    if (self.paths.size === 0) owners.splice(owners.indexOf(self), 1);
    throw conflictError(conflicts);
  }
  for (const { owner, key } of conflicts) owner.paths.delete(key);

  const result = clone(live);
  for (const previous of self.paths) {
    if ([...appliedPaths].some((a) => overlaps(a, previous))) continue;
    if (owners.some((o) => o !== self && [...o.paths].some((p) => overlaps(p, previous)))) continue;
    deleteAt(result, fromKey(previous));
  }
  const scoped: JsonObject = {};
  for (const [field, value] of Object.entries(applied)) {
    if (!inScope(field, scope)) continue;
    if (field !== 'metadata') {
      scoped[field] = value;
    } else if (isObject(value)) {
      const meta: JsonObject = {};
      for (const m of TRACKED_METADATA) if (value[m] !== undefined) meta[m] = value[m];
      scoped.metadata = meta;
    }
  }
  if (!isObject(result.metadata)) result.metadata = {};
  mergeApplied(result, scoped);
  self.paths = appliedPaths;
  self.time = who.time;
  self.apiVersion = who.apiVersion;
  return result;
}
