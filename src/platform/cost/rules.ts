/**
 * What each managed-resource kind costs. Every kind the compositions render is here: either a
 * pricing rule (the charges it asks for, fixed or usage-based) or the reason AWS charges nothing
 * for it. A kind that is missing is reported as not priced, never dropped.
 */
import type { JsonObject } from '../../core/json.js';
import { block, blocks } from '../compose/aws/blocks.js';
import {
  awsName,
  type CostResource,
  isObject,
  isTrue,
  num,
  pointsAt,
  resolveReference,
  str,
} from './resources.js';
import type { Charge } from './types.js';
import type { UsageProfile } from './usage.js';

/** AWS prices a month as 730 hours. */
export const HOURS_PER_MONTH = 730;

export interface RuleContext {
  resources: readonly CostResource[];
  spec: JsonObject;
  usage: UsageProfile;
  /** The claim's region. */
  region: string;
}

export interface RuleResult {
  charges: Charge[];
  /** Why there is no charge, when `charges` is empty: `no charge: …` or `not priced: …`. */
  reason?: string;
  /** Dimensions of a priced resource that have no figure: listed as not priced with this text. */
  notes?: string[];
}

export type PricingRule =
  { kind: string; noCharge: string } | { kind: string; price(r: CostResource, ctx: RuleContext): RuleResult };

const fixed = (what: string, service: string, key: string, quantity: number, region?: string): Charge => ({
  what,
  service,
  key,
  quantity,
  usage: false,
  ...(region ? { region } : {}),
});
const usage = (what: string, service: string, key: string, quantity: number, region?: string): Charge => ({
  ...fixed(what, service, key, quantity, region),
  usage: true,
});

const free = (kind: string, reason: string): PricingRule => ({ kind, noCharge: reason });

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Invocations a month of an EventBridge schedule expression, or undefined when it cannot be read. */
export function scheduleInvocationsPerMonth(expression: string): number | undefined {
  const minutesPerMonth = HOURS_PER_MONTH * 60;
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate) {
    const n = Number(rate[1]);
    if (n <= 0) return undefined;
    const unit = rate[2].startsWith('minute') ? 1 : rate[2].startsWith('hour') ? 60 : 1440;
    return Math.floor(minutesPerMonth / (n * unit));
  }
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (!cron) return undefined;
  const fields = cron[1].trim().split(/\s+/);
  if (fields.length !== 6) return undefined;
  const count = (f: string, size: number): number | undefined => {
    if (f === '*' || f === '?') return size;
    let total = 0;
    for (const part of f.split(',')) {
      const step = /^(\*|\d+(?:-\d+)?)\/(\d+)$/.exec(part);
      const range = /^(\d+)-(\d+)$/.exec(part);
      if (step) {
        const [lo, hi] = step[1] === '*' ? [0, size - 1] : step[1].split('-').map(Number);
        total += Math.floor(((hi ?? size - 1) - lo) / Number(step[2])) + 1;
      } else if (range) total += Number(range[2]) - Number(range[1]) + 1;
      else if (/^\d+$/.test(part)) total += 1;
      else return undefined;
    }
    return total;
  };
  const [minute, hour, dom, , dowField] = fields;
  const dayNumbers: Record<string, string> = {
    SUN: '1',
    MON: '2',
    TUE: '3',
    WED: '4',
    THU: '5',
    FRI: '6',
    SAT: '7',
  };
  const dow = dowField.toUpperCase().replace(/[A-Z]{3}/g, (d) => dayNumbers[d] ?? d);
  const perHour = count(minute, 60);
  const hours = count(hour, 24);
  if (perHour === undefined || hours === undefined) return undefined;
  const daysInMonth = HOURS_PER_MONTH / 24;
  let days: number | undefined;
  if (dom !== '?' && dom !== '*') days = count(dom, 31);
  else if (dow !== '?' && dow !== '*') {
    const weekdays = count(dow, 7);
    days = weekdays === undefined ? undefined : (weekdays * daysInMonth) / 7;
  } else days = daysInMonth;
  return days === undefined ? undefined : Math.floor(perHour * hours * days);
}

function launchTemplateOf(asg: CostResource, ctx: RuleContext): CostResource | undefined {
  const lt = block(asg.forProvider.launchTemplate) ?? {};
  const byRef = ['idSelector', 'idRef', 'nameSelector', 'nameRef'].flatMap((k) =>
    resolveReference(ctx.resources, lt[k]),
  );
  const found = byRef.find((r) => r.kind === 'ec2/LaunchTemplate');
  if (found) return found;
  const name = str(lt.name);
  return ctx.resources.find(
    (r) => r.kind === 'ec2/LaunchTemplate' && name !== undefined && awsName(r) === name,
  );
}

