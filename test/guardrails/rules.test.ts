import { buildContext, rules, runRules, type Rule } from '../../src/platform/guardrails/index.js';
import ec2Prices from '../../src/platform/cost/prices/ec2.json' with { type: 'json' };
import type { Unstructured } from '../../src/engine/render/fnapi.js';
import { flagged, mr, policy, sibling, spec, tags } from './fixtures.js';

const rule = (id: string): Rule => {
  const r = rules.find((x) => x.id === id);
  if (!r) throw new Error(`no rule ${id}`);
  return r;
};

const S3 = 's3.aws.upbound.io/v1beta2';
const EC2 = 'ec2.aws.upbound.io/v1beta1';
const bucket = (name = 'bucket-logs', ext = 'shop-dev-logs-1234abcd') =>
  mr(
    name,
    's3.aws.upbound.io/v1beta2',
    'Bucket',
    { tags },
    { annotations: { 'crossplane.io/external-name': ext } },
  );
const companion = (kind: string, forProvider: Record<string, unknown>, of = 'bucket-logs') =>
  mr(`${of}-${kind}`, kind === 'BucketPublicAccessBlock' ? 's3.aws.upbound.io/v1beta1' : S3, kind, {
    bucketSelector: sibling(of),
    ...forProvider,
  });
const hardenedBucket = (): Unstructured[] => [
  bucket(),
  companion('BucketServerSideEncryptionConfiguration', {
    rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
  }),
  companion('BucketPublicAccessBlock', {
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  }),
  companion('BucketVersioning', { versioningConfiguration: { status: 'Enabled' } }),
  companion('BucketOwnershipControls', { rule: { objectOwnership: 'BucketOwnerEnforced' } }),
];

describe('every rule carries what a finding needs', () => {
  test('ids are unique, seeds name a seed file and section', () => {
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const r of rules) {
      expect(r.id).toMatch(/^ENV\d{3}$/);
      expect(r.seed.length).toBeGreaterThan(0);
      for (const s of r.seed) {
        expect(s.file).toMatch(/^seeds\/00[0-4]_[0-9a-f]{16}\.txt$/);
        expect(s.section).toMatch(/^\d+\. /);
      }
    }
  });
});

describe('ENV001 dangling reference', () => {
  test('a selector matching nothing and a Ref naming nothing are flagged; a matching selector is not', () => {
    const route = mr('route', EC2, 'Route', {
      routeTableIdSelector: sibling('rt-missing'),
      gatewayIdSelector: sibling('igw'),
      natGatewayIdRef: { name: 'nat-that-is-not-there' },
    });
    const igw = mr('igw', EC2, 'InternetGateway');
    expect(flagged(rule('ENV001'), [route, igw])).toEqual([
      'route spec.forProvider.routeTableIdSelector',
      'route spec.forProvider.natGatewayIdRef',
    ]);
  });
  test('providerConfigRef and secret refs are not resource references', () => {
    const r = mr('db', 'rds.aws.upbound.io/v1beta3', 'Instance', {
      masterPasswordSecretRef: { name: 'pw', namespace: 'x', key: 'k' },
    });
    (r.spec as Record<string, unknown>).providerConfigRef = { name: 'default' };
    expect(flagged(rule('ENV001'), [r])).toEqual([]);
  });
});

describe('ENV002 ARN naming a resource the render lacks', () => {
  const role = (resource: string) =>
    mr('role-policy', 'iam.aws.upbound.io/v1beta1', 'RolePolicy', {
      policy: policy([{ Effect: 'Allow', Action: 's3:GetObject', Resource: resource }]),
    });
  test('a hard-coded bucket that is not composed (seed 002 "webapp-assets") is flagged', () => {
    expect(flagged(rule('ENV002'), [bucket(), role('arn:aws:s3:::webapp-assets/*')])).toEqual([
      'role-policy spec.forProvider.policy Statement[0].Resource',
    ]);
  });
  test('a composed bucket passes', () => {
    expect(flagged(rule('ENV002'), [bucket(), role('arn:aws:s3:::shop-dev-logs-1234abcd/*')])).toEqual([]);
  });
  test('a log group ARN with no composed group is flagged', () => {
    const stage = mr('stage', 'apigateway.aws.upbound.io/v1beta2', 'Stage', {
      accessLogSettings: {
        destinationArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:/envstack/missing',
      },
    });
    expect(flagged(rule('ENV002'), [stage])).toEqual([
      'stage spec.forProvider.accessLogSettings.destinationArn',
    ]);
  });
});

