/**
 * Every priced kind of every example, checked by hand: the quantities below are read off the claims
 * and the profiles (src/platform/api/profiles.ts), not off the render, and the prices straight from the
 * committed JSON files; the test works each figure out and compares it with the estimate.
 */
import { readFileSync } from 'node:fs';
import type { Flavor } from '../../src/platform/compose/flavor.js';
import {
  pricingRules,
  ruleFor,
  usageProfiles,
  type Estimate,
  type UsageProfile,
} from '../../src/platform/cost/index.js';
import { kindOf } from '../../src/platform/cost/resources.js';
import { loadAllObjects } from '../../src/engine/render/yaml.js';
import {
  estimateClaim,
  exampleClaim,
  examples,
  type Example,
  r2,
  render,
  tablePrice as p,
} from './support.js';

const H = 730;

type Db =
  | { engine: 'postgres'; cls: string; multiAz: boolean; storageGiB: number }
  | { engine: 'aurora-postgresql'; cls: string };

/** What each example asks for, worked out from its YAML and the profile defaults. */
interface Facts {
  env: 'dev' | 'staging' | 'prod';
  region: string;
  azs: number;
  nat: number;
  /** ssm, ssmmessages, ec2messages, secretsmanager, logs: staging and prod (profile interfaceEndpoints). */
  interfaceEndpoints: number;
  app: { type: string; count: number };
  bastion: boolean;
  db: Db;
  alarms: number;
  dashboard: boolean;
  serverless: boolean;
  emailSubscription: boolean;
  /** Buckets in the primary region: logs, alb-logs, + artifacts (serverless), cloudtrail, config. */
  buckets: number;
  /** app, + api, api-access, aggregator (serverless), + trail. */
  logGroups: number;
  logRetentionDays: number;
  config: boolean;
  dr?: { region: string; nat: number; buckets: number; replicas: number };
}

// prod profile: 3 AZs, NAT per AZ, m7g.large × 3 (the claim), db.r6g.xlarge Multi-AZ 200 GiB, Config.
const PROD: Facts = {
  env: 'prod',
  region: 'eu-west-1',
  azs: 3,
  nat: 3,
  interfaceEndpoints: 5,
  app: { type: 'm7g.large', count: 3 },
  bastion: false,
  db: { engine: 'postgres', cls: 'db.r6g.xlarge', multiAz: true, storageGiB: 200 },
  alarms: 15,
  dashboard: true,
  serverless: true,
  emailSubscription: true,
  buckets: 5,
  logGroups: 5,
  logRetentionDays: 365,
  config: true,
};

const facts: Record<Example, Facts> = {
  // us-east-1, dev profile: 2 AZs, one NAT, no interface endpoints, t4g.small × 1, db.t4g.micro 20 GiB.
  minimal: {
    env: 'dev',
    region: 'us-east-1',
    azs: 2,
    nat: 1,
    interfaceEndpoints: 0,
    app: { type: 't4g.small', count: 1 },
    bastion: false,
    db: { engine: 'postgres', cls: 'db.t4g.micro', multiAz: false, storageGiB: 20 },
    // ALB 5xx, latency, target 5xx, unhealthy hosts, ASG CPU, RDS CPU, free storage, connections.
    alarms: 8,
    dashboard: false,
    serverless: false,
    emailSubscription: false,
    buckets: 2,
    logGroups: 1,
    logRetentionDays: 7,
    config: false,
  },
  // dev profile in eu-west-1 with serverless (and its table): + 7 alarms (Lambda ×4, API, DynamoDB ×2).
  dev: {
    env: 'dev',
    region: 'eu-west-1',
    azs: 2,
    nat: 1,
    interfaceEndpoints: 0,
    app: { type: 't4g.small', count: 1 },
    bastion: false,
    db: { engine: 'postgres', cls: 'db.t4g.micro', multiAz: false, storageGiB: 20 },
    alarms: 15,
    dashboard: false,
    serverless: true,
    emailSubscription: true,
    buckets: 3,
    logGroups: 4,
    logRetentionDays: 7,
    config: false,
  },
  // staging profile: 2 AZs, one NAT, interface endpoints, t4g.medium × 2, bastion, Aurora db.t4g.medium,
  // dashboard and CloudTrail (trail bucket and log group).
  staging: {
    env: 'staging',
    region: 'eu-west-1',
    azs: 2,
    nat: 1,
    interfaceEndpoints: 5,
    app: { type: 't4g.medium', count: 2 },
    bastion: true,
    db: { engine: 'aurora-postgresql', cls: 'db.t4g.medium' },
    alarms: 15,
    dashboard: true,
    serverless: true,
    emailSubscription: true,
    buckets: 4,
    logGroups: 5,
    logRetentionDays: 30,
    config: false,
  },
  prod: PROD,
  // prod plus DR in eu-central-1: one NAT, a key, log and artifact bucket copies, a Multi-AZ replica.
  'prod-dr': { ...PROD, dr: { region: 'eu-central-1', nat: 1, buckets: 2, replicas: 2 } },
};

