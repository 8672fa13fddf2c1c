import { GoError } from './errors.js';
import { goQuote } from './gofmt.js';
import { fromJson, isGoMap, type GoMap, type GoValue } from './govalue.js';

/** The pt.fn.crossplane.io/v1beta1 Resources input, decoded as the function's Go types would hold it. */

export interface PatchPolicy {
  fromFieldPath?: string;
  toFieldPath?: string;
}

export interface Combine {
  variables: { fromFieldPath: string }[];
  strategy: string;
  string?: { fmt: string };
}

export interface MathTransform {
  type: string;
  multiply?: bigint;
  clampMin?: bigint;
  clampMax?: bigint;
}

/** A JSON value held raw (extv1.JSON); undefined stands for empty Raw (absent or null). */
export type RawJson = GoValue | undefined;

export interface MatchPattern {
  type: string;
  literal?: string;
  regexp?: string;
  result: RawJson;
}

export interface MatchTransform {
  patterns: MatchPattern[];
  fallbackValue: RawJson;
  fallbackTo: string;
}

export interface StringTransform {
  type: string;
  fmt?: string;
  convert?: string;
  trim?: string;
  regexp?: { match: string; group?: number };
  join?: { separator: string };
  replace?: { search: string; replace: string };
}

export interface Transform {
  type: string;
  math?: MathTransform;
  map?: { pairs: Map<string, RawJson> };
  match?: MatchTransform;
  string?: StringTransform;
  convert?: { toType: string; format?: string };
}

export type PatchKind = 'composed' | 'patchSet' | 'environment' | 'connectionSecret';

export interface Patch {
  kind: PatchKind;
  /** As written; '' when absent. Use patchType() for the defaulted value. */
  type: string;
  fromFieldPath?: string;
  toFieldPath?: string;
  combine?: Combine;
  transforms: Transform[];
  policy?: PatchPolicy;
  patchSetName?: string;
}

export interface ReadinessCheck {
  type: string;
  fieldPath?: string;
  matchString?: string;
  matchInteger?: bigint;
  matchCondition?: { type: string; status: string };
}

export interface ConnectionDetail {
  name: string;
  type: string;
  fromConnectionSecretKey?: string;
  fromFieldPath?: string;
  value?: string;
}

export interface ComposedTemplate {
  name: string;
  base?: GoValue;
  patches: Patch[];
  connectionDetails: ConnectionDetail[];
  readinessChecks: ReadinessCheck[];
}

export interface Resources {
  patchSets: { name: string; patches: Patch[] }[];
  environment?: { patches: Patch[] };
  resources: ComposedTemplate[];
  writeConnectionSecretToRef?: { name: string; namespace: string; patches: Patch[] };
}

export function patchType(p: Patch): string {
  return p.type === '' ? 'FromCompositeFieldPath' : p.type;
}

export function fromFieldPathOf(p: Patch): string {
  return p.fromFieldPath ?? '';
}

export function toFieldPathOf(p: Patch): string {
  return p.toFieldPath ?? fromFieldPathOf(p);
}

export function fromPolicy(p: Patch): string {
  return p.policy?.fromFieldPath ?? 'Optional';
}

export function toPolicy(p: Patch): string {
  return p.policy?.toFieldPath ?? 'Replace';
}

// ---- decoding --------------------------------------------------------------------------------------

function fail(msg: string): never {
  throw new GoError(`json: ${msg}`);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

function obj(v: unknown, goType: string, allowed: string[]): Record<string, unknown> | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) fail(`cannot unmarshal JSON ${kindOf(v)} into Go ${goType}`);
  const rec = v as Record<string, unknown>;
  for (const k of Object.keys(rec)) {
    if (!allowed.includes(k))
      fail(`cannot unmarshal JSON object into Go ${goType}: unknown object member name ${goQuote(k)}`);
  }
  return rec;
}

function str(v: unknown, goType: string): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'string') fail(`cannot unmarshal JSON ${kindOf(v)} into Go ${goType}`);
  return v;
}

function int(v: unknown, goType: string): bigint | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) >= 2 ** 63) {
    fail(`cannot unmarshal JSON ${kindOf(v)} ${String(v)} into Go ${goType}`);
  }
  return BigInt(v);
}

function arr<T>(v: unknown, goType: string, each: (e: unknown) => T): T[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) fail(`cannot unmarshal JSON ${kindOf(v)} into Go ${goType}`);
  return v.map(each);
}

/**
 * Whether the input being decoded is plain JSON that never changes (render's deep-frozen copy of a step
 * input): then its values already are what fromJson would make of them, and can be held as they are.
 */
let plainInput = false;

function goValue(v: unknown): GoValue {
  return plainInput ? (v as GoValue) : fromJson(v);
}

