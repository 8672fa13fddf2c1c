import { allCatalogEntries } from '../../compose/flavor.js';
import { nameLimits, type NameLimit } from '../../compose/naming.js';
import { isObject } from '../../../core/json.js';
import type { FindingInput, LintResource, Rule } from '../types.js';
import { awsNames, EXTERNAL_NAME } from '../util.js';
import { seed } from './seeds.js';

export const requiredTags = ['Environment', 'Project', 'Owner', 'ManagedBy'] as const;

export const missingTags: Rule = {
  id: 'ENV030',
  name: 'missing-required-tag',
  severity: 'error',
  seed: [seed('s001', '9. Tagging Strategy'), seed('s003', '11. Incomplete Resource Tagging')],
  description: `A taggable resource lacks one of ${requiredTags.join(', ')}, or carries another environment's value.`,
  check(ctx) {
    const catalog = allCatalogEntries();
    const expected: Record<string, string | undefined> = {
      Environment: ctx.environment,
      Project: typeof ctx.spec?.project === 'string' ? ctx.spec.project : undefined,
      Owner: typeof ctx.spec?.owner === 'string' ? ctx.spec.owner : undefined,
    };
    const out: FindingInput[] = [];
    for (const r of ctx.resources) {
      if (!catalog[`${r.group}/${r.kind}`]?.tags) continue;
      const tags = isObject(r.forProvider.tags) ? r.forProvider.tags : {};
      const missing = requiredTags.filter((t) => typeof tags[t] !== 'string' || tags[t] === '');
      if (missing.length)
        out.push({
          resource: r.name,
          kind: r.kind,
          field: `spec.forProvider.tags.${missing[0]}`,
          message: `${r.kind} ${r.name}: spec.forProvider.tags lacks ${missing.join(', ')}; apply the tags patch set (Environment, Project, Owner, ManagedBy, Suffix and the claim's tags)`,
        });
      for (const [k, want] of Object.entries(expected)) {
        if (want === undefined || typeof tags[k] !== 'string' || tags[k] === want) continue;
        out.push({
          resource: r.name,
          kind: r.kind,
          field: `spec.forProvider.tags.${k}`,
          message: `${r.kind} ${r.name}: tag ${k} is "${String(tags[k])}" but the claim says "${want}"; patch it from the claim`,
        });
      }
    }
    return out;
  },
};

