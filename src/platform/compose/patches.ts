/**
 * function-patch-and-transform input shapes (pt.fn.crossplane.io/v1beta1 Resources), and builders
 * that avoid the function's known pitfalls by construction:
 * - XR numbers arrive as float64, so no `%d`/`%s` Format ever sees a number (use `asString` first);
 * - Join takes single-character separators only;
 * - map transforms get string input (`spec.environment`, never a number or bool);
 * - match transforms always carry an explicit pattern `type`;
 * - readiness never uses MatchInteger.
 */
import type { JsonObject } from '../../core/json.js';

export type Transform =
  | { type: 'map'; map: JsonObject }
  | {
      type: 'match';
      match: {
        patterns: Array<{ type: 'literal' | 'regexp'; literal?: string; regexp?: string; result: unknown }>;
        fallbackValue?: unknown;
        fallbackTo?: 'Value' | 'Input';
      };
    }
  | { type: 'string'; string: StringTransform }
  | {
      type: 'convert';
      convert: {
        toType: 'string' | 'int' | 'int64' | 'bool' | 'float64' | 'object' | 'array';
        format?: string;
      };
    }
  | {
      type: 'math';
      math: {
        type: 'Multiply' | 'ClampMin' | 'ClampMax';
        multiply?: number;
        clampMin?: number;
        clampMax?: number;
      };
    };

export type StringTransform =
  | { type: 'Format'; fmt: string }
  | {
      type: 'Convert';
      convert:
        | 'ToUpper'
        | 'ToLower'
        | 'ToBase64'
        | 'FromBase64'
        | 'ToJson'
        | 'ToSha1'
        | 'ToSha256'
        | 'ToSha512'
        | 'ToAdler32';
    }
  | { type: 'TrimPrefix' | 'TrimSuffix'; trim: string }
  | { type: 'Regexp'; regexp: { match: string; group?: number } }
  | { type: 'Join'; join: { separator: string } }
  | { type: 'Replace'; replace: { search: string; replace: string } };

export interface PatchPolicy {
  fromFieldPath?: 'Optional' | 'Required';
  toFieldPath?:
    | 'Replace'
    | 'MergeObjects'
    | 'MergeObjectsAppendArrays'
    | 'ForceMergeObjects'
    | 'ForceMergeObjectsAppendArrays';
}

export interface Combine {
  variables: Array<{ fromFieldPath: string }>;
  strategy: 'string';
  string: { fmt: string };
}

export type PatchType =
  | 'FromCompositeFieldPath'
  | 'ToCompositeFieldPath'
  | 'CombineFromComposite'
  | 'CombineToComposite'
  | 'FromEnvironmentFieldPath'
  | 'ToEnvironmentFieldPath'
  | 'CombineFromEnvironment'
  | 'CombineToEnvironment'
  | 'PatchSet';

export interface Patch {
  type: PatchType;
  fromFieldPath?: string;
  toFieldPath?: string;
  combine?: Combine;
  transforms?: Transform[];
  policy?: PatchPolicy;
  patchSetName?: string;
}

export interface ReadinessCheck {
  type: 'None' | 'MatchString' | 'MatchTrue' | 'MatchFalse' | 'MatchCondition' | 'NonEmpty';
  fieldPath?: string;
  matchString?: string;
  matchCondition?: { type: string; status: string };
}

export interface ConnectionDetail {
  name: string;
  type: 'FromConnectionSecretKey' | 'FromFieldPath' | 'FromValue';
  fromConnectionSecretKey?: string;
  fromFieldPath?: string;
  value?: string;
}

export function mapTransform(map: Record<string, unknown>): Transform {
  return { type: 'map', map: map as JsonObject };
}

export function format(fmt: string): Transform {
  if (/%[^s%]/.test(fmt))
    throw new Error(`Format "${fmt}": only %s is safe on strings; convert numbers first`);
  return { type: 'string', string: { type: 'Format', fmt } };
}

/** Turns an XR number (float64 in P&T) into its decimal string without Go's `%!d(float64=…)` garbage. */
export const asString: Transform = { type: 'convert', convert: { toType: 'string' } };

export function join(separator: string): Transform {
  if ([...separator].length !== 1) throw new Error(`Join separator "${separator}" must be one character`);
  return { type: 'string', string: { type: 'Join', join: { separator } } };
}

export function regexp(match: string, group?: number): Transform {
  return {
    type: 'string',
    string: { type: 'Regexp', regexp: group === undefined ? { match } : { match, group } },
  };
}

export const sha256: Transform = { type: 'string', string: { type: 'Convert', convert: 'ToSha256' } };
export const toBase64: Transform = { type: 'string', string: { type: 'Convert', convert: 'ToBase64' } };
export const toJson: Transform = { type: 'string', string: { type: 'Convert', convert: 'ToJson' } };

export function fromXr(from: string, to: string, transforms?: Transform[], policy?: PatchPolicy): Patch {
  return {
    type: 'FromCompositeFieldPath',
    fromFieldPath: from,
    toFieldPath: to,
    ...(transforms?.length ? { transforms } : {}),
    ...(policy ? { policy } : {}),
  };
}

export function toXr(from: string, to: string, transforms?: Transform[]): Patch {
  return {
    type: 'ToCompositeFieldPath',
    fromFieldPath: from,
    toFieldPath: to,
    ...(transforms?.length ? { transforms } : {}),
  };
}

export function fromEnv(from: string, to: string, transforms?: Transform[]): Patch {
  return {
    type: 'FromEnvironmentFieldPath',
    fromFieldPath: from,
    toFieldPath: to,
    ...(transforms?.length ? { transforms } : {}),
  };
}

export function combine(
  type: 'CombineFromComposite' | 'CombineFromEnvironment' | 'CombineToComposite',
  from: string[],
  fmt: string,
  to: string,
  transforms?: Transform[],
): Patch {
  if (/%[^s%]/.test(fmt)) throw new Error(`combine fmt "${fmt}": only %s is safe; convert numbers first`);
  return {
    type,
    combine: {
      variables: from.map((fromFieldPath) => ({ fromFieldPath })),
      strategy: 'string',
      string: { fmt },
    },
    toFieldPath: to,
    ...(transforms?.length ? { transforms } : {}),
  };
}

export function patchSet(name: string): Patch {
  return { type: 'PatchSet', patchSetName: name };
}
