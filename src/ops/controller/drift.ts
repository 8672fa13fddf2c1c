/** Leaf-by-leaf comparison of a wanted document against a held one, tolerant of the forms providers use. */
import { isObject } from './object.js';

export interface LeafDiff {
  field: string;
  want?: string;
  have?: string;
}

export interface DiffOptions {
  /** Skip leaves the other side does not hold (the cloud reports only what it knows). */
  requireHave: boolean;
  skipKey?: (key: string) => boolean;
}

const isScalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function scalarForm(v: unknown): string {
  if (typeof v === 'string') {
    const t = v.trim();
    if (t !== '' && Number.isFinite(Number(t)) && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t))
      return String(Number(t));
    return v;
  }
  return JSON.stringify(v) ?? 'null';
}

/** A JSON document held in a string (policies, container definitions) compares by content. */
function parsedJson(v: string): unknown {
  const t = v.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  if (typeof v === 'string') {
    const doc = parsedJson(v);
    if (doc !== undefined) return canonical(doc);
  }
  return scalarForm(v);
}

export function sameValue(want: unknown, have: unknown): boolean {
  if (isScalar(want) && isScalar(have)) return canonical(want) === canonical(have);
  if (Array.isArray(want) && Array.isArray(have)) {
    if (want.length !== have.length) return false;
    // Lists of scalars are sets to the provider (subnet ids, CIDRs); lists of objects keep their order.
    if (want.every(isScalar) && have.every(isScalar)) {
      const a = want.map(canonical).sort();
      const b = have.map(canonical).sort();
      return a.every((x, i) => x === b[i]);
    }
  }
  return canonical(want) === canonical(have);
}

export function display(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

const segment = (key: string): string =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;

/** Differences at every leaf of `want` (scalars and lists of scalars are leaves). */
export function diffLeaves(want: unknown, have: unknown, options: DiffOptions, path = ''): LeafDiff[] {
  // The same value (a cache holds what equals once): nothing differs.
  if (want === have) return [];
  if (isObject(want)) {
    if (have !== undefined && have !== null && !isObject(have)) {
      return [{ field: path.replace(/^\./, ''), want: display(want), have: display(have) }];
    }
    const out: LeafDiff[] = [];
    for (const key of Object.keys(want).sort()) {
      if (options.skipKey?.(key)) continue;
      const sub = isObject(have) ? have[key] : undefined;
      out.push(...diffLeaves(want[key], sub, options, `${path}${segment(key)}`));
    }
    return out;
  }
  const field = path.replace(/^\./, '');
  if (want === null || want === undefined) return [];
  if (have === undefined || have === null) {
    return options.requireHave ? [] : [{ field, want: display(want) }];
  }
  if (Array.isArray(want) && !want.every(isScalar) && Array.isArray(have) && want.length === have.length) {
    const out: LeafDiff[] = [];
    want.forEach((w, i) => out.push(...diffLeaves(w, have[i], options, `${path}[${i}]`)));
    return out;
  }
  return sameValue(want, have) ? [] : [{ field, want: display(want), have: display(have) }];
}
