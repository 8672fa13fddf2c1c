import { profiles, type EnvironmentName } from '../../api/profiles.js';
import { isObject } from '../../../core/json.js';
import type { FindingInput, LintContext, LintResource, Rule } from '../types.js';
import { block, blocks, EXTERNAL_NAME, hasValueOrReference, isTrue, referrers } from '../util.js';
import { seed } from './seeds.js';
import { COMPONENT_LABEL } from '../../compose/names.js';

function finding(r: LintResource, field: string, what: string): FindingInput {
  return { resource: r.name, kind: r.kind, field, message: `${r.kind} ${r.name}: ${what}` };
}

/** The bucket companions (encryption, versioning, …) of kind `kind` that configure bucket `b`. */
function companions(ctx: LintContext, b: LintResource, kind: string): LintResource[] {
  const name = b.object.metadata?.annotations?.[EXTERNAL_NAME];
  const bySelector = referrers(ctx, b, /^spec\.forProvider\.bucket(Selector|Ref)$/).filter(
    (x) => x.kind === kind,
  );
  const byName = ctx.resources.filter(
    (x) => x.kind === kind && x.service === 's3' && name !== undefined && x.forProvider.bucket === name,
  );
  return [...new Set([...bySelector, ...byName])];
}

function encryptionFindings(ctx: LintContext, r: LintResource): FindingInput[] {
  const fp = r.forProvider;
  const key = `${r.service}/${r.kind}`;
  switch (key) {
    case 's3/Bucket': {
      if (companions(ctx, r, 'BucketServerSideEncryptionConfiguration').length > 0) return [];
      return [
        finding(
          r,
          'BucketServerSideEncryptionConfiguration',
          'no BucketServerSideEncryptionConfiguration selects this bucket; add one (aws:kms with the environment key, or AES256 where the service requires SSE-S3)',
        ),
      ];
    }
    case 's3/BucketServerSideEncryptionConfiguration': {
      const ok = blocks(fp.rule).some((rule) => {
        const d = block(rule.applyServerSideEncryptionByDefault);
        return typeof d?.sseAlgorithm === 'string' && d.sseAlgorithm !== '';
      });
      return ok
        ? []
        : [
            finding(
              r,
              'spec.forProvider.rule[0].applyServerSideEncryptionByDefault.sseAlgorithm',
              'no default encryption algorithm; set rule.applyServerSideEncryptionByDefault.sseAlgorithm to aws:kms or AES256',
            ),
          ];
    }
    case 'rds/Instance':
    case 'rds/Cluster':
      return isTrue(fp.storageEncrypted)
        ? []
        : [
            finding(
              r,
              'spec.forProvider.storageEncrypted',
              'storage is not encrypted; set spec.forProvider.storageEncrypted: true with kmsKeyIdSelector on the environment key',
            ),
          ];
    case 'dynamodb/Table':
      return isTrue(block(fp.serverSideEncryption)?.enabled)
        ? []
        : [
            finding(
              r,
              'spec.forProvider.serverSideEncryption.enabled',
              'table is not encrypted with a customer key; set serverSideEncryption.enabled: true and kmsKeyArnSelector on the environment key',
            ),
          ];
    case 'sns/Topic':
      return hasValueOrReference(fp, 'kmsMasterKeyId')
        ? []
        : [
            finding(
              r,
              'spec.forProvider.kmsMasterKeyId',
              'topic is not encrypted; set spec.forProvider.kmsMasterKeyId (or its Ref/Selector) to the environment key',
            ),
          ];
    case 'sqs/Queue':
      return hasValueOrReference(fp, 'kmsMasterKeyId') || isTrue(fp.sqsManagedSseEnabled)
        ? []
        : [
            finding(
              r,
              'spec.forProvider.kmsMasterKeyId',
              'queue is not encrypted; set spec.forProvider.kmsMasterKeyId (or its Ref/Selector), or sqsManagedSseEnabled: true',
            ),
          ];
    case 'cloudwatchlogs/Group':
      return hasValueOrReference(fp, 'kmsKeyId')
        ? []
        : [
            finding(
              r,
              'spec.forProvider.kmsKeyId',
              'log group is not encrypted with a customer key; set spec.forProvider.kmsKeyIdSelector on the environment key',
            ),
          ];
    case 'ec2/LaunchTemplate': {
      const mappings = blocks(fp.blockDeviceMappings);
      if (mappings.length === 0)
        return [
          finding(
            r,
            'spec.forProvider.blockDeviceMappings',
            'no blockDeviceMappings: the root volume takes the AMI default, unencrypted; map the root device with ebs.encrypted: true',
          ),
        ];
      return mappings.flatMap((m, i) => {
        const ebs = block(m.ebs);
        if (!ebs || isTrue(ebs.encrypted)) return [];
        return [
          finding(
            r,
            `spec.forProvider.blockDeviceMappings[${i}].ebs.encrypted`,
            `EBS volume ${String(m.deviceName ?? i)} is not encrypted; set blockDeviceMappings[${i}].ebs.encrypted: "true" (and kmsKeyId)`,
          ),
        ];
      });
    }
    case 'ec2/EBSVolume':
    case 'efs/FileSystem':
      return isTrue(fp.encrypted)
        ? []
        : [
            finding(
              r,
              'spec.forProvider.encrypted',
              'volume is not encrypted; set spec.forProvider.encrypted: true',
            ),
          ];
    default:
      return [];
  }
}

