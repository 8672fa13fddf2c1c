/**
 * Usage profiles: what an environment does in a month, for the charges a render cannot know
 * (requests, data, storage). Usage-based items are always shown apart from fixed cost.
 * `--usage FILE` (YAML or JSON) overrides any of these: top-level fields for every environment,
 * and a `dev:`, `staging:` or `prod:` section for one.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { JsonObject } from '../../core/json.js';
import { loadYaml } from '../../engine/index.js';

export const usageFields = {
  internetEgressGiB: 'GiB a month sent to the internet (priced on the internet-facing load balancer)',
  albLcu: 'average load balancer capacity units (LCU) in use each hour',
  natProcessedGiBPerGateway: 'GiB a month through each NAT gateway',
  endpointProcessedGiBPerEndpoint: 'GiB a month through each interface VPC endpoint',
  flowLogGiBPerVpc: 'GiB of VPC flow logs a month from each VPC',
  logIngestGiBPerGroup: 'GiB a month written to each CloudWatch Logs group (stored for its retention)',
  s3StorageGiBPerBucket:
    'GiB stored in each S3 bucket (all S3 Standard: lifecycle transitions are not modelled)',
  s3PutRequestsPerBucket: 'PUT/COPY/POST/LIST requests a month to each S3 bucket',
  s3ReplicatedGiBPerBucket: 'GiB a month replicated from each bucket to the DR region',
  apiRequests: 'API Gateway requests a month (each invokes the API Lambda)',
  lambdaAvgDurationMs: 'average Lambda run time in milliseconds',
  otherLambdaInvocations: 'invocations a month of a Lambda that neither the API nor a schedule calls',
  dynamodbReads: 'DynamoDB read request units a month',
  dynamodbWrites: 'DynamoDB write request units a month',
  dynamodbStorageGiB: 'GiB stored in the DynamoDB table (and in its point-in-time backups)',
  auroraStorageGiB: 'GiB stored by an Aurora cluster',
  auroraIoRequests: 'Aurora I/O requests a month',
  dbReplicationGiB: 'GiB a month the database sends to its DR replica',
  peeringGiB: 'GiB a month across the inter-region VPC peering',
  kmsRequestsPerKey: 'KMS API requests a month to each key',
  configItems: 'AWS Config configuration items recorded a month',
  configRuleEvaluations: 'AWS Config rule evaluations a month',
  cloudTrailPaidEvents:
    'management events a month billed because the account already has a trail (0: this trail is the free first copy)',
  sqsRequestsPerQueue: 'SQS requests a month to each queue',
  snsPublishesPerTopic: 'SNS publishes a month to each topic',
  snsEmailsPerTopic: 'e-mail deliveries a month from each topic with an e-mail subscription',
} as const;

export type UsageField = keyof typeof usageFields;
export type UsageProfile = Record<UsageField, number>;

const env = (values: UsageProfile) => values;

/** The committed profiles: a small dev environment, a staging one, a busy but ordinary production. */
export const usageProfiles: Record<'dev' | 'staging' | 'prod', UsageProfile> = {
  dev: env({
    internetEgressGiB: 10,
    albLcu: 0.5,
    natProcessedGiBPerGateway: 20,
    endpointProcessedGiBPerEndpoint: 1,
    flowLogGiBPerVpc: 2,
    logIngestGiBPerGroup: 0.5,
    s3StorageGiBPerBucket: 5,
    s3PutRequestsPerBucket: 10_000,
    s3ReplicatedGiBPerBucket: 1,
    apiRequests: 100_000,
    lambdaAvgDurationMs: 200,
    otherLambdaInvocations: 0,
    dynamodbReads: 1_000_000,
    dynamodbWrites: 200_000,
    dynamodbStorageGiB: 1,
    auroraStorageGiB: 10,
    auroraIoRequests: 10_000_000,
    dbReplicationGiB: 5,
    peeringGiB: 1,
    kmsRequestsPerKey: 20_000,
    configItems: 500,
    configRuleEvaluations: 0,
    cloudTrailPaidEvents: 0,
    sqsRequestsPerQueue: 1_000,
    snsPublishesPerTopic: 100,
    snsEmailsPerTopic: 100,
  }),
  staging: env({
    internetEgressGiB: 50,
    albLcu: 1,
    natProcessedGiBPerGateway: 100,
    endpointProcessedGiBPerEndpoint: 10,
    flowLogGiBPerVpc: 10,
    logIngestGiBPerGroup: 2,
    s3StorageGiBPerBucket: 50,
    s3PutRequestsPerBucket: 100_000,
    s3ReplicatedGiBPerBucket: 10,
    apiRequests: 1_000_000,
    lambdaAvgDurationMs: 200,
    otherLambdaInvocations: 0,
    dynamodbReads: 10_000_000,
    dynamodbWrites: 2_000_000,
    dynamodbStorageGiB: 5,
    auroraStorageGiB: 50,
    auroraIoRequests: 100_000_000,
    dbReplicationGiB: 20,
    peeringGiB: 5,
    kmsRequestsPerKey: 200_000,
    configItems: 2_000,
    configRuleEvaluations: 0,
    cloudTrailPaidEvents: 0,
    sqsRequestsPerQueue: 10_000,
    snsPublishesPerTopic: 500,
    snsEmailsPerTopic: 500,
  }),
  prod: env({
    internetEgressGiB: 500,
    albLcu: 5,
    natProcessedGiBPerGateway: 500,
    endpointProcessedGiBPerEndpoint: 50,
    flowLogGiBPerVpc: 50,
    logIngestGiBPerGroup: 10,
    s3StorageGiBPerBucket: 500,
    s3PutRequestsPerBucket: 1_000_000,
    s3ReplicatedGiBPerBucket: 100,
    apiRequests: 10_000_000,
    lambdaAvgDurationMs: 200,
    otherLambdaInvocations: 0,
    dynamodbReads: 100_000_000,
    dynamodbWrites: 20_000_000,
    dynamodbStorageGiB: 50,
    auroraStorageGiB: 200,
    auroraIoRequests: 1_000_000_000,
    dbReplicationGiB: 100,
    peeringGiB: 20,
    kmsRequestsPerKey: 2_000_000,
    configItems: 10_000,
    configRuleEvaluations: 0,
    cloudTrailPaidEvents: 0,
    sqsRequestsPerQueue: 100_000,
    snsPublishesPerTopic: 2_000,
    snsEmailsPerTopic: 2_000,
  }),
};

