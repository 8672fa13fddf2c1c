import { ApiError } from './status.js';
import type { KubeObject } from './types.js';

export type ObjectPredicate = (obj: KubeObject) => boolean;

function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim()) terms.push(current.trim());
  return terms.filter((t) => t.length > 0);
}

type LabelTest = (labels: Record<string, string>) => boolean;

function labelTerm(term: string): LabelTest {
  let m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (m) {
    const [, key, op, raw] = m;
    const values = new Set(raw.split(',').map((v) => v.trim()));
    return op === 'in' ? (l) => key in l && values.has(l[key]) : (l) => !(key in l) || !values.has(l[key]);
  }
  m = /^!\s*([^\s!=]+)$/.exec(term);
  if (m) {
    const key = m[1];
    return (l) => !(key in l);
  }
  m = /^([^\s!=]+)\s*(!=|==|=)\s*([^\s,]*)$/.exec(term);
  if (m) {
    const [, key, op, value] = m;
    return op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
  }
  m = /^([^\s!=()]+)$/.exec(term);
  if (m) {
    const key = m[1];
    return (l) => key in l;
  }
  throw new ApiError(400, `unable to parse requirement: invalid label selector term ${JSON.stringify(term)}`);
}

export function labelSelector(selector: string | undefined): ObjectPredicate {
  if (!selector) return () => true;
  const tests = splitTerms(selector).map(labelTerm);
  return (obj) => {
    const labels = obj.metadata.labels ?? {};
    return tests.every((t) => t(labels));
  };
}

const FIELDS: Record<string, (obj: KubeObject) => string> = {
  'metadata.name': (obj) => obj.metadata.name ?? '',
  'metadata.namespace': (obj) => obj.metadata.namespace ?? '',
};

export function fieldSelector(selector: string | undefined): ObjectPredicate {
  if (!selector) return () => true;
  const tests = splitTerms(selector).map((term): ObjectPredicate => {
    const m = /^([^!=]+)(!=|==|=)(.*)$/.exec(term);
    if (!m) throw new ApiError(400, `invalid field selector: ${JSON.stringify(term)}`);
    const [, field, op, value] = m;
    const read = FIELDS[field.trim()];
    if (!read) throw new ApiError(400, `field label not supported: ${field.trim()}`);
    return op === '!=' ? (o) => read(o) !== value : (o) => read(o) === value;
  });
  return (obj) => tests.every((t) => t(obj));
}