const autoscalingGroup: PricingRule = {
  kind: 'autoscaling/AutoscalingGroup',
  price(r, ctx) {
    const lt = launchTemplateOf(r, ctx);
    if (!lt)
      return { charges: [], reason: 'not priced: the launch template it starts is not in this render' };
    const type = str(lt.forProvider.instanceType);
    if (!type)
      return { charges: [], reason: `not priced: launch template ${lt.name} names no instance type` };
    const min = num(r.forProvider.minSize);
    const max = num(r.forProvider.maxSize);
    const count = num(r.forProvider.desiredCapacity) ?? num(r.initProvider.desiredCapacity) ?? min ?? 1;
    const scaling = min !== undefined && max !== undefined && min !== max ? `; scales ${min}-${max}` : '';
    const instances = plural(count, 'instance');
    const charges: Charge[] = [
      fixed(
        `EC2 ${type} instance-hours (${instances}, the desired capacity${scaling})`,
        'AmazonEC2',
        `instance:${type}`,
        count * HOURS_PER_MONTH,
      ),
    ];
    const notes: string[] = [];
    for (const m of blocks(lt.forProvider.blockDeviceMappings)) {
      const ebs = block(m.ebs);
      if (!ebs) continue;
      const size = num(ebs.volumeSize) ?? 8;
      const volumeType = str(ebs.volumeType) ?? 'gp2';
      charges.push(
        fixed(
          `EBS ${volumeType} GB-months (${size} GiB ${String(m.deviceName ?? 'root')} × ${instances})`,
          'AmazonEC2',
          `ebs:${volumeType}`,
          size * count,
        ),
      );
    }
    if (isTrue(block(lt.forProvider.monitoring)?.enabled)) {
      charges.push(
        fixed(
          `CloudWatch detailed-monitoring metrics (7 per instance × ${instances})`,
          'AmazonCloudWatch',
          'metric',
          7 * count,
        ),
      );
    }
    const userData = str(lt.forProvider.userData) ?? '';
    const decoded = /^[A-Za-z0-9+/=\s]+$/.test(userData)
      ? Buffer.from(userData, 'base64').toString('utf8')
      : userData;
    if (/amazon-cloudwatch-agent/.test(decoded))
      notes.push(
        'not estimated: custom metrics the CloudWatch agent publishes from each instance (priced per metric a month)',
      );
    return { charges, notes };
  },
};

function countSubnets(r: CostResource, ctx: RuleContext): number {
  const fp = r.forProvider;
  const listed = Array.isArray(fp.subnets) ? fp.subnets.length : 0;
  const mapped = blocks(fp.subnetMapping).length;
  const selected = ['subnetSelector', 'subnetRefs', 'subnetsSelector', 'subnetsRefs'].flatMap((k) =>
    Array.isArray(fp[k])
      ? fp[k].flatMap((x: unknown) => resolveReference(ctx.resources, x))
      : resolveReference(ctx.resources, fp[k]),
  );
  // A subnet in another region cannot carry this load balancer (a selector can match the DR VPC's too).
  const subnets = selected.filter((s) => s.kind === 'ec2/Subnet' && s.region === r.region);
  return Math.max(listed, mapped, new Set(subnets).size);
}

const loadBalancer: PricingRule = {
  kind: 'elbv2/LB',
  price(r, ctx) {
    const type = str(r.forProvider.loadBalancerType) ?? 'application';
    if (type !== 'application')
      return {
        charges: [],
        reason: `not priced: envstack prices Application Load Balancers, this one is "${type}"`,
      };
    const charges: Charge[] = [
      fixed('Application Load Balancer-hours', 'AWSELB', 'alb:hours', HOURS_PER_MONTH),
    ];
    const internetFacing = !isTrue(r.forProvider.internal);
    if (internetFacing) {
      const azs = countSubnets(r, ctx);
      charges.push(
        fixed(
          `public IPv4 address-hours (one per subnet: ${plural(azs, 'address', 'addresses')})`,
          'AmazonVPC',
          'public-ipv4:hours',
          azs * HOURS_PER_MONTH,
        ),
      );
    }
    charges.push(
      usage('load balancer capacity unit-hours', 'AWSELB', 'alb:lcu', ctx.usage.albLcu * HOURS_PER_MONTH),
    );
    if (internetFacing)
      charges.push(
        usage(
          'data transfer out to the internet',
          'AWSDataTransfer',
          'internet-out',
          ctx.usage.internetEgressGiB,
        ),
      );
    return { charges };
  },
};