describe('ENV010 IAM Resource "*" without Condition', () => {
  const statement = { Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*' };
  test('flags RolePolicy, Policy and inline role policies', () => {
    const resources = [
      mr('rp', 'iam.aws.upbound.io/v1beta1', 'RolePolicy', { policy: policy([statement]) }),
      mr('p', 'iam.aws.upbound.io/v1beta1', 'Policy', {
        policy: policy([{ ...statement, Resource: ['*'] }]),
      }),
      mr('role', 'iam.aws.upbound.io/v1beta1', 'Role', {
        inlinePolicy: [{ name: 'x', policy: policy([statement]) }],
      }),
    ];
    expect(flagged(rule('ENV010'), resources)).toEqual([
      'rp spec.forProvider.policy Statement[0]',
      'p spec.forProvider.policy Statement[0]',
      'role spec.forProvider.inlinePolicy[0].policy Statement[0]',
    ]);
  });
  test('a Condition, a Deny, or a key policy is not an identity grant to flag', () => {
    const resources = [
      mr('rp', 'iam.aws.upbound.io/v1beta1', 'RolePolicy', {
        policy: policy([
          { ...statement, Condition: { StringEquals: { 'cloudwatch:namespace': 'shop' } } },
          { Effect: 'Deny', Action: '*', Resource: '*' },
        ]),
      }),
      mr('key', 'kms.aws.upbound.io/v1beta1', 'Key', { policy: policy([{ ...statement, Action: 'kms:*' }]) }),
    ];
    expect(flagged(rule('ENV010'), resources)).toEqual([]);
  });
});

describe('ENV020 encryption at rest', () => {
  test('each unencrypted data store is flagged at its field', () => {
    const resources = [
      bucket(),
      mr('db', 'rds.aws.upbound.io/v1beta3', 'Instance', { storageEncrypted: false }),
      mr('cluster', 'rds.aws.upbound.io/v1beta2', 'Cluster', {}),
      mr('table', 'dynamodb.aws.upbound.io/v1beta2', 'Table', { serverSideEncryption: { enabled: false } }),
      mr('topic', 'sns.aws.upbound.io/v1beta1', 'Topic', {}),
      mr('queue', 'sqs.aws.upbound.io/v1beta1', 'Queue', {}),
      mr('logs', 'cloudwatchlogs.aws.upbound.io/v1beta1', 'Group', { retentionInDays: 7 }),
      mr('lt', 'ec2.aws.upbound.io/v1beta2', 'LaunchTemplate', {
        blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: 8 } }],
      }),
    ];
    expect(flagged(rule('ENV020'), resources)).toEqual([
      'bucket-logs BucketServerSideEncryptionConfiguration',
      'db spec.forProvider.storageEncrypted',
      'cluster spec.forProvider.storageEncrypted',
      'table spec.forProvider.serverSideEncryption.enabled',
      'topic spec.forProvider.kmsMasterKeyId',
      'queue spec.forProvider.kmsMasterKeyId',
      'logs spec.forProvider.kmsKeyId',
      'lt spec.forProvider.blockDeviceMappings[0].ebs.encrypted',
    ]);
  });
  test('encrypted ones pass, whichever form the key takes', () => {
    const resources = [
      ...hardenedBucket(),
      mr('db', 'rds.aws.upbound.io/v1beta3', 'Instance', { storageEncrypted: true }),
      mr('table', 'dynamodb.aws.upbound.io/v1beta1', 'Table', { serverSideEncryption: [{ enabled: true }] }),
      mr('topic', 'sns.aws.upbound.io/v1beta1', 'Topic', { kmsMasterKeyId: 'arn:aws:kms:eu-west-1:1:key/x' }),
      mr('queue', 'sqs.aws.upbound.io/v1beta1', 'Queue', { sqsManagedSseEnabled: true }),
      mr('logs', 'cloudwatchlogs.aws.upbound.io/v1beta1', 'Group', { kmsKeyIdSelector: sibling('key') }),
      mr('lt', 'ec2.aws.upbound.io/v1beta2', 'LaunchTemplate', {
        blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: 'true' } }],
      }),
    ];
    expect(flagged(rule('ENV020'), resources)).toEqual([]);
  });
  test('a launch template without block device mappings leaves the root volume unencrypted', () => {
    expect(flagged(rule('ENV020'), [mr('lt', 'ec2.aws.upbound.io/v1beta2', 'LaunchTemplate', {})])).toEqual([
      'lt spec.forProvider.blockDeviceMappings',
    ]);
  });
});

