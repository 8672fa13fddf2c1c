/**
 * Disaster recovery in the claim's second region: a minimal network peered with the primary VPC,
 * its own key, replicas of the primary buckets, and the database's copy (a cross-region read replica
 * for RDS, a global cluster with a secondary cluster for Aurora). IAM and S3 names are global, so
 * everything here carries a `dr-` part.
 */
import type { Construct } from 'constructs';
import { and, celHas, enabled, engine } from '../conditions.js';
import { namePatch } from '../naming.js';
import { fromXr, mapTransform, toXr } from '../patches.js';
import { arn, policyDocument, policyPatch, type PolicyStatement } from '../policy.js';
import { profileDefault, sibling, StackComponent, type ComposedResource } from '../resource.js';
import {
  dbClusterParameterGroup,
  dbParameterGroup,
  dbSubnetGroup,
  engineVersionPatches,
  instanceClassPatches,
  logExports,
  protectionPatches,
  type Database,
} from './database.js';
import { EnvironmentKey } from './encryption.js';
import { Network, zoneCondition, zones } from './network.js';
import { databasePortPatches, securityGroup, securityGroupRule } from './security.js';
import { Bucket, logDeliveryStatements } from './storage.js';

const DR_ENABLED = enabled.dr;
const DR_REPLICA = and(DR_ENABLED, "spec.dr.database == 'replica'", enabled.database);

const DR_REPLICATION_ROLE = 'dr-replication-role';
const DR_PEERING = 'dr-peering';
const DR_SG_DB = 'dr-sg-db';
const DR_DB_REPLICA = 'dr-db-replica';
const DB_GLOBAL_CLUSTER = 'db-global-cluster';
const DR_DB_CLUSTER = 'dr-db-cluster';
const GLOBAL_CLUSTER_ARN_STATUS = 'status.ids.globalClusterArn';

export interface DisasterRecoveryProps {
  /** The primary network, peered with the DR one. */
  network: Network;
  /** The primary database, copied by a cross-region replica or a global cluster. */
  database: Database;
  /** The primary log bucket, replicated to the DR log bucket. */
  logs: Bucket;
  /** Further primary buckets replicated to a DR copy of their own. */
  replicate?: Bucket[];
}

/** The DR region's network, key, bucket replicas and database copy; exists when the claim enables DR. */
export class DisasterRecovery extends StackComponent {
  readonly network: Network;
  readonly key: EnvironmentKey;