const regionOfArn = (arn: string | undefined) =>
  arn ? /^arn:[^:]+:[^:]+:([^:]+):/.exec(arn)?.[1] : undefined;

function rdsEngineLabel(engine: string): string {
  return (
    { postgres: 'PostgreSQL', 'aurora-postgresql': 'Aurora PostgreSQL', 'aurora-mysql': 'Aurora MySQL' }[
      engine
    ] ?? engine
  );
}

const backupNote = (r: CostResource) =>
  (num(r.forProvider.backupRetentionPeriod) ?? 0) > 0
    ? [
        `not estimated: automated backups beyond the free allowance (backup storage up to the size of the database is free) depend on how much the data changes over ${num(r.forProvider.backupRetentionPeriod)} days`,
      ]
    : [];

const rdsInstance: PricingRule = {
  kind: 'rds/Instance',
  price(r, ctx) {
    const fp = r.forProvider;
    const replicaOf = str(fp.replicateSourceDb);
    const source = replicaOf
      ? (ctx.resources.find(
          (x) =>
            x.kind === 'rds/Instance' &&
            x !== r &&
            !str(x.forProvider.replicateSourceDb) &&
            replicaOf.includes(String(x.forProvider.identifier ?? '\u0000')),
        ) ??
        ctx.resources.find(
          (x) => x.kind === 'rds/Instance' && x !== r && !str(x.forProvider.replicateSourceDb),
        ))
      : undefined;
    const database = isObject(ctx.spec.database) ? ctx.spec.database : {};
    const engine = str(fp.engine) ?? str(source?.forProvider.engine) ?? str(database.engine) ?? 'postgres';
    const cls = str(fp.instanceClass);
    if (!cls) return { charges: [], reason: 'not priced: no instanceClass' };
    const multiAz = isTrue(fp.multiAz);
    const deployment = multiAz ? 'multi-az' : 'single-az';
    const label = `${rdsEngineLabel(engine)} ${cls} ${multiAz ? 'Multi-AZ' : 'Single-AZ'}`;
    const charges: Charge[] = [
      fixed(
        `RDS ${label}${replicaOf ? ' read replica' : ''} instance-hours`,
        'AmazonRDS',
        `instance:${cls}:${engine}:${deployment}`,
        HOURS_PER_MONTH,
      ),
    ];
    const storage = num(fp.allocatedStorage) ?? num(source?.forProvider.allocatedStorage);
    const storageType = str(fp.storageType) ?? str(source?.forProvider.storageType) ?? 'gp2';
    const notes = backupNote(r);
    if (storage !== undefined)
      charges.push(
        fixed(
          `RDS ${storageType} storage GB-months, ${multiAz ? 'Multi-AZ' : 'Single-AZ'}${fp.allocatedStorage === undefined ? ' (the source database’s size)' : ''}`,
          'AmazonRDS',
          `storage:${storageType}:${deployment}`,
          storage,
        ),
      );
    else notes.push('not priced: storage (neither the instance nor its source gives allocatedStorage)');
    if (isTrue(fp.manageMasterUserPassword))
      charges.push(
        fixed('Secrets Manager secret (the managed master password)', 'AWSSecretsManager', 'secret', 1),
      );
    const sourceRegion = regionOfArn(replicaOf) ?? source?.region;
    if (replicaOf && sourceRegion && sourceRegion !== r.region)
      charges.push(
        usage(
          `replication traffic ${sourceRegion} → ${r.region}`,
          'AWSDataTransfer',
          'inter-region-out',
          ctx.usage.dbReplicationGiB,
          sourceRegion,
        ),
      );
    return { charges, notes };
  },
};

const rdsCluster: PricingRule = {
  kind: 'rds/Cluster',
  price(r, ctx) {
    const fp = r.forProvider;
    const engine = str(fp.engine) ?? 'aurora-postgresql';
    if (!engine.startsWith('aurora'))
      return { charges: [], reason: `not priced: envstack prices Aurora clusters, this one is "${engine}"` };
    const storageType = str(fp.storageType);
    const prefix = storageType === 'aurora-iopt1' ? 'aurora-iopt1' : 'aurora';
    const charges: Charge[] = [
      usage(`Aurora storage GB-months`, 'AmazonRDS', `${prefix}:storage`, ctx.usage.auroraStorageGiB),
      usage(`Aurora I/O requests`, 'AmazonRDS', `${prefix}:io`, ctx.usage.auroraIoRequests),
    ];
    if (isTrue(fp.manageMasterUserPassword))
      charges.push(
        fixed('Secrets Manager secret (the managed master password)', 'AWSSecretsManager', 'secret', 1),
      );
    if (str(fp.globalClusterIdentifier) || isObject(fp.globalClusterIdentifierSelector)) {
      if (r.region !== ctx.region)
        charges.push(
          usage(
            `global database replication ${ctx.region} → ${r.region}`,
            'AWSDataTransfer',
            'inter-region-out',
            ctx.usage.dbReplicationGiB,
            ctx.region,
          ),
        );
    }
    return { charges, notes: backupNote(r) };
  },
};

