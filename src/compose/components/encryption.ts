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
    {
      Sid: 'ServicesInThisAccount',
      Effect: 'Allow',
      Principal: {
        Service: [
          'sns.amazonaws.com',
          'cloudtrail.amazonaws.com',
          'config.amazonaws.com',
          'delivery.logs.amazonaws.com',
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
          'kms:ViaService': [
            `rds.\${${region}}.amazonaws.com`,
            `dynamodb.\${${region}}.amazonaws.com`,
            `s3.\${${region}}.amazonaws.com`,
            `secretsmanager.\${${region}}.amazonaws.com`,
            `sqs.\${${region}}.amazonaws.com`,
            `lambda.\${${region}}.amazonaws.com`,
            `ec2.\${${region}}.amazonaws.com`,
          ],
        },
      },
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
