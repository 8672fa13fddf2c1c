/** crossplane-runtime (v2.2) ConditionedStatus semantics on an unstructured object's status.conditions. */
import type { JsonObject, Unstructured } from './fnapi.js';
import { isObject } from './unstructured.js';

export interface Condition {
  type: string;
  status: string;
  lastTransitionTime: string | null;
  reason: string;
  message?: string;
  observedGeneration?: number;
}

/** metav1.Time's JSON form: RFC 3339 in UTC with second precision. */
export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseCondition(v: unknown): Condition | undefined {
  if (!isObject(v)) return undefined;
  const str = (x: unknown): string => (typeof x === 'string' ? x : '');
  let ltt: string | null = null;
  if (typeof v.lastTransitionTime === 'string' && v.lastTransitionTime !== '') {
    const t = new Date(v.lastTransitionTime);
    ltt = Number.isNaN(t.getTime()) ? null : formatTime(t);
  }
  const c: Condition = {
    type: str(v.type),
    status: str(v.status),
    lastTransitionTime: ltt,
    reason: str(v.reason),
  };
  if (typeof v.message === 'string' && v.message !== '') c.message = v.message;
  if (typeof v.observedGeneration === 'number' && v.observedGeneration !== 0) {
    c.observedGeneration = Math.trunc(v.observedGeneration);
  }
  return c;
}

export function getConditions(u: Unstructured): Condition[] {
  const list = isObject(u.status) ? u.status.conditions : undefined;
  if (!Array.isArray(list)) return [];
  return list.map(parseCondition).filter((c): c is Condition => c !== undefined);
}

function equal(a: Condition, b: Condition): boolean {
  const same =
    a.type === b.type &&
    a.status === b.status &&
    a.reason === b.reason &&
    (a.message ?? '') === (b.message ?? '');
  if (!a.observedGeneration || !b.observedGeneration) return same;
  return same && a.observedGeneration === b.observedGeneration;
}

/** ConditionedStatus.SetConditions, then written back to status.conditions. */
export function setConditions(u: Unstructured, ...add: Condition[]): void {
  const conds = getConditions(u);
  for (const c of add) {
    let exists = false;
    for (let i = 0; i < conds.length; i++) {
      if (conds[i].type !== c.type) continue;
      exists = true;
      if (!equal(conds[i], c)) conds[i] = c;
    }
    if (!exists) conds.push(c);
  }
  const status: JsonObject = isObject(u.status) ? u.status : {};
  status.conditions = conds.map((c) => ({ ...c }));
  u.status = status;
}
