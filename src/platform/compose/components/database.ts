/**
 * The database: RDS PostgreSQL (one instance, Multi-AZ per profile) or Aurora (a cluster with one or
 * two instances), in the isolated subnets, encrypted with the environment key, master password in
 * Secrets Manager (RDS-managed, never in a manifest), enhanced monitoring, Performance Insights per
 * profile (admission rejects it on *.micro classes), and deletion protection, final snapshot and
 * backups per profile.
 */
import {
  databaseEngines,
  defaultEngineVersion,
  instanceClassTable,
  profileTable,
  type DatabaseEngine,
} from '../../api/profiles.js';
import { namePatch } from '../naming.js';
import {
  asString,
  combine,
  fromXr,
  mapTransform,
  regexp,
  toXr,
  type ConnectionDetail,
  type Patch,
} from '../patches.js';
import { templated } from '../policy.js';
import type { Construct } from 'constructs';
import { and, enabled, engine, type Condition } from '../conditions.js';
import {
  profileDefault,
  sibling,
  StackComponent,
  type ComposedResource,
  type Placement,
} from '../resource.js';
import type { EnvironmentKey } from './encryption.js';
import { subnetsOfTier, type Network } from './network.js';
import { databasePorts, type SecurityGroups } from './security.js';

const DB_SUBNET_GROUP = 'db-subnet-group';
const DB_PARAMETER_GROUP = 'db-parameter-group';
const DB_CLUSTER_PARAMETER_GROUP = 'db-cluster-parameter-group';
const DB_MONITORING_ROLE = 'db-monitoring-role';
const DB_INSTANCE = 'db-instance';
const DB_CLUSTER = 'db-cluster';
const dbClusterInstance = (n: 1 | 2) => `db-cluster-instance-${n}`;

/** XR status field holding the primary database's (instance or cluster) ARN, for the DR replica. */
const DATABASE_ARN_STATUS = 'status.ids.databaseArn';
const MASTER_USERNAME = 'dbadmin';
const DATABASE_NAME = 'app';

/** `<engine><version>` → parameter group family: postgres16, aurora-postgresql16, aurora-mysql8.0. */
const FAMILY = '^(postgres[0-9]+|aurora-postgresql[0-9]+|aurora-mysql[0-9]+\\.[0-9]+)';

export function parameterGroupFamily(engine: DatabaseEngine, version: string): string {
  const m = new RegExp(FAMILY).exec(`${engine}${version}`);
  if (!m) throw new Error(`no parameter group family for ${engine} ${version}`);
  return m[1];
}

/** The family from the default version by engine, then from the claim's version when given. */
function familyPatches(): Patch[] {
  const defaults = Object.fromEntries(
    databaseEngines.map((e) => [e, parameterGroupFamily(e, defaultEngineVersion[e])]),
  );
  return [
    fromXr('spec.database.engine', 'spec.forProvider.family', [mapTransform(defaults)]),
    combine(
      'CombineFromComposite',
      ['spec.database.engine', 'spec.database.version'],
      '%s%s',
      'spec.forProvider.family',
      [regexp(FAMILY, 1)],
    ),
  ];
}

export function engineVersionPatches(): Patch[] {
  return [
    fromXr('spec.database.engine', 'spec.forProvider.engineVersion', [mapTransform(defaultEngineVersion)]),
    fromXr('spec.database.version', 'spec.forProvider.engineVersion'),
  ];
}

/** The profile's class for the environment and engine, overridden by the claim. */
export function instanceClassPatches(): Patch[] {
  return [
    combine(
      'CombineFromComposite',
      ['spec.environment', 'spec.database.engine'],
      '%s/%s',
      'spec.forProvider.instanceClass',
      [mapTransform(instanceClassTable())],
    ),
    fromXr('spec.database.instanceClass', 'spec.forProvider.instanceClass'),
  ];
}

/** Backups, deletion protection and the final snapshot, per profile. */
export function protectionPatches(): Patch[] {
  return [
    ...profileDefault(
      'dbBackupRetentionDays',
      'spec.database.backupRetentionDays',
      'spec.forProvider.backupRetentionPeriod',
    ),
    ...profileDefault(
      'dbDeletionProtection',
      'spec.database.deletionProtection',
      'spec.forProvider.deletionProtection',
    ),
    fromXr('spec.environment', 'spec.forProvider.skipFinalSnapshot', [
      mapTransform(profileTable('dbSkipFinalSnapshot')),
    ]),
  ];
}