const rdsClusterInstance: PricingRule = {
  kind: 'rds/ClusterInstance',
  price(r, ctx) {
    const cluster = resolveReference(ctx.resources, r.forProvider.clusterIdentifierSelector).find(
      (x) => x.kind === 'rds/Cluster',
    );
    const engine = str(r.forProvider.engine) ?? str(cluster?.forProvider.engine) ?? 'aurora-postgresql';
    const cls = str(r.forProvider.instanceClass);
    if (!cls) return { charges: [], reason: 'not priced: no instanceClass' };
    return {
      charges: [
        fixed(
          `${rdsEngineLabel(engine)} ${cls} instance-hours`,
          'AmazonRDS',
          `instance:${cls}:${engine}`,
          HOURS_PER_MONTH,
        ),
      ],
    };
  },
};

const natGateway: PricingRule = {
  kind: 'ec2/NATGateway',
  price: (_r, ctx) => ({
    charges: [
      fixed('NAT gateway-hours', 'AmazonEC2', 'nat-gateway:hours', HOURS_PER_MONTH),
      usage(
        'data processed by the NAT gateway',
        'AmazonEC2',
        'nat-gateway:data',
        ctx.usage.natProcessedGiBPerGateway,
      ),
    ],
  }),
};

const elasticIp: PricingRule = {
  kind: 'ec2/EIP',
  price: () => ({
    charges: [fixed('public IPv4 address-hours', 'AmazonVPC', 'public-ipv4:hours', HOURS_PER_MONTH)],
  }),
};

const vpcEndpoint: PricingRule = {
  kind: 'ec2/VPCEndpoint',
  price(r, ctx) {
    const type = str(r.forProvider.vpcEndpointType) ?? 'Gateway';
    if (type === 'Gateway')
      return {
        charges: [],
        reason: 'no charge: a gateway endpoint (S3 and DynamoDB gateway endpoints are free)',
      };
    if (type !== 'Interface')
      return {
        charges: [],
        reason: `not priced: envstack prices interface endpoints, this one is "${type}"`,
      };
    const associations = ctx.resources.filter(
      (x) => x.kind === 'ec2/VPCEndpointSubnetAssociation' && pointsAt(ctx.resources, x, r, /^vpcEndpointId/),
    ).length;
    const listed = Array.isArray(r.forProvider.subnetIds) ? r.forProvider.subnetIds.length : 0;
    const selected = resolveReference(ctx.resources, r.forProvider.subnetIdSelector).filter(
      (x) => x.kind === 'ec2/Subnet',
    ).length;
    const azs = associations + Math.max(listed, selected);
    return {
      charges: [
        fixed(
          `interface endpoint-hours (${plural(azs, 'Availability Zone')})`,
          'AmazonVPC',
          'vpc-endpoint:hours',
          azs * HOURS_PER_MONTH,
        ),
        usage(
          'data processed by the endpoint',
          'AmazonVPC',
          'vpc-endpoint:data',
          ctx.usage.endpointProcessedGiBPerEndpoint,
        ),
      ],
    };
  },
};

const flowLog: PricingRule = {
  kind: 'ec2/FlowLog',
  price(r, ctx) {
    const destination = str(r.forProvider.logDestinationType) ?? 'cloud-watch-logs';
    if (destination === 's3')
      return {
        charges: [
          usage(
            'flow logs delivered to S3 (vended logs)',
            'AmazonCloudWatch',
            'logs:vended-s3',
            ctx.usage.flowLogGiBPerVpc,
          ),
        ],
      };
    if (destination === 'cloud-watch-logs')
      return {
        charges: [
          usage(
            'flow logs ingested by CloudWatch Logs',
            'AmazonCloudWatch',
            'logs:ingest',
            ctx.usage.flowLogGiBPerVpc,
          ),
        ],
      };
    return { charges: [], reason: `not priced: flow logs delivered to ${destination}` };
  },
};