export interface ResolvedUsage {
  profile: UsageProfile;
  /** `prod usage profile`, `prod usage profile with usage.yaml`. */
  name: string;
}

export class UsageFileError extends Error {}

const environments = ['dev', 'staging', 'prod'] as const;
const isEnvironment = (v: string): v is (typeof environments)[number] =>
  (environments as readonly string[]).includes(v);

function fieldsOf(file: string, where: string, obj: JsonObject): Partial<UsageProfile> {
  const out: Partial<UsageProfile> = {};
  for (const [k, v] of Object.entries(obj)) {
    const path = where ? `${where}.${k}` : k;
    if (!(k in usageFields)) {
      throw new UsageFileError(
        `${file}: ${path}: not a usage field; use one of ${Object.keys(usageFields).join(', ')}${where ? '' : ', or a dev/staging/prod section'}`,
      );
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new UsageFileError(
        `${file}: ${path}: must be a number ≥ 0 (${usageFields[k as UsageField]}), got ${JSON.stringify(v)}`,
      );
    }
    out[k as UsageField] = v;
  }
  return out;
}

/** The overrides a usage file gives for one environment; errors name the file, the field and the fix. */
export function parseUsageOverrides(data: unknown, file: string, environment: string): Partial<UsageProfile> {
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data))
    throw new UsageFileError(
      `${file}: expected a mapping of usage fields (for example "apiRequests: 5000000"), got ${Array.isArray(data) ? 'a list' : typeof data}`,
    );
  const top: JsonObject = {};
  let section: Partial<UsageProfile> = {};
  for (const [k, v] of Object.entries(data as JsonObject)) {
    if (!isEnvironment(k)) {
      top[k] = v;
      continue;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw new UsageFileError(`${file}: ${k}: expected a mapping of usage fields for the ${k} environment`);
    const fields = fieldsOf(file, k, v as JsonObject);
    if (k === environment) section = fields;
  }
  return { ...fieldsOf(file, '', top), ...section };
}

export function readUsageFile(file: string): unknown {
  if (!existsSync(file))
    throw new UsageFileError(`${file}: no such file (--usage takes a YAML or JSON file)`);
  try {
    return loadYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageFileError(
      `${file}: not valid YAML or JSON: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** The profile for an environment, with a usage file's overrides when one is given. */
export function resolveUsage(environment: string, file?: { path: string; data: unknown }): ResolvedUsage {
  const base = isEnvironment(environment) ? usageProfiles[environment] : usageProfiles.dev;
  const baseName = `${isEnvironment(environment) ? environment : 'dev'} usage profile`;
  if (!file) return { profile: base, name: baseName };
  const overrides = parseUsageOverrides(file.data, file.path, environment);
  return { profile: { ...base, ...overrides }, name: `${baseName} with ${file.path}` };
}
