/**
 * Customer-managed KMS keys with rotation and aliases. The key policy keeps the account in control
 * and lets each service that encrypts with the key use it, scoped to this account and region.
 */
import { profileTable } from '../../api/profiles.js';
import { fromXr, mapTransform } from '../patches.js';
import { policyDocument, policyPatch, type PolicyStatement } from '../policy.js';
import { sibling, type Placement, type Stack } from '../resource.js';
import { DR_KMS_KEY, KMS_KEY } from './storage.js';

/** Services that encrypt with the environment key, and how each proves where it acts from. */
export function keyPolicyStatements(region: 'region' | 'drRegion'): PolicyStatement[] {
  const inAccount = { StringEquals: { 'kms:CallerAccount': '${account}' } };
  const actions = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'];
  return [
    {
      Sid: 'AccountAdministers',
      Effect: 'Allow',
      Principal: { AWS: 'arn:${partition}:iam::${account}:root' },
      Action: 'kms:*',
      // In a key policy "*" means this key; it is the only resource a key policy can name.
      Resource: '*',
    },
    {
      Sid: 'CloudWatchLogs',
      Effect: 'Allow',
      Principal: { Service: `logs.\${${region}}.amazonaws.com` },
      Action: actions,
      Resource: '*',
      Condition: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:\${partition}:logs:\${${region}}:\${account}:log-group:*`,
        },
      },
    },
    ...(region === 'region' ? cloudTrailStatements() : []),
    {
      Sid: 'ServicesInThisAccount',
      Effect: 'Allow',
      Principal: {
        Service: [
          'sns.amazonaws.com',
          'config.amazonaws.com',
          'delivery.logs.amazonaws.com',
          // CloudWatch alarms and EventBridge publish to the encrypted SNS topic and SQS queues.
          'cloudwatch.amazonaws.com',
          'events.amazonaws.com',
        ],
      },
      Action: actions,
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': '${account}' } },
    },
    {
      Sid: 'AwsServicesOnBehalfOfAccount',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: [...actions, 'kms:CreateGrant', 'kms:ListGrants'],
      Resource: '*',
      Condition: {
        ...inAccount,
        StringLike: {
          'kms:ViaService': viaServices.map((s) => `${s}.\${${region}}.amazonaws.com`),
        },
      },
    },
  ];
}

/** Services whose calls on behalf of this account's principals may use the key. */
export const viaServices = [
  'rds',
  'dynamodb',
  's3',
  'secretsmanager',
  'sqs',
  'sns',
  'lambda',
  'ec2',
] as const;

/**
 * CloudTrail's required sections: encrypt log and digest files for this environment's trails,
 * describe the key, and let principals of this account decrypt what CloudTrail wrote.
 */
function cloudTrailStatements(): PolicyStatement[] {
  const trails = {
    'kms:EncryptionContext:aws:cloudtrail:arn': 'arn:${partition}:cloudtrail:*:${account}:trail/*',
  };
  const ours = { 'aws:SourceArn': 'arn:${partition}:cloudtrail:${region}:${account}:trail/${prefix}-*' };
  return [
    {
      Sid: 'CloudTrailEncryptsLogs',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: { StringLike: trails, ArnLike: ours },
    },
    {
      Sid: 'CloudTrailDescribesKey',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:DescribeKey',
      Resource: '*',
      Condition: { ArnLike: ours },
    },
    {
      Sid: 'AccountReadsCloudTrailLogs',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['kms:Decrypt', 'kms:ReEncryptFrom'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:CallerAccount': '${account}' }, StringLike: trails },
    },
  ];
}

export function kmsKey(stack: Stack, placement: Placement = 'primary', when?: string): void {
  const dr = placement === 'dr';
  const name = dr ? DR_KMS_KEY : KMS_KEY;
  stack.add(dr ? 'dr' : 'encryption', {
    name,
    service: 'kms',
    kind: 'Key',
    placement,
    when,
    dataStore: true,
    forProvider: {
      description: dr ? 'envstack DR environment key' : 'envstack environment key',
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      keyUsage: 'ENCRYPT_DECRYPT',
      customerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    },
    patches: [
      fromXr('spec.environment', 'spec.forProvider.deletionWindowInDays', [
        mapTransform(profileTable('kmsDeletionWindowDays')),
      ]),
    ],
    templates: [
      policyPatch(policyDocument(keyPolicyStatements(dr ? 'drRegion' : 'region')), 'spec.forProvider.policy'),
    ],
    status: { [dr ? 'status.ids.drKmsKeyArn' : 'status.ids.kmsKeyArn']: 'status.atProvider.arn' },
  });
  stack.add(dr ? 'dr' : 'encryption', {
    name: `${name}-alias`,
    service: 'kms',
    kind: 'Alias',
    placement,
    when,
    forProvider: { targetKeyIdSelector: sibling(name) },
    awsName: { part: dr ? 'dr' : 'main', limit: 'kmsAlias', via: 'external-name', prefix: 'alias/' },
  });
}

export function encryption(stack: Stack): void {
  kmsKey(stack);
}
