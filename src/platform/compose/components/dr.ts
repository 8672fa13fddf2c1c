/**
 * Disaster recovery in the claim's second region: a minimal network peered with the primary VPC,
 * its own key, replicas of the primary buckets, and the database's copy (a cross-region read replica
 * for RDS, a global cluster with a secondary cluster for Aurora). IAM and S3 names are global, so
 * everything here carries a `dr-` part.
 */
import { namePatch } from '../naming.js';
import { fromXr, mapTransform, toXr } from '../patches.js';
import { arn, policyDocument, policyPatch, type PolicyStatement } from '../policy.js';
import { celHas, profileDefault, sibling, type ComposedResource, type Stack } from '../resource.js';
import {
  DATABASE_ARN_STATUS,
  DB_CLUSTER,
  DB_INSTANCE,
  DB_MONITORING_ROLE,
  dbClusterParameterGroup,
  dbParameterGroup,
  dbSubnetGroup,
  engineVersionPatches,
  instanceClassPatches,
  IS_AURORA,
  IS_POSTGRES,
  logExports,
  protectionPatches,
} from './database.js';
import { kmsKey } from './encryption.js';
import { network, zoneCondition, zones } from './network.js';
import { and, DATABASE_ENABLED, databasePortPatches, securityGroup, securityGroupRule } from './security.js';
import { bucket, bucketName, DR_KMS_KEY, logDeliveryStatements } from './storage.js';

export const DR_ENABLED = 'spec.dr.enabled == true';
export const DR_REPLICA = and(DR_ENABLED, "spec.dr.database == 'replica'", DATABASE_ENABLED) as string;

/** Primary buckets whose objects are replicated to the DR region, when the stack composes them. */
export const REPLICATED_BUCKETS = ['logs', 'artifacts'] as const;

export const DR_REPLICATION_ROLE = 'dr-replication-role';
export const DR_PEERING = 'dr-peering';
export const DR_SG_DB = 'dr-sg-db';
export const DR_DB_REPLICA = 'dr-db-replica';
export const DB_GLOBAL_CLUSTER = 'db-global-cluster';
export const DR_DB_CLUSTER = 'dr-db-cluster';
export const DR_KMS_KEY_ARN_STATUS = 'status.ids.drKmsKeyArn';
export const GLOBAL_CLUSTER_ARN_STATUS = 'status.ids.globalClusterArn';

/** Call last: after network, encryption, storage, security and database. */
export function dr(stack: Stack): void {
  network(stack, { placement: 'dr', minimal: true, extraWhen: DR_ENABLED });
  kmsKey(stack, 'dr', DR_ENABLED);
  bucket(stack, {
    part: 'dr-logs',
    component: 'dr',
    placement: 'dr',
    when: DR_ENABLED,
    encryption: 'kms',
    expireObjects: true,
    statements: logDeliveryStatements('dr-logs'),
  });
  const replicated = REPLICATED_BUCKETS.filter((part) =>
    stack.resources.some((r) => r.name === bucketName(part)),
  );
  for (const part of replicated) {
    if (part !== 'logs')
      bucket(stack, {
        part: `dr-${part}`,
        component: 'dr',
        placement: 'dr',
        when: DR_ENABLED,
        encryption: 'kms',
      });
  }
  if (replicated.length > 0) replication(stack, replicated);
  peering(stack);
  replicaDatabase(stack);
}

