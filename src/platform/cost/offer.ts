/**
 * Reads an AWS Price List bulk offer file (the public JSON of the Price List API: `formatVersion`,
 * `offerCode`, `publicationDate`, `products` keyed by SKU with `productFamily` and `attributes`,
 * `terms.OnDemand[sku][offerTermCode].priceDimensions[rateCode]` with `unit` and `pricePerUnit.USD`)
 * and answers the same questions as the committed table, from the exact figures AWS publishes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Price, PriceBook } from './types.js';

/** Price List `location` names, for offer files (older ones) whose products carry no `regionCode`. */
const regionLocations: Record<string, string> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'ca-central-1': 'Canada (Central)',
  'eu-west-1': 'EU (Ireland)',
  'eu-west-2': 'EU (London)',
  'eu-west-3': 'EU (Paris)',
  'eu-central-1': 'EU (Frankfurt)',
  'eu-central-2': 'EU (Zurich)',
  'eu-north-1': 'EU (Stockholm)',
  'eu-south-1': 'EU (Milan)',
  'ap-south-1': 'Asia Pacific (Mumbai)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
  'ap-northeast-2': 'Asia Pacific (Seoul)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'sa-east-1': 'South America (Sao Paulo)',
};

type Want = string | RegExp;

/** How one priced thing is found among an offer file's products. */
interface Matcher {
  offerCodes: string[];
  productFamily?: Want;
  attributes?: Record<string, Want>;
  usagetype?: RegExp;
  /** Data transfer products name their region `fromRegionCode` / `fromLocation`. */
  regionAttribute?: 'from';
  /** The unit envstack prices in (the offer's unit is per single unit, the same magnitude). */
  unit: string;
}

const rdsEngines: Record<string, string> = {
  postgres: 'PostgreSQL',
  'aurora-postgresql': 'Aurora PostgreSQL',
  'aurora-mysql': 'Aurora MySQL',
};