function raw(v: unknown): RawJson {
  if (v === null || v === undefined) return undefined;
  return goValue(v);
}

const PATCH_FIELDS = ['fromFieldPath', 'combine', 'toFieldPath', 'transforms', 'policy', 'type'];
const COMPOSED_PATCH_FIELDS = [...PATCH_FIELDS, 'patchSetName'];

function decodeTransform(v: unknown): Transform {
  const t = obj(v, 'v1beta1.Transform', ['type', 'math', 'map', 'match', 'string', 'convert']) ?? {};
  const out: Transform = { type: str(t.type, 'v1beta1.TransformType') ?? '' };
  const m = obj(t.math, 'v1beta1.MathTransform', ['type', 'multiply', 'clampMin', 'clampMax']);
  if (m) {
    out.math = {
      type: str(m.type, 'v1beta1.MathTransformType') ?? '',
      multiply: int(m.multiply, 'int64'),
      clampMin: int(m.clampMin, 'int64'),
      clampMax: int(m.clampMax, 'int64'),
    };
  }
  if (t.map !== null && t.map !== undefined) {
    if (!isGoMap(t.map)) fail(`cannot unmarshal ${kindOf(t.map)} into Go value of type map[string]v1.JSON`);
    const pairs = new Map<string, RawJson>();
    for (const [k, e] of Object.entries(t.map as Record<string, unknown>)) pairs.set(k, raw(e));
    out.map = { pairs };
  }
  const mt = obj(t.match, 'v1beta1.MatchTransform', ['patterns', 'fallbackValue', 'fallbackTo']);
  if (mt) {
    out.match = {
      patterns: arr(mt.patterns, '[]v1beta1.MatchTransformPattern', (e) => {
        const p = obj(e, 'v1beta1.MatchTransformPattern', ['type', 'literal', 'regexp', 'result']) ?? {};
        return {
          type: str(p.type, 'v1beta1.MatchTransformPatternType') ?? '',
          literal: str(p.literal, 'string'),
          regexp: str(p.regexp, 'string'),
          result: raw(p.result),
        };
      }),
      fallbackValue: raw(mt.fallbackValue),
      fallbackTo: str(mt.fallbackTo, 'v1beta1.MatchFallbackTo') ?? '',
    };
  }
  const s = obj(t.string, 'v1beta1.StringTransform', [
    'type',
    'fmt',
    'convert',
    'trim',
    'regexp',
    'join',
    'replace',
  ]);
  if (s) {
    const st: StringTransform = {
      type: str(s.type, 'v1beta1.StringTransformType') ?? '',
      fmt: str(s.fmt, 'string'),
      convert: str(s.convert, 'v1beta1.StringConversionType'),
      trim: str(s.trim, 'string'),
    };
    const re = obj(s.regexp, 'v1beta1.StringTransformRegexp', ['match', 'group']);
    if (re) {
      const g = int(re.group, 'int');
      st.regexp = { match: str(re.match, 'string') ?? '', group: g === undefined ? undefined : Number(g) };
    }
    const j = obj(s.join, 'v1beta1.StringTransformJoin', ['separator']);
    if (j) st.join = { separator: str(j.separator, 'string') ?? '' };
    const r = obj(s.replace, 'v1beta1.StringTransformReplace', ['search', 'replace']);
    if (r) st.replace = { search: str(r.search, 'string') ?? '', replace: str(r.replace, 'string') ?? '' };
    out.string = st;
  }
  const c = obj(t.convert, 'v1beta1.ConvertTransform', ['toType', 'format']);
  if (c)
    out.convert = { toType: str(c.toType, 'v1beta1.TransformIOType') ?? '', format: str(c.format, 'string') };
  return out;
}

function decodePatch(v: unknown, kind: PatchKind): Patch {
  const allowed = kind === 'composed' ? COMPOSED_PATCH_FIELDS : PATCH_FIELDS;
  const p = obj(v, 'v1beta1.Patch', allowed) ?? {};
  const out: Patch = {
    kind,
    type: str(p.type, 'v1beta1.PatchType') ?? '',
    fromFieldPath: str(p.fromFieldPath, 'string'),
    toFieldPath: str(p.toFieldPath, 'string'),
    transforms: arr(p.transforms, '[]v1beta1.Transform', decodeTransform),
    patchSetName: str(p.patchSetName, 'string'),
  };
  const c = obj(p.combine, 'v1beta1.Combine', ['variables', 'strategy', 'string']);
  if (c) {
    const cs = obj(c.string, 'v1beta1.StringCombine', ['fmt']);
    out.combine = {
      variables: arr(c.variables, '[]v1beta1.CombineVariable', (e) => ({
        fromFieldPath:
          str((obj(e, 'v1beta1.CombineVariable', ['fromFieldPath']) ?? {}).fromFieldPath, 'string') ?? '',
      })),
      strategy: str(c.strategy, 'v1beta1.CombineStrategy') ?? '',
      string: cs ? { fmt: str(cs.fmt, 'string') ?? '' } : undefined,
    };
  }
  const pol = obj(p.policy, 'v1beta1.PatchPolicy', ['fromFieldPath', 'toFieldPath']);
  if (pol) {
    out.policy = {
      fromFieldPath: str(pol.fromFieldPath, 'v1beta1.FromFieldPathPolicy'),
      toFieldPath: str(pol.toFieldPath, 'v1beta1.ToFieldPathPolicy'),
    };
  }
  return out;
}