/** Expected dollars per `kind|fixed or usage|region`, each item rounded to cents as a bill line is. */
function expected(f: Facts, u: UsageProfile): Map<string, number> {
  const out = new Map<string, number>();
  const add = (kind: string, usage: boolean, region: string, itemUsd: number, count = 1) => {
    if (count === 0) return;
    const k = `${kind}|${usage ? 'usage' : 'fixed'}|${region}`;
    out.set(k, r2((out.get(k) ?? 0) + r2(itemUsd) * count));
  };
  const R = f.region;
  const network = (region: string, nat: number) => {
    add('ec2/NATGateway', false, region, H * p('ec2', 'nat-gateway:hours', region), nat);
    add(
      'ec2/NATGateway',
      true,
      region,
      u.natProcessedGiBPerGateway * p('ec2', 'nat-gateway:data', region),
      nat,
    );
    add('ec2/EIP', false, region, H * p('vpc', 'public-ipv4:hours', region), nat);
    add('ec2/FlowLog', true, region, u.flowLogGiBPerVpc * p('cloudwatch', 'logs:vended-s3', region));
    add('kms/Key', false, region, p('kms', 'key', region));
    add('kms/Key', true, region, u.kmsRequestsPerKey * p('kms', 'requests', region));
  };
  network(R, f.nat);
  add('ec2/VPCEndpoint', false, R, H * f.azs * p('vpc', 'vpc-endpoint:hours', R), f.interfaceEndpoints);
  add(
    'ec2/VPCEndpoint',
    true,
    R,
    u.endpointProcessedGiBPerEndpoint * p('vpc', 'vpc-endpoint:data', R),
    f.interfaceEndpoints,
  );

  // Compute: instances, a 20 GiB gp3 root volume each, 7 detailed-monitoring metrics each.
  const n = f.app.count;
  add('autoscaling/AutoscalingGroup', false, R, H * n * p('ec2', `instance:${f.app.type}`, R));
  add('autoscaling/AutoscalingGroup', false, R, 20 * n * p('ec2', 'ebs:gp3', R));
  add('autoscaling/AutoscalingGroup', false, R, 7 * n * p('cloudwatch', 'metric', R));
  if (f.bastion) {
    add('autoscaling/AutoscalingGroup', false, R, H * p('ec2', 'instance:t4g.nano', R));
    add('autoscaling/AutoscalingGroup', false, R, 8 * p('ec2', 'ebs:gp3', R));
  }

  // The ALB: hours, one public IPv4 per AZ, LCUs and internet egress from the profile.
  add('elbv2/LB', false, R, H * p('elb', 'alb:hours', R));
  add('elbv2/LB', false, R, H * f.azs * p('vpc', 'public-ipv4:hours', R));
  add('elbv2/LB', true, R, u.albLcu * H * p('elb', 'alb:lcu', R));
  add('elbv2/LB', true, R, u.internetEgressGiB * p('data-transfer', 'internet-out', R));

  if (f.db.engine === 'postgres') {
    const dep = f.db.multiAz ? 'multi-az' : 'single-az';
    add('rds/Instance', false, R, H * p('rds', `instance:${f.db.cls}:postgres:${dep}`, R));
    add('rds/Instance', false, R, f.db.storageGiB * p('rds', `storage:gp3:${dep}`, R));
    add('rds/Instance', false, R, p('secretsmanager', 'secret', R));
  } else {
    add('rds/ClusterInstance', false, R, H * p('rds', `instance:${f.db.cls}:${f.db.engine}`, R));
    add('rds/Cluster', false, R, p('secretsmanager', 'secret', R));
    add('rds/Cluster', true, R, u.auroraStorageGiB * p('rds', 'aurora:storage', R));
    add('rds/Cluster', true, R, u.auroraIoRequests * p('rds', 'aurora:io', R));
  }

  add('cloudwatch/MetricAlarm', false, R, p('cloudwatch', 'alarm:standard', R), f.alarms);
  if (f.dashboard) add('cloudwatch/Dashboard', false, R, p('cloudwatch', 'dashboard', R));
  add('sns/Topic', true, R, u.snsPublishesPerTopic * p('sns', 'requests', R));
  if (f.emailSubscription) add('sns/Topic', true, R, u.snsEmailsPerTopic * p('sns', 'email', R));

  const months = Math.round(((f.logRetentionDays * 24) / H) * 1000) / 1000;
  add(
    'cloudwatchlogs/Group',
    true,
    R,
    u.logIngestGiBPerGroup * p('cloudwatch', 'logs:ingest', R),
    f.logGroups,
  );
  add(
    'cloudwatchlogs/Group',
    true,
    R,
    u.logIngestGiBPerGroup * months * p('cloudwatch', 'logs:storage', R),
    f.logGroups,
  );

  const bucket = (region: string, count: number) => {
    add('s3/Bucket', true, region, u.s3StorageGiBPerBucket * p('s3', 'storage:standard', region), count);
    add('s3/Bucket', true, region, u.s3PutRequestsPerBucket * p('s3', 'requests:put', region), count);
  };
  bucket(R, f.buckets);

  if (f.serverless) {
    // The Lambda bundle in the artifact bucket: a few KB, far below a cent.
    add('s3/Object', false, R, 0);
    // The API function: every API request; the aggregator: rate(5 minutes) = 730 × 12 invocations.
    const gbSeconds = (invocations: number) => (invocations * (u.lambdaAvgDurationMs / 1000) * 256) / 1024;
    add('lambda/Function', true, R, u.apiRequests * p('lambda', 'requests', R));
    add('lambda/Function', true, R, gbSeconds(u.apiRequests) * p('lambda', 'duration:arm64', R));
    add('lambda/Function', true, R, H * 12 * p('lambda', 'requests', R));
    add('lambda/Function', true, R, gbSeconds(H * 12) * p('lambda', 'duration:arm64', R));
    add('apigateway/RestAPI', true, R, u.apiRequests * p('apigateway', 'rest:requests', R));
    add('sqs/Queue', true, R, u.sqsRequestsPerQueue * p('sqs', 'standard:requests', R));
    // On-demand table with point-in-time recovery.
    add('dynamodb/Table', true, R, u.dynamodbReads * p('dynamodb', 'on-demand:read', R));
    add('dynamodb/Table', true, R, u.dynamodbWrites * p('dynamodb', 'on-demand:write', R));
    add('dynamodb/Table', true, R, u.dynamodbStorageGiB * p('dynamodb', 'storage', R));
    add('dynamodb/Table', true, R, u.dynamodbStorageGiB * p('dynamodb', 'pitr', R));
  }
  if (f.config)
    add('configservice/ConfigurationRecorder', true, R, u.configItems * p('config', 'configuration-item', R));

  if (f.dr) {
    const D = f.dr.region;
    network(D, f.dr.nat);
    bucket(D, f.dr.buckets);
    // The replica: same class and Multi-AZ, the source's 200 GiB; no managed secret of its own.
    if (f.db.engine === 'postgres') {
      add('rds/Instance', false, D, H * p('rds', `instance:${f.db.cls}:postgres:multi-az`, D));
      add('rds/Instance', false, D, f.db.storageGiB * p('rds', 'storage:gp3:multi-az', D));
      add('rds/Instance', true, R, u.dbReplicationGiB * p('data-transfer', 'inter-region-out', R));
    }
    add(
      's3/BucketReplicationConfiguration',
      true,
      R,
      u.s3ReplicatedGiBPerBucket * p('data-transfer', 'inter-region-out', R),
      f.dr.replicas,
    );
    add('ec2/VPCPeeringConnection', true, R, u.peeringGiB * p('data-transfer', 'inter-region-out', R));
  }
  return out;
}