export const logExports: Record<DatabaseEngine, string[]> = {
  postgres: ['postgresql', 'upgrade'],
  'aurora-postgresql': ['postgresql'],
  'aurora-mysql': ['audit', 'error', 'slowquery'],
};

/** TLS only, and slow statements logged. */
const parameters: Record<DatabaseEngine, Array<{ name: string; value: string; applyMethod: string }>> = {
  postgres: [
    { name: 'rds.force_ssl', value: '1', applyMethod: 'immediate' },
    { name: 'log_min_duration_statement', value: '1000', applyMethod: 'immediate' },
  ],
  'aurora-postgresql': [
    { name: 'rds.force_ssl', value: '1', applyMethod: 'immediate' },
    { name: 'log_min_duration_statement', value: '1000', applyMethod: 'immediate' },
  ],
  'aurora-mysql': [
    { name: 'require_secure_transport', value: 'ON', applyMethod: 'immediate' },
    { name: 'slow_query_log', value: '1', applyMethod: 'immediate' },
  ],
};

export interface DbPlacement {
  placement: Placement;
  when?: Condition;
}

const prefixOf = (placement: Placement) => (placement === 'dr' ? 'dr-' : '');

export function dbSubnetGroup(scope: StackComponent, { placement, when }: DbPlacement): ComposedResource {
  const p = prefixOf(placement);
  return scope.add({
    name: `${p}${DB_SUBNET_GROUP}`,
    service: 'rds',
    kind: 'SubnetGroup',
    placement,
    when,
    forProvider: {
      description: 'Isolated (data) subnets',
      subnetIdSelector: subnetsOfTier('isolated', placement === 'dr' ? 'dr' : 'primary'),
    },
    awsName: { part: `${p}db`, limit: 'dbSubnetGroup', via: 'external-name' },
  });
}

export function dbParameterGroup(scope: StackComponent, { placement, when }: DbPlacement): ComposedResource {
  const p = prefixOf(placement);
  return scope.add({
    name: `${p}${DB_PARAMETER_GROUP}`,
    service: 'rds',
    kind: 'ParameterGroup',
    placement,
    when: and(when, engine.postgres),
    forProvider: { description: 'envstack PostgreSQL parameters', parameter: parameters.postgres },
    awsName: { part: `${p}db`, limit: 'dbParameterGroup', via: 'external-name' },
    patches: familyPatches(),
  });
}

export function dbClusterParameterGroup(
  scope: StackComponent,
  { placement, when }: DbPlacement,
): ComposedResource {
  const p = prefixOf(placement);
  return scope.add({
    name: `${p}${DB_CLUSTER_PARAMETER_GROUP}`,
    service: 'rds',
    kind: 'ClusterParameterGroup',
    placement,
    when: and(when, engine.aurora),
    forProvider: { description: 'envstack Aurora cluster parameters' },
    awsName: { part: `${p}db-cluster`, limit: 'dbParameterGroup', via: 'external-name' },
    patches: [
      ...familyPatches(),
      fromXr('spec.database.engine', 'spec.forProvider.parameter', [mapTransform(parameters)]),
    ],
  });
}

/** A trust policy names no Resource: IAM rejects one that does. */
const monitoringTrust = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'monitoring.rds.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': '${account}' } },
    },
  ],
};

/** Enhanced monitoring: RDS (in any region) assumes this role to ship OS metrics to CloudWatch Logs. */
function monitoringRole(scope: StackComponent, when: string): ComposedResource {
  const role = scope.add({
    name: DB_MONITORING_ROLE,
    service: 'iam',
    kind: 'Role',
    when,
    forProvider: { description: 'RDS enhanced monitoring' },
    awsName: { part: 'rds-monitoring', limit: 'iamRole', via: 'external-name' },
    templates: [templated(JSON.stringify(monitoringTrust), 'spec.forProvider.assumeRolePolicy')],
  });
  scope.add({
    name: `${DB_MONITORING_ROLE}-policy`,
    service: 'iam',
    kind: 'RolePolicyAttachment',
    when,
    forProvider: { roleSelector: sibling(DB_MONITORING_ROLE) },
    templates: [
      templated(
        'arn:${partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole',
        'spec.forProvider.policyArn',
      ),
    ],
  });
  return role;
}

