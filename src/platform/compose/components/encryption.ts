/**
 * Customer-managed KMS keys with rotation and aliases. The key policy keeps the account in control
 * and lets each service that encrypts with the key use it, scoped to this account and region.
 */
import { profileTable } from '../../api/profiles.js';
import { fromXr, mapTransform } from '../patches.js';
import { policyDocument, policyPatch, type PolicyStatement } from '../policy.js';
import type { Construct } from 'constructs';
import type { JsonObject } from '../../../core/json.js';
import type { Condition } from '../conditions.js';
import { sibling, StackComponent, type ComposedResource, type Placement } from '../resource.js';

/** Services that encrypt with the environment key, and how each proves where it acts from. */
function keyPolicyStatements(region: 'region' | 'drRegion'): PolicyStatement[] {
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
const viaServices = ['rds', 'dynamodb', 's3', 'secretsmanager', 'sqs', 'sns', 'lambda', 'ec2'] as const;

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

export interface EnvironmentKeyProps {
  /** The region the key lives in; the DR key belongs to the `dr` component. Default: primary. */
  placement?: Exclude<Placement, 'global'>;
  /** The condition under which the key exists (always when omitted). */
  when?: Condition;
}

/** A customer-managed KMS key with rotation and an alias: the environment's (or the DR region's) key. */
export class EnvironmentKey extends StackComponent {
  /** The key; siblings select it to encrypt with it. */
  readonly key: ComposedResource;
  readonly alias: ComposedResource;
  /** XR status field the key's ARN is reported to, for fields that take the ARN itself. */
  readonly arnStatus: string;
  readonly placement: Exclude<Placement, 'global'>;

  constructor(scope: Construct, id: string, props: EnvironmentKeyProps = {}) {
    const placement = props.placement ?? 'primary';
    const dr = placement === 'dr';
    super(scope, id, dr ? 'dr' : 'encryption');
    this.placement = placement;
    this.arnStatus = dr ? 'status.ids.drKmsKeyArn' : 'status.ids.kmsKeyArn';
    const name = dr ? 'dr-kms-key' : 'kms-key';
    const { when } = props;
    this.key = this.add({
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
        policyPatch(
          policyDocument(keyPolicyStatements(dr ? 'drRegion' : 'region')),
          'spec.forProvider.policy',
        ),
      ],
      status: { [this.arnStatus]: 'status.atProvider.arn' },
    });
    this.alias = this.add({
      name: `${name}-alias`,
      service: 'kms',
      kind: 'Alias',
      placement,
      when,
      forProvider: { targetKeyIdSelector: sibling(name) },
      awsName: { part: dr ? 'dr' : 'main', limit: 'kmsAlias', via: 'external-name', prefix: 'alias/' },
    });
  }

  /** A selector for the key, for `…KeyIdSelector` fields. */
  get selector(): JsonObject {
    return sibling(this.key.name);
  }
}