/** S3 may read the primary buckets and write their DR copies, decrypting and encrypting with the two keys. */
function replicationStatements(parts: readonly string[]): PolicyStatement[] {
  const s3Via = (region: 'region' | 'drRegion') => `s3.\${${region}}.amazonaws.com`;
  const bucketContext = (ps: string[]) => ps.flatMap((p) => [arn.bucket(p), arn.bucketObjects(p)]);
  const dr = parts.map((p) => `dr-${p}`);
  return [
    {
      Sid: 'ReadSourceConfiguration',
      Effect: 'Allow',
      Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
      Resource: parts.map((p) => arn.bucket(p)),
    },
    {
      Sid: 'ReadSourceVersions',
      Effect: 'Allow',
      Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
      Resource: parts.map((p) => arn.bucketObjects(p)),
    },
    {
      Sid: 'WriteReplicas',
      Effect: 'Allow',
      Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
      Resource: dr.map((p) => arn.bucketObjects(p)),
    },
    {
      Sid: 'DecryptSource',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      // Key ids are assigned by AWS; the alias condition narrows key/* to this environment's key.
      Resource: 'arn:${partition}:kms:${region}:${account}:key/*',
      Condition: {
        StringEquals: { 'kms:ViaService': s3Via('region') },
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/${prefix}-main' },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': bucketContext([...parts]) },
      },
    },
    {
      Sid: 'EncryptReplicas',
      Effect: 'Allow',
      Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: 'arn:${partition}:kms:${drRegion}:${account}:key/*',
      Condition: {
        StringEquals: { 'kms:ViaService': s3Via('drRegion') },
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/${prefix}-dr' },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': bucketContext(dr) },
      },
    },
  ];
}

function replication(stack: Stack, parts: readonly string[]): void {
  stack.add('dr', {
    name: DR_REPLICATION_ROLE,
    service: 'iam',
    kind: 'Role',
    when: DR_ENABLED,
    forProvider: {
      description: 'S3 replication of the environment buckets to the DR region',
      // A trust policy names no Resource.
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    },
    awsName: { part: 'dr-s3-replication', limit: 'iamRole', via: 'external-name' },
  });
  stack.add('dr', {
    name: `${DR_REPLICATION_ROLE}-policy`,
    service: 'iam',
    kind: 'RolePolicy',
    when: DR_ENABLED,
    forProvider: { roleSelector: sibling(DR_REPLICATION_ROLE) },
    awsName: { part: 'dr-s3-replication', limit: 'iamPolicy', via: 'external-name' },
    templates: [policyPatch(policyDocument(replicationStatements(parts)), 'spec.forProvider.policy')],
  });
  for (const part of parts) {
    stack.add('dr', {
      name: `${bucketName(part)}-replication`,
      service: 's3',
      kind: 'BucketReplicationConfiguration',
      // The replica key must be given by ARN, which only the observed DR key reports.
      when: and(DR_ENABLED, celHas(DR_KMS_KEY_ARN_STATUS)),
      forProvider: {
        bucketSelector: sibling(bucketName(part)),
        roleSelector: sibling(DR_REPLICATION_ROLE),
        rule: [
          {
            id: 'to-dr-region',
            status: 'Enabled',
            filter: { prefix: '' },
            deleteMarkerReplication: { status: 'Enabled' },
            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
            destination: { bucketSelector: sibling(bucketName(`dr-${part}`)), storageClass: 'STANDARD_IA' },
          },
        ],
      },
      patches: [
        fromXr(
          DR_KMS_KEY_ARN_STATUS,
          'spec.forProvider.rule[0].destination.encryptionConfiguration.replicaKmsKeyId',
        ),
      ],
    });
  }
}

/** The app (primary private subnets) reaches the DR database (DR isolated subnets), and back. */
function peering(stack: Stack): void {
  stack.add('dr', {
    name: DR_PEERING,
    service: 'ec2',
    kind: 'VPCPeeringConnection',
    when: DR_ENABLED,
    forProvider: { vpcIdSelector: sibling('vpc'), peerVpcIdSelector: sibling('dr-vpc'), autoAccept: false },
    patches: [fromXr('spec.dr.region', 'spec.forProvider.peerRegion')],
  });
  stack.add('dr', {
    name: `${DR_PEERING}-accepter`,
    service: 'ec2',
    kind: 'VPCPeeringConnectionAccepter',
    placement: 'dr',
    when: DR_ENABLED,
    forProvider: { vpcPeeringConnectionIdSelector: sibling(DR_PEERING), autoAccept: true },
  });
  for (const zone of zones) {
    stack.add('dr', {
      name: `${DR_PEERING}-route-private-${zone}`,
      service: 'ec2',
      kind: 'Route',
      when: and(DR_ENABLED, zoneCondition(zone)),
      forProvider: {
        routeTableIdSelector: sibling(`rt-private-${zone}`),
        vpcPeeringConnectionIdSelector: sibling(DR_PEERING),
      },
      patches: [fromXr('spec.dr.cidr', 'spec.forProvider.destinationCidrBlock')],
    });
  }
  stack.add('dr', {
    name: `${DR_PEERING}-route-dr-isolated`,
    service: 'ec2',
    kind: 'Route',
    placement: 'dr',
    when: DR_ENABLED,
    forProvider: {
      routeTableIdSelector: sibling('dr-rt-isolated'),
      vpcPeeringConnectionIdSelector: sibling(DR_PEERING),
    },
    patches: [fromXr('spec.network.cidr', 'spec.forProvider.destinationCidrBlock')],
  });
}