/** Performance Insights: the profile's default, overridden by the claim. */
const performanceInsights = (to: string) =>
  profileDefault('dbPerformanceInsights', 'spec.database.performanceInsights', to);

const common = {
  copyTagsToSnapshot: true,
  autoMinorVersionUpgrade: true,
  publiclyAccessible: false,
  monitoringInterval: 60,
  monitoringRoleArnSelector: sibling(DB_MONITORING_ROLE),
};

function rdsPostgres(scope: Database, when: string, props: DatabaseProps): ComposedResource {
  const claim = scope.stack.flavor === 'claim';
  const key = sibling(props.key.key.name);
  const sg = sibling(props.securityGroups.db.name);
  const connection: ConnectionDetail[] = [
    { name: 'host', type: 'FromFieldPath', fromFieldPath: 'status.atProvider.address' },
    { name: 'port', type: 'FromFieldPath', fromFieldPath: 'status.atProvider.port' },
    { name: 'username', type: 'FromFieldPath', fromFieldPath: 'spec.forProvider.username' },
    {
      name: 'secretArn',
      type: 'FromFieldPath',
      fromFieldPath: 'status.atProvider.masterUserSecret[0].secretArn',
    },
  ];
  return scope.add({
    name: DB_INSTANCE,
    service: 'rds',
    kind: 'Instance',
    when,
    dataStore: true,
    forProvider: {
      engine: 'postgres',
      dbName: DATABASE_NAME,
      username: MASTER_USERNAME,
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyIdSelector: key,
      port: databasePorts.postgres,
      storageType: 'gp3',
      storageEncrypted: true,
      kmsKeyIdSelector: key,
      dbSubnetGroupNameSelector: sibling(DB_SUBNET_GROUP),
      parameterGroupNameSelector: sibling(DB_PARAMETER_GROUP),
      vpcSecurityGroupIdSelector: sg,
      enabledCloudwatchLogsExports: logExports.postgres,
      ...common,
    },
    awsName: { part: 'db', limit: 'rdsIdentifier', via: { parameter: 'identifier' } },
    patches: [
      ...engineVersionPatches(),
      ...instanceClassPatches(),
      ...profileDefault('dbStorageGiB', 'spec.database.storageGiB', 'spec.forProvider.allocatedStorage'),
      ...profileDefault('dbMultiAz', 'spec.database.multiAz', 'spec.forProvider.multiAz'),
      ...performanceInsights('spec.forProvider.performanceInsightsEnabled'),
      ...protectionPatches(),
      namePatch(
        { part: 'db-final', limit: 'rdsIdentifier', global: true },
        'spec.forProvider.finalSnapshotIdentifier',
      ),
      toXr('status.atProvider.address', 'status.endpoints.database'),
      toXr('status.atProvider.port', 'status.endpoints.databasePort', [asString]),
      toXr('status.atProvider.masterUserSecret[0].secretArn', 'status.endpoints.databaseSecretArn'),
      toXr('status.atProvider.arn', DATABASE_ARN_STATUS),
    ],
    ...(claim ? { connectionDetails: connection } : {}),
  });
}

