/**
 * JSON documents (IAM, bucket and key policies) whose values are known only at render time.
 * A document is written as a plain object with `${…}` tokens; it becomes one CombineFromEnvironment
 * patch, so it is never half-built: P&T skips a Combine whose variables are not all present yet.
 */
import { ENV_HASH, ENV_PREFIX } from './naming.js';
import { combine, type Patch } from './patches.js';

export const ENV_REGION = 'envstack.region';
export const ENV_DR_REGION = 'envstack.drRegion';
export const ENV_ACCOUNT = 'envstack.accountId';
export const ENV_PARTITION = 'envstack.partition';

/** Where each token's value comes from in the environment. */
export const tokens = {
  prefix: ENV_PREFIX,
  hash: ENV_HASH,
  region: ENV_REGION,
  drRegion: ENV_DR_REGION,
  account: ENV_ACCOUNT,
  partition: ENV_PARTITION,
} as const;
export type Token = keyof typeof tokens;

/** Tokens that exist only once the first resource (the VPC) reports its ARN. */
export const observedTokens: readonly Token[] = ['account', 'partition'];

export interface Templated {
  patch: Patch;
  tokens: Token[];
}

/** A string with `${token}` placeholders → one Combine patch writing it to `to`. */
export function templated(text: string, to: string): Templated {
  const used: Token[] = [];
  const fmt = text.replace(/%/g, '%%').replace(/\$\{(\w+)\}/g, (_m, name: string) => {
    if (!(name in tokens)) throw new Error(`unknown token \${${name}} in "${text}"`);
    used.push(name as Token);
    return '%s';
  });
  if (used.length === 0) throw new Error(`"${text}" has no tokens: write it as a literal`);
  return {
    patch: combine(
      'CombineFromEnvironment',
      used.map((t) => tokens[t]),
      fmt,
      to,
    ),
    tokens: [...new Set(used)],
  };
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export function policyDocument(statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/** A policy document written to `to` as a JSON string. */
export function policyPatch(doc: PolicyDocument, to: string): Templated {
  return templated(JSON.stringify(doc), to);
}

/** ARN helpers, in token form. */
export const arn = {
  bucket: (part: string) => `arn:\${partition}:s3:::\${prefix}-${part}-\${hash}`,
  bucketObjects: (part: string, path = '*') => `arn:\${partition}:s3:::\${prefix}-${part}-\${hash}/${path}`,
  logGroup: (name: string, region: 'region' | 'drRegion' = 'region') =>
    `arn:\${partition}:logs:\${${region}}:\${account}:log-group:${name}`,
};