  constructor(scope: Construct, id: string, props: DisasterRecoveryProps) {
    super(scope, id, 'dr');
    this.network = new Network(this, 'network', { placement: 'dr', minimal: true, when: DR_ENABLED });
    this.key = new EnvironmentKey(this, 'key', { placement: 'dr', when: DR_ENABLED });
    const logs = new Bucket(this, 'logs', {
      part: 'dr-logs',
      key: this.key,
      when: DR_ENABLED,
      expireObjects: true,
      statements: logDeliveryStatements('dr-logs'),
    });
    this.network.addFlowLogs(logs);
    const copies: Array<[Bucket, Bucket]> = [
      [props.logs, logs],
      ...(props.replicate ?? []).map((source): [Bucket, Bucket] => [
        source,
        new Bucket(this, `copy-${source.part}`, {
          part: `dr-${source.part}`,
          key: this.key,
          when: DR_ENABLED,
        }),
      ]),
    ];
    replication(this, copies);
    peering(this, props.network);
    replicaDatabase(this, props.database);
  }
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

/** Replicates each source bucket to its DR copy. */
function replication(scope: DisasterRecovery, copies: ReadonlyArray<[Bucket, Bucket]>): void {
  const parts = copies.map(([source]) => source.part);
  scope.add({
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
  scope.add({
    name: `${DR_REPLICATION_ROLE}-policy`,
    service: 'iam',
    kind: 'RolePolicy',
    when: DR_ENABLED,
    forProvider: { roleSelector: sibling(DR_REPLICATION_ROLE) },
    awsName: { part: 'dr-s3-replication', limit: 'iamPolicy', via: 'external-name' },
    templates: [policyPatch(policyDocument(replicationStatements(parts)), 'spec.forProvider.policy')],
  });
  for (const [source, copy] of copies) {
    scope.add({
      name: `${source.bucket.name}-replication`,
      service: 's3',
      kind: 'BucketReplicationConfiguration',
      // The replica key must be given by ARN, which only the observed DR key reports.
      when: and(DR_ENABLED, celHas(scope.key.arnStatus)),
      forProvider: {
        bucketSelector: sibling(source.bucket.name),
        roleSelector: sibling(DR_REPLICATION_ROLE),
        rule: [
          {
            id: 'to-dr-region',
            status: 'Enabled',
            filter: { prefix: '' },
            deleteMarkerReplication: { status: 'Enabled' },
            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
            destination: { bucketSelector: sibling(copy.bucket.name), storageClass: 'STANDARD_IA' },
          },
        ],
      },
      patches: [
        fromXr(
          scope.key.arnStatus,
          'spec.forProvider.rule[0].destination.encryptionConfiguration.replicaKmsKeyId',
        ),
      ],
    });
  }
}

/** The app (primary private subnets) reaches the DR database (DR isolated subnets), and back. */
function peering(scope: DisasterRecovery, primary: Network): void {
  scope.add({
    name: DR_PEERING,
    service: 'ec2',
    kind: 'VPCPeeringConnection',
    when: DR_ENABLED,
    forProvider: {
      vpcIdSelector: sibling(primary.vpc.name),
      peerVpcIdSelector: sibling(scope.network.vpc.name),
      autoAccept: false,
    },
    patches: [fromXr('spec.dr.region', 'spec.forProvider.peerRegion')],
  });
  scope.add({
    name: `${DR_PEERING}-accepter`,
    service: 'ec2',
    kind: 'VPCPeeringConnectionAccepter',
    placement: 'dr',
    when: DR_ENABLED,
    forProvider: { vpcPeeringConnectionIdSelector: sibling(DR_PEERING), autoAccept: true },
  });
  for (const zone of zones) {
    scope.add({
      name: `${DR_PEERING}-route-private-${zone}`,
      service: 'ec2',
      kind: 'Route',
      when: and(DR_ENABLED, zoneCondition(zone)),
      forProvider: {
        routeTableIdSelector: sibling(primary.routeTable('private', zone).name),
        vpcPeeringConnectionIdSelector: sibling(DR_PEERING),
      },
      patches: [fromXr('spec.dr.cidr', 'spec.forProvider.destinationCidrBlock')],
    });
  }
  scope.add({
    name: `${DR_PEERING}-route-dr-isolated`,
    service: 'ec2',
    kind: 'Route',
    placement: 'dr',
    when: DR_ENABLED,
    forProvider: {
      routeTableIdSelector: sibling(scope.network.routeTable('isolated').name),
      vpcPeeringConnectionIdSelector: sibling(DR_PEERING),
    },
    patches: [fromXr('spec.network.cidr', 'spec.forProvider.destinationCidrBlock')],
  });
}

function replicaDatabase(scope: DisasterRecovery, primary: Database): void {
  const when = DR_REPLICA;
  const subnets = dbSubnetGroup(scope, { placement: 'dr', when });
  const sg = securityGroup(scope, {
    name: DR_SG_DB,
    part: 'db',
    network: scope.network,
    when,
    description: 'DR database: from the primary VPC through the peering only',
  });
  securityGroupRule(scope, {
    group: sg,
    rule: 'in-primary',
    direction: 'ingress',
    description: 'From the primary VPC (peered)',
    peer: { cidrFrom: 'spec.network.cidr' },
    placement: 'dr',
    when,
    patches: databasePortPatches(),
  });
  securityGroupRule(scope, {
    group: sg,
    rule: 'out-vpc',
    direction: 'egress',
    description: 'Nothing leaves the DR VPC',
    port: 443,
    peer: { cidrFrom: 'spec.dr.cidr' },
    placement: 'dr',
    when,
  });
  const params = dbParameterGroup(scope, { placement: 'dr', when });
  const clusterParams = dbClusterParameterGroup(scope, { placement: 'dr', when });
  const monitoring = {
    monitoringInterval: 60,
    monitoringRoleArnSelector: sibling(primary.monitoringRole.name),
    autoMinorVersionUpgrade: true,
    copyTagsToSnapshot: true,
    publiclyAccessible: false,
  };

  const replica = scope.add({
    name: DR_DB_REPLICA,
    service: 'rds',
    kind: 'Instance',
    placement: 'dr',
    // A replica without its source would be created as an empty standalone database.
    when: and(when, engine.postgres, celHas(primary.arnStatus)),
    dataStore: true,
    forProvider: {
      storageType: 'gp3',
      storageEncrypted: true,
      kmsKeyIdSelector: scope.key.selector,
      dbSubnetGroupNameSelector: sibling(subnets.name),
      parameterGroupNameSelector: sibling(params.name),
      vpcSecurityGroupIdSelector: sibling(sg.name),
      // RDS takes no final snapshot of a read replica.
      skipFinalSnapshot: true,
      ...monitoring,
    },
    awsName: { part: 'dr-db', limit: 'rdsIdentifier', via: { parameter: 'identifier' } },
    patches: [
      // Cross-region replicas name their source by ARN.
      fromXr(primary.arnStatus, 'spec.forProvider.replicateSourceDb'),
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

  const global = scope.add({
    name: DB_GLOBAL_CLUSTER,
    service: 'rds',
    kind: 'GlobalCluster',
    when: and(when, engine.aurora),
    forProvider: { sourceDbClusterIdentifierSelector: sibling(primary.cluster.name), forceDestroy: true },
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
  const secondary = scope.add({
    name: DR_DB_CLUSTER,
    service: 'rds',
    kind: 'Cluster',
    placement: 'dr',
    // Joins the global cluster by name once it exists; before that AWS would refuse it.
    when: and(when, engine.aurora, celHas(GLOBAL_CLUSTER_ARN_STATUS)),
    dataStore: true,
    forProvider: {
      engineMode: 'provisioned',
      storageEncrypted: true,
      kmsKeyIdSelector: scope.key.selector,
      dbSubnetGroupNameSelector: sibling(subnets.name),
      dbClusterParameterGroupNameSelector: sibling(clusterParams.name),
      vpcSecurityGroupIdSelector: sibling(sg.name),
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
  const secondaryInstance = scope.add({
    name: `${DR_DB_CLUSTER}-instance-1`,
    service: 'rds',
    kind: 'ClusterInstance',
    placement: 'dr',
    when: secondary.when,
    forProvider: {
      clusterIdentifierSelector: sibling(DR_DB_CLUSTER),
      dbSubnetGroupNameSelector: sibling(subnets.name),
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
    scope.usage(scope.key.key, db);
    scope.usage(subnets, db);
    scope.usage(parameterGroup, db);
    scope.usage(sg, db);
  };
  uses(replica, params);
  uses(secondary, clusterParams);
  scope.usage(secondary, secondaryInstance);
  scope.usage(global, secondary);
  // The primary goes last: RDS would promote a replica, and refuses a global cluster's primary.
  scope.usage(primary.instance, replica);
  scope.usage(primary.cluster, global);
}
