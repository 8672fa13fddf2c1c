import { GoError, isNotFound, wrap } from './errors.js';
import { Paved } from './fieldpath.js';
import { isGoMap, type GoMap } from './govalue.js';
import type { ReadinessCheck } from './input.js';
import { validateReadinessCheck } from './validate.js';

/** ready.go: readiness of an observed composed resource. */

interface Condition {
  type: string;
  status: string;
}

/**
 * composed.Unstructured.GetCondition: decodes status into a ConditionedStatus (an undecodable or missing
 * status yields an empty condition); a condition type that is absent reads as status Unknown.
 */
function getCondition(o: GoMap, ct: string): Condition {
  const status = o.status;
  if (status === undefined) return { type: '', status: '' };
  if (status === null) return { type: ct, status: 'Unknown' };
  if (!isGoMap(status)) return { type: '', status: '' };
  const conds = status.conditions;
  if (conds === undefined || conds === null) return { type: ct, status: 'Unknown' };
  if (!Array.isArray(conds)) return { type: '', status: '' };
  const decoded: Condition[] = [];
  for (const c of conds) {
    if (c === null) {
      decoded.push({ type: '', status: '' });
      continue;
    }
    if (!isGoMap(c)) return { type: '', status: '' };
    for (const k of ['type', 'status', 'reason', 'message', 'lastTransitionTime']) {
      const v = c[k];
      if (v !== undefined && v !== null && typeof v !== 'string') return { type: '', status: '' };
    }
    const ltt = c.lastTransitionTime;
    if (typeof ltt === 'string' && ltt !== '' && Number.isNaN(Date.parse(ltt)))
      return { type: '', status: '' };
    decoded.push({
      type: typeof c.type === 'string' ? c.type : '',
      status: typeof c.status === 'string' ? c.status : '',
    });
  }
  return decoded.find((c) => c.type === ct) ?? { type: ct, status: 'Unknown' };
}

function ignoreNotFound(e: unknown): false {
  if (isNotFound(e)) return false;
  throw e;
}

function runReadinessCheck(c: ReadinessCheck, o: GoMap): boolean {
  const verr = validateReadinessCheck(c);
  if (verr) throw wrap(verr, 'invalid');
  const p = new Paved(o);
  const path = c.fieldPath ?? '';
  try {
    switch (c.type) {
      case 'None':
        return true;
      case 'NonEmpty':
        p.getValue(path);
        return true;
      case 'MatchString':
        return p.getString(path) === c.matchString;
      case 'MatchInteger':
        return p.getInteger(path) === c.matchInteger;
      case 'MatchCondition': {
        if (c.matchCondition === undefined) {
          // The Go code dereferences a nil matchCondition here and panics.
          throw new GoError('matchCondition is required for type MatchCondition');
        }
        return getCondition(o, c.matchCondition.type).status === c.matchCondition.status;
      }
      case 'MatchFalse':
        return !p.getBool(path);
      case 'MatchTrue':
        return p.getBool(path);
    }
  } catch (e) {
    return ignoreNotFound(e);
  }
  return false;
}

/** IsReady: with no checks, the Ready condition must be True; otherwise every check must pass. */
export function isReady(o: GoMap, checks: ReadinessCheck[]): boolean {
  if (checks.length === 0) return getCondition(o, 'Ready').status === 'True';
  for (const [i, c] of checks.entries()) {
    let ready: boolean;
    try {
      ready = runReadinessCheck(c, o);
    } catch (e) {
      throw wrap(e, `cannot run readiness check at index ${i}`);
    }
    if (!ready) return false;
  }
  return true;
}
