/**
 * Compliance: a multi-region CloudTrail with log file validation to its CMK-encrypted bucket and to
 * CloudWatch Logs; AWS Config (recorder, delivery channel, recorder status); and a monthly cost
 * budget that warns at 80% actual and 100% forecast spend.
 */
import { asString, fromXr } from '../patches.js';
import { arn, templated, type PolicyStatement } from '../policy.js';
import type { Construct } from 'constructs';
import { all, celHas, enabled } from '../conditions.js';
import { sibling, StackComponent } from '../resource.js';
import { serviceRole } from './compute.js';
import type { EnvironmentKey } from './encryption.js';
import { logGroup } from './observability.js';
import { Bucket } from './storage.js';

const TRAIL = 'trail';
/** Config delivers snapshots at one of One_Hour, Three_Hours, Six_Hours, Twelve_Hours, TwentyFour_Hours. */
export const CONFIG_DELIVERY_FREQUENCY = 'TwentyFour_Hours';

const trailArn = 'arn:${partition}:cloudtrail:${region}:${account}:trail/${prefix}-trail';
const trailLogGroup = '/envstack/${prefix}-trail';

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

function cloudTrail(scope: Compliance, key: EnvironmentKey): void {
  const when = enabled.cloudTrail;
  const logs = new Bucket(scope, 'cloudtrail', {
    part: 'cloudtrail',
    key,
    when,
    expireObjects: true,
    statements: cloudTrailBucketStatements(),
  });
  logGroup(scope, {
    name: 'log-group-trail',
    key,
    awsName: { part: 'trail', prefix: '/envstack/' },
    when,
  });
  serviceRole(scope, {
    name: 'trail-role',
    part: 'trail-logs',
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
  scope.add({
    name: TRAIL,
    service: 'cloudtrail',
    kind: 'Trail',
    when,
    forProvider: {
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      enableLogging: true,
      s3BucketNameSelector: sibling(logs.bucket.name),
      kmsKeyIdSelector: key.selector,
      cloudWatchLogsRoleArnSelector: sibling('trail-role'),
      eventSelector: [{ readWriteType: 'All', includeManagementEvents: true }],
    },
    awsName: { part: 'trail', limit: 'trail', via: 'external-name' },
    templates: [templated(arn.logGroup(`${trailLogGroup}:*`), 'spec.forProvider.cloudWatchLogsGroupArn')],
  });
}

function awsConfig(scope: Compliance, key: EnvironmentKey): void {
  const when = enabled.config;
  const snapshots = new Bucket(scope, 'config', {
    part: 'config',
    key,
    when,
    expireObjects: true,
    statements: configBucketStatements(),
  });
  serviceRole(scope, {
    name: 'config-role',
    part: 'config',
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
  scope.add({
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
  scope.add({
    name: 'config-delivery-channel',
    service: 'configservice',
    kind: 'DeliveryChannel',
    // Snapshots are encrypted with the CMK: wait for its ARN.
    when: all(when, celHas(key.arnStatus)),
    forProvider: {
      s3BucketNameSelector: sibling(snapshots.bucket.name),
      snapshotDeliveryProperties: { deliveryFrequency: CONFIG_DELIVERY_FREQUENCY },
    },
    awsName: { part: 'config', limit: 'configRecorder', via: 'external-name' },
    patches: [fromXr(key.arnStatus, 'spec.forProvider.s3KmsKeyArn')],
  });
  scope.add({
    name: 'config-recorder-status',
    service: 'configservice',
    kind: 'AWSConfigurationRecorderStatus',
    when,
    forProvider: { isEnabled: true },
    // The status is addressed by the recorder's name.
    awsName: { part: 'config', limit: 'configRecorder', via: 'external-name' },
  });
}

function budget(scope: Compliance): void {
  const notification = (threshold: number, notificationType: 'ACTUAL' | 'FORECASTED') => ({
    comparisonOperator: 'GREATER_THAN',
    threshold,
    thresholdType: 'PERCENTAGE',
    notificationType,
  });
  scope.add({
    name: 'budget',
    service: 'budgets',
    kind: 'Budget',
    when: enabled.budget,
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

export interface ComplianceProps {
  /** Encrypts the trail, its logs and the Config snapshots. */
  key: EnvironmentKey;
}

/** CloudTrail, AWS Config and the cost budget, each per profile or claim. */
export class Compliance extends StackComponent {
  constructor(scope: Construct, id: string, props: ComplianceProps) {
    super(scope, id, 'compliance');
    cloudTrail(this, props.key);
    awsConfig(this, props.key);
    budget(this);
  }
}
