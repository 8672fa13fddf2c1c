/**
 * The S3 bucket family. Every bucket gets encryption, versioning, a public access block, owner-
 * enforced object ownership, a lifecycle and a policy that denies plain HTTP; service buckets add
 * the statements their service needs. Names are global, so they carry the XR uid hash.
 */
import { arn, policyDocument, policyPatch, type PolicyStatement } from '../policy.js';
import { fromXr, mapTransform } from '../patches.js';
import { profileTable } from '../../api/profiles.js';
import { sibling, type Component, type Placement, type Stack } from '../resource.js';

export const KMS_KEY = 'kms-key';
export const DR_KMS_KEY = 'dr-kms-key';

export interface BucketProps {
  /** Composition resource name prefix and AWS name part, e.g. `logs` → `bucket-logs`, `<prefix>-logs-<hash>`. */
  part: string;
  component?: Component;
  placement?: Placement;
  when?: string;
  /** `kms` (the environment's CMK) or `s3` (SSE-S3: the only option for ALB access logs). */
  encryption: 'kms' | 's3';
  /** Statements besides deny-insecure-transport. */
  statements?: PolicyStatement[];
  /** Expire current objects after the profile's log retention (log buckets). */
  expireObjects?: boolean;
}

export function bucketName(part: string): string {
  return `bucket-${part}`;
}

export function bucket(stack: Stack, props: BucketProps): void {
  const name = bucketName(props.part);
  const component = props.component ?? 'storage';
  const placement = props.placement ?? 'primary';
  const common = { service: 's3', placement, when: props.when } as const;
  const dr = placement === 'dr';
  const key = dr ? DR_KMS_KEY : KMS_KEY;

  stack.add(component, {
    ...common,
    name,
    kind: 'Bucket',
    dataStore: true,
    forProvider: { forceDestroy: false, objectLockEnabled: false },
    awsName: { part: props.part, limit: 's3Bucket', global: true, via: 'external-name' },
    status: { [`status.ids.buckets.${props.part.replace(/-/g, '')}`]: 'status.atProvider.id' },
  });
  stack.add(component, {
    ...common,
    name: `${name}-encryption`,
    kind: 'BucketServerSideEncryptionConfiguration',
    forProvider: {
      bucketSelector: sibling(name),
      rule: [
        props.encryption === 'kms'
          ? {
              applyServerSideEncryptionByDefault: {
                sseAlgorithm: 'aws:kms',
                kmsMasterKeyIdSelector: sibling(key),
              },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: false },
      ],
    },
  });
  stack.add(component, {
    ...common,
    name: `${name}-versioning`,
    kind: 'BucketVersioning',
    forProvider: { bucketSelector: sibling(name), versioningConfiguration: { status: 'Enabled' } },
  });
  stack.add(component, {
    ...common,
    name: `${name}-public-access-block`,
    kind: 'BucketPublicAccessBlock',
    forProvider: {
      bucketSelector: sibling(name),
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
  });
  stack.add(component, {
    ...common,
    name: `${name}-ownership`,
    kind: 'BucketOwnershipControls',
    forProvider: { bucketSelector: sibling(name), rule: { objectOwnership: 'BucketOwnerEnforced' } },
  });
  const rule: Record<string, unknown> = {
    id: 'retention',
    status: 'Enabled',
    filter: [{ prefix: '' }],
    abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
    noncurrentVersionExpiration: [{ noncurrentDays: 30 }],
    transition: [{ days: 30, storageClass: 'STANDARD_IA' }],
  };
  stack.add(component, {
    ...common,
    name: `${name}-lifecycle`,
    kind: 'BucketLifecycleConfiguration',
    forProvider: { bucketSelector: sibling(name), rule: [rule] },
    patches: props.expireObjects
      ? [
          fromXr('spec.environment', 'spec.forProvider.rule[0].expiration[0].days', [
            mapTransform(profileTable('logBucketExpirationDays')),
          ]),
        ]
      : [],
  });
  const statements: PolicyStatement[] = [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [arn.bucket(props.part), arn.bucketObjects(props.part)],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    ...(props.statements ?? []),
  ];
  stack.add(component, {
    ...common,
    name: `${name}-policy`,
    kind: 'BucketPolicy',
    forProvider: { bucketSelector: sibling(name) },
    templates: [policyPatch(policyDocument(statements), 'spec.forProvider.policy')],
  });
}

/** The log delivery service writing under AWSLogs/<account>/ (VPC flow logs). */
export function logDeliveryStatements(part: string): PolicyStatement[] {
  const source = { StringEquals: { 'aws:SourceAccount': '${account}' } };
  return [
    {
      Sid: 'LogDeliveryWrite',
      Effect: 'Allow',
      Principal: { Service: 'delivery.logs.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: arn.bucketObjects(part, 'AWSLogs/${account}/*'),
      Condition: {
        StringEquals: { 'aws:SourceAccount': '${account}', 's3:x-amz-acl': 'bucket-owner-full-control' },
      },
    },
    {
      Sid: 'LogDeliveryAclCheck',
      Effect: 'Allow',
      Principal: { Service: 'delivery.logs.amazonaws.com' },
      Action: ['s3:GetBucketAcl', 's3:ListBucket'],
      Resource: arn.bucket(part),
      Condition: source,
    },
  ];
}

export function storage(stack: Stack): void {
  bucket(stack, {
    part: 'logs',
    encryption: 'kms',
    expireObjects: true,
    statements: logDeliveryStatements('logs'),
  });
}
