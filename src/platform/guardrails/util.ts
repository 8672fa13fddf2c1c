import { type JsonObject, isObject } from '../../core/json.js';
import type { LintContext, LintResource } from './types.js';
import { block, blocks } from '../compose/aws/blocks.js';

export const EXTERNAL_NAME = 'crossplane.io/external-name';

export { block, blocks };

export function isTrue(v: unknown): boolean {
  return v === true || v === 'true';
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}

/** Set and non-empty: a value, a `…Ref`/`…Refs`, or a `…Selector` for `field`. */
export function hasValueOrReference(obj: JsonObject, field: string): boolean {
  const present = (v: unknown) =>
    v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
  const plural = field.endsWith('s') ? field.slice(0, -1) : field;
  return [
    field,
    `${field}Ref`,
    `${field}Refs`,
    `${field}Selector`,
    `${plural}Refs`,
    `${plural}Selector`,
  ].some((k) => present(obj[k]));
}

export interface SelectorUse {
  path: string;
  matchLabels: Record<string, string>;
  matchControllerRef: boolean;
}

/** Every label selector under `obj` (forProvider selectors, Usage resourceSelectors). */
export function selectorsIn(obj: unknown, path: string): SelectorUse[] {
  if (Array.isArray(obj)) return obj.flatMap((v, i) => selectorsIn(v, `${path}[${i}]`));
  if (!isObject(obj)) return [];
  return Object.entries(obj).flatMap(([k, v]) => {
    const p = `${path}.${k}`;
    if (/Selector$/.test(k) && isObject(v)) {
      const labels = isObject(v.matchLabels) ? (v.matchLabels as Record<string, string>) : {};
      return [{ path: p, matchLabels: labels, matchControllerRef: v.matchControllerRef === true }];
    }
    return selectorsIn(v, p);
  });
}

export interface RefUse {
  path: string;
  name: string;
}

/** Every `…Ref` / `…Refs` naming another managed resource under `obj`. */
export function refsIn(obj: unknown, path: string): RefUse[] {
  if (Array.isArray(obj)) return obj.flatMap((v, i) => refsIn(v, `${path}[${i}]`));
  if (!isObject(obj)) return [];
  return Object.entries(obj).flatMap(([k, v]) => {
    const p = `${path}.${k}`;
    if (/Ref$/.test(k) && isObject(v) && typeof v.name === 'string') return [{ path: p, name: v.name }];
    if (/Refs$/.test(k) && Array.isArray(v))
      return v.flatMap((r, i) =>
        isObject(r) && typeof r.name === 'string' ? [{ path: `${p}[${i}]`, name: r.name }] : [],
      );
    return refsIn(v, p);
  });
}

/** Resources a selector matches: every label equal (the controller ref is the same composite here). */
export function selectorMatches(ctx: LintContext, labels: Record<string, string>): LintResource[] {
  const wanted = Object.entries(labels);
  if (wanted.length === 0) return [];
  return ctx.resources.filter((r) => wanted.every(([k, v]) => r.labels[k] === v));
}

/** Resources referring to `target` through a selector or `…Ref` at `field` (any field when omitted). */
export function referrers(ctx: LintContext, target: LintResource, field?: RegExp): LintResource[] {
  return ctx.resources.filter(
    (r) =>
      selectorsIn(r.forProvider, 'spec.forProvider').some(
        (s) =>
          (!field || field.test(s.path)) && selectorMatches(ctx, s.matchLabels).some((m) => m === target),
      ) ||
      refsIn(r.forProvider, 'spec.forProvider').some(
        (ref) => (!field || field.test(ref.path)) && ref.name === target.object.metadata?.name,
      ),
  );
}

