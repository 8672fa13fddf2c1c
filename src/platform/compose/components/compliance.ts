/**
 * Compliance: a multi-region CloudTrail with log file validation to its CMK-encrypted bucket and to
 * CloudWatch Logs; AWS Config (recorder, delivery channel, recorder status); and a monthly cost
 * budget that warns at 80% actual and 100% forecast spend.
 */
import { asString, fromXr } from '../patches.js';
import { arn, templated, type PolicyStatement } from '../policy.js';
import { celEffective, celHas, sibling, type Stack } from '../resource.js';
import { serviceRole } from './compute.js';
import { KMS_KEY_ARN_STATUS, logGroup } from './observability.js';
import { bucket, bucketName, KMS_KEY } from './storage.js';

export const TRAIL = 'trail';
export const TRAIL_ENABLED = `${celEffective('spec.compliance.cloudTrail', 'cloudTrail')} == true`;
export const CONFIG_ENABLED = `${celEffective('spec.compliance.config', 'config')} == true`;
export const BUDGET_ENABLED = celHas('spec.compliance.budget');
/** Config delivers snapshots at one of One_Hour, Three_Hours, Six_Hours, Twelve_Hours, TwentyFour_Hours. */
export const CONFIG_DELIVERY_FREQUENCY = 'TwentyFour_Hours';

const trailArn = 'arn:${partition}:cloudtrail:${region}:${account}:trail/${prefix}-trail';
const trailLogGroup = '/envstack/${prefix}-trail';
const and = (...c: string[]) => c.map((x) => `(${x})`).join(' && ');

function cloudTrailBucketStatements(): PolicyStatement[] {
  const fromTrail = { 'aws:SourceArn': trailArn };
  return [
    {
      Sid: 'CloudTrailAclCheck',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:GetBucketAcl',
      Resource: arn.bucket('cloudtrail'),
      Condition: { StringEquals: fromTrail },
    },
    {
      Sid: 'CloudTrailWrite',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: arn.bucketObjects('cloudtrail', 'AWSLogs/${account}/*'),
      Condition: { StringEquals: { ...fromTrail, 's3:x-amz-acl': 'bucket-owner-full-control' } },
    },
  ];
}