function decodeTemplate(v: unknown): ComposedTemplate {
  const t =
    obj(v, 'v1beta1.ComposedTemplate', ['name', 'base', 'patches', 'connectionDetails', 'readinessChecks']) ??
    {};
  return {
    name: str(t.name, 'string') ?? '',
    base: t.base === null || t.base === undefined ? undefined : goValue(t.base),
    patches: arr(t.patches, '[]v1beta1.ComposedPatch', (e) => decodePatch(e, 'composed')),
    connectionDetails: arr(t.connectionDetails, '[]v1beta1.ConnectionDetail', (e) => {
      const d =
        obj(e, 'v1beta1.ConnectionDetail', [
          'name',
          'type',
          'fromConnectionSecretKey',
          'fromFieldPath',
          'value',
        ]) ?? {};
      return {
        name: str(d.name, 'string') ?? '',
        type: str(d.type, 'v1beta1.ConnectionDetailType') ?? '',
        fromConnectionSecretKey: str(d.fromConnectionSecretKey, 'string'),
        fromFieldPath: str(d.fromFieldPath, 'string'),
        value: str(d.value, 'string'),
      };
    }),
    readinessChecks: arr(t.readinessChecks, '[]v1beta1.ReadinessCheck', (e) => {
      const r =
        obj(e, 'v1beta1.ReadinessCheck', [
          'type',
          'fieldPath',
          'matchString',
          'matchInteger',
          'matchCondition',
        ]) ?? {};
      const mc = obj(r.matchCondition, 'v1beta1.MatchConditionReadinessCheck', ['type', 'status']);
      return {
        type: str(r.type, 'v1beta1.ReadinessCheckType') ?? '',
        fieldPath: str(r.fieldPath, 'string'),
        matchString: str(r.matchString, 'string'),
        matchInteger: int(r.matchInteger, 'int64'),
        matchCondition: mc
          ? {
              type: str(mc.type, 'v1.ConditionType') ?? '',
              status: str(mc.status, 'v1.ConditionStatus') ?? '',
            }
          : undefined,
      };
    }),
  };
}

/**
 * Decodes the input the way request.GetInput does (unknown members are rejected). `plain`: the input is
 * deep-frozen plain JSON (no bigint, undefined or `__proto__`), so the decoded input may share its values.
 */
export function decodeResources(input: unknown, plain = false): Resources {
  plainInput = plain;
  try {
    return decode(input);
  } finally {
    plainInput = false;
  }
}

function decode(input: unknown): Resources {
  const r =
    obj(input, 'v1beta1.Resources', [
      'apiVersion',
      'kind',
      'metadata',
      'patchSets',
      'environment',
      'resources',
      'writeConnectionSecretToRef',
    ]) ?? {};
  str(r.apiVersion, 'string');
  str(r.kind, 'string');
  const env = obj(r.environment, 'v1beta1.Environment', ['patches']);
  const wc = obj(r.writeConnectionSecretToRef, 'v1beta1.WriteConnectionSecretToRef', [
    'name',
    'namespace',
    'patches',
  ]);
  return {
    patchSets: arr(r.patchSets, '[]v1beta1.PatchSet', (e) => {
      const ps = obj(e, 'v1beta1.PatchSet', ['name', 'patches']) ?? {};
      return {
        name: str(ps.name, 'string') ?? '',
        patches: arr(ps.patches, '[]v1beta1.PatchSetPatch', (p) => decodePatch(p, 'patchSet')),
      };
    }),
    environment: env
      ? { patches: arr(env.patches, '[]v1beta1.EnvironmentPatch', (p) => decodePatch(p, 'environment')) }
      : undefined,
    resources: arr(r.resources, '[]v1beta1.ComposedTemplate', decodeTemplate),
    writeConnectionSecretToRef: wc
      ? {
          name: str(wc.name, 'string') ?? '',
          namespace: str(wc.namespace, 'string') ?? '',
          patches: arr(wc.patches, '[]v1beta1.ConnectionSecretPatch', (p) =>
            decodePatch(p, 'connectionSecret'),
          ),
        }
      : undefined,
  };
}

export type { GoMap };