/** The matcher for a priced thing, or undefined when no offer file can answer it. */
export function offerMatcher(service: string, key: string): Matcher | undefined {
  const [head, ...rest] = key.split(':');
  switch (service) {
    case 'AmazonEC2':
      if (head === 'instance')
        return {
          offerCodes: ['AmazonEC2'],
          productFamily: 'Compute Instance',
          attributes: {
            instanceType: rest.join(':'),
            operatingSystem: 'Linux',
            tenancy: 'Shared',
            preInstalledSw: 'NA',
            capacitystatus: 'Used',
          },
          unit: 'Hrs',
        };
      if (head === 'ebs')
        return {
          offerCodes: ['AmazonEC2'],
          productFamily: 'Storage',
          attributes: { volumeApiName: rest[0] },
          unit: 'GB-Mo',
        };
      if (key === 'nat-gateway:hours')
        return {
          offerCodes: ['AmazonEC2'],
          productFamily: 'NAT Gateway',
          usagetype: /NatGateway-Hours$/,
          unit: 'Hrs',
        };
      if (key === 'nat-gateway:data')
        return {
          offerCodes: ['AmazonEC2'],
          productFamily: 'NAT Gateway',
          usagetype: /NatGateway-Bytes$/,
          unit: 'GB',
        };
      return undefined;
    case 'AmazonVPC':
      if (key === 'public-ipv4:hours')
        return { offerCodes: ['AmazonVPC'], usagetype: /PublicIPv4:InUseAddress$/, unit: 'Hrs' };
      if (key === 'vpc-endpoint:hours')
        return {
          offerCodes: ['AmazonVPC'],
          productFamily: 'VpcEndpoint',
          usagetype: /VpcEndpoint-Hours$/,
          unit: 'Hrs',
        };
      if (key === 'vpc-endpoint:data')
        return {
          offerCodes: ['AmazonVPC'],
          productFamily: 'VpcEndpoint',
          usagetype: /VpcEndpoint-Bytes$/,
          unit: 'GB',
        };
      return undefined;
    case 'AWSDataTransfer':
      if (key === 'internet-out')
        return {
          offerCodes: ['AWSDataTransfer', 'AmazonEC2'],
          attributes: { transferType: 'AWS Outbound' },
          usagetype: /DataTransfer-Out-Bytes$/,
          regionAttribute: 'from',
          unit: 'GB',
        };
      if (key === 'inter-region-out')
        return {
          offerCodes: ['AWSDataTransfer', 'AmazonEC2'],
          attributes: { transferType: 'InterRegion Outbound' },
          regionAttribute: 'from',
          unit: 'GB',
        };
      return undefined;
    case 'AWSELB':
      if (key === 'alb:hours')
        return {
          offerCodes: ['AWSELB'],
          productFamily: 'Load Balancer-Application',
          usagetype: /LoadBalancerUsage$/,
          unit: 'Hrs',
        };
      if (key === 'alb:lcu')
        return {
          offerCodes: ['AWSELB'],
          productFamily: 'Load Balancer-Application',
          usagetype: /LCUUsage$/,
          unit: 'LCU-Hrs',
        };
      return undefined;
    case 'AmazonRDS':
      if (head === 'instance') {
        const [instanceType, engine, deployment] = rest;
        const aurora = engine.startsWith('aurora');
        return {
          offerCodes: ['AmazonRDS'],
          productFamily: 'Database Instance',
          attributes: {
            instanceType,
            databaseEngine: rdsEngines[engine] ?? engine,
            deploymentOption: deployment === 'multi-az' ? 'Multi-AZ' : 'Single-AZ',
          },
          // Aurora I/O-Optimized instances are other SKUs (InstanceUsageIOOptimized).
          usagetype: aurora ? /(^|-)InstanceUsage:db\./ : undefined,
          unit: 'Hrs',
        };
      }
      if (head === 'storage')
        return {
          offerCodes: ['AmazonRDS'],
          productFamily: 'Database Storage',
          attributes: {
            volumeType: rest[0] === 'gp3' ? 'General Purpose-GP3' : rest[0],
            deploymentOption: rest[1] === 'multi-az' ? 'Multi-AZ' : 'Single-AZ',
          },
          unit: 'GB-Mo',
        };
      if (key === 'aurora:storage')
        return { offerCodes: ['AmazonRDS'], usagetype: /Aurora:StorageUsage$/, unit: 'GB-Mo' };
      if (key === 'aurora:io')
        return { offerCodes: ['AmazonRDS'], usagetype: /Aurora:StorageIOUsage$/, unit: 'IOs' };
      return undefined;
    case 'awskms':
      if (key === 'key') return { offerCodes: ['awskms'], usagetype: /KMS-Keys$/, unit: 'Key-Mo' };
      if (key === 'requests') return { offerCodes: ['awskms'], usagetype: /KMS-Requests$/, unit: 'Requests' };
      return undefined;
    case 'AmazonCloudWatch': {
      const cw = (usagetype: RegExp, unit: string): Matcher => ({
        offerCodes: ['AmazonCloudWatch'],
        usagetype,
        unit,
      });
      if (key === 'alarm:standard') return cw(/CW:AlarmMonitorUsage$/, 'Alarm-Mo');
      if (key === 'alarm:high-resolution') return cw(/CW:HighResAlarmMonitorUsage$/, 'Alarm-Mo');
      if (key === 'dashboard') return cw(/DashboardsUsageHour(-Basic)?$/, 'Dashboard-Mo');
      if (key === 'metric') return cw(/CW:MetricMonitorUsage$/, 'Metric-Mo');
      if (key === 'logs:ingest') return cw(/(^|-)DataProcessing-Bytes$/, 'GB');
      if (key === 'logs:storage') return cw(/(^|-)TimedStorage-ByteHrs$/, 'GB-Mo');
      if (key === 'logs:vended-s3') return cw(/VendedLog-Bytes$/, 'GB');
      return undefined;
    }
    case 'AWSSecretsManager':
      if (key === 'secret')
        return {
          offerCodes: ['AWSSecretsManager'],
          usagetype: /AWSSecretsManager-Secrets$/,
          unit: 'Secret-Mo',
        };
      return undefined;
    case 'AmazonS3':
      if (key === 'storage:standard')
        return {
          offerCodes: ['AmazonS3'],
          productFamily: 'Storage',
          attributes: { volumeType: 'Standard', storageClass: 'General Purpose' },
          usagetype: /TimedStorage-ByteHrs$/,
          unit: 'GB-Mo',
        };
      if (key === 'requests:put')
        return {
          offerCodes: ['AmazonS3'],
          productFamily: 'API Request',
          attributes: { group: 'S3-API-Tier1' },
          unit: 'Requests',
        };
      return undefined;
    case 'AWSLambda':
      if (key === 'requests')
        return { offerCodes: ['AWSLambda'], usagetype: /(^|-)Request(-ARM)?$/, unit: 'Requests' };
      if (key === 'duration:arm64')
        return { offerCodes: ['AWSLambda'], usagetype: /Lambda-GB-Second-ARM$/, unit: 'GB-Seconds' };
      if (key === 'duration:x86_64')
        return { offerCodes: ['AWSLambda'], usagetype: /(^|-)Lambda-GB-Second$/, unit: 'GB-Seconds' };
      return undefined;
    case 'AmazonApiGateway':
      if (key === 'rest:requests')
        return {
          offerCodes: ['AmazonApiGateway'],
          productFamily: 'API Calls',
          usagetype: /(^|-)ApiGatewayRequest$/,
          unit: 'Requests',
        };
      return undefined;
    case 'AmazonDynamoDB': {
      const ddb = (usagetype: RegExp, unit: string): Matcher => ({
        offerCodes: ['AmazonDynamoDB'],
        usagetype,
        unit,
      });
      if (key === 'on-demand:read') return ddb(/(^|-)ReadRequestUnits$/, 'ReadRequestUnits');
      if (key === 'on-demand:write') return ddb(/(^|-)WriteRequestUnits$/, 'WriteRequestUnits');
      if (key === 'provisioned:read') return ddb(/(^|-)ReadCapacityUnit-Hrs$/, 'ReadCapacityUnit-Hrs');
      if (key === 'provisioned:write') return ddb(/(^|-)WriteCapacityUnit-Hrs$/, 'WriteCapacityUnit-Hrs');
      if (key === 'storage') return ddb(/(^|-)TimedStorage-ByteHrs$/, 'GB-Mo');
      if (key === 'pitr') return ddb(/(^|-)TimedPITRStorage-ByteHrs$/, 'GB-Mo');
      return undefined;
    }
    case 'AWSConfig':
      if (key === 'configuration-item')
        return {
          offerCodes: ['AWSConfig'],
          usagetype: /ConfigurationItemRecorded$/,
          unit: 'ConfigurationItemRecorded',
        };
      if (key === 'rule-evaluation')
        return {
          offerCodes: ['AWSConfig'],
          usagetype: /ConfigRuleEvaluations$/,
          unit: 'ConfigRuleEvaluations',
        };
      return undefined;
    case 'AWSCloudTrail':
      if (key === 'management-events:additional-copy')
        return { offerCodes: ['AWSCloudTrail'], usagetype: /PaidEventsRecorded$/, unit: 'Events' };
      return undefined;
    case 'AWSQueueService':
      if (key === 'standard:requests')
        return {
          offerCodes: ['AWSQueueService'],
          productFamily: 'API Request',
          attributes: { queueType: 'Standard' },
          unit: 'Requests',
        };
      return undefined;
    case 'AmazonSNS':
      if (key === 'requests')
        return { offerCodes: ['AmazonSNS'], usagetype: /Requests-Tier1$/, unit: 'Requests' };
      if (key === 'email')
        return { offerCodes: ['AmazonSNS'], usagetype: /DeliveryAttempts-SMTP$/, unit: 'Notifications' };
      return undefined;
    default:
      return undefined;
  }
}