const peering: PricingRule = {
  kind: 'ec2/VPCPeeringConnection',
  price(r, ctx) {
    const peer = str(r.forProvider.peerRegion);
    if (!peer || peer === r.region)
      return {
        charges: [],
        reason: 'no charge: a peering connection within one region (cross-AZ traffic is not estimated)',
      };
    return {
      charges: [
        usage(
          `traffic ${r.region} → ${peer} across the peering`,
          'AWSDataTransfer',
          'inter-region-out',
          ctx.usage.peeringGiB,
        ),
      ],
    };
  },
};

const kmsKey: PricingRule = {
  kind: 'kms/Key',
  price: (_r, ctx) => ({
    charges: [
      fixed('KMS customer managed key-months', 'awskms', 'key', 1),
      usage('KMS requests', 'awskms', 'requests', ctx.usage.kmsRequestsPerKey),
    ],
  }),
};

const metricAlarm: PricingRule = {
  kind: 'cloudwatch/MetricAlarm',
  price(r) {
    const period = num(r.forProvider.period);
    const queries = blocks(r.forProvider.metricQuery).filter((q) => isObject(q.metric)).length;
    const metrics = Math.max(queries, 1);
    const highResolution = period !== undefined && period < 60;
    return {
      charges: [
        fixed(
          `CloudWatch ${highResolution ? 'high-resolution' : 'standard'} alarm-months${metrics > 1 ? ` (${metrics} metrics)` : ''}`,
          'AmazonCloudWatch',
          highResolution ? 'alarm:high-resolution' : 'alarm:standard',
          metrics,
        ),
      ],
    };
  },
};

const dashboard: PricingRule = {
  kind: 'cloudwatch/Dashboard',
  price: () => ({ charges: [fixed('CloudWatch dashboard-months', 'AmazonCloudWatch', 'dashboard', 1)] }),
};

const logGroup: PricingRule = {
  kind: 'cloudwatchlogs/Group',
  price(r, ctx) {
    const cls = str(r.forProvider.logGroupClass) ?? 'STANDARD';
    const ingest = cls === 'STANDARD' ? 'logs:ingest' : `logs:ingest:${cls.toLowerCase()}`;
    const days = num(r.forProvider.retentionInDays);
    const months = days && days > 0 ? (days * 24) / HOURS_PER_MONTH : 12;
    const retained = days && days > 0 ? `${days}-day retention` : 'never expires: 12 months assumed';
    return {
      charges: [
        usage('CloudWatch Logs ingestion', 'AmazonCloudWatch', ingest, ctx.usage.logIngestGiBPerGroup),
        usage(
          `CloudWatch Logs storage GB-months (${retained})`,
          'AmazonCloudWatch',
          'logs:storage',
          (ctx.usage.logIngestGiBPerGroup * Math.round(months * 1000)) / 1000,
        ),
      ],
    };
  },
};

const bucket: PricingRule = {
  kind: 's3/Bucket',
  price: (_r, ctx) => ({
    charges: [
      usage('S3 Standard storage GB-months', 'AmazonS3', 'storage:standard', ctx.usage.s3StorageGiBPerBucket),
      usage('S3 PUT/COPY/POST/LIST requests', 'AmazonS3', 'requests:put', ctx.usage.s3PutRequestsPerBucket),
    ],
  }),
};

const GIB = 1024 ** 3;

const s3Object: PricingRule = {
  kind: 's3/Object',
  price(r) {
    const fp = r.forProvider;
    const b64 = str(fp.contentBase64);
    const bytes = b64
      ? Buffer.from(b64, 'base64').length
      : typeof fp.content === 'string'
        ? Buffer.byteLength(fp.content)
        : undefined;
    if (bytes === undefined)
      return {
        charges: [],
        reason: 'not priced: the object’s size is not in the manifest (it names a source file)',
      };
    return {
      charges: [
        fixed(
          `S3 Standard storage GB-months (${bytes.toLocaleString('en-US')} bytes)`,
          'AmazonS3',
          'storage:standard',
          Math.round((bytes / GIB) * 1e9) / 1e9,
        ),
      ],
    };
  },
};

const replication: PricingRule = {
  kind: 's3/BucketReplicationConfiguration',
  price(r, ctx) {
    const destinations = blocks(r.forProvider.rule).flatMap((rule) => {
      const d = block(rule.destination) ?? {};
      return resolveReference(ctx.resources, d.bucketSelector ?? d.bucketRef);
    });
    const target = destinations.find((d) => d.kind === 's3/Bucket');
    if (!target || target.region === r.region)
      return {
        charges: [],
        reason: 'no charge: same-region replication has no transfer charge (requests are not estimated)',
      };
    return {
      charges: [
        usage(
          `replication traffic ${r.region} → ${target.region}`,
          'AWSDataTransfer',
          'inter-region-out',
          ctx.usage.s3ReplicatedGiBPerBucket,
        ),
      ],
    };
  },
};