function replicaDatabase(stack: Stack): void {
  const when = DR_REPLICA;
  const subnets = dbSubnetGroup(stack, { placement: 'dr', when });
  securityGroup(stack, {
    name: DR_SG_DB,
    part: 'db',
    placement: 'dr',
    component: 'dr',
    when,
    description: 'DR database: from the primary VPC through the peering only',
  });
  securityGroupRule(stack, {
    group: DR_SG_DB,
    rule: 'in-primary',
    direction: 'ingress',
    description: 'From the primary VPC (peered)',
    peer: { cidrFrom: 'spec.network.cidr' },
    placement: 'dr',
    component: 'dr',
    when,
    patches: databasePortPatches(),
  });
  securityGroupRule(stack, {
    group: DR_SG_DB,
    rule: 'out-vpc',
    direction: 'egress',
    description: 'Nothing leaves the DR VPC',
    port: 443,
    peer: { cidrFrom: 'spec.dr.cidr' },
    placement: 'dr',
    component: 'dr',
    when,
  });
  const params = dbParameterGroup(stack, { placement: 'dr', when });
  const clusterParams = dbClusterParameterGroup(stack, { placement: 'dr', when });
  const monitoring = {
    monitoringInterval: 60,
    monitoringRoleArnSelector: sibling(DB_MONITORING_ROLE),
    autoMinorVersionUpgrade: true,
    copyTagsToSnapshot: true,
    publiclyAccessible: false,
  };

  const replica = stack.add('dr', {
    name: DR_DB_REPLICA,
    service: 'rds',
    kind: 'Instance',
    placement: 'dr',
    // A replica without its source would be created as an empty standalone database.
    when: and(when, IS_POSTGRES, celHas(DATABASE_ARN_STATUS)),
    dataStore: true,
    forProvider: {
      storageType: 'gp3',
      storageEncrypted: true,
      kmsKeyIdSelector: sibling(DR_KMS_KEY),
      dbSubnetGroupNameSelector: sibling(`dr-db-subnet-group`),
      parameterGroupNameSelector: sibling(`dr-db-parameter-group`),
      vpcSecurityGroupIdSelector: sibling(DR_SG_DB),
      // RDS takes no final snapshot of a read replica.
      skipFinalSnapshot: true,
      ...monitoring,
    },
    awsName: { part: 'dr-db', limit: 'rdsIdentifier', via: { parameter: 'identifier' } },
    patches: [
      // Cross-region replicas name their source by ARN.
      fromXr(DATABASE_ARN_STATUS, 'spec.forProvider.replicateSourceDb'),
      ...instanceClassPatches(),
      ...profileDefault('dbMultiAz', 'spec.database.multiAz', 'spec.forProvider.multiAz'),
      ...profileDefault(
        'dbPerformanceInsights',
        'spec.database.performanceInsights',
        'spec.forProvider.performanceInsightsEnabled',
      ),
      ...protectionPatches().filter((p) => p.toFieldPath !== 'spec.forProvider.skipFinalSnapshot'),
      toXr('status.atProvider.address', 'status.endpoints.drDatabase'),
    ],
  });

  const global = stack.add('dr', {
    name: DB_GLOBAL_CLUSTER,
    service: 'rds',
    kind: 'GlobalCluster',
    when: and(when, IS_AURORA),
    forProvider: { sourceDbClusterIdentifierSelector: sibling(DB_CLUSTER), forceDestroy: true },
    awsName: { part: 'db-global', limit: 'rdsIdentifier', via: 'external-name' },
    patches: [
      ...profileDefault(
        'dbDeletionProtection',
        'spec.database.deletionProtection',
        'spec.forProvider.deletionProtection',
      ),
      toXr('status.atProvider.arn', GLOBAL_CLUSTER_ARN_STATUS),
    ],
  });
  const secondary = stack.add('dr', {
    name: DR_DB_CLUSTER,
    service: 'rds',
    kind: 'Cluster',
    placement: 'dr',
    // Joins the global cluster by name once it exists; before that AWS would refuse it.
    when: and(when, IS_AURORA, celHas(GLOBAL_CLUSTER_ARN_STATUS)),
    dataStore: true,
    forProvider: {
      engineMode: 'provisioned',
      storageEncrypted: true,
      kmsKeyIdSelector: sibling(DR_KMS_KEY),
      dbSubnetGroupNameSelector: sibling('dr-db-subnet-group'),
      dbClusterParameterGroupNameSelector: sibling('dr-db-cluster-parameter-group'),
      vpcSecurityGroupIdSelector: sibling(DR_SG_DB),
      copyTagsToSnapshot: true,
      skipFinalSnapshot: true,
    },
    awsName: { part: 'dr-db', limit: 'rdsIdentifier', via: 'external-name' },
    patches: [
      fromXr('spec.database.engine', 'spec.forProvider.engine'),
      ...engineVersionPatches(),
      namePatch({ part: 'db-global', limit: 'rdsIdentifier' }, 'spec.forProvider.globalClusterIdentifier'),
      fromXr('spec.database.engine', 'spec.forProvider.enabledCloudwatchLogsExports', [
        mapTransform(logExports),
      ]),
      ...profileDefault(
        'dbDeletionProtection',
        'spec.database.deletionProtection',
        'spec.forProvider.deletionProtection',
      ),
      ...profileDefault(
        'dbBackupRetentionDays',
        'spec.database.backupRetentionDays',
        'spec.forProvider.backupRetentionPeriod',
      ),
      toXr('status.atProvider.endpoint', 'status.endpoints.drDatabase'),
    ],
  });
  const secondaryInstance = stack.add('dr', {
    name: `${DR_DB_CLUSTER}-instance-1`,
    service: 'rds',
    kind: 'ClusterInstance',
    placement: 'dr',
    when: secondary.when,
    forProvider: {
      clusterIdentifierSelector: sibling(DR_DB_CLUSTER),
      dbSubnetGroupNameSelector: sibling('dr-db-subnet-group'),
      ...monitoring,
    },
    awsName: { part: 'dr-db-1', limit: 'rdsIdentifier', via: 'external-name' },
    patches: [
      fromXr('spec.database.engine', 'spec.forProvider.engine'),
      ...engineVersionPatches(),
      ...instanceClassPatches(),
      ...profileDefault(
        'dbPerformanceInsights',
        'spec.database.performanceInsights',
        'spec.forProvider.performanceInsightsEnabled',
      ),
    ],
  });

  const uses = (db: ComposedResource, parameterGroup: ComposedResource) => {
    stack.usage(stack.get(DR_KMS_KEY), db);
    stack.usage(subnets, db);
    stack.usage(parameterGroup, db);
    stack.usage(stack.get(DR_SG_DB), db);
  };
  uses(replica, params);
  uses(secondary, clusterParams);
  stack.usage(secondary, secondaryInstance);
  stack.usage(global, secondary);
  // The primary goes last: RDS would promote a replica, and refuses a global cluster's primary.
  stack.usage(stack.get(DB_INSTANCE), replica);
  stack.usage(stack.get(DB_CLUSTER), global);
}