const priceDimensionSchema = z.looseObject({
  unit: z.string(),
  beginRange: z.string().optional(),
  pricePerUnit: z.looseObject({ USD: z.string().regex(/^\d+(\.\d+)?$/, 'a decimal number as a string') }),
});

const offerSchema = z.looseObject({
  formatVersion: z.string(),
  offerCode: z.string().min(1),
  publicationDate: z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'an ISO date such as 2026-11-28T00:00:00Z'),
  products: z.record(
    z.string(),
    z.looseObject({
      sku: z.string().optional(),
      productFamily: z.string().optional(),
      attributes: z.record(z.string(), z.string()),
    }),
  ),
  terms: z.looseObject({
    OnDemand: z.record(
      z.string(),
      z.record(z.string(), z.looseObject({ priceDimensions: z.record(z.string(), priceDimensionSchema) })),
    ),
  }),
});

export type OfferFile = z.infer<typeof offerSchema>;

export class OfferFileError extends Error {}

const FORMAT_HINT =
  'pass an AWS Price List bulk offer file, e.g. https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/current/eu-west-1/index.json';

/** Checks an offer file's shape; an error names the file, the field and what was expected. */
export function parseOffer(data: unknown, file: string): OfferFile {
  const parsed = offerSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map(String).join('.') || '(top level)';
    throw new OfferFileError(`${file}: ${path}: ${issue.message}; ${FORMAT_HINT}`);
  }
  return parsed.data;
}