const dynamodbTable: PricingRule = {
  kind: 'dynamodb/Table',
  price(r, ctx) {
    const fp = r.forProvider;
    const charges: Charge[] = [];
    if ((str(fp.billingMode) ?? 'PROVISIONED') === 'PAY_PER_REQUEST') {
      charges.push(
        usage(
          'DynamoDB on-demand read request units',
          'AmazonDynamoDB',
          'on-demand:read',
          ctx.usage.dynamodbReads,
        ),
        usage(
          'DynamoDB on-demand write request units',
          'AmazonDynamoDB',
          'on-demand:write',
          ctx.usage.dynamodbWrites,
        ),
      );
    } else {
      const read = num(fp.readCapacity) ?? 0;
      const write = num(fp.writeCapacity) ?? 0;
      charges.push(
        fixed(
          `DynamoDB provisioned read capacity unit-hours (${read} RCU)`,
          'AmazonDynamoDB',
          'provisioned:read',
          read * HOURS_PER_MONTH,
        ),
        fixed(
          `DynamoDB provisioned write capacity unit-hours (${write} WCU)`,
          'AmazonDynamoDB',
          'provisioned:write',
          write * HOURS_PER_MONTH,
        ),
      );
    }
    const tableClass = str(fp.tableClass) ?? 'STANDARD';
    charges.push(
      usage(
        'DynamoDB storage GB-months',
        'AmazonDynamoDB',
        tableClass === 'STANDARD' ? 'storage' : `storage:${tableClass.toLowerCase()}`,
        ctx.usage.dynamodbStorageGiB,
      ),
    );
    if (isTrue(block(fp.pointInTimeRecovery)?.enabled))
      charges.push(
        usage('point-in-time recovery GB-months', 'AmazonDynamoDB', 'pitr', ctx.usage.dynamodbStorageGiB),
      );
    const notes = blocks(fp.replica).length
      ? ['not estimated: replicated writes to the global table’s replicas']
      : [];
    return { charges, notes };
  },
};

/** Invocations a month of a function: the API's requests, its schedule, or the usage profile's default. */
function invocations(fn: CostResource, ctx: RuleContext): { count: number; why: string } {
  const fronted = ctx.resources.filter(
    (x) => x.kind === 'apigateway/Integration' && pointsAt(ctx.resources, x, fn, /^uri/),
  );
  if (fronted.length) {
    const functionsBehindApi = new Set(
      ctx.resources
        .filter((x) => x.kind === 'apigateway/Integration')
        .flatMap((x) => resolveReference(ctx.resources, x.forProvider.uriSelector ?? x.forProvider.uriRef))
        .filter((x) => x.kind === 'lambda/Function'),
    ).size;
    return {
      count: Math.round(ctx.usage.apiRequests / Math.max(functionsBehindApi, 1)),
      why: 'API requests',
    };
  }
  const name = awsName(fn);
  const targets = ctx.resources.filter(
    (x) =>
      x.kind === 'cloudwatchevents/Target' &&
      ((name !== undefined && String(x.forProvider.arn ?? '').endsWith(`:function:${name}`)) ||
        pointsAt(ctx.resources, x, fn, /^arn/)),
  );
  let scheduled = 0;
  const schedules: string[] = [];
  for (const t of targets) {
    const rule = resolveReference(ctx.resources, t.forProvider.ruleSelector ?? t.forProvider.ruleRef).find(
      (x) => x.kind === 'cloudwatchevents/Rule',
    );
    const expression = str(rule?.forProvider.scheduleExpression);
    const n = expression ? scheduleInvocationsPerMonth(expression) : undefined;
    if (expression && n !== undefined) {
      scheduled += n;
      schedules.push(expression);
    }
  }
  if (schedules.length) return { count: scheduled, why: schedules.join(', ') };
  return { count: ctx.usage.otherLambdaInvocations, why: 'usage profile' };
}

const lambdaFunction: PricingRule = {
  kind: 'lambda/Function',
  price(r, ctx) {
    const arch =
      (Array.isArray(r.forProvider.architectures) ? String(r.forProvider.architectures[0]) : '') || 'x86_64';
    const memory = num(r.forProvider.memorySize) ?? 128;
    const { count, why } = invocations(r, ctx);
    const seconds = ctx.usage.lambdaAvgDurationMs / 1000;
    const gbSeconds = Math.round(count * seconds * (memory / 1024) * 1000) / 1000;
    return {
      charges: [
        usage(`Lambda requests (${why})`, 'AWSLambda', 'requests', count),
        usage(
          `Lambda ${arch} duration GB-seconds (${memory} MB × ${ctx.usage.lambdaAvgDurationMs} ms)`,
          'AWSLambda',
          `duration:${arch}`,
          gbSeconds,
        ),
      ],
    };
  },
};

