/**
 * Names of AWS resources: `{project}-{environment}[-{suffix}]-{part}`, plus a short hash of the
 * XR's uid where AWS demands global uniqueness (S3 buckets), plus the role (`dr`) where a global
 * namespace (IAM, S3) would otherwise collide across the primary and DR regions.
 *
 * The prefix and hash are computed once per render as environment values (P&T environment
 * patches), so every name is one patch; admission (CEL) bounds the prefix so that every name here
 * fits its AWS limit in the worst case, which `assertFits` proves at synth time.
 */
import { maxNamePrefixLength } from '../api/schema.js';
import { combine, format, fromEnv, regexp, sha256, type Patch } from './patches.js';

export const ENV_PREFIX = 'envstack.prefix';
export const ENV_HASH = 'envstack.hash';
export const HASH_LENGTH = 8;

/** Environment patches (XR → environment) that every composition runs first. */
export function namingEnvironmentPatches(): Patch[] {
  return [
    combine('CombineFromComposite', ['spec.project', 'spec.environment'], '%s-%s', ENV_PREFIX),
    // Skipped by P&T when spec.suffix is absent, leaving the two-part prefix in place.
    combine(
      'CombineFromComposite',
      ['spec.project', 'spec.environment', 'spec.suffix'],
      '%s-%s-%s',
      ENV_PREFIX,
    ),
    {
      type: 'FromCompositeFieldPath',
      fromFieldPath: 'metadata.uid',
      toFieldPath: ENV_HASH,
      transforms: [sha256, regexp(`^([0-9a-f]{${HASH_LENGTH}})`, 1)],
    },
  ];
}

/** AWS name limits we rely on, by what is being named. */
export const nameLimits = {
  alb: 32,
  targetGroup: 32,
  s3Bucket: 63,
  iamRole: 64,
  iamPolicy: 128,
  instanceProfile: 128,
  rdsIdentifier: 63,
  dbSubnetGroup: 255,
  dbParameterGroup: 255,
  lambda: 64,
  sqs: 80,
  sns: 256,
  logGroup: 512,
  kmsAlias: 256,
  secret: 512,
  dynamodb: 255,
  launchTemplate: 128,
  asg: 255,
  securityGroup: 255,
  alarm: 255,
  dashboard: 255,
  trail: 128,
  eventRule: 64,
  apiGateway: 1024,
  configRecorder: 256,
  budget: 100,
  tag: 256,
} as const;

export type NameLimit = keyof typeof nameLimits;

export interface NameSpec {
  part: string;
  limit: NameLimit;
  /** Adds the XR uid hash: for names AWS requires to be globally unique. */
  global?: boolean;
  /** Prepended to the name, e.g. `alias/` for KMS aliases. */
  prefix?: string;
}

/** The longest name this spec can produce for any admitted claim. */
export function worstCaseLength(spec: NameSpec): number {
  return (
    (spec.prefix?.length ?? 0) +
    maxNamePrefixLength +
    1 +
    spec.part.length +
    (spec.global ? 1 + HASH_LENGTH : 0)
  );
}

export function assertFits(spec: NameSpec): void {
  const worst = worstCaseLength(spec);
  if (worst > nameLimits[spec.limit]) {
    throw new Error(
      `name part "${spec.part}" can reach ${worst} characters, over the ${nameLimits[spec.limit]} AWS allows for ${spec.limit}`,
    );
  }
}

/** A patch that writes the name into `to` (the external-name annotation, a name parameter or a Name tag). */
export function namePatch(spec: NameSpec, to: string): Patch {
  assertFits(spec);
  const pre = spec.prefix ?? '';
  if (spec.global) {
    return combine('CombineFromEnvironment', [ENV_PREFIX, ENV_HASH], `${pre}%s-${spec.part}-%s`, to);
  }
  return fromEnv(ENV_PREFIX, to, [format(`${pre}%s-${spec.part}`)]);
}

export const externalNamePath = 'metadata.annotations[crossplane.io/external-name]';
