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
  environments,
  profiles,
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
import {
  celEffective,
  profileDefault,
  sibling,
  type ComposedResource,
  type Placement,
  type Stack,
} from '../resource.js';
import { subnetsOfTier } from './network.js';
import { and, DATABASE_ENABLED, databasePorts, SG_DB } from './security.js';
import { KMS_KEY } from './storage.js';

export const DB_SUBNET_GROUP = 'db-subnet-group';
export const DB_PARAMETER_GROUP = 'db-parameter-group';
export const DB_CLUSTER_PARAMETER_GROUP = 'db-cluster-parameter-group';
export const DB_MONITORING_ROLE = 'db-monitoring-role';
export const DB_INSTANCE = 'db-instance';
export const DB_CLUSTER = 'db-cluster';
export const dbClusterInstance = (n: 1 | 2) => `db-cluster-instance-${n}`;

/** XR status field holding the primary database's (instance or cluster) ARN, for the DR replica. */
export const DATABASE_ARN_STATUS = 'status.ids.databaseArn';
export const MASTER_USERNAME = 'dbadmin';
export const DATABASE_NAME = 'app';

export const IS_POSTGRES = "spec.database.engine == 'postgres'";
export const IS_AURORA = "spec.database.engine != 'postgres'";
export const MULTI_AZ = `${celEffective('spec.database.multiAz', 'dbMultiAz')} == true`;

/** `<engine><version>` → parameter group family: postgres16, aurora-postgresql16, aurora-mysql8.0. */
const FAMILY = '^(postgres[0-9]+|aurora-postgresql[0-9]+|aurora-mysql[0-9]+\\.[0-9]+)';

export function parameterGroupFamily(engine: DatabaseEngine, version: string): string {
  const m = new RegExp(FAMILY).exec(`${engine}${version}`);
  if (!m) throw new Error(`no parameter group family for ${engine} ${version}`);
  return m[1];
}

/** The family from the default version by engine, then from the claim's version when given. */
export function familyPatches(): Patch[] {
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
  const table = Object.fromEntries(
    environments.flatMap((env) =>
      databaseEngines.map((e) => [`${env}/${e}`, profiles[env].dbInstanceClass[e]]),
    ),
  );
  return [
    combine(
      'CombineFromComposite',
      ['spec.environment', 'spec.database.engine'],
      '%s/%s',
      'spec.forProvider.instanceClass',
      [mapTransform(table)],
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
  when?: string;
}

const prefixOf = (placement: Placement) => (placement === 'dr' ? 'dr-' : '');
const componentOf = (placement: Placement) => (placement === 'dr' ? 'dr' : 'database');

export function dbSubnetGroup(stack: Stack, { placement, when }: DbPlacement): ComposedResource {
  const p = prefixOf(placement);
  return stack.add(componentOf(placement), {
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

export function dbParameterGroup(stack: Stack, { placement, when }: DbPlacement): ComposedResource {
  const p = prefixOf(placement);
  return stack.add(componentOf(placement), {
    name: `${p}${DB_PARAMETER_GROUP}`,
    service: 'rds',
    kind: 'ParameterGroup',
    placement,
    when: and(when, IS_POSTGRES),
    forProvider: { description: 'envstack PostgreSQL parameters', parameter: parameters.postgres },
    awsName: { part: `${p}db`, limit: 'dbParameterGroup', via: 'external-name' },
    patches: familyPatches(),
  });
}

export function dbClusterParameterGroup(stack: Stack, { placement, when }: DbPlacement): ComposedResource {
  const p = prefixOf(placement);
  return stack.add(componentOf(placement), {
    name: `${p}${DB_CLUSTER_PARAMETER_GROUP}`,
    service: 'rds',
    kind: 'ClusterParameterGroup',
    placement,
    when: and(when, IS_AURORA),
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
function monitoringRole(stack: Stack, when: string): ComposedResource {
  const role = stack.add('database', {
    name: DB_MONITORING_ROLE,
    service: 'iam',
    kind: 'Role',
    when,
    forProvider: { description: 'RDS enhanced monitoring' },
    awsName: { part: 'rds-monitoring', limit: 'iamRole', via: 'external-name' },
    templates: [templated(JSON.stringify(monitoringTrust), 'spec.forProvider.assumeRolePolicy')],
  });
  stack.add('database', {
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

function rdsPostgres(stack: Stack, when: string): ComposedResource {
  const claim = stack.flavor === 'claim';
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
  return stack.add('database', {
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
      masterUserSecretKmsKeyIdSelector: sibling(KMS_KEY),
      port: databasePorts.postgres,
      storageType: 'gp3',
      storageEncrypted: true,
      kmsKeyIdSelector: sibling(KMS_KEY),
      dbSubnetGroupNameSelector: sibling(DB_SUBNET_GROUP),
      parameterGroupNameSelector: sibling(DB_PARAMETER_GROUP),
      vpcSecurityGroupIdSelector: sibling(SG_DB),
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

function aurora(stack: Stack, when: string): ComposedResource[] {
  const claim = stack.flavor === 'claim';
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
  const cluster = stack.add('database', {
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
      masterUserSecretKmsKeyIdSelector: sibling(KMS_KEY),
      storageEncrypted: true,
      kmsKeyIdSelector: sibling(KMS_KEY),
      dbSubnetGroupNameSelector: sibling(DB_SUBNET_GROUP),
      dbClusterParameterGroupNameSelector: sibling(DB_CLUSTER_PARAMETER_GROUP),
      vpcSecurityGroupIdSelector: sibling(SG_DB),
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
    stack.add('database', {
      name: dbClusterInstance(n),
      service: 'rds',
      kind: 'ClusterInstance',
      when: n === 1 ? when : and(when, MULTI_AZ),
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
  for (const i of instances) stack.usage(cluster, i);
  return [cluster, ...instances];
}

/** Call after security() and encryption(): the database uses sg-db and the environment key. */
export function database(stack: Stack): void {
  const when = DATABASE_ENABLED;
  const subnets = dbSubnetGroup(stack, { placement: 'primary', when });
  const params = dbParameterGroup(stack, { placement: 'primary', when });
  const clusterParams = dbClusterParameterGroup(stack, { placement: 'primary', when });
  monitoringRole(stack, when);

  const instance = rdsPostgres(stack, and(when, IS_POSTGRES) as string);
  const [cluster] = aurora(stack, and(when, IS_AURORA) as string);

  for (const [db, parameterGroup] of [
    [instance, params],
    [cluster, clusterParams],
  ] as const) {
    stack.usage(stack.get(KMS_KEY), db);
    stack.usage(subnets, db);
    stack.usage(parameterGroup, db);
    stack.usage(stack.get(SG_DB), db);
  }
}
