import { GoError, wrap } from './errors.js';
import { mergeValueCopyOnWrite, Paved } from './fieldpath.js';
import { sprintf } from './gofmt.js';
import { deepCopy, goJsonMarshal, roundTripPreserveInts, type GoMap, type GoValue } from './govalue.js';
import {
  fromFieldPathOf,
  patchType,
  toFieldPathOf,
  toPolicy,
  type Combine,
  type ComposedTemplate,
  type Patch,
  type Resources,
} from './input.js';
import type { MergeOptions } from './merge.js';
import { resolveTransforms } from './transforms.js';

/** patches.go: applying patches between the observed XR, the environment and (composed) resources. */

/** A Go runtime.Object backed by unstructured content; patches replace `obj` wholesale. */
export interface Holder {
  obj: GoMap;
  /**
   * `obj` is as the unstructured JSON decoder leaves it (integers int64, no NaN or infinities), and
   * its subtrees may be shared (with a cached base template): it is only replaced, or written where
   * `owned` says it may be. A patch then need not copy and re-decode the whole object, only the path
   * it writes.
   */
  decoded?: boolean;
  /** With `decoded`: the containers in `obj` that patches copied, so own (see mergeValueCopyOnWrite). */
  owned?: Set<object>;
}

function toMergeOption(p: Patch): MergeOptions | undefined {
  if (p.policy === undefined) return undefined;
  const pol = toPolicy(p);
  switch (pol) {
    case 'Replace':
      return undefined;
    case 'MergeObjects':
    case 'MergeObject':
      return { keepMapValues: true };
    case 'MergeObjectsAppendArrays':
      return { keepMapValues: true, appendSlice: true };
    case 'ForceMergeObjects':
      return { keepMapValues: false };
    case 'ForceMergeObjectsAppendArrays':
    case 'AppendArray':
      return { appendSlice: true };
    default:
      throw new GoError(`invalid patch policy ${pol}`);
  }
}

/**
 * runtime.DefaultUnstructuredConverter.FromUnstructured into an Unstructured: a JSON round trip through
 * the unstructured decoder, which keeps integers as int64 and insists on a kind.
 */
function fromUnstructured(content: GoMap, to: Holder): void {
  const decoded = roundTripPreserveInts(content) as GoMap;
  checkKind(decoded, content);
  to.obj = decoded;
  to.decoded = true;
  to.owned = undefined;
}

function checkKind(decoded: GoMap, content: GoMap): void {
  const kind = decoded.kind;
  if (typeof kind !== 'string' || kind === '') {
    throw new GoError(`Object 'Kind' is missing in '${goJsonMarshal(content)}'`);
  }
}

function patchFieldValueToObject(
  path: string,
  value: GoValue,
  to: Holder,
  mo: MergeOptions | undefined,
): void {
  if (to.decoded === true) {
    // Decoding an already decoded object (plus a decoded value) changes nothing: skip the round trip.
    // A write that fails leaves `to` as it was, as with the deep copy below.
    const obj = mergeValueCopyOnWrite(to.obj, path, value, mo, (to.owned ??= new Set()));
    checkKind(obj, obj);
    to.obj = obj;
    return;
  }
  const paved = new Paved(deepCopy(to.obj) as GoMap);
  paved.mergeValue(path, value, mo);
  fromUnstructured(paved.object, to);
}

function patchFieldValueToMultiple(
  path: string,
  value: GoValue,
  to: Holder,
  mo: MergeOptions | undefined,
): void {
  const paved = new Paved(deepCopy(to.obj) as GoMap);
  const paths = paved.expandWildcards(path);
  if (paths.length === 0) throw new GoError(`cannot expand ToFieldPath ${path}`);
  for (const f of paths) paved.mergeValue(f, value, mo);
  fromUnstructured(paved.object, to);
}

export function applyFromFieldPathPatch(p: Patch, from: GoMap, to: Holder): void {
  const input = new Paved(from).getValue(fromFieldPathOf(p));
  const out = resolveTransforms(p.transforms, input);
  let v: GoValue;
  try {
    v = roundTripPreserveInts(out);
  } catch (e) {
    throw wrap(e, 'cannot marshal value to JSON');
  }
  const mo = toMergeOption(p);
  const toPath = toFieldPathOf(p);
  if (toPath.includes('[*]')) {
    patchFieldValueToMultiple(toPath, v, to, mo);
    return;
  }
  try {
    patchFieldValueToObject(toPath, v, to, mo);
  } catch (e) {
    throw wrap(e, 'cannot patch to object');
  }
}