function aurora(scope: Database, when: string, props: DatabaseProps): ComposedResource[] {
  const claim = scope.stack.flavor === 'claim';
  const key = sibling(props.key.key.name);
  const sg = sibling(props.securityGroups.db.name);
  const connection: ConnectionDetail[] = [
    { name: 'host', type: 'FromFieldPath', fromFieldPath: 'status.atProvider.endpoint' },
    { name: 'port', type: 'FromFieldPath', fromFieldPath: 'status.atProvider.port' },
    { name: 'username', type: 'FromFieldPath', fromFieldPath: 'spec.forProvider.masterUsername' },
    {
      name: 'secretArn',
      type: 'FromFieldPath',
      fromFieldPath: 'status.atProvider.masterUserSecret[0].secretArn',
    },
  ];
  const cluster = scope.add({
    name: DB_CLUSTER,
    service: 'rds',
    kind: 'Cluster',
    when,
    dataStore: true,
    forProvider: {
      engineMode: 'provisioned',
      databaseName: DATABASE_NAME,
      masterUsername: MASTER_USERNAME,
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyIdSelector: key,
      storageEncrypted: true,
      kmsKeyIdSelector: key,
      dbSubnetGroupNameSelector: sibling(DB_SUBNET_GROUP),
      dbClusterParameterGroupNameSelector: sibling(DB_CLUSTER_PARAMETER_GROUP),
      vpcSecurityGroupIdSelector: sg,
      copyTagsToSnapshot: true,
    },
    awsName: { part: 'db', limit: 'rdsIdentifier', via: 'external-name' },
    patches: [
      fromXr('spec.database.engine', 'spec.forProvider.engine'),
      ...engineVersionPatches(),
      fromXr('spec.database.engine', 'spec.forProvider.port', [mapTransform(databasePorts)]),
      fromXr('spec.database.engine', 'spec.forProvider.enabledCloudwatchLogsExports', [
        mapTransform(logExports),
      ]),
      ...protectionPatches(),
      namePatch(
        { part: 'db-final', limit: 'rdsIdentifier', global: true },
        'spec.forProvider.finalSnapshotIdentifier',
      ),
      toXr('status.atProvider.endpoint', 'status.endpoints.database'),
      toXr('status.atProvider.port', 'status.endpoints.databasePort', [asString]),
      toXr('status.atProvider.masterUserSecret[0].secretArn', 'status.endpoints.databaseSecretArn'),
      toXr('status.atProvider.arn', DATABASE_ARN_STATUS),
    ],
    ...(claim ? { connectionDetails: connection } : {}),
  });
  const instances = ([1, 2] as const).map((n) =>
    scope.add({
      name: dbClusterInstance(n),
      service: 'rds',
      kind: 'ClusterInstance',
      when: n === 1 ? when : and(when, enabled.multiAz),
      forProvider: {
        clusterIdentifierSelector: sibling(DB_CLUSTER),
        dbSubnetGroupNameSelector: sibling(DB_SUBNET_GROUP),
        promotionTier: n,
        ...common,
      },
      awsName: { part: `db-${n}`, limit: 'rdsIdentifier', via: 'external-name' },
      patches: [
        fromXr('spec.database.engine', 'spec.forProvider.engine'),
        ...engineVersionPatches(),
        ...instanceClassPatches(),
        ...performanceInsights('spec.forProvider.performanceInsightsEnabled'),
      ],
    }),
  );
  for (const i of instances) scope.usage(cluster, i);
  return [cluster, ...instances];
}

export interface DatabaseProps {
  /** The database lives in the isolated subnets. */
  network: Network;
  /** Encrypts storage and the master password's secret. */
  key: EnvironmentKey;
  /** The database takes its port from the app and Lambdas through `securityGroups.db`. */
  securityGroups: SecurityGroups;
}

/** RDS PostgreSQL or Aurora, by the claim's engine; exists when the claim enables the database. */
export class Database extends StackComponent {
  /** The RDS instance (engine postgres). */
  readonly instance: ComposedResource;
  /** The Aurora cluster (the other engines). */
  readonly cluster: ComposedResource;
  /** The enhanced monitoring role, which a replica uses too. */
  readonly monitoringRole: ComposedResource;
  /** XR status field holding the ARN of the instance or cluster. */
  readonly arnStatus = DATABASE_ARN_STATUS;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id, 'database');
    const when = enabled.database;
    const subnets = dbSubnetGroup(this, { placement: 'primary', when });
    const params = dbParameterGroup(this, { placement: 'primary', when });
    const clusterParams = dbClusterParameterGroup(this, { placement: 'primary', when });
    this.monitoringRole = monitoringRole(this, when);

    this.instance = rdsPostgres(this, and(when, engine.postgres), props);
    [this.cluster] = aurora(this, and(when, engine.aurora), props);

    for (const [db, parameterGroup] of [
      [this.instance, params],
      [this.cluster, clusterParams],
    ] as const) {
      this.usage(props.key.key, db);
      this.usage(subnets, db);
      this.usage(parameterGroup, db);
      this.usage(props.securityGroups.db, db);
    }
  }
}
