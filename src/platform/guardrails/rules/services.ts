import { logRetentionValues } from '../../api/profiles.js';
import type { FindingInput, LintContext, LintResource, Rule } from '../types.js';
import { block, EXTERNAL_NAME, hasValueOrReference, num, referenced } from '../util.js';
import { seed } from './seeds.js';

function finding(r: LintResource, field: string, what: string): FindingInput {
  return { resource: r.name, kind: r.kind, field, message: `${r.kind} ${r.name}: ${what}` };
}

const lambdas = (ctx: LintContext) =>
  ctx.resources.filter((r) => r.service === 'lambda' && r.kind === 'Function');

/** The composed S3 objects in `bucket` (by selector or name), by key. */
function objectKeys(ctx: LintContext, bucket: LintResource): Set<string> {
  const name = bucket.object.metadata?.annotations?.[EXTERNAL_NAME];
  return new Set(
    ctx.resources
      .filter((o) => o.service === 's3' && o.kind === 'Object')
      .filter(
        (o) =>
          referenced(ctx, o, /\.bucket(Selector|Ref)$/).includes(bucket) ||
          (name && o.forProvider.bucket === name),
      )
      .map((o) => String(o.forProvider.key ?? '')),
  );
}

export const lambdaWithoutCode: Rule = {
  id: 'ENV060',
  name: 'lambda-without-code',
  severity: 'error',
  seed: [
    seed('s004', '4. Missing Lambda Function Code'),
    seed('s003', '6. Lambda Deployment Package Reference (Deployment Failure)'),
  ],
  description:
    'A Lambda function has no code (s3Bucket+s3Key, imageUri or filename), or its S3 key is no object of the render.',
  check(ctx) {
    const out: FindingInput[] = [];
    for (const r of lambdas(ctx)) {
      const fp = r.forProvider;
      const s3 = hasValueOrReference(fp, 's3Bucket');
      const key = typeof fp.s3Key === 'string' && fp.s3Key !== '' ? fp.s3Key : undefined;
      if (hasValueOrReference(fp, 'imageUri') || (typeof fp.filename === 'string' && fp.filename !== ''))
        continue;
      if (!s3 || !key) {
        out.push(
          finding(
            r,
            s3 ? 'spec.forProvider.s3Key' : 'spec.forProvider.s3Bucket',
            'the function has no code: set s3BucketSelector and s3Key to the packaged artifact (or imageUri)',
          ),
        );
        continue;
      }
      const buckets = referenced(ctx, r, /\.s3Bucket(Selector|Ref)$/);
      const byName = ctx.resources.filter(
        (b) => b.kind === 'Bucket' && b.object.metadata?.annotations?.[EXTERNAL_NAME] === fp.s3Bucket,
      );
      for (const b of [...buckets, ...byName]) {
        if (objectKeys(ctx, b).has(key)) continue;
        out.push(
          finding(
            r,
            'spec.forProvider.s3Key',
            `s3Key "${key}" is no S3 Object of the render in bucket ${b.name}; the function would point at nothing — compose the artifact Object with that key`,
          ),
        );
      }
    }
    return out;
  },
};

export const lambdaWithoutDlq: Rule = {
  id: 'ENV061',
  name: 'lambda-without-dead-letter-queue',
  severity: 'error',
  seed: [seed('s003', '2. Missing Critical Resources (Deployment Blocker)')],
  description: 'A Lambda function has no dead-letter queue for failed asynchronous invocations.',
  check: (ctx) =>
    lambdas(ctx)
      .filter((r) => !hasValueOrReference(block(r.forProvider.deadLetterConfig) ?? {}, 'targetArn'))
      .map((r) =>
        finding(
          r,
          'spec.forProvider.deadLetterConfig.targetArn',
          'no dead-letter queue: failed asynchronous events vanish; set deadLetterConfig.targetArn to the encrypted SQS DLQ',
        ),
      ),
};