export const unencryptedDataStore: Rule = {
  id: 'ENV020',
  name: 'unencrypted-data-store',
  severity: 'error',
  seed: [
    seed('s001', '16. Encryption at Rest'),
    seed('s003', '7. Missing S3 Bucket Security Configurations (Compliance Failure)'),
    seed('s000', '3. Security Configuration Issues'),
  ],
  description:
    'A data store (bucket, database, table, topic, queue, log group, EBS volume) is not encrypted at rest.',
  check: (ctx) => ctx.resources.flatMap((r) => encryptionFindings(ctx, r)),
};

export const bucketHardening: Rule = {
  id: 'ENV021',
  name: 'bucket-not-hardened',
  severity: 'error',
  seed: [
    seed('s003', '7. Missing S3 Bucket Security Configurations (Compliance Failure)'),
    seed('s001', '5. S3 Bucket Configuration'),
  ],
  description: 'A bucket lacks a full public access block, enabled versioning, or owner-enforced ownership.',
  check(ctx) {
    const out: FindingInput[] = [];
    for (const b of ctx.resources.filter((r) => r.service === 's3' && r.kind === 'Bucket')) {
      const pab = companions(ctx, b, 'BucketPublicAccessBlock');
      if (pab.length === 0)
        out.push(
          finding(
            b,
            'BucketPublicAccessBlock',
            'no BucketPublicAccessBlock selects this bucket; add one with all four settings true',
          ),
        );
      for (const p of pab) {
        const off = [
          'blockPublicAcls',
          'blockPublicPolicy',
          'ignorePublicAcls',
          'restrictPublicBuckets',
        ].filter((f) => !isTrue(p.forProvider[f]));
        if (off.length)
          out.push(
            finding(
              p,
              `spec.forProvider.${off[0]}`,
              `${off.join(', ')} not true; the bucket can become public — set all four to true`,
            ),
          );
      }
      const versioning = companions(ctx, b, 'BucketVersioning');
      if (versioning.length === 0)
        out.push(
          finding(
            b,
            'BucketVersioning',
            'no BucketVersioning selects this bucket; add one with status Enabled',
          ),
        );
      for (const v of versioning) {
        if (block(v.forProvider.versioningConfiguration)?.status !== 'Enabled')
          out.push(
            finding(
              v,
              'spec.forProvider.versioningConfiguration.status',
              'versioning is not Enabled; set versioningConfiguration.status: Enabled',
            ),
          );
      }
      const ownership = companions(ctx, b, 'BucketOwnershipControls');
      if (ownership.length === 0)
        out.push(
          finding(
            b,
            'BucketOwnershipControls',
            'no BucketOwnershipControls selects this bucket; add one with objectOwnership BucketOwnerEnforced',
          ),
        );
      for (const o of ownership) {
        if (block(o.forProvider.rule)?.objectOwnership !== 'BucketOwnerEnforced')
          out.push(
            finding(
              o,
              'spec.forProvider.rule.objectOwnership',
              'ACLs stay enabled; set rule.objectOwnership: BucketOwnerEnforced',
            ),
          );
      }
    }
    return out;
  },
};

const isDb = (r: LintResource) =>
  r.service === 'rds' && (r.kind === 'Instance' || r.kind === 'ClusterInstance');

export const performanceInsightsOnMicro: Rule = {
  id: 'ENV022',
  name: 'performance-insights-unsupported',
  severity: 'error',
  seed: [
    seed('s004', '6. RDS Version and Performance Insights'),
    seed('s003', '10. Performance Insights Configuration Issue'),
  ],
  description: 'Performance Insights is enabled on a *.micro class, which does not support it.',
  check: (ctx) =>
    ctx.resources
      .filter((r) => isDb(r) && isTrue(r.forProvider.performanceInsightsEnabled))
      .filter(
        (r) =>
          typeof r.forProvider.instanceClass === 'string' && /\.micro$/.test(r.forProvider.instanceClass),
      )
      .map((r) =>
        finding(
          r,
          'spec.forProvider.performanceInsightsEnabled',
          `Performance Insights is on, but ${String(r.forProvider.instanceClass)} does not support it (AWS rejects the create); turn it off or use a larger class`,
        ),
      ),
};

