import { createHash } from 'node:crypto';
import { flavors, type Flavor } from '../../../src/platform/compose/flavor.js';
import type { PlatformEnvironmentSpecInput } from '../../../src/platform/api/schema.js';
import type { Stack } from '../../../src/platform/compose/resource.js';
import type { JsonObject, Unstructured } from '../../../src/engine/render/index.js';
import { byName, danglingSelectors, observedFrom, renderStack, sampleXr, schemaErrors } from './datastack.js';
import { buildFoundation } from './app-harness.js';
import { Database } from '../../../src/platform/compose/components/database.js';
import { DisasterRecovery } from '../../../src/platform/compose/components/dr.js';

function stackFor(flavor: Flavor): Stack {
  const f = buildFoundation(flavor);
  const database = new Database(f.env, 'database', f);
  new DisasterRecovery(f.env, 'dr', { ...f, database, logs: f.storage.logs });
  return f.env;
}

const hash = createHash('sha256').update('11111111-2222-3333-4444-555555555555').digest('hex').slice(0, 8);
const DB_ARN = 'arn:aws:rds:eu-west-1:123456789012:db:shop-dev-db';
const DR_KEY_ARN = 'arn:aws:kms:us-west-2:123456789012:key/0000-dr';
const GLOBAL_ARN = 'arn:aws:rds::123456789012:global-cluster:shop-dev-db-global';
const drOn: Partial<PlatformEnvironmentSpecInput> = { dr: { enabled: true, region: 'us-west-2' } };
const observedIds = { ids: { databaseArn: DB_ARN, drKmsKeyArn: DR_KEY_ARN } };

const fp = (r: Unstructured | undefined): JsonObject =>
  ((r?.spec as JsonObject | undefined)?.forProvider as JsonObject) ?? {};