export function readOfferFile(file: string): OfferFile {
  if (!existsSync(file)) throw new OfferFileError(`${file}: no such file; ${FORMAT_HINT}`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new OfferFileError(
      `${file}: not valid JSON (${e instanceof Error ? e.message : String(e)}); ${FORMAT_HINT}`,
    );
  }
  return parseOffer(data, file);
}

const matches = (want: Want, have: string | undefined) =>
  have !== undefined && (typeof want === 'string' ? want === have : want.test(have));

/** The on-demand price of one unit: the first tier, or the first paid tier when the first is a free allowance. */
function onDemandUsd(offer: OfferFile, sku: string): number | undefined {
  const terms = offer.terms.OnDemand[sku];
  if (!terms) return undefined;
  const dims = Object.values(terms).flatMap((t) => Object.values(t.priceDimensions));
  if (dims.length === 0) return undefined;
  const byRange = dims
    .map((d) => ({ begin: Number(d.beginRange ?? '0'), usd: Number(d.pricePerUnit.USD) }))
    .sort((a, b) => a.begin - b.begin);
  return (byRange.find((d) => d.usd > 0) ?? byRange[0]).usd;
}

/** Prices from one offer file. Anything the file does not carry falls through to the next book. */
export class OfferPriceBook implements PriceBook {
  private readonly cache = new Map<string, Price | undefined>();
  readonly date: string;

  constructor(
    private readonly offer: OfferFile,
    readonly file: string,
  ) {
    this.date = offer.publicationDate.slice(0, 10);
  }

  get offerCode(): string {
    return this.offer.offerCode;
  }

  lookup(service: string, key: string, region: string): Price | undefined {
    const id = `${service}\u0000${key}\u0000${region}`;
    if (!this.cache.has(id)) this.cache.set(id, this.find(service, key, region));
    return this.cache.get(id);
  }

  describe(): string {
    return `offer file ${this.file} (${this.offer.offerCode}, published ${this.date})`;
  }

  private find(service: string, key: string, region: string): Price | undefined {
    const m = offerMatcher(service, key);
    if (!m || !m.offerCodes.includes(this.offer.offerCode)) return undefined;
    const location = regionLocations[region];
    const skus = Object.keys(this.offer.products).sort();
    for (const sku of skus) {
      const product = this.offer.products[sku];
      const a = product.attributes;
      const inRegion =
        region === 'global' ||
        (m.regionAttribute === 'from'
          ? a.fromRegionCode === region || (location !== undefined && a.fromLocation === location)
          : a.regionCode === region || (location !== undefined && a.location === location));
      if (!inRegion) continue;
      if (m.productFamily && !matches(m.productFamily, product.productFamily)) continue;
      if (m.usagetype && !matches(m.usagetype, a.usagetype)) continue;
      if (m.attributes && !Object.entries(m.attributes).every(([k, v]) => matches(v, a[k]))) continue;
      const usd = onDemandUsd(this.offer, sku);
      if (usd === undefined) continue;
      return {
        service,
        key,
        region,
        unit: m.unit,
        usdPerUnit: usd,
        description: `${this.offer.offerCode} SKU ${sku}`,
        date: this.date,
        source: this.file,
      };
    }
    return undefined;
  }
}