const restApi: PricingRule = {
  kind: 'apigateway/RestAPI',
  price: (_r, ctx) => ({
    charges: [usage('API Gateway REST requests', 'AmazonApiGateway', 'rest:requests', ctx.usage.apiRequests)],
  }),
};

const stage: PricingRule = {
  kind: 'apigateway/Stage',
  price(r) {
    if (!isTrue(r.forProvider.cacheClusterEnabled))
      return {
        charges: [],
        reason: 'no charge: a stage without a cache (requests are priced on the REST API)',
      };
    const size = str(r.forProvider.cacheClusterSize) ?? '0.5';
    return {
      charges: [
        fixed(`API Gateway cache-hours (${size} GB)`, 'AmazonApiGateway', `cache:${size}`, HOURS_PER_MONTH),
      ],
    };
  },
};

const queue: PricingRule = {
  kind: 'sqs/Queue',
  price(r, ctx) {
    const fifo = isTrue(r.forProvider.fifoQueue);
    return {
      charges: [
        usage(
          `SQS ${fifo ? 'FIFO' : 'standard'} requests`,
          'AWSQueueService',
          fifo ? 'fifo:requests' : 'standard:requests',
          ctx.usage.sqsRequestsPerQueue,
        ),
      ],
    };
  },
};

const topic: PricingRule = {
  kind: 'sns/Topic',
  price(r, ctx) {
    const emails = ctx.resources.some(
      (x) =>
        x.kind === 'sns/TopicSubscription' &&
        str(x.forProvider.protocol) === 'email' &&
        pointsAt(ctx.resources, x, r, /^topicArn/),
    );
    const charges = [usage('SNS publishes', 'AmazonSNS', 'requests', ctx.usage.snsPublishesPerTopic)];
    if (emails)
      charges.push(usage('SNS e-mail deliveries', 'AmazonSNS', 'email', ctx.usage.snsEmailsPerTopic));
    return { charges };
  },
};

const trail: PricingRule = {
  kind: 'cloudtrail/Trail',
  price(r, ctx) {
    const notes = blocks(r.forProvider.eventSelector).some((s) => blocks(s.dataResource).length > 0)
      ? ['not estimated: data events ($0.10 per 100,000)']
      : [];
    if (ctx.usage.cloudTrailPaidEvents > 0)
      return {
        charges: [
          usage(
            'management events recorded by an additional trail',
            'AWSCloudTrail',
            'management-events:additional-copy',
            ctx.usage.cloudTrailPaidEvents,
          ),
        ],
        notes,
      };
    return {
      charges: [],
      reason:
        'no charge: the first copy of management events in an account is free (set cloudTrailPaidEvents in --usage when the account already has a trail); its S3 and CloudWatch Logs deliveries are priced on their bucket and log group',
      notes,
    };
  },
};

const configRecorder: PricingRule = {
  kind: 'configservice/ConfigurationRecorder',
  price: (_r, ctx) => ({
    charges: [
      usage(
        'AWS Config configuration items recorded',
        'AWSConfig',
        'configuration-item',
        ctx.usage.configItems,
      ),
    ],
  }),
};

const configRule: PricingRule = {
  kind: 'configservice/ConfigRule',
  price: (_r, ctx) => ({
    charges: [
      usage('AWS Config rule evaluations', 'AWSConfig', 'rule-evaluation', ctx.usage.configRuleEvaluations),
    ],
  }),
};

const launchTemplate: PricingRule = {
  kind: 'ec2/LaunchTemplate',
  price(r, ctx) {
    const launchedBy = ctx.resources.find(
      (x) => x.kind === 'autoscaling/AutoscalingGroup' && launchTemplateOf(x, ctx) === r,
    );
    return {
      charges: [],
      reason: launchedBy
        ? `no charge: a launch template (its instances and volumes are priced on ${launchedBy.name})`
        : 'no charge: a launch template no Auto Scaling group in this render starts',
    };
  },
};