function configBucketStatements(): PolicyStatement[] {
  const fromAccount = { 'aws:SourceAccount': '${account}' };
  return [
    {
      Sid: 'ConfigAclCheck',
      Effect: 'Allow',
      Principal: { Service: 'config.amazonaws.com' },
      Action: ['s3:GetBucketAcl', 's3:ListBucket'],
      Resource: arn.bucket('config'),
      Condition: { StringEquals: fromAccount },
    },
    {
      Sid: 'ConfigWrite',
      Effect: 'Allow',
      Principal: { Service: 'config.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: arn.bucketObjects('config', 'AWSLogs/${account}/Config/*'),
      Condition: { StringEquals: { ...fromAccount, 's3:x-amz-acl': 'bucket-owner-full-control' } },
    },
  ];
}

export function cloudTrail(stack: Stack): void {
  const when = TRAIL_ENABLED;
  bucket(stack, {
    part: 'cloudtrail',
    component: 'compliance',
    encryption: 'kms',
    when,
    expireObjects: true,
    statements: cloudTrailBucketStatements(),
  });
  logGroup(stack, {
    name: 'log-group-trail',
    component: 'compliance',
    awsName: { part: 'trail', prefix: '/envstack/' },
    when,
  });
  serviceRole(stack, {
    name: 'trail-role',
    part: 'trail-logs',
    component: 'compliance',
    service: 'cloudtrail.amazonaws.com',
    when,
    statements: [
      {
        Sid: 'TrailToLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: arn.logGroup(`${trailLogGroup}:log-stream:*`),
      },
    ],
  });
  stack.add('compliance', {
    name: TRAIL,
    service: 'cloudtrail',
    kind: 'Trail',
    when,
    forProvider: {
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      enableLogging: true,
      s3BucketNameSelector: sibling(bucketName('cloudtrail')),
      kmsKeyIdSelector: sibling(KMS_KEY),
      cloudWatchLogsRoleArnSelector: sibling('trail-role'),
      eventSelector: [{ readWriteType: 'All', includeManagementEvents: true }],
    },
    awsName: { part: 'trail', limit: 'trail', via: 'external-name' },
    templates: [templated(arn.logGroup(`${trailLogGroup}:*`), 'spec.forProvider.cloudWatchLogsGroupArn')],
  });
}

export function awsConfig(stack: Stack): void {
  const when = CONFIG_ENABLED;
  bucket(stack, {
    part: 'config',
    component: 'compliance',
    encryption: 'kms',
    when,
    expireObjects: true,
    statements: configBucketStatements(),
  });
  serviceRole(stack, {
    name: 'config-role',
    part: 'config',
    component: 'compliance',
    service: 'config.amazonaws.com',
    when,
    managedPolicies: ['service-role/AWS_ConfigRole'],
    statements: [
      {
        Sid: 'DeliverSnapshots',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: arn.bucketObjects('config', 'AWSLogs/${account}/Config/*'),
        Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } },
      },
      { Sid: 'CheckBucket', Effect: 'Allow', Action: 's3:GetBucketAcl', Resource: arn.bucket('config') },
      {
        Sid: 'EncryptSnapshots',
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: 'arn:${partition}:kms:${region}:${account}:key/*',
        Condition: { StringEquals: { 'kms:ViaService': 's3.${region}.amazonaws.com' } },
      },
    ],
  });
  stack.add('compliance', {
    name: 'config-recorder',
    service: 'configservice',
    kind: 'ConfigurationRecorder',
    when,
    forProvider: {
      roleArnSelector: sibling('config-role'),
      recordingGroup: { allSupported: true, includeGlobalResourceTypes: true },
    },
    awsName: { part: 'config', limit: 'configRecorder', via: 'external-name' },
  });
  stack.add('compliance', {
    name: 'config-delivery-channel',
    service: 'configservice',
    kind: 'DeliveryChannel',
    // Snapshots are encrypted with the CMK: wait for its ARN.
    when: and(when, celHas(KMS_KEY_ARN_STATUS)),
    forProvider: {
      s3BucketNameSelector: sibling(bucketName('config')),
      snapshotDeliveryProperties: { deliveryFrequency: CONFIG_DELIVERY_FREQUENCY },
    },
    awsName: { part: 'config', limit: 'configRecorder', via: 'external-name' },
    patches: [fromXr(KMS_KEY_ARN_STATUS, 'spec.forProvider.s3KmsKeyArn')],
  });
  stack.add('compliance', {
    name: 'config-recorder-status',
    service: 'configservice',
    kind: 'AWSConfigurationRecorderStatus',
    when,
    forProvider: { isEnabled: true },
    // The status is addressed by the recorder's name.
    awsName: { part: 'config', limit: 'configRecorder', via: 'external-name' },
  });
}

export function budget(stack: Stack): void {
  const notification = (threshold: number, notificationType: 'ACTUAL' | 'FORECASTED') => ({
    comparisonOperator: 'GREATER_THAN',
    threshold,
    thresholdType: 'PERCENTAGE',
    notificationType,
  });
  stack.add('compliance', {
    name: 'budget',
    service: 'budgets',
    kind: 'Budget',
    when: BUDGET_ENABLED,
    forProvider: {
      budgetType: 'COST',
      timeUnit: 'MONTHLY',
      limitUnit: 'USD',
      notification: [notification(80, 'ACTUAL'), notification(100, 'FORECASTED')],
    },
    awsName: { part: 'budget', limit: 'budget', via: 'external-name' },
    patches: [
      fromXr('spec.compliance.budget.monthlyUsd', 'spec.forProvider.limitAmount', [asString]),
      fromXr('spec.compliance.budget.email', 'spec.forProvider.notification[0].subscriberEmailAddresses[0]'),
      fromXr('spec.compliance.budget.email', 'spec.forProvider.notification[1].subscriberEmailAddresses[0]'),
    ],
  });
}

export function compliance(stack: Stack): void {
  cloudTrail(stack);
  awsConfig(stack);
  budget(stack);
}