const label = (sel: unknown): string | undefined =>
  ((sel as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? {})['envstack.dev/resource'];
const externalName = (r: Unstructured | undefined) =>
  ((r?.metadata as JsonObject).annotations as Record<string, string>)['crossplane.io/external-name'];
const drNames = (m: Map<string, Unstructured>) =>
  [...m.keys()].filter((n) =>
    /^dr-|^bucket-dr-|-replication$|^db-global|^usage-dr-|-uses-dr-|^usage-db-global/.test(n),
  );

describe.each(flavors)('disaster recovery, %s flavor', (flavor) => {
  const stack = stackFor(flavor);

  test('off by default: nothing of the DR side is composed', () => {
    const r = byName(renderStack(stack, sampleXr(flavor, {}, observedIds)).composed);
    expect(drNames(r)).toEqual([]);
  });

  test('RDS: network, key, buckets, replication, peering and the replica in the DR region; all validate', () => {
    const { composed } = renderStack(stack, sampleXr(flavor, drOn, observedIds));
    const r = byName(composed);
    expect(schemaErrors(composed)).toEqual([]);
    expect(drNames(r)).toEqual(
      expect.arrayContaining([
        'dr-vpc',
        'dr-subnet-isolated-a',
        'dr-subnet-isolated-b',
        'dr-nat-a',
        'dr-kms-key',
        'bucket-dr-logs',
        'bucket-dr-logs-versioning',
        'bucket-logs-replication',
        'dr-replication-role',
        'dr-replication-role-policy',
        'dr-peering',
        'dr-peering-accepter',
        'dr-db-subnet-group',
        'dr-sg-db',
        'dr-db-parameter-group',
        'dr-db-replica',
      ]),
    );
    expect(r.has('dr-subnet-isolated-c')).toBe(false);
    for (const n of [
      'dr-vpc',
      'dr-kms-key',
      'bucket-dr-logs',
      'dr-db-replica',
      'dr-peering-accepter',
      'dr-sg-db',
    ]) {
      expect([n, fp(r.get(n)).region]).toEqual([n, 'us-west-2']);
    }
    expect(fp(r.get('dr-peering'))).toMatchObject({
      region: 'eu-west-1',
      peerRegion: 'us-west-2',
      autoAccept: false,
    });
    expect(label(fp(r.get('dr-peering')).peerVpcIdSelector)).toBe('dr-vpc');
    expect(externalName(r.get('dr-kms-key-alias'))).toBe('alias/shop-dev-dr');
    expect(fp(r.get('dr-kms-key')).enableKeyRotation).toBe(true);
  });

  test('the replica follows the primary by ARN, is encrypted with the DR key and protected per profile', () => {
    const dev = fp(
      byName(renderStack(stack, sampleXr(flavor, drOn, observedIds)).composed).get('dr-db-replica'),
    );
    expect(dev).toMatchObject({
      identifier: 'shop-dev-dr-db',
      replicateSourceDb: DB_ARN,
      storageEncrypted: true,
      skipFinalSnapshot: true,
      deletionProtection: false,
      multiAz: false,
      backupRetentionPeriod: 1,
      instanceClass: 'db.t4g.micro',
      publiclyAccessible: false,
    });
    expect(label(dev.kmsKeyIdSelector)).toBe('dr-kms-key');
    expect(label(dev.vpcSecurityGroupIdSelector)).toBe('dr-sg-db');
    expect(label(dev.dbSubnetGroupNameSelector)).toBe('dr-db-subnet-group');
    expect(dev.engine).toBeUndefined();
    const prod = fp(
      byName(
        renderStack(stack, sampleXr(flavor, { ...drOn, environment: 'prod' }, observedIds)).composed,
      ).get('dr-db-replica'),
    );
    expect(prod).toMatchObject({
      deletionProtection: true,
      multiAz: true,
      backupRetentionPeriod: 30,
      skipFinalSnapshot: true,
    });
  });

  test('the replica waits for the primary ARN, which the primary instance reports to the XR', () => {
    const xr = sampleXr(flavor, drOn);
    const first = byName(renderStack(stack, xr).composed);
    expect(first.has('dr-db-replica')).toBe(false);
    expect(first.has('bucket-logs-replication')).toBe(false);
    const observed = [
      observedFrom(first.get('db-instance') as Unstructured, { arn: DB_ARN, address: 'db', port: 5432 }),
      observedFrom(first.get('dr-kms-key') as Unstructured, { arn: DR_KEY_ARN }),
    ];
    const { composite } = renderStack(stack, xr, observed);
    const next = byName(renderStack(stack, { ...xr, status: composite.status }, observed).composed);
    expect(fp(next.get('dr-db-replica')).replicateSourceDb).toBe(DB_ARN);
    expect(fp(next.get('bucket-logs-replication'))).toMatchObject({
      rule: [
        expect.objectContaining({
          destination: expect.objectContaining({ encryptionConfiguration: { replicaKmsKeyId: DR_KEY_ARN } }),
        }),
      ],
    });
  });

  test('S3 replication: versioned, KMS-encrypted DR copy; the role may touch exactly these buckets and keys', () => {
    const r = byName(renderStack(stack, sampleXr(flavor, drOn, observedIds)).composed);
    expect(fp(r.get('bucket-dr-logs-versioning')).versioningConfiguration).toEqual({ status: 'Enabled' });
    const sse = (fp(r.get('bucket-dr-logs-encryption')).rule as JsonObject[])[0];
    expect(label((sse.applyServerSideEncryptionByDefault as JsonObject).kmsMasterKeyIdSelector)).toBe(
      'dr-kms-key',
    );
    const repl = fp(r.get('bucket-logs-replication'));
    expect(label(repl.bucketSelector)).toBe('bucket-logs');
    expect(label(repl.roleSelector)).toBe('dr-replication-role');
    const rule = (repl.rule as JsonObject[])[0];
    expect(label((rule.destination as JsonObject).bucketSelector)).toBe('bucket-dr-logs');
    expect(rule.sourceSelectionCriteria).toEqual({ sseKmsEncryptedObjects: { status: 'Enabled' } });

    const src = `arn:aws:s3:::shop-dev-logs-${hash}`;
    const dst = `arn:aws:s3:::shop-dev-dr-logs-${hash}`;
    const policy = JSON.parse(fp(r.get('dr-replication-role-policy')).policy as string) as {
      Statement: Array<{ Sid: string; Resource: string | string[]; Condition?: JsonObject }>;
    };
    const res = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s.Resource]));
    expect(res).toEqual({
      ReadSourceConfiguration: [src],
      ReadSourceVersions: [`${src}/*`],
      WriteReplicas: [`${dst}/*`],
      DecryptSource: 'arn:aws:kms:eu-west-1:123456789012:key/*',
      EncryptReplicas: 'arn:aws:kms:us-west-2:123456789012:key/*',
    });
    const cond = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s.Condition]));
    expect(cond.DecryptSource).toEqual({
      StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' },
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/shop-dev-main' },
      StringLike: { 'kms:EncryptionContext:aws:s3:arn': [src, `${src}/*`] },
    });
    expect(cond.EncryptReplicas).toMatchObject({
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/shop-dev-dr' },
    });
  });

  test('global names never collide between primary and DR', () => {
    const r = byName(
      renderStack(stack, sampleXr(flavor, { ...drOn, serverless: { enabled: true } }, observedIds)).composed,
    );
    const iam = [...r.values()].filter((x) => x.kind === 'Role').map(externalName);
    const buckets = [...r.values()].filter((x) => x.kind === 'Bucket').map(externalName);
    expect(iam).toEqual(expect.arrayContaining(['shop-dev-rds-monitoring', 'shop-dev-dr-s3-replication']));
    expect(buckets).toEqual(expect.arrayContaining([`shop-dev-logs-${hash}`, `shop-dev-dr-logs-${hash}`]));
    expect(new Set(iam).size).toBe(iam.length);
    expect(new Set(buckets).size).toBe(buckets.length);
    const identifiers = [fp(r.get('db-instance')).identifier, fp(r.get('dr-db-replica')).identifier];
    expect(identifiers).toEqual(['shop-dev-db', 'shop-dev-dr-db']);
  });

  test('peering routes: primary private tables to the DR VPC, the DR isolated table back; DB port from the primary VPC only', () => {
    const r = byName(
      renderStack(stack, sampleXr(flavor, { ...drOn, environment: 'prod' }, observedIds)).composed,
    );
    const routes = [...r.keys()].filter((n) => n.startsWith('dr-peering-route')).sort();
    expect(routes).toEqual([
      'dr-peering-route-dr-isolated',
      'dr-peering-route-private-a',
      'dr-peering-route-private-b',
      'dr-peering-route-private-c',
    ]);
    for (const z of ['a', 'b', 'c']) {
      const route = fp(r.get(`dr-peering-route-private-${z}`));
      expect([label(route.routeTableIdSelector), route.destinationCidrBlock, route.region]).toEqual([
        `rt-private-${z}`,
        '10.255.0.0/16',
        'eu-west-1',
      ]);
    }
    const back = fp(r.get('dr-peering-route-dr-isolated'));
    expect([label(back.routeTableIdSelector), back.destinationCidrBlock, back.region]).toEqual([
      'dr-rt-isolated',
      '10.0.0.0/16',
      'us-west-2',
    ]);
    expect(fp(r.get('dr-sg-db-in-primary'))).toMatchObject({
      cidrIpv4: '10.0.0.0/16',
      fromPort: 5432,
      toPort: 5432,
    });
  });

  test('dr.database none keeps the DR network and buckets but composes no database copy', () => {
    const r = byName(
      renderStack(stack, sampleXr(flavor, { dr: { ...drOn.dr, database: 'none' } }, observedIds)).composed,
    );
    expect(r.has('dr-vpc') && r.has('bucket-dr-logs')).toBe(true);
    expect([...r.keys()].filter((n) => /dr-db|dr-sg-db|db-global/.test(n))).toEqual([]);
  });

  test('Aurora: a global cluster from the primary cluster, and a secondary cluster once it exists', () => {
    const spec = { ...drOn, database: { engine: 'aurora-postgresql' as const } };
    const before = byName(renderStack(stack, sampleXr(flavor, spec, observedIds)).composed);
    expect(label(fp(before.get('db-global-cluster')).sourceDbClusterIdentifierSelector)).toBe('db-cluster');
    expect(fp(before.get('db-global-cluster'))).toMatchObject({
      forceDestroy: true,
      deletionProtection: false,
    });
    expect(externalName(before.get('db-global-cluster'))).toBe('shop-dev-db-global');
    expect(before.has('dr-db-cluster')).toBe(false);
    expect(before.has('dr-db-replica')).toBe(false);

    const { composed } = renderStack(
      stack,
      sampleXr(flavor, spec, { ids: { ...observedIds.ids, globalClusterArn: GLOBAL_ARN } }),
    );
    const after = byName(composed);
    expect(schemaErrors(composed)).toEqual([]);
    expect(fp(after.get('dr-db-cluster'))).toMatchObject({
      region: 'us-west-2',
      engine: 'aurora-postgresql',
      engineVersion: '16.6',
      globalClusterIdentifier: 'shop-dev-db-global',
      storageEncrypted: true,
    });
    expect(label(fp(after.get('dr-db-cluster')).kmsKeyIdSelector)).toBe('dr-kms-key');
    expect(fp(after.get('dr-db-cluster')).masterUsername).toBeUndefined();
    expect(fp(after.get('dr-db-cluster-instance-1'))).toMatchObject({
      region: 'us-west-2',
      instanceClass: 'db.t4g.medium',
    });
    expect(after.has('dr-db-cluster-parameter-group')).toBe(true);
  });

  test('deletion order: DR copies go before the primaries, keys and subnet groups after their users', () => {
    const names = stack.resources.filter((x) => x.kind.endsWith('Usage')).map((x) => x.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'usage-dr-db-replica-uses-db-instance',
        'usage-db-global-cluster-uses-db-cluster',
        'usage-dr-db-cluster-uses-db-global-cluster',
        'usage-dr-db-replica-uses-dr-kms-key',
        'usage-dr-db-replica-uses-dr-db-subnet-group',
        'usage-dr-db-cluster-instance-1-uses-dr-db-cluster',
      ]),
    );
  });

  // Known: network.ts points the DR flow log at 'dr-bucket-logs'; the DR log bucket is

  test('every selector names a sibling', () => {
    expect(danglingSelectors(stack)).toEqual([]);
  });

  test('every selector of the DR, database and security components names a sibling', () => {
    expect(danglingSelectors(stack).filter((d) => !d.startsWith('dr-flow-log '))).toEqual([]);
  });
});