function combine(c: Combine, vars: GoValue[]): GoValue {
  if (c.strategy === 'string') {
    if (c.string === undefined)
      throw new GoError(`given combine strategy ${c.strategy} requires configuration`);
    return sprintf(c.string.fmt, ...vars);
  }
  throw new GoError(`combine strategy ${c.strategy} is not supported`);
}

export function applyCombineFromVariablesPatch(p: Patch, from: GoMap, to: Holder): void {
  const c = p.combine as Combine;
  const paved = new Paved(from);
  const vars = c.variables.map((v) => paved.getValue(v.fromFieldPath));
  const out = resolveTransforms(p.transforms, combine(c, vars));
  const mo = toMergeOption(p);
  try {
    patchFieldValueToObject(toFieldPathOf(p), out, to, mo);
  } catch (e) {
    throw wrap(e, 'cannot patch to object');
  }
}

/** Environment patches: observed XR to environment, or environment to desired XR. */
export function applyEnvironmentPatch(p: Patch, env: Holder, oxr: GoMap, dxr: Holder): void {
  switch (patchType(p)) {
    case 'FromCompositeFieldPath':
    case 'ToEnvironmentFieldPath':
      applyFromFieldPathPatch(p, oxr, env);
      return;
    case 'CombineFromComposite':
      applyCombineFromVariablesPatch(p, oxr, env);
      return;
    case 'ToCompositeFieldPath':
    case 'FromEnvironmentFieldPath':
      applyFromFieldPathPatch(p, env.obj, dxr);
      return;
    case 'CombineToComposite':
      applyCombineFromVariablesPatch(p, env.obj, dxr);
      return;
  }
}

export function toComposedResource(p: Patch): boolean {
  switch (patchType(p)) {
    case 'FromCompositeFieldPath':
    case 'CombineFromComposite':
    case 'FromEnvironmentFieldPath':
    case 'CombineFromEnvironment':
      return true;
    default:
      return false;
  }
}

/** Patches to a desired composed resource, or from its observed counterpart (skipped if there is none). */
export function applyComposedPatch(
  p: Patch,
  ocd: GoMap | undefined,
  dcd: Holder,
  oxr: GoMap,
  dxr: Holder,
  env: Holder,
): void {
  if (ocd === undefined && !toComposedResource(p)) return;
  switch (patchType(p)) {
    case 'ToCompositeFieldPath':
      applyFromFieldPathPatch(p, ocd as GoMap, dxr);
      return;
    case 'CombineToComposite':
      applyCombineFromVariablesPatch(p, ocd as GoMap, dxr);
      return;
    case 'ToEnvironmentFieldPath':
      applyFromFieldPathPatch(p, ocd as GoMap, env);
      return;
    case 'CombineToEnvironment':
      applyCombineFromVariablesPatch(p, ocd as GoMap, env);
      return;
    case 'FromCompositeFieldPath':
      applyFromFieldPathPatch(p, oxr, dcd);
      return;
    case 'CombineFromComposite':
      applyCombineFromVariablesPatch(p, oxr, dcd);
      return;
    case 'FromEnvironmentFieldPath':
      applyFromFieldPathPatch(p, env.obj, dcd);
      return;
    case 'CombineFromEnvironment':
      applyCombineFromVariablesPatch(p, env.obj, dcd);
      return;
  }
}

/** ComposedTemplates: inline PatchSet references. */
export function composedTemplates(input: Resources): ComposedTemplate[] {
  const sets = new Map<string, Patch[]>();
  for (const s of input.patchSets) {
    for (const p of s.patches) {
      if (patchType(p) === 'PatchSet') throw new GoError('a patch in a PatchSet cannot be of type PatchSet');
    }
    sets.set(
      s.name,
      s.patches.map((p) => ({ ...p, kind: 'composed' as const, type: patchType(p) })),
    );
  }
  return input.resources.map((r) => {
    const po: Patch[] = [];
    for (const p of r.patches) {
      if (patchType(p) !== 'PatchSet') {
        po.push(p);
        continue;
      }
      if (p.patchSetName === undefined) {
        throw new GoError(`PatchSetName is required by type ${patchType(p)}`);
      }
      const ps = sets.get(p.patchSetName);
      if (ps === undefined) throw new GoError(`cannot find PatchSet by name ${p.patchSetName}`);
      po.push(...ps);
    }
    return { ...r, patches: po };
  });
}