describe('ENV021 bucket hardening', () => {
  test('a bare bucket lacks all three companions', () => {
    expect(flagged(rule('ENV021'), [bucket()])).toEqual([
      'bucket-logs BucketPublicAccessBlock',
      'bucket-logs BucketVersioning',
      'bucket-logs BucketOwnershipControls',
    ]);
  });
  test('weak companions are flagged on the companion', () => {
    const weak = hardenedBucket().map((r) => {
      const fp = r.spec!.forProvider as Record<string, unknown>;
      if (r.kind === 'BucketPublicAccessBlock') fp.restrictPublicBuckets = false;
      if (r.kind === 'BucketVersioning') fp.versioningConfiguration = { status: 'Suspended' };
      return r;
    });
    expect(flagged(rule('ENV021'), weak)).toEqual([
      'bucket-logs-BucketPublicAccessBlock spec.forProvider.restrictPublicBuckets',
      'bucket-logs-BucketVersioning spec.forProvider.versioningConfiguration.status',
    ]);
    expect(flagged(rule('ENV021'), hardenedBucket())).toEqual([]);
  });
});

describe('ENV022-ENV024 databases', () => {
  const RDS = 'rds.aws.upbound.io/v1beta3';
  test('Performance Insights on a micro class is flagged, on a small class it is not', () => {
    expect(
      flagged(rule('ENV022'), [
        mr('a', RDS, 'Instance', { instanceClass: 'db.t4g.micro', performanceInsightsEnabled: true }),
        mr('b', RDS, 'Instance', { instanceClass: 'db.t4g.small', performanceInsightsEnabled: true }),
        mr('c', RDS, 'Instance', { instanceClass: 'db.t3.micro', performanceInsightsEnabled: false }),
      ]),
    ).toEqual(['a spec.forProvider.performanceInsightsEnabled']);
  });
  const prodDb = {
    multiAz: true,
    deletionProtection: true,
    skipFinalSnapshot: false,
    finalSnapshotIdentifier: 'x',
  };
  test('prod must be protected, Multi-AZ and keep a final snapshot', () => {
    const db = mr('db', RDS, 'Instance', {
      multiAz: false,
      deletionProtection: false,
      skipFinalSnapshot: true,
    });
    expect(flagged(rule('ENV023'), [db], { environment: 'prod' })).toEqual([
      'db spec.forProvider.deletionProtection',
      'db spec.forProvider.multiAz',
      'db spec.forProvider.skipFinalSnapshot',
    ]);
    expect(flagged(rule('ENV023'), [mr('db', RDS, 'Instance', prodDb)], { environment: 'prod' })).toEqual([]);
  });
  test("the claim's explicit override wins over the profile", () => {
    const db = mr('db', RDS, 'Instance', { ...prodDb, deletionProtection: false });
    expect(
      flagged(rule('ENV023'), [db], { environment: 'prod', database: { deletionProtection: false } }),
    ).toEqual([]);
    expect(flagged(rule('ENV023'), [db], { environment: 'prod' })).toEqual([
      'db spec.forProvider.deletionProtection',
    ]);
  });
  test('dev must be easy to tear down; a kept snapshot needs an identifier', () => {
    const db = mr('db', RDS, 'Instance', {
      multiAz: false,
      deletionProtection: true,
      skipFinalSnapshot: false,
    });
    expect(flagged(rule('ENV023'), [db])).toEqual([
      'db spec.forProvider.deletionProtection',
      'db spec.forProvider.skipFinalSnapshot',
      'db spec.forProvider.finalSnapshotIdentifier',
    ]);
  });
  test('a publicly accessible instance is flagged', () => {
    expect(
      flagged(rule('ENV024'), [
        mr('a', RDS, 'Instance', { publiclyAccessible: true }),
        mr('b', 'rds.aws.upbound.io/v1beta1', 'ClusterInstance', { publiclyAccessible: false }),
      ]),
    ).toEqual(['a spec.forProvider.publiclyAccessible']);
  });
});

