import { createHash } from 'node:crypto';
import { Database, parameterGroupFamily } from '../../../src/platform/compose/components/database.js';
import { flavors, type Flavor } from '../../../src/platform/compose/flavor.js';
import type { Stack } from '../../../src/platform/compose/resource.js';
import type { JsonObject, Unstructured } from '../../../src/engine/render/index.js';
import {
  byName,
  connectionDetails,
  danglingSelectors,
  observedFrom,
  renderStack,
  sampleXr,
  schemaErrors,
} from './datastack.js';
import { buildFoundation } from './app-harness.js';

function stackFor(flavor: Flavor): Stack {
  const f = buildFoundation(flavor);
  new Database(f.env, 'database', f);
  f.env.resolveConditions();
  return f.env;
}

const fp = (r: Unstructured | undefined): JsonObject =>
  ((r?.spec as JsonObject | undefined)?.forProvider as JsonObject) ?? {};
const label = (sel: unknown): string | undefined =>
  ((sel as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? {})['envstack.dev/resource'];
const dbNames = (m: Map<string, Unstructured>) =>
  [...m.keys()].filter((n) => /^db-|^usage-db-/.test(n)).sort();
const hash = createHash('sha256').update('11111111-2222-3333-4444-555555555555').digest('hex').slice(0, 8);

test('parameter group families follow engine and version', () => {
  expect(parameterGroupFamily('postgres', '16')).toBe('postgres16');
  expect(parameterGroupFamily('postgres', '15.7')).toBe('postgres15');
  expect(parameterGroupFamily('aurora-postgresql', '16.6')).toBe('aurora-postgresql16');
  expect(parameterGroupFamily('aurora-mysql', '8.0.mysql_aurora.3.08.2')).toBe('aurora-mysql8.0');
  expect(() => parameterGroupFamily('postgres', 'latest')).toThrow(/no parameter group family/);
});

describe.each(flavors)('database, %s flavor', (flavor) => {
  const stack = stackFor(flavor);

  test('dev postgres: one cheap, unprotected, encrypted instance with a managed password; all resources validate', () => {
    const { composed } = renderStack(stack, sampleXr(flavor, {}));
    const r = byName(composed);
    expect(schemaErrors(composed)).toEqual([]);
    expect(dbNames(r)).toEqual([
      'db-instance',
      'db-monitoring-role',
      'db-monitoring-role-policy',
      'db-parameter-group',
      'db-subnet-group',
      'usage-db-instance-uses-db-parameter-group',
      'usage-db-instance-uses-db-subnet-group',
      'usage-db-instance-uses-kms-key',
      'usage-db-instance-uses-sg-db',
    ]);
    const db = fp(r.get('db-instance'));
    expect(db).toMatchObject({
      identifier: 'shop-dev-db',
      engine: 'postgres',
      engineVersion: '16',
      instanceClass: 'db.t4g.micro',
      allocatedStorage: 20,
      storageType: 'gp3',
      storageEncrypted: true,
      manageMasterUserPassword: true,
      multiAz: false,
      performanceInsightsEnabled: false,
      backupRetentionPeriod: 1,
      deletionProtection: false,
      skipFinalSnapshot: true,
      finalSnapshotIdentifier: `shop-dev-db-final-${hash}`,
      publiclyAccessible: false,
      monitoringInterval: 60,
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      region: 'eu-west-1',
    });
    expect(label(db.kmsKeyIdSelector)).toBe('kms-key');
    expect(label(db.masterUserSecretKmsKeyIdSelector)).toBe('kms-key');
    expect(label(db.monitoringRoleArnSelector)).toBe('db-monitoring-role');
    expect(label(db.vpcSecurityGroupIdSelector)).toBe('sg-db');
    expect(Object.keys(db).filter((k) => /password/i.test(k) && k !== 'manageMasterUserPassword')).toEqual(
      [],
    );
    expect(fp(r.get('db-parameter-group'))).toMatchObject({
      family: 'postgres16',
      parameter: expect.arrayContaining([{ name: 'rds.force_ssl', value: '1', applyMethod: 'immediate' }]),
    });
    expect(fp(r.get('db-subnet-group')).subnetIdSelector).toEqual({
      matchControllerRef: true,
      matchLabels: { 'envstack.dev/subnet-tier': 'isolated', 'envstack.dev/region-role': 'primary' },
    });
  });

  test('the monitoring role trusts only RDS monitoring in this account and carries the AWS managed policy', () => {
    const r = byName(renderStack(stack, sampleXr(flavor, {})).composed);
    const trust = JSON.parse(fp(r.get('db-monitoring-role')).assumeRolePolicy as string);
    expect(trust.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'monitoring.rds.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
      },
    ]);
    expect(fp(r.get('db-monitoring-role-policy')).policyArn).toBe(
      'arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole',
    );
    expect((r.get('db-monitoring-role')?.metadata as JsonObject).annotations).toMatchObject({
      'crossplane.io/external-name': 'shop-dev-rds-monitoring',
    });
  });

  test('prod profile: Multi-AZ, protected, final snapshot, long backups, Performance Insights, larger class', () => {
    const db = fp(
      byName(renderStack(stack, sampleXr(flavor, { environment: 'prod' })).composed).get('db-instance'),
    );
    expect(db).toMatchObject({
      instanceClass: 'db.r6g.large',
      allocatedStorage: 100,
      multiAz: true,
      performanceInsightsEnabled: true,
      backupRetentionPeriod: 30,
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `shop-prod-db-final-${hash}`,
    });
    const staging = fp(
      byName(renderStack(stack, sampleXr(flavor, { environment: 'staging' })).composed).get('db-instance'),
    );
    expect(staging).toMatchObject({
      multiAz: false,
      deletionProtection: false,
      skipFinalSnapshot: false,
      backupRetentionPeriod: 7,
    });
  });

  test('claim values override the profile', () => {
    const xr = sampleXr(flavor, {
      database: {
        version: '15.7',
        instanceClass: 'db.m7g.large',
        performanceInsights: true,
        multiAz: true,
        backupRetentionDays: 3,
        deletionProtection: true,
        storageGiB: 200,
      },
    });
    const r = byName(renderStack(stack, xr).composed);
    expect(fp(r.get('db-instance'))).toMatchObject({
      engineVersion: '15.7',
      instanceClass: 'db.m7g.large',
      performanceInsightsEnabled: true,
      multiAz: true,
      backupRetentionPeriod: 3,
      deletionProtection: true,
      allocatedStorage: 200,
    });
    expect(fp(r.get('db-parameter-group')).family).toBe('postgres15');
  });

  test('aurora-postgresql: a cluster with one instance on dev, two on prod, cluster parameters with TLS', () => {
    const dev = renderStack(stack, sampleXr(flavor, { database: { engine: 'aurora-postgresql' } }));
    const r = byName(dev.composed);
    expect(schemaErrors(dev.composed)).toEqual([]);
    expect(dbNames(r)).toEqual([
      'db-cluster',
      'db-cluster-instance-1',
      'db-cluster-parameter-group',
      'db-monitoring-role',
      'db-monitoring-role-policy',
      'db-subnet-group',
      'usage-db-cluster-instance-1-uses-db-cluster',
      'usage-db-cluster-uses-db-cluster-parameter-group',
      'usage-db-cluster-uses-db-subnet-group',
      'usage-db-cluster-uses-kms-key',
      'usage-db-cluster-uses-sg-db',
    ]);
    expect(fp(r.get('db-cluster'))).toMatchObject({
      engine: 'aurora-postgresql',
      engineVersion: '16.6',
      port: 5432,
      storageEncrypted: true,
      manageMasterUserPassword: true,
      masterUsername: 'dbadmin',
      deletionProtection: false,
      skipFinalSnapshot: true,
      enabledCloudwatchLogsExports: ['postgresql'],
    });
    expect((r.get('db-cluster')?.metadata as JsonObject).annotations).toMatchObject({
      'crossplane.io/external-name': 'shop-dev-db',
    });
    expect(fp(r.get('db-cluster-instance-1'))).toMatchObject({
      engine: 'aurora-postgresql',
      instanceClass: 'db.t4g.medium',
      monitoringInterval: 60,
      performanceInsightsEnabled: false,
    });
    expect(fp(r.get('db-cluster-parameter-group'))).toMatchObject({
      family: 'aurora-postgresql16',
      parameter: expect.arrayContaining([expect.objectContaining({ name: 'rds.force_ssl', value: '1' })]),
    });
    const prod = byName(
      renderStack(stack, sampleXr(flavor, { environment: 'prod', database: { engine: 'aurora-postgresql' } }))
        .composed,
    );
    expect(prod.has('db-cluster-instance-2')).toBe(true);
    expect(fp(prod.get('db-cluster'))).toMatchObject({
      deletionProtection: true,
      skipFinalSnapshot: false,
      backupRetentionPeriod: 30,
    });
  });

  test('aurora-mysql: MySQL family, TLS parameter, port and log exports', () => {
    const r = byName(
      renderStack(stack, sampleXr(flavor, { database: { engine: 'aurora-mysql', multiAz: true } })).composed,
    );
    expect(fp(r.get('db-cluster'))).toMatchObject({
      engine: 'aurora-mysql',
      engineVersion: '8.0.mysql_aurora.3.08.2',
      port: 3306,
      enabledCloudwatchLogsExports: ['audit', 'error', 'slowquery'],
    });
    expect(fp(r.get('db-cluster-parameter-group'))).toMatchObject({
      family: 'aurora-mysql8.0',
      parameter: expect.arrayContaining([
        expect.objectContaining({ name: 'require_secure_transport', value: 'ON' }),
      ]),
    });
    expect(r.has('db-cluster-instance-2')).toBe(true);
  });

  test('database.enabled: false composes no database resource', () => {
    const r = byName(renderStack(stack, sampleXr(flavor, { database: { enabled: false } })).composed);
    expect(dbNames(r)).toEqual([]);
  });

  test('the observed instance reports endpoint, port as a string, secret ARN and ARN to the XR', () => {
    const xr = sampleXr(flavor, {});
    const first = byName(renderStack(stack, xr).composed);
    const atProvider = {
      address: 'shop-dev-db.abc.eu-west-1.rds.amazonaws.com',
      port: 5432,
      arn: 'arn:aws:rds:eu-west-1:123456789012:db:shop-dev-db',
      masterUserSecret: [
        {
          secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1',
          secretStatus: 'active',
        },
      ],
    };
    const observed = observedFrom(first.get('db-instance') as Unstructured, atProvider);
    const { composite } = renderStack(stack, xr, [observed]);
    const status = composite.status as { endpoints: JsonObject; ids: JsonObject };
    expect(status.endpoints).toMatchObject({
      database: atProvider.address,
      databasePort: '5432',
      databaseSecretArn: atProvider.masterUserSecret[0].secretArn,
    });
    expect(status.ids.databaseArn).toBe(atProvider.arn);
    if (flavor === 'claim') {
      expect(connectionDetails(stack, xr, { 'db-instance': observed })).toEqual({
        host: atProvider.address,
        port: '5432',
        username: 'dbadmin',
        secretArn: atProvider.masterUserSecret[0].secretArn,
      });
    } else {
      expect(connectionDetails(stack, xr, { 'db-instance': observed })).toEqual({});
    }
  });

  test('the observed Aurora cluster reports its writer endpoint and port', () => {
    const xr = sampleXr(flavor, { database: { engine: 'aurora-mysql' } });
    const first = byName(renderStack(stack, xr).composed);
    const observed = observedFrom(first.get('db-cluster') as Unstructured, {
      endpoint: 'shop-dev-db.cluster-abc.eu-west-1.rds.amazonaws.com',
      port: 3306,
      arn: 'arn:aws:rds:eu-west-1:123456789012:cluster:shop-dev-db',
      masterUserSecret: [{ secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1' }],
    });
    const { composite } = renderStack(stack, xr, [observed]);
    expect((composite.status as { endpoints: JsonObject }).endpoints).toMatchObject({
      database: 'shop-dev-db.cluster-abc.eu-west-1.rds.amazonaws.com',
      databasePort: '3306',
    });
  });

  test('every selector names a sibling', () => {
    expect(danglingSelectors(stack)).toEqual([]);
  });
});