export const apiStageWithoutAccountRole: Rule = {
  id: 'ENV062',
  name: 'api-logging-without-account-role',
  severity: 'error',
  seed: [
    seed('s004', '10. API Gateway Logging Configuration'),
    seed('s004', '7. Missing Resource Dependencies'),
  ],
  description:
    'An API Gateway stage writes access logs, but no apigateway Account with a CloudWatch role exists in its region.',
  check(ctx) {
    const out: FindingInput[] = [];
    for (const r of ctx.resources.filter((x) => x.service === 'apigateway' && x.kind === 'Stage')) {
      if (!block(r.forProvider.accessLogSettings)) continue;
      const account = ctx.resources.some(
        (a) =>
          a.service === 'apigateway' &&
          a.kind === 'Account' &&
          a.forProvider.region === r.forProvider.region &&
          hasValueOrReference(a.forProvider, 'cloudwatchRoleArn'),
      );
      if (!account)
        out.push(
          finding(
            r,
            'spec.forProvider.accessLogSettings',
            'access logging is on, but no apigateway Account with cloudwatchRoleArn exists in this region, so no log is ever written; compose the Account with a role trusted by apigateway.amazonaws.com',
          ),
        );
    }
    return out;
  },
};

export const configFrequencies = ['One_Hour', 'Three_Hours', 'Six_Hours', 'Twelve_Hours', 'TwentyFour_Hours'];

export const configDeliveryFrequency: Rule = {
  id: 'ENV063',
  name: 'config-delivery-frequency',
  severity: 'error',
  seed: [seed('s000', '5. Terraform Validation Failures')],
  description: `An AWS Config delivery channel's frequency is not one of ${configFrequencies.join(', ')}.`,
  check: (ctx) =>
    ctx.resources
      .filter((r) => r.service === 'configservice' && r.kind === 'DeliveryChannel')
      .flatMap((r) => {
        const f = block(r.forProvider.snapshotDeliveryProperties)?.deliveryFrequency;
        if (f === undefined || configFrequencies.includes(String(f))) return [];
        return [
          finding(
            r,
            'spec.forProvider.snapshotDeliveryProperties.deliveryFrequency',
            `deliveryFrequency "${String(f)}" is not a value AWS Config accepts; use one of ${configFrequencies.join(', ')}`,
          ),
        ];
      }),
};

export const logGroupRetention: Rule = {
  id: 'ENV073',
  name: 'log-group-without-retention',
  severity: 'error',
  seed: [
    seed('s002', '9. Missing CloudWatch Logging Integration'),
    seed('s000', '10. Complete Monitoring Stack'),
  ],
  description: 'A log group keeps logs forever (no retention) or has a retention CloudWatch rejects.',
  check: (ctx) =>
    ctx.resources
      .filter((r) => r.service === 'cloudwatchlogs' && r.kind === 'Group')
      .flatMap((r) => {
        const days = num(r.forProvider.retentionInDays);
        if (days !== undefined && (logRetentionValues as readonly number[]).includes(days)) return [];
        return [
          finding(
            r,
            'spec.forProvider.retentionInDays',
            days === undefined
              ? 'no retentionInDays: logs are kept (and billed) forever; patch it from the profile or spec.observability.logRetentionDays'
              : `retentionInDays ${days} is not a value CloudWatch Logs accepts; use one of ${logRetentionValues.join(', ')}`,
          ),
        ];
      }),
};

export const alarmWithoutAction: Rule = {
  id: 'ENV074',
  name: 'alarm-without-action',
  severity: 'error',
  seed: [seed('s000', '10. Complete Monitoring Stack'), seed('s004', '7. Missing Resource Dependencies')],
  description: 'A CloudWatch alarm notifies nobody.',
  check: (ctx) =>
    ctx.resources
      .filter((r) => r.service === 'cloudwatch' && (r.kind === 'MetricAlarm' || r.kind === 'CompositeAlarm'))
      .filter((r) => !hasValueOrReference(r.forProvider, 'alarmActions'))
      .map((r) =>
        finding(
          r,
          'spec.forProvider.alarmActions',
          'the alarm has no alarmActions, so it fires into the void; select the alarm SNS topic with alarmActionsSelector',
        ),
      ),
};
