/**
 * The committed price table: one JSON file per AWS service, each entry the on-demand list price of
 * one unit in one region, with the day it was read and the public page it was read from.
 */
import { z } from 'zod';
import apigateway from './apigateway.json' with { type: 'json' };
import cloudtrail from './cloudtrail.json' with { type: 'json' };
import cloudwatch from './cloudwatch.json' with { type: 'json' };
import config from './config.json' with { type: 'json' };
import dataTransfer from './data-transfer.json' with { type: 'json' };
import dynamodb from './dynamodb.json' with { type: 'json' };
import ec2 from './ec2.json' with { type: 'json' };
import elb from './elb.json' with { type: 'json' };
import kms from './kms.json' with { type: 'json' };
import lambda from './lambda.json' with { type: 'json' };
import rds from './rds.json' with { type: 'json' };
import s3 from './s3.json' with { type: 'json' };
import secretsmanager from './secretsmanager.json' with { type: 'json' };
import sns from './sns.json' with { type: 'json' };
import sqs from './sqs.json' with { type: 'json' };
import vpc from './vpc.json' with { type: 'json' };
import type { Price } from '../types.js';

export const COMMITTED_TABLE = 'committed table src/platform/cost/prices';

const entrySchema = z.strictObject({
  key: z.string().min(1),
  region: z.string().regex(/^([a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d|global)$/),
  unit: z.string().min(1),
  /** The page quotes tiny prices per thousand or million units: `usd` is then the price of `per` units. */
  per: z.number().positive().optional(),
  usd: z.number().nonnegative(),
  description: z.string().min(1),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  source: z.url(),
  /** `false` when no public page was found to confirm the figure; `note` then says so. */
  checked: z.literal(false).optional(),
  note: z.string().min(1).optional(),
});

const fileSchema = z.strictObject({
  service: z.string().min(1),
  title: z.string(),
  currency: z.literal('USD'),
  prices: z.array(entrySchema).min(1),
});

export type PriceTableFile = z.infer<typeof fileSchema>;

/** Every file of the committed table, by file name. */
export const priceFiles: Record<string, unknown> = {
  'apigateway.json': apigateway,
  'cloudtrail.json': cloudtrail,
  'cloudwatch.json': cloudwatch,
  'config.json': config,
  'data-transfer.json': dataTransfer,
  'dynamodb.json': dynamodb,
  'ec2.json': ec2,
  'elb.json': elb,
  'kms.json': kms,
  'lambda.json': lambda,
  'rds.json': rds,
  's3.json': s3,
  'secretsmanager.json': secretsmanager,
  'sns.json': sns,
  'sqs.json': sqs,
  'vpc.json': vpc,
};

/** Parses one table file; an error names the file, the entry and the field. */
export function parsePriceTable(name: string, data: unknown): Price[] {
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `src/platform/cost/prices/${name}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`,
    );
  }
  const { service, prices } = parsed.data;
  return prices.map((e) => ({
    service,
    key: e.key,
    region: e.region,
    unit: e.unit,
    usdPerUnit: Number((e.usd / (e.per ?? 1)).toPrecision(12)),
    description: e.description,
    date: e.date,
    source: e.source,
    ...(e.checked === false ? { checked: false as const } : {}),
  }));
}

let cached: Price[] | undefined;

/** The committed table, every entry of every file. */
export function committedPrices(): Price[] {
  cached ??= Object.entries(priceFiles).flatMap(([name, data]) => parsePriceTable(name, data));
  return cached;
}
