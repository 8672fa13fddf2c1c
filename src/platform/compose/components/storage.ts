/**
 * The S3 bucket family. Every bucket gets encryption, versioning, a public access block, owner-
 * enforced object ownership, a lifecycle and a policy that denies plain HTTP; service buckets add
 * the statements their service needs. Names are global, so they carry the XR uid hash.
 */
import { arn, policyDocument, policyPatch, type PolicyStatement } from '../policy.js';
import { fromXr, mapTransform } from '../patches.js';
import { profileTable } from '../../api/profiles.js';
import { Construct } from 'constructs';
import type { Condition } from '../conditions.js';
import {
  sibling,
  StackComponent,
  type ComposedResource,
  type Placement,
  type ResourceProps,
} from '../resource.js';
import type { EnvironmentKey } from './encryption.js';

export interface BucketProps {
  /** Composition resource name prefix and AWS name part, e.g. `logs` → `bucket-logs`, `<prefix>-logs-<hash>`. */
  part: string;
  /** Default: the key's region, else primary. */
  placement?: Exclude<Placement, 'global'>;
  when?: Condition;
  /** The key objects are encrypted with; without one, SSE-S3 (the only option for ALB access logs). */
  key?: EnvironmentKey;
  /** Statements besides deny-insecure-transport. */
  statements?: PolicyStatement[];
  /** Expire current objects after the profile's log retention (log buckets). */
  expireObjects?: boolean;
}

function bucketName(part: string): string {
  return `bucket-${part}`;
}

/**
 * An S3 bucket with its encryption, versioning, public access block, ownership, lifecycle and
 * policy, declared in the enclosing component.
 */
export class Bucket extends Construct {
  readonly bucket: ComposedResource;
  readonly policy: ComposedResource;
  /** The AWS name part: the bucket is `<prefix>-<part>-<hash>`. */
  readonly part: string;
  readonly placement: Exclude<Placement, 'global'>;

  constructor(scope: Construct, id: string, props: BucketProps) {
    super(scope, id);
    const { bucket, policy } = declareBucket(this, props);
    this.bucket = bucket;
    this.policy = policy;
    this.part = props.part;
    this.placement = props.placement ?? props.key?.placement ?? 'primary';
  }
}

function declareBucket(
  scope: Bucket,
  props: BucketProps,
): { bucket: ComposedResource; policy: ComposedResource } {
  const component = StackComponent.of(scope);
  const add = (p: ResourceProps) => component.add(p, scope);
  const name = bucketName(props.part);
  const placement = props.placement ?? props.key?.placement ?? 'primary';
  const common = { service: 's3', placement, when: props.when } as const;

  const bucket = add({
    ...common,
    name,
    kind: 'Bucket',
    dataStore: true,
    forProvider: { forceDestroy: false, objectLockEnabled: false },
    awsName: { part: props.part, limit: 's3Bucket', global: true, via: 'external-name' },
    status: { [`status.ids.buckets.${props.part.replace(/-/g, '')}`]: 'status.atProvider.id' },
  });
  add({
    ...common,
    name: `${name}-encryption`,
    kind: 'BucketServerSideEncryptionConfiguration',
    forProvider: {
      bucketSelector: sibling(name),
      rule: [
        props.key
          ? {
              applyServerSideEncryptionByDefault: {
                sseAlgorithm: 'aws:kms',
                kmsMasterKeyIdSelector: props.key.selector,
              },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: false },
      ],
    },
  });
  add({
    ...common,
    name: `${name}-versioning`,
    kind: 'BucketVersioning',
    forProvider: { bucketSelector: sibling(name), versioningConfiguration: { status: 'Enabled' } },
  });
  add({
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
  add({
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
  add({
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
  const policy = add({
    ...common,
    name: `${name}-policy`,
    kind: 'BucketPolicy',
    forProvider: { bucketSelector: sibling(name) },
    templates: [policyPatch(policyDocument(statements), 'spec.forProvider.policy')],
  });
  return { bucket, policy };
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

export interface StorageProps {
  /** Encrypts the buckets. */
  key: EnvironmentKey;
}

/** The environment's log bucket (flow logs and other service logs). */
export class Storage extends StackComponent {
  readonly logs: Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id, 'storage');
    this.logs = new Bucket(this, 'logs', {
      part: 'logs',
      key: props.key,
      expireObjects: true,
      statements: logDeliveryStatements('logs'),
    });
  }
}