describe('ENV030-ENV033 tags and names', () => {
  test('a taggable resource missing a required tag, or with the wrong environment, is flagged', () => {
    const vpc = mr('vpc', EC2, 'VPC', { tags: { ...tags, Owner: undefined, Environment: 'prod' } });
    const rta = mr('rta', EC2, 'RouteTableAssociation', {});
    expect(flagged(rule('ENV030'), [vpc, rta])).toEqual([
      'vpc spec.forProvider.tags.Owner',
      'vpc spec.forProvider.tags.Environment',
    ]);
    expect(flagged(rule('ENV030'), [mr('vpc', EC2, 'VPC', { tags })])).toEqual([]);
  });
  test('names must start with the environment prefix (alias/ and log group paths allowed)', () => {
    const resources = [
      mr(
        'alias',
        'kms.aws.upbound.io/v1beta1',
        'Alias',
        {},
        { annotations: { 'crossplane.io/external-name': 'alias/shop-dev-main' } },
      ),
      mr(
        'lg',
        'cloudwatchlogs.aws.upbound.io/v1beta1',
        'Group',
        {},
        { annotations: { 'crossplane.io/external-name': '/aws/lambda/shop-dev-api' } },
      ),
      mr('sg', EC2, 'SecurityGroup', { name: 'app-sg', tags: { Name: 'shop-dev-app' } }),
      mr(
        'role',
        'iam.aws.upbound.io/v1beta1',
        'Role',
        {},
        { annotations: { 'crossplane.io/external-name': 'shop-development-x' } },
      ),
    ];
    expect(flagged(rule('ENV031'), resources)).toEqual([
      'sg spec.forProvider.name',
      'role metadata.annotations[crossplane.io/external-name]',
    ]);
    expect(
      flagged(rule('ENV031'), [mr('sg', EC2, 'SecurityGroup', { name: 'shop-dev-x-app' })], { suffix: 'x' }),
    ).toEqual([]);
    expect(
      flagged(rule('ENV031'), [mr('sg', EC2, 'SecurityGroup', { name: 'shop-dev-app' })], { suffix: 'x' }),
    ).toEqual(['sg spec.forProvider.name']);
  });
  test('an ALB name over 32 characters and a bucket over 63 are flagged', () => {
    const resources = [
      mr('alb', 'elbv2.aws.upbound.io/v1beta2', 'LB', { name: `shop-dev-${'a'.repeat(24)}` }),
      mr('ok', 'elbv2.aws.upbound.io/v1beta2', 'LB', { name: `shop-dev-${'a'.repeat(23)}` }),
      mr(
        'b',
        S3,
        'Bucket',
        {},
        { annotations: { 'crossplane.io/external-name': `shop-dev-${'b'.repeat(55)}` } },
      ),
    ];
    expect(flagged(rule('ENV032'), resources)).toEqual([
      'alb spec.forProvider.name',
      'b metadata.annotations[crossplane.io/external-name]',
    ]);
  });
  test('IAM names collide across regions; regional names only within a region', () => {
    const ext = (n: string) => ({ annotations: { 'crossplane.io/external-name': n } });
    const resources = [
      mr('role', 'iam.aws.upbound.io/v1beta1', 'Role', {}, ext('shop-dev-app')),
      mr('dr-role', 'iam.aws.upbound.io/v1beta1', 'Role', { region: 'eu-central-1' }, ext('shop-dev-app')),
      mr('profile', 'iam.aws.upbound.io/v1beta1', 'InstanceProfile', {}, ext('shop-dev-app')),
      mr('q1', 'sqs.aws.upbound.io/v1beta1', 'Queue', { name: 'shop-dev-dlq' }),
      mr('q2', 'sqs.aws.upbound.io/v1beta1', 'Queue', { name: 'shop-dev-dlq', region: 'eu-central-1' }),
    ];
    expect(flagged(rule('ENV033'), resources)).toEqual([
      'dr-role metadata.annotations[crossplane.io/external-name]',
    ]);
  });
});

