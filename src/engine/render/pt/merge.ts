import { GoError } from './errors.js';
import { goTypeName, hasKey, isGoMap, setKey, type GoMap, type GoValue } from './govalue.js';

/**
 * crossplane-runtime's MergeOptions, applied the way fieldpath.merge drives dario.cat/mergo v1.0.2:
 * both sides are wrapped as {"arg": value} and merged with WithOverride unless keepMapValues, and
 * WithAppendSlice when appendSlice.
 */
export interface MergeOptions {
  keepMapValues?: boolean;
  appendSlice?: boolean;
}

interface Config {
  overwrite: boolean;
  appendSlice: boolean;
}

function isEmpty(v: GoValue | undefined): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'string') return v.length === 0;
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'number') return v === 0;
  if (typeof v === 'bigint') return v === 0n;
  if (Array.isArray(v)) return v.length === 0;
  return Object.keys(v).length === 0;
}

/** reflect.DeepEqual on decoded JSON: int64 and float64 never compare equal. */
function goDeepEqual(a: GoValue, b: GoValue): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b) return false;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((e, i) => goDeepEqual(e, b[i]));
  }
  if (isGoMap(a)) {
    if (!isGoMap(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => hasKey(b, k) && goDeepEqual(a[k], b[k]));
  }
  return false;
}

function removeSourceDuplicates(dst: GoValue, src: GoValue): GoValue {
  if (!Array.isArray(dst) || !Array.isArray(src)) return src;
  return src.filter((s) => !dst.some((d) => goDeepEqual(s, d)));
}

function mergeMapInto(dst: GoMap, src: GoMap, cfg: Config): void {
  for (const key of Object.keys(src)) {
    const srcEl = src[key];
    const present = hasKey(dst, key);
    const dstEl = present ? dst[key] : undefined;
    if (srcEl === null) {
      if (cfg.overwrite) setKey(dst, key, null);
      continue;
    }
    if (isGoMap(srcEl)) {
      if (isGoMap(dstEl)) mergeMapInto(dstEl, srcEl, cfg);
    } else if (Array.isArray(srcEl)) {
      let dstSlice: GoValue = dstEl === undefined || dstEl === null ? [] : dstEl;
      if ((cfg.overwrite || isEmpty(dst)) && !cfg.appendSlice) {
        dstSlice = srcEl;
      } else if (cfg.appendSlice) {
        if (!Array.isArray(dstSlice)) {
          throw new GoError(
            `cannot append two slices with different type ([]interface {}, ${goTypeName(dstSlice)})`,
          );
        }
        dstSlice = [...dstSlice, ...srcEl];
      }
      setKey(dst, key, dstSlice);
    }
    if (present && !isEmpty(dstEl)) {
      if (Array.isArray(srcEl)) continue;
      if (isGoMap(srcEl) && isGoMap(dstEl)) continue;
    }
    if (cfg.overwrite || !present || isEmpty(dstEl)) setKey(dst, key, srcEl);
  }
}

/** fieldpath.merge: returns the merged value (dst may be modified). */
export function mergeValues(dst: GoValue, src: GoValue, mo: MergeOptions | undefined): GoValue {
  if (dst === null || src === null || mo === undefined) return src;
  const s: GoValue = mo.appendSlice === true ? removeSourceDuplicates(dst, src) : src;
  const cfg: Config = { overwrite: mo.keepMapValues !== true, appendSlice: mo.appendSlice === true };
  const wrapped: GoMap = { arg: dst };
  try {
    mergeMapInto(wrapped, { arg: s }, cfg);
  } catch (e) {
    throw new GoError(`failed to merge values: ${(e as Error).message}`);
  }
  return wrapped.arg;
}