/** Every kind the compositions render, in both flavors (the service is the API group's first label). */
export const pricingRules: readonly PricingRule[] = [
  // network
  natGateway,
  elasticIp,
  vpcEndpoint,
  flowLog,
  peering,
  free('ec2/VPC', 'a VPC'),
  free('ec2/Subnet', 'a subnet'),
  free('ec2/InternetGateway', 'an internet gateway (its traffic is priced as data transfer)'),
  free('ec2/RouteTable', 'a route table'),
  free('ec2/Route', 'a route'),
  free('ec2/RouteTableAssociation', 'a route table association'),
  free('ec2/VPCEndpointRouteTableAssociation', 'a gateway endpoint route'),
  free('ec2/VPCEndpointSubnetAssociation', 'an endpoint subnet association (priced on its endpoint, per AZ)'),
  free('ec2/VPCEndpointSecurityGroupAssociation', 'an endpoint security group association'),
  free(
    'ec2/VPCPeeringConnectionAccepter',
    'the accepter side of a peering (traffic is priced on the connection)',
  ),
  // security
  free('ec2/SecurityGroup', 'a security group'),
  free('ec2/SecurityGroupRule', 'a security group rule'),
  free('ec2/SecurityGroupIngressRule', 'a security group rule'),
  free('ec2/SecurityGroupEgressRule', 'a security group rule'),
  free('iam/Role', 'IAM role'),
  free('iam/RolePolicy', 'IAM inline policy'),
  free('iam/RolePolicyAttachment', 'IAM policy attachment'),
  free('iam/InstanceProfile', 'IAM instance profile'),
  // encryption
  kmsKey,
  free('kms/Alias', 'a KMS alias'),
  // compute
  autoscalingGroup,
  launchTemplate,
  free('autoscaling/Policy', 'a scaling policy'),
  free('autoscaling/Attachment', 'an Auto Scaling group attachment'),
  // load balancer
  loadBalancer,
  free('elbv2/LBListener', 'a listener (priced with its load balancer)'),
  free('elbv2/LBTargetGroup', 'a target group'),
  free('acm/Certificate', 'a public ACM certificate'),
  free('acm/CertificateValidation', 'certificate validation'),
  free('route53/Record', 'a record in an existing hosted zone (alias queries to AWS resources are free)'),
  // database
  rdsInstance,
  rdsCluster,
  rdsClusterInstance,
  free('rds/GlobalCluster', 'the global cluster itself (its clusters and instances are priced)'),
  free('rds/SubnetGroup', 'a DB subnet group'),
  free('rds/ParameterGroup', 'a DB parameter group'),
  free('rds/ClusterParameterGroup', 'a DB cluster parameter group'),
  // storage
  bucket,
  s3Object,
  replication,
  free('s3/BucketLifecycleConfiguration', 'a bucket lifecycle configuration'),
  free('s3/BucketOwnershipControls', 'bucket ownership controls'),
  free('s3/BucketPolicy', 'a bucket policy'),
  free('s3/BucketPublicAccessBlock', 'a public access block'),
  free(
    's3/BucketServerSideEncryptionConfiguration',
    'bucket encryption settings (KMS requests are priced on the key)',
  ),
  free('s3/BucketVersioning', 'bucket versioning (the versions are storage, priced on the bucket)'),
  // serverless
  lambdaFunction,
  restApi,
  stage,
  queue,
  free('lambda/Permission', 'a Lambda permission'),
  free('apigateway/Account', 'the API Gateway account settings'),
  free('apigateway/Deployment', 'an API deployment'),
  free('apigateway/Resource', 'an API resource'),
  free('apigateway/Method', 'an API method'),
  free('apigateway/MethodSettings', 'API method settings'),
  free('apigateway/Integration', 'an API integration (its Lambda is priced)'),
  free('cloudwatchevents/Rule', 'a scheduled EventBridge rule (the invocations are priced on its target)'),
  free('cloudwatchevents/Target', 'an EventBridge target'),
  // dynamodb
  dynamodbTable,
  // observability
  metricAlarm,
  dashboard,
  logGroup,
  topic,
  free('sns/TopicPolicy', 'a topic policy'),
  free('sns/TopicSubscription', 'a subscription (deliveries are priced on its topic)'),
  // compliance
  trail,
  configRecorder,
  configRule,
  free('configservice/DeliveryChannel', 'a Config delivery channel (its bucket is priced)'),
  free('configservice/AWSConfigurationRecorderStatus', 'the recorder status'),
  free('budgets/Budget', 'the first two budgets of an account are free (each further budget is $0.02 a day)'),
  // Crossplane's own objects
  free('protection/ClusterUsage', 'a Crossplane Usage, not an AWS resource'),
  free('protection/Usage', 'a Crossplane Usage, not an AWS resource'),
];

const byKind = new Map(pricingRules.map((r) => [r.kind, r]));

export function ruleFor(kind: string): PricingRule | undefined {
  return byKind.get(kind);
}