/** The part of an AWS name that must start with the environment prefix (after `alias/`, log group paths). */
function namedPart(value: string): string[] {
  const bare = value.replace(/^alias\//, '');
  return bare.includes('/') ? bare.split('/').filter(Boolean) : [bare];
}

export const nameWithoutPrefix: Rule = {
  id: 'ENV031',
  name: 'name-without-environment-prefix',
  severity: 'error',
  seed: [
    seed('s004', '1. Missing Environment Suffix Implementation'),
    seed('s003', '5. Missing Environment Suffix Support (Resource Conflict)'),
    seed('s001', '8. Naming Convention Consistency'),
  ],
  description:
    'An AWS name (external name, name parameter or Name tag) does not start with {project}-{environment}[-{suffix}].',
  check(ctx) {
    const prefix = ctx.namePrefix;
    if (!prefix) return [];
    const out: FindingInput[] = [];
    for (const r of ctx.resources) {
      for (const n of awsNames(r)) {
        if (namedPart(n.value).some((p) => p === prefix || p.startsWith(`${prefix}-`))) continue;
        out.push({
          resource: r.name,
          kind: r.kind,
          field: n.field,
          message: `${r.kind} ${r.name}: ${n.field} is "${n.value}", which does not start with "${prefix}-"; parallel environments in one account would collide — build the name from the environment prefix`,
        });
      }
    }
    return out;
  },
};

const limitByKind: Record<string, NameLimit> = {
  'elbv2/LB': 'alb',
  'elbv2/LBTargetGroup': 'targetGroup',
  's3/Bucket': 's3Bucket',
  'iam/Role': 'iamRole',
  'iam/Policy': 'iamPolicy',
  'iam/InstanceProfile': 'instanceProfile',
  'rds/Instance': 'rdsIdentifier',
  'rds/Cluster': 'rdsIdentifier',
  'rds/ClusterInstance': 'rdsIdentifier',
  'rds/GlobalCluster': 'rdsIdentifier',
  'rds/SubnetGroup': 'dbSubnetGroup',
  'rds/ParameterGroup': 'dbParameterGroup',
  'rds/ClusterParameterGroup': 'dbParameterGroup',
  'lambda/Function': 'lambda',
  'sqs/Queue': 'sqs',
  'sns/Topic': 'sns',
  'cloudwatchlogs/Group': 'logGroup',
  'kms/Alias': 'kmsAlias',
  'secretsmanager/Secret': 'secret',
  'dynamodb/Table': 'dynamodb',
  'ec2/LaunchTemplate': 'launchTemplate',
  'autoscaling/AutoscalingGroup': 'asg',
  'ec2/SecurityGroup': 'securityGroup',
  'cloudwatch/MetricAlarm': 'alarm',
  'cloudwatch/Dashboard': 'dashboard',
  'cloudtrail/Trail': 'trail',
  'cloudwatchevents/Rule': 'eventRule',
  'apigateway/RestAPI': 'apiGateway',
  'configservice/ConfigurationRecorder': 'configRecorder',
  'configservice/DeliveryChannel': 'configRecorder',
  'budgets/Budget': 'budget',
};

export const nameTooLong: Rule = {
  id: 'ENV032',
  name: 'name-over-aws-limit',
  severity: 'error',
  seed: [seed('s004', '12. Variable Naming Inconsistency'), seed('s002', '7. Missing Resource Uniqueness')],
  description: 'An AWS name is longer than AWS allows for that kind (ALB 32, S3 63, IAM role 64, …).',
  check(ctx) {
    const out: FindingInput[] = [];
    for (const r of ctx.resources) {
      const kindLimit = limitByKind[`${r.service}/${r.kind}`];
      for (const n of awsNames(r)) {
        const isTag = n.field.endsWith('tags.Name');
        const limitKey: NameLimit | undefined = isTag ? 'tag' : kindLimit;
        if (!limitKey) continue;
        const limit = nameLimits[limitKey];
        if (n.value.length <= limit) continue;
        out.push({
          resource: r.name,
          kind: r.kind,
          field: n.field,
          message: `${r.kind} ${r.name}: ${n.field} "${n.value}" is ${n.value.length} characters, over the ${limit} AWS allows; shorten the part or the claim's project/suffix`,
        });
      }
    }
    return out;
  },
};

/** Services whose names are unique per account (or worldwide) rather than per region. */
const globalServices = new Set(['iam', 's3', 'budgets', 'route53', 'cloudfront', 'organizations']);
const caseInsensitive = new Set(['s3', 'rds']);

function identity(r: LintResource): string | undefined {
  if (awsNames(r).length === 0) return undefined;
  const ext = r.object.metadata?.annotations?.[EXTERNAL_NAME];
  const param = [r.forProvider.name, r.forProvider.identifier].find((v) => typeof v === 'string' && v !== '');
  const name = ext ?? (param as string | undefined);
  if (!name) return undefined;
  const scope = globalServices.has(r.service) ? 'global' : String(r.forProvider.region ?? '');
  return `${r.service}/${r.kind}/${scope}/${caseInsensitive.has(r.service) ? name.toLowerCase() : name}`;
}

export const nameCollision: Rule = {
  id: 'ENV033',
  name: 'aws-name-collision',
  severity: 'error',
  seed: [
    seed('s002', '1. Secrets Manager Naming Conflicts (MODEL_RESPONSE.md)'),
    seed('s002', '7. Missing Resource Uniqueness'),
    seed('s003', '5. Missing Environment Suffix Support (Resource Conflict)'),
  ],
  description:
    'Two resources would get the same AWS name (IAM and S3 names are global: the primary and DR regions collide).',
  check(ctx) {
    const seen = new Map<string, LintResource>();
    const out: FindingInput[] = [];
    for (const r of ctx.resources) {
      const id = identity(r);
      if (!id) continue;
      const other = seen.get(id);
      if (!other) {
        seen.set(id, r);
        continue;
      }
      const where = globalServices.has(r.service) ? 'account-wide' : `in ${String(r.forProvider.region)}`;
      out.push({
        resource: r.name,
        kind: r.kind,
        field: r.object.metadata?.annotations?.[EXTERNAL_NAME]
          ? `metadata.annotations[${EXTERNAL_NAME}]`
          : 'spec.forProvider.name',
        message: `${r.kind} ${r.name}: its AWS name is the same as ${other.name}'s (${where}); the second create fails — add the region role (e.g. dr) or another part to one name`,
      });
    }
    return out;
  },
};