function claimValue(ctx: LintContext, field: string): boolean | undefined {
  const db = isObject(ctx.spec?.database) ? ctx.spec.database : undefined;
  return typeof db?.[field] === 'boolean' ? db[field] : undefined;
}

function isReplica(r: LintResource): boolean {
  const fp = r.forProvider;
  return (
    fp.replicateSourceDb !== undefined ||
    fp.replicateSourceDbSelector !== undefined ||
    fp.replicateSourceDbRef !== undefined ||
    fp.replicationSourceIdentifier !== undefined ||
    ((fp.globalClusterIdentifier !== undefined || fp.globalClusterIdentifierSelector !== undefined) &&
      r.labels[COMPONENT_LABEL] === 'dr')
  );
}

export const databaseProtection: Rule = {
  id: 'ENV023',
  name: 'database-protection-profile',
  severity: 'error',
  seed: [
    seed('s003', '4. Deletion Protection Enabled (Testing Blocker)'),
    seed('s004', '9. Non-Destroyable Resources'),
    seed('s001', '15. Resource Cleanup Strategy'),
    seed('s000', '9. High Availability Enhancements'),
  ],
  description:
    "A database's Multi-AZ, deletion protection or final snapshot differs from its profile (and the claim's overrides), or a final snapshot has no identifier.",
  check(ctx) {
    const env = ctx.environment as EnvironmentName | undefined;
    const profile = env && env in profiles ? profiles[env] : undefined;
    const out: FindingInput[] = [];
    for (const r of ctx.resources.filter(
      (x) => x.service === 'rds' && (x.kind === 'Instance' || x.kind === 'Cluster'),
    )) {
      const fp = r.forProvider;
      if (profile) {
        const wantProtection = claimValue(ctx, 'deletionProtection') ?? profile.dbDeletionProtection;
        if (isTrue(fp.deletionProtection) !== wantProtection)
          out.push(
            finding(
              r,
              'spec.forProvider.deletionProtection',
              `deletionProtection is ${isTrue(fp.deletionProtection)}, but the ${env} profile${claimValue(ctx, 'deletionProtection') === undefined ? '' : ' with the claim override'} asks for ${wantProtection}; patch it from spec.database.deletionProtection with the profile default`,
            ),
          );
        if (r.kind === 'Instance') {
          const wantMultiAz = claimValue(ctx, 'multiAz') ?? profile.dbMultiAz;
          if (isTrue(fp.multiAz) !== wantMultiAz)
            out.push(
              finding(
                r,
                'spec.forProvider.multiAz',
                `multiAz is ${isTrue(fp.multiAz)}, but the ${env} profile${claimValue(ctx, 'multiAz') === undefined ? '' : ' with the claim override'} asks for ${wantMultiAz}; patch it from spec.database.multiAz with the profile default`,
              ),
            );
        }
        if (!isReplica(r) && isTrue(fp.skipFinalSnapshot) !== profile.dbSkipFinalSnapshot)
          out.push(
            finding(
              r,
              'spec.forProvider.skipFinalSnapshot',
              `skipFinalSnapshot is ${isTrue(fp.skipFinalSnapshot)}, but the ${env} profile asks for ${profile.dbSkipFinalSnapshot}; ${profile.dbSkipFinalSnapshot ? 'dev environments must tear down without a snapshot' : 'protected environments keep a final snapshot'}`,
            ),
          );
      }
      if (!isReplica(r) && !isTrue(fp.skipFinalSnapshot) && !fp.finalSnapshotIdentifier)
        out.push(
          finding(
            r,
            'spec.forProvider.finalSnapshotIdentifier',
            'a final snapshot is taken on delete but finalSnapshotIdentifier is unset, so deletion fails; patch an identifier from the environment prefix',
          ),
        );
    }
    return out;
  },
};

export const publicDatabase: Rule = {
  id: 'ENV024',
  name: 'database-publicly-accessible',
  severity: 'error',
  seed: [seed('s001', '17. Network Security'), seed('s000', '3. Security Configuration Issues')],
  description: 'A database instance is reachable from the internet.',
  check: (ctx) =>
    ctx.resources
      .filter((r) => isDb(r) && isTrue(r.forProvider.publiclyAccessible))
      .map((r) =>
        finding(
          r,
          'spec.forProvider.publiclyAccessible',
          'publiclyAccessible is true; set it to false and keep the database in the isolated subnets behind its security group',
        ),
      ),
};
