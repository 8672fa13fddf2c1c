import { RE2JS } from 're2js';

const cache = new Map<string, RE2JS>();

/** Compiles with RE2 syntax (Go regexp), as Kubernetes does for CEL `matches` and OpenAPI `pattern`. */
export function compileRE2(pattern: string): RE2JS {
  let re = cache.get(pattern);
  if (!re) {
    try {
      re = RE2JS.compile(pattern);
    } catch (e) {
      throw new Error(e instanceof Error ? e.message : `error parsing regexp: ${String(e)}`);
    }
    if (cache.size > 2000) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

export function re2Test(pattern: string, input: string): boolean {
  return compileRE2(pattern).test(input);
}

export function re2FindAll(pattern: string, input: string, limit = -1): string[] {
  if (limit === 0) return [];
  const out: string[] = [];
  const m = compileRE2(pattern).matcher(input);
  while (m.find()) {
    out.push(m.group() ?? '');
    if (limit > 0 && out.length >= limit) break;
  }
  return out;
}