function actual(e: Estimate): Map<string, number> {
  const out = new Map<string, number>();
  for (const i of e.items) {
    const k = `${i.kind}|${i.usage ? 'usage' : 'fixed'}|${i.region}`;
    out.set(k, r2((out.get(k) ?? 0) + i.monthly));
  }
  return out;
}

const estimates = new Map<Example, Estimate>();
beforeAll(async () => {
  for (const name of examples) estimates.set(name, await estimateClaim(exampleClaim(name)));
});

describe.each(examples)('%s', (name) => {
  test('every priced kind has its hand-checked figure, and nothing else is priced', () => {
    const e = estimates.get(name)!;
    const want = expected(facts[name], usageProfiles[facts[name].env]);
    const have = actual(e);
    expect([...have.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [k, usd] of want) expect([k, have.get(k)]).toEqual([k, expect.closeTo(usd, 2)]);
  });

  test('the totals are the sums of the items, per region and fixed/usage apart', () => {
    const e = estimates.get(name)!;
    const sum = (usage: boolean, region?: string) =>
      r2(
        e.items
          .filter((i) => i.usage === usage && (!region || i.region === region))
          .reduce((a, i) => a + i.monthly, 0),
      );
    expect(e.fixedMonthly).toBeCloseTo(sum(false), 2);
    expect(e.usageMonthly).toBeCloseTo(sum(true), 2);
    for (const r of e.regions) {
      expect(r.fixedMonthly).toBeCloseTo(sum(false, r.region), 2);
      expect(r.usageMonthly).toBeCloseTo(sum(true, r.region), 2);
    }
    expect(e.regions.map((r) => r.region)).toEqual(
      facts[name].dr ? [facts[name].region, facts[name].dr!.region] : [facts[name].region],
    );
  });

  test.each(['claim', 'namespaced'] as Flavor[])(
    'every composed resource (%s flavor) is priced, or listed as not priced with a reason',
    async (flavor) => {
      const { composed, spec } = await render(exampleClaim(name), flavor);
      const e = await estimateClaim(exampleClaim(name), flavor);
      const accounted = new Set([...e.items.map((i) => i.resource), ...e.notPriced.map((n) => n.resource)]);
      const names = composed.map((c) => c.metadata?.annotations?.['crossplane.io/composition-resource-name']);
      expect(names.filter((n) => !accounted.has(String(n)))).toEqual([]);
      for (const n of e.notPriced) expect(n.reason).toMatch(/^(no charge|not priced|not estimated): \S/);
      // No kind falls through to "no pricing rule", and no price is missing for these regions.
      expect(e.notPriced.filter((n) => /no pricing rule|no \S+ price for/.test(n.reason))).toEqual([]);
      for (const c of composed) expect(ruleFor(kindOf(c))).toBeDefined();
      expect(spec.environment).toBe(facts[name].env);
    },
  );
});

test('both flavors cost the same', async () => {
  for (const name of examples) {
    const a = await estimateClaim(exampleClaim(name), 'claim');
    const b = await estimateClaim(exampleClaim(name), 'namespaced');
    expect([name, b.fixedMonthly, b.usageMonthly]).toEqual([name, a.fixedMonthly, a.usageMonthly]);
  }
});

test('every kind either composition can render has a pricing rule or a no-charge reason', () => {
  const kinds = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (
      typeof o.apiVersion === 'string' &&
      typeof o.kind === 'string' &&
      /(\.aws(\.m)?\.upbound\.io|^protection\.crossplane\.io)\//.test(o.apiVersion)
    )
      kinds.add(kindOf({ apiVersion: o.apiVersion, kind: o.kind }));
    Object.values(o).forEach(walk);
  };
  for (const flavor of ['claim', 'namespaced'])
    walk(loadAllObjects(readFileSync(`compositions/${flavor}.yaml`, 'utf8')));
  expect(kinds.size).toBeGreaterThan(70);
  expect([...kinds].filter((k) => !ruleFor(k)).sort()).toEqual([]);
  expect(new Set(pricingRules.map((r) => r.kind)).size).toBe(pricingRules.length);
});

test('prod-dr: the DR region is priced apart, and is what prod-dr costs more than prod', () => {
  const prod = estimates.get('prod')!;
  const dr = estimates.get('prod-dr')!;
  const drRegion = dr.regions.find((r) => r.region === 'eu-central-1')!;
  expect(drRegion.fixedMonthly).toBeGreaterThan(0);
  // The primary region of prod-dr costs what prod costs, plus the DR replication traffic billed there.
  const primary = dr.regions.find((r) => r.region === 'eu-west-1')!;
  expect(primary.fixedMonthly).toBeCloseTo(prod.fixedMonthly, 2);
  const u = usageProfiles.prod;
  const transfer = p('data-transfer', 'inter-region-out', 'eu-west-1');
  expect(primary.usageMonthly).toBeCloseTo(
    prod.usageMonthly +
      r2(u.dbReplicationGiB * transfer) +
      2 * r2(u.s3ReplicatedGiBPerBucket * transfer) +
      r2(u.peeringGiB * transfer),
    2,
  );
});
