/**
 * Conditions: the CEL expressions over the XR (`spec.…`, `status.…`) that decide whether a composed
 * resource exists (function-cel-filter drops it when false). Every component builds its conditions
 * from here: the combinators, the presence tests, the profile-aware switches and the one condition
 * per optional component.
 *
 * cel-filter type-checks its expressions: a bare dyn field is not a bool, a comparison is, so every
 * switch is written `… == true`.
 */
import { celProfile, type ScalarProfileKey } from '../api/profiles.js';

/** A CEL condition over the XR; `undefined` stands for "always". */
export type Condition = string | undefined;

const present = (c: readonly Condition[]): string[] => c.filter((x): x is string => Boolean(x));

/** All of `c` (the absent ones skipped): one stands as it is, several are parenthesized and joined with &&. */
export function and(first: string, ...rest: Condition[]): string;
export function and(...c: Condition[]): Condition;
export function and(...c: Condition[]): Condition {
  const parts = present(c);
  return parts.length <= 1 ? parts[0] : parts.map((p) => `(${p})`).join(' && ');
}

/** All of `c` (the absent ones skipped), each parenthesized, even a lone one. */
export function all(first: string, ...rest: Condition[]): string;
export function all(...c: Condition[]): Condition;
export function all(...c: Condition[]): Condition {
  const parts = present(c);
  return parts.length ? parts.map((p) => `(${p})`).join(' && ') : undefined;
}

/** Any of `c`, each parenthesized. */
export function or(...c: string[]): string {
  return c.map((p) => `(${p})`).join(' || ');
}

export function not(c: string): string {
  return `!(${c})`;
}

/** A CEL test that a dotted path exists, checking each level (CEL's has() errors on a missing parent). */
export function celHas(path: string): string {
  const parts = path.split('.');
  const checks: string[] = [];
  for (let i = parts[0] === 'spec' ? 2 : 1; i <= parts.length; i++)
    checks.push(`has(${parts.slice(0, i).join('.')})`);
  return checks.join(' && ');
}

/** The claim's value of `path` if set, else the profile's: a CEL expression. */
export function celEffective(path: string, key: ScalarProfileKey): string {
  return `(${celHas(path)} ? ${path} : ${celProfile(key, 'spec')})`;
}

/** True when the claim's boolean `path`, or else the profile's default, is true. */
function celEnabled(path: string, key: ScalarProfileKey): string {
  return `${celEffective(path, key)} == true`;
}

/** `spec.x` in a component's condition → the observed XR as function-cel-filter exposes it. */
export function celOverXr(expression: string): string {
  return expression.replace(/(^|[^.\w'])(spec|status)(?=[.)])/g, '$1observed.composite.resource.$2');
}

/** The claim's database engine. */
export const engine = {
  postgres: "spec.database.engine == 'postgres'",
  aurora: "spec.database.engine != 'postgres'",
} as const;

/** When each optional part of the environment exists. */
export const enabled = {
  database: 'spec.database.enabled == true',
  bastion: 'spec.bastion.enabled == true',
  serverless: 'spec.serverless.enabled == true',
  /** The table exists when the claim asks for it or for the serverless API (which stores in it). */
  table: or('spec.dynamodb.enabled == true', 'spec.serverless.enabled == true'),
  dr: 'spec.dr.enabled == true',
  flowLogs: celEnabled('spec.network.flowLogs', 'flowLogs'),
  interfaceEndpoints: celEnabled('spec.network.endpoints', 'interfaceEndpoints'),
  multiAz: celEnabled('spec.database.multiAz', 'dbMultiAz'),
  dashboard: celEnabled('spec.observability.dashboard', 'dashboard'),
  cloudTrail: celEnabled('spec.compliance.cloudTrail', 'cloudTrail'),
  config: celEnabled('spec.compliance.config', 'config'),
  budget: celHas('spec.compliance.budget'),
} as const;