describe('ENV040-ENV042 placement', () => {
  test("a region other than the claim's is flagged; the claim's own and its DR region are not", () => {
    const resources = [
      mr('subnet', EC2, 'Subnet', { availabilityZone: 'us-east-1a' }),
      mr('ok', EC2, 'Subnet', { availabilityZone: 'eu-west-1b' }),
      mr('dr', EC2, 'Subnet', { region: 'eu-central-1', availabilityZone: 'eu-central-1a' }),
    ];
    expect(flagged(rule('ENV040'), resources, { dr: { enabled: true, region: 'eu-central-1' } })).toEqual([
      'subnet spec.forProvider.availabilityZone',
    ]);
    expect(flagged(rule('ENV040'), resources)).toEqual([
      'subnet spec.forProvider.availabilityZone',
      'dr spec.forProvider.region',
      'dr spec.forProvider.availabilityZone',
    ]);
  });
  test('an account id not learned from AWS is flagged, in ARNs and policies', () => {
    const resources = [
      mr('p', 'iam.aws.upbound.io/v1beta1', 'RolePolicy', {
        policy: policy([
          { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:eu-west-1:111122223333:q' },
        ]),
      }),
      mr('t', 'sns.aws.upbound.io/v1beta1', 'Topic', {
        kmsMasterKeyId: 'arn:aws:kms:eu-west-1:444455556666:key/x',
      }),
    ];
    expect(flagged(rule('ENV041'), resources)).toEqual([
      'p spec.forProvider.policy Statement[0].Resource',
      't spec.forProvider.kmsMasterKeyId',
    ]);
    const observed = buildWithAccount(resources, '111122223333');
    expect(observed).toEqual(['t spec.forProvider.kmsMasterKeyId']);
  });
  test('an older served version is flagged', () => {
    expect(
      flagged(rule('ENV042'), [mr('b', 's3.aws.upbound.io/v1beta1', 'Bucket'), mr('c', S3, 'Bucket')]),
    ).toEqual(['b apiVersion']);
  });
});

function buildWithAccount(resources: Unstructured[], account: string): string[] {
  const xr = {
    apiVersion: 'x/v1',
    kind: 'X',
    status: { ids: { vpcArn: `arn:aws:ec2:eu-west-1:${account}:vpc/vpc-1` } },
  };
  return rule('ENV041')
    .check(buildContext(resources, xr, spec))
    .map((f) => `${f.resource} ${f.field}`);
}

describe('ENV050-ENV055 network and compute', () => {
  test('SSH or RDP from anywhere is flagged, HTTPS from anywhere is not', () => {
    const rule22 = mr('ssh', EC2, 'SecurityGroupRule', {
      type: 'ingress',
      protocol: 'tcp',
      fromPort: 22,
      toPort: 22,
      cidrBlocks: ['0.0.0.0/0'],
    });
    const all = mr('all', EC2, 'SecurityGroupRule', {
      type: 'ingress',
      protocol: '-1',
      fromPort: 0,
      toPort: 0,
      ipv6CidrBlocks: ['::/0'],
    });
    const https = mr('https', EC2, 'SecurityGroupRule', {
      type: 'ingress',
      protocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrBlocks: ['0.0.0.0/0'],
    });
    const rdp = mr('rdp', 'ec2.aws.upbound.io/v1beta1', 'SecurityGroupIngressRule', {
      ipProtocol: 'tcp',
      fromPort: 3389,
      toPort: 3389,
      cidrIpv4: '0.0.0.0/0',
    });
    expect(flagged(rule('ENV050'), [rule22, all, https, rdp])).toEqual([
      'ssh spec.forProvider.cidrBlocks',
      'all spec.forProvider.cidrBlocks',
      'all spec.forProvider.cidrBlocks',
      'rdp spec.forProvider.cidrIpv4',
    ]);
  });
  test('a security group is flagged until an egress rule selects it', () => {
    const sg = mr('sg-app', EC2, 'SecurityGroup', {});
    const ingress = mr('in', EC2, 'SecurityGroupRule', {
      type: 'ingress',
      securityGroupIdSelector: sibling('sg-app'),
    });
    const egress = mr('out', EC2, 'SecurityGroupRule', {
      type: 'egress',
      securityGroupIdSelector: sibling('sg-app'),
    });
    expect(flagged(rule('ENV051'), [sg, ingress])).toEqual(['sg-app egress']);
    expect(flagged(rule('ENV051'), [sg, ingress, egress])).toEqual([]);
  });
  test('IMDSv2 must be required', () => {
    const LT = 'ec2.aws.upbound.io/v1beta2';
    expect(
      flagged(rule('ENV052'), [
        mr('a', LT, 'LaunchTemplate', { metadataOptions: { httpTokens: 'optional' } }),
        mr('b', LT, 'LaunchTemplate', {}),
        mr('c', LT, 'LaunchTemplate', { metadataOptions: [{ httpTokens: 'required' }] }),
      ]),
    ).toEqual([
      'a spec.forProvider.metadataOptions.httpTokens',
      'b spec.forProvider.metadataOptions.httpTokens',
    ]);
  });
  test('user data must be base64 and must not hard-code another region', () => {
    const LT = 'ec2.aws.upbound.io/v1beta2';
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    expect(
      flagged(rule('ENV053'), [
        mr('plain', LT, 'LaunchTemplate', { userData: '#!/bin/bash\necho hi' }),
        mr('foreign', LT, 'LaunchTemplate', { userData: b64('aws configure set region us-east-1') }),
        mr('ok', LT, 'LaunchTemplate', { userData: b64('aws configure set region eu-west-1') }),
      ]),
    ).toEqual(['plain spec.forProvider.userData', 'foreign spec.forProvider.userData']);
  });
  const TG = 'elbv2.aws.upbound.io/v1beta2';
  test('health checks tighter than the seed guidance are flagged, AWS defaults included', () => {
    expect(
      flagged(rule('ENV054'), [
        mr('tight', TG, 'LBTargetGroup', {
          port: 80,
          healthCheck: { timeout: 3, unhealthyThreshold: 2, interval: 10 },
        }),
        mr('defaults', TG, 'LBTargetGroup', { port: 80 }),
        mr('ok', TG, 'LBTargetGroup', {
          port: 80,
          healthCheck: { timeout: 10, unhealthyThreshold: 5, interval: 30 },
        }),
      ]),
    ).toEqual([
      'tight spec.forProvider.healthCheck.timeout',
      'tight spec.forProvider.healthCheck.unhealthyThreshold',
      'tight spec.forProvider.healthCheck.interval',
      'defaults spec.forProvider.healthCheck.unhealthyThreshold',
    ]);
  });
  test('the target group must target nginx on 80 (seed 002: not Flask on 5000)', () => {
    expect(
      flagged(rule('ENV055'), [
        mr('flask', TG, 'LBTargetGroup', { port: 5000, healthCheck: { port: '5000' } }),
        mr('ok', TG, 'LBTargetGroup', { port: 80, healthCheck: { port: 'traffic-port' } }),
      ]),
    ).toEqual(['flask spec.forProvider.port', 'flask spec.forProvider.healthCheck.port']);
  });
});

describe('ENV060-ENV063 serverless and compliance', () => {
  const FN = 'lambda.aws.upbound.io/v1beta2';
  const artifacts = () => [
    bucket('bucket-artifacts', 'shop-dev-artifacts-1234abcd'),
    mr('lambda-code', 's3.aws.upbound.io/v1beta2', 'Object', {
      bucketSelector: sibling('bucket-artifacts'),
      key: 'api.zip',
    }),
  ];
  test('a function without code, or pointing at an object the render lacks, is flagged', () => {
    const resources = [
      ...artifacts(),
      mr('none', FN, 'Function', { handler: 'index.handler' }),
      mr('nokey', FN, 'Function', { s3BucketSelector: sibling('bucket-artifacts') }),
      mr('ghost', FN, 'Function', { s3BucketSelector: sibling('bucket-artifacts'), s3Key: 'ghost.zip' }),
      mr('ok', FN, 'Function', { s3BucketSelector: sibling('bucket-artifacts'), s3Key: 'api.zip' }),
      mr('image', FN, 'Function', { imageUri: '1.dkr.ecr/x:1' }),
    ];
    expect(flagged(rule('ENV060'), resources)).toEqual([
      'none spec.forProvider.s3Bucket',
      'nokey spec.forProvider.s3Key',
      'ghost spec.forProvider.s3Key',
    ]);
  });
  test('a function without a dead-letter queue is flagged', () => {
    expect(
      flagged(rule('ENV061'), [
        mr('a', FN, 'Function', {}),
        mr('b', FN, 'Function', { deadLetterConfig: { targetArn: 'arn:aws:sqs:eu-west-1:1:q' } }),
        mr('c', 'lambda.aws.upbound.io/v1beta1', 'Function', {
          deadLetterConfig: [{ targetArnSelector: sibling('q') }],
        }),
      ]),
    ).toEqual(['a spec.forProvider.deadLetterConfig.targetArn']);
  });
  test('stage access logging needs an apigateway Account with a CloudWatch role in the region', () => {
    const stage = mr('stage', 'apigateway.aws.upbound.io/v1beta2', 'Stage', {
      accessLogSettings: { format: '{}' },
    });
    const account = mr('account', 'apigateway.aws.upbound.io/v1beta1', 'Account', {
      cloudwatchRoleArnSelector: sibling('r'),
    });
    const elsewhere = mr('account', 'apigateway.aws.upbound.io/v1beta1', 'Account', {
      region: 'us-east-1',
      cloudwatchRoleArnSelector: sibling('r'),
    });
    expect(flagged(rule('ENV062'), [stage])).toEqual(['stage spec.forProvider.accessLogSettings']);
    expect(flagged(rule('ENV062'), [stage, elsewhere])).toEqual(['stage spec.forProvider.accessLogSettings']);
    expect(flagged(rule('ENV062'), [stage, account])).toEqual([]);
  });
  test('Config delivery frequency must be an allowed value', () => {
    const DC = 'configservice.aws.upbound.io/v1beta1';
    expect(
      flagged(rule('ENV063'), [
        mr('bad', DC, 'DeliveryChannel', { snapshotDeliveryProperties: [{ deliveryFrequency: 'Daily' }] }),
        mr('ok', DC, 'DeliveryChannel', { snapshotDeliveryProperties: { deliveryFrequency: 'Six_Hours' } }),
      ]),
    ).toEqual(['bad spec.forProvider.snapshotDeliveryProperties.deliveryFrequency']);
  });
});

describe('ENV070-ENV074 keys, logs, alarms', () => {
  const KMS = 'kms.aws.upbound.io/v1beta1';
  const key = (fp: Record<string, unknown> = {}) => mr('key', KMS, 'Key', { enableKeyRotation: true, ...fp });
  test('a key without rotation is flagged; asymmetric keys cannot rotate', () => {
    expect(
      flagged(rule('ENV070'), [
        key({ enableKeyRotation: false }),
        mr('sign', KMS, 'Key', { customerMasterKeySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY' }),
      ]),
    ).toEqual(['key spec.forProvider.enableKeyRotation']);
  });
  test('a key without an alias is flagged', () => {
    const alias = mr('alias', KMS, 'Alias', { targetKeyIdSelector: sibling('key') });
    expect(flagged(rule('ENV071'), [key()])).toEqual(['key Alias']);
    expect(flagged(rule('ENV071'), [key(), alias])).toEqual([]);
  });
  const logGroup = mr('lg', 'cloudwatchlogs.aws.upbound.io/v1beta1', 'Group', {
    kmsKeyIdSelector: sibling('key'),
  });
  const grant = (service: string) => ({
    Effect: 'Allow',
    Principal: { Service: service },
    Action: ['kms:Encrypt*', 'kms:Decrypt', 'kms:GenerateDataKey*'],
    Resource: '*',
  });
  const root = { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::1:root' }, Action: 'kms:*', Resource: '*' };
  test('a log group encrypted with a key whose policy lacks the logs principal is flagged', () => {
    expect(flagged(rule('ENV072'), [key({ policy: policy([root]) }), logGroup])).toEqual([
      'key spec.forProvider.policy',
    ]);
    expect(flagged(rule('ENV072'), [key(), logGroup])).toEqual(['key spec.forProvider.policy']);
    expect(
      flagged(rule('ENV072'), [
        key({ policy: policy([root, grant('logs.us-east-1.amazonaws.com')]) }),
        logGroup,
      ]),
    ).toEqual(['key spec.forProvider.policy']);
    expect(
      flagged(rule('ENV072'), [
        key({ policy: policy([root, grant('logs.eu-west-1.amazonaws.com')]) }),
        logGroup,
      ]),
    ).toEqual([]);
  });
  test('a topic that alarms publish to needs the cloudwatch principal; the key is found by ARN too', () => {
    const topic = mr('topic', 'sns.aws.upbound.io/v1beta1', 'Topic', {
      kmsMasterKeyId: 'arn:aws:kms:eu-west-1:1:key/abc',
    });
    const alarm = mr('alarm', 'cloudwatch.aws.upbound.io/v1beta1', 'MetricAlarm', {
      alarmActionsSelector: sibling('topic'),
    });
    expect(flagged(rule('ENV072'), [key({ policy: policy([root]) }), topic])).toEqual([]);
    expect(flagged(rule('ENV072'), [key({ policy: policy([root]) }), topic, alarm])).toEqual([
      'key spec.forProvider.policy',
    ]);
    expect(
      flagged(rule('ENV072'), [
        key({ policy: policy([root, grant('cloudwatch.amazonaws.com')]) }),
        topic,
        alarm,
      ]),
    ).toEqual([]);
  });
  test('log groups need an accepted retention', () => {
    const G = 'cloudwatchlogs.aws.upbound.io/v1beta1';
    expect(
      flagged(rule('ENV073'), [
        mr('a', G, 'Group', {}),
        mr('b', G, 'Group', { retentionInDays: 10 }),
        mr('c', G, 'Group', { retentionInDays: 30 }),
      ]),
    ).toEqual(['a spec.forProvider.retentionInDays', 'b spec.forProvider.retentionInDays']);
  });
  test('alarms must notify someone', () => {
    const A = 'cloudwatch.aws.upbound.io/v1beta1';
    expect(
      flagged(rule('ENV074'), [
        mr('a', A, 'MetricAlarm', { alarmActions: [] }),
        mr('b', A, 'MetricAlarm', { alarmActionsSelector: sibling('t') }),
      ]),
    ).toEqual(['a spec.forProvider.alarmActions']);
  });
});

describe('ENV075 fixed cost above the budget', () => {
  // One NAT gateway in eu-west-1 costs 730 hours × the committed hourly price, nothing else here costs.
  const natHourly = ec2Prices.prices.find(
    (p) => p.key === 'nat-gateway:hours' && p.region === 'eu-west-1',
  )!.usd;
  const natMonthly = Math.round(730 * natHourly * 100) / 100;
  const nat = mr('nat-a', EC2, 'NATGateway', { connectivityType: 'public' });
  const budget = (limit: string) =>
    mr('budget', 'budgets.aws.upbound.io/v1beta2', 'Budget', { limitAmount: limit, timeUnit: 'MONTHLY' });
  const findings = (resources: Unstructured[], overrides: Record<string, unknown>, factor?: number) =>
    runRules(
      buildContext(
        resources,
        undefined,
        { ...spec, ...overrides },
        factor === undefined ? {} : { budgetErrorFactor: factor },
      ),
      { rules: [rule('ENV075')] },
    );

  test('a budget below the fixed estimate is a warning naming both figures', () => {
    expect(natMonthly).toBeGreaterThan(30);
    const [f, ...rest] = findings([nat, budget('30')], {});
    expect(rest).toEqual([]);
    expect(f.severity).toBe('warning');
    expect(f.field).toBe('spec.forProvider.limitAmount');
    expect(f.message).toContain(`$${natMonthly.toFixed(2)}`);
    expect(f.message).toContain('$30.00');
    expect(findings([nat, budget(String(Math.ceil(natMonthly)))], {})).toEqual([]);
  });
  test("without a rendered Budget the claim's spec.compliance.budget.monthlyUsd is the limit", () => {
    expect(
      findings([nat], { compliance: { budget: { monthlyUsd: 10, email: 'a@b.co' } } }).map((f) => f.field),
    ).toEqual(['spec.compliance.budget.monthlyUsd']);
    expect(findings([nat], {})).toEqual([]);
  });
  test('above --budget-error-factor times the budget it is an error', () => {
    // 35.04 against a 30 budget: 1.17×.
    expect(findings([nat, budget('30')], {}, 1.1).map((f) => f.severity)).toEqual(['error']);
    expect(findings([nat, budget('30')], {}, 2).map((f) => f.severity)).toEqual(['warning']);
  });
});