/** The resources a field of `r` points at through its `…Selector` / `…Ref`. */
export function referenced(ctx: LintContext, r: LintResource, field: RegExp): LintResource[] {
  const bySelector = selectorsIn(r.forProvider, 'spec.forProvider')
    .filter((s) => field.test(s.path))
    .flatMap((s) => selectorMatches(ctx, s.matchLabels));
  const byRef = refsIn(r.forProvider, 'spec.forProvider')
    .filter((ref) => field.test(ref.path))
    .flatMap((ref) => ctx.resources.filter((x) => x.object.metadata?.name === ref.name));
  return [...new Set([...bySelector, ...byRef])];
}

export interface StringLeaf {
  path: string;
  value: string;
}

export function stringsIn(obj: unknown, path: string): StringLeaf[] {
  if (typeof obj === 'string') return [{ path, value: obj }];
  if (Array.isArray(obj)) return obj.flatMap((v, i) => stringsIn(v, `${path}[${i}]`));
  if (!isObject(obj)) return [];
  return Object.entries(obj).flatMap(([k, v]) => stringsIn(v, `${path}.${k}`));
}

export interface PolicyStatementView {
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
  Sid?: unknown;
}

export interface PolicyView {
  /** Field holding the JSON string, e.g. `spec.forProvider.policy`. */
  path: string;
  statements: PolicyStatementView[];
  raw: string;
}

export function parsePolicy(raw: string, path: string): PolicyView | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isObject(doc)) return undefined;
  const st = doc.Statement;
  const statements = (Array.isArray(st) ? st : [st]).filter(isObject) as PolicyStatementView[];
  return { path, statements, raw };
}

/** Identity policies: the documents that grant a principal rights (not trust or resource policies). */
export function identityPolicies(r: LintResource): PolicyView[] {
  if (r.service !== 'iam') return [];
  const out: PolicyView[] = [];
  const add = (raw: unknown, path: string) => {
    if (typeof raw !== 'string') return;
    const p = parsePolicy(raw, path);
    if (p) out.push(p);
  };
  if (['Policy', 'RolePolicy', 'UserPolicy', 'GroupPolicy'].includes(r.kind))
    add(r.forProvider.policy, 'spec.forProvider.policy');
  if (['Role', 'User', 'Group'].includes(r.kind)) {
    blocks(r.forProvider.inlinePolicy).forEach((p, i) =>
      add(p.policy, `spec.forProvider.inlinePolicy[${i}].policy`),
    );
  }
  return out;
}

/** Every policy document a resource carries as a JSON string (identity, trust, key, bucket, topic, queue). */
export function allPolicies(r: LintResource): PolicyView[] {
  const out: PolicyView[] = [];
  for (const leaf of stringsIn(r.forProvider, 'spec.forProvider')) {
    if (!/[Pp]olicy$|\.policy$/.test(leaf.path) || !leaf.value.trimStart().startsWith('{')) continue;
    const p = parsePolicy(leaf.value, leaf.path);
    if (p) out.push(p);
  }
  return out;
}

export function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

export interface AwsName {
  field: string;
  value: string;
}

/** Where this resource's AWS name is: the external-name annotation, a name parameter, or a Name tag. */
export function awsNames(r: LintResource): AwsName[] {
  // A DNS record's name is the claim's domain, not a name the environment chooses.
  if (r.service === 'route53' && r.kind === 'Record') return [];
  const out: AwsName[] = [];
  const ext = r.object.metadata?.annotations?.[EXTERNAL_NAME];
  if (ext) out.push({ field: `metadata.annotations[${EXTERNAL_NAME}]`, value: ext });
  for (const p of ['name', 'identifier']) {
    const v = r.forProvider[p];
    if (typeof v === 'string' && v !== '') out.push({ field: `spec.forProvider.${p}`, value: v });
  }
  const tags = r.forProvider.tags;
  if (isObject(tags) && typeof tags.Name === 'string')
    out.push({ field: 'spec.forProvider.tags.Name', value: tags.Name });
  return out;
}

export const regionPattern =
  /\b(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso[a-z]?)?-(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-\d+(?!\d)/g;
