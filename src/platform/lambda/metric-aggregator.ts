import { lazyCloudWatchPort, lazyDynamoDbPort } from './aws-clients.js';
import type {
  CloudWatchPort,
  DynamoDbPort,
  DynamoItem,
  GetMetricDataInput,
  MetricDataQuery,
  WriteRequest,
} from './ports.js';
import {
  ConfigError,
  errorFields,
  jsonLogger,
  positiveIntEnv,
  requireEnv,
  sleep as defaultSleep,
  type Env,
  type LambdaContext,
  type LogFields,
  type Logger,
} from './runtime.js';

/** One entry of the METRIC_QUERIES environment variable (a JSON array). */
export interface MetricQueryConfig {
  /** CloudWatch query id and the DynamoDB partition key of the aggregates: ^[a-z][a-zA-Z0-9_]*$ */
  id: string;
  namespace: string;
  metricName: string;
  /** Dimension name → value, e.g. { "LoadBalancer": "app/web/0123" }. */
  dimensions?: Record<string, string>;
  stat: string;
  period: number;
  unit?: string;
}

/** EventBridge scheduled event; only `time` is read (it pins the aggregation window). */
export interface ScheduledEvent {
  id?: string;
  'detail-type'?: string;
  source?: string;
  time?: string;
  resources?: string[];
}

export interface AggregationSummary {
  windowStart: string;
  windowEnd: string;
  queried: number;
  written: number;
  empty: string[];
  pages: number;
  batches: number;
  retries: number;
}

export interface AggregatorConfig {
  tableName: string;
  environment?: string;
  queries: MetricQueryConfig[];
  windowMinutes: number;
  retentionDays: number;
}

export interface MetricAggregatorDeps {
  env: Env;
  cloudWatch?: CloudWatchPort;
  db?: DynamoDbPort;
  now?: () => Date;
  logger?: Logger;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  maxWriteAttempts?: number;
}

export type MetricAggregatorHandler = (
  event: ScheduledEvent,
  context: LambdaContext,
) => Promise<AggregationSummary>;

export const BATCH_WRITE_LIMIT = 25;
export const MAX_QUERIES_PER_REQUEST = 500;
export const DEFAULT_WINDOW_MINUTES = 15;
export const DEFAULT_RETENTION_DAYS = 30;
const MAX_PAGES = 100;
const SECONDS_PER_DAY = 86_400;
const QUERY_ID_PATTERN = /^[a-z][a-zA-Z0-9_]{0,254}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(entry: Record<string, unknown>, key: string, where: string): string {
  const value = entry[key];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(`METRIC_QUERIES${where}.${key} must be a non-empty string`);
  }
  return value;
}

export function parseMetricQueries(raw: string): MetricQueryConfig[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('METRIC_QUERIES is not valid JSON');
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new ConfigError('METRIC_QUERIES must be a non-empty JSON array');
  }
  const seen = new Set<string>();
  return parsed.map((entry: unknown, index): MetricQueryConfig => {
    const where = `[${index}]`;
    if (!isRecord(entry)) throw new ConfigError(`METRIC_QUERIES${where} must be an object`);
    const id = nonEmptyString(entry, 'id', where);
    if (!QUERY_ID_PATTERN.test(id)) {
      throw new ConfigError(`METRIC_QUERIES${where}.id '${id}' must match ${QUERY_ID_PATTERN.source}`);
    }
    if (seen.has(id)) throw new ConfigError(`METRIC_QUERIES${where}.id '${id}' is duplicated`);
    seen.add(id);

    const period = entry.period;
    const validPeriod =
      typeof period === 'number' &&
      Number.isInteger(period) &&
      period > 0 &&
      ([1, 5, 10, 30].includes(period) || period % 60 === 0);
    if (!validPeriod) {
      throw new ConfigError(`METRIC_QUERIES${where}.period must be 1, 5, 10, 30 or a multiple of 60`);
    }

    const dimensions = entry.dimensions ?? {};
    if (!isRecord(dimensions) || Object.values(dimensions).some((v) => typeof v !== 'string' || v === '')) {
      throw new ConfigError(`METRIC_QUERIES${where}.dimensions must map names to non-empty strings`);
    }
    if (entry.unit !== undefined && typeof entry.unit !== 'string') {
      throw new ConfigError(`METRIC_QUERIES${where}.unit must be a string`);
    }
    return {
      id,
      namespace: nonEmptyString(entry, 'namespace', where),
      metricName: nonEmptyString(entry, 'metricName', where),
      dimensions: dimensions as Record<string, string>,
      stat: nonEmptyString(entry, 'stat', where),
      period,
      ...(entry.unit === undefined ? {} : { unit: entry.unit }),
    };
  });
}

export function readAggregatorConfig(env: Env): AggregatorConfig {
  return {
    tableName: requireEnv(env, 'TABLE_NAME'),
    environment: env.ENVIRONMENT?.trim() || undefined,
    queries: parseMetricQueries(requireEnv(env, 'METRIC_QUERIES')),
    windowMinutes: positiveIntEnv(env, 'WINDOW_MINUTES', DEFAULT_WINDOW_MINUTES),
    retentionDays: positiveIntEnv(env, 'RETENTION_DAYS', DEFAULT_RETENTION_DAYS),
  };
}

export function ttlEpochSeconds(at: Date, retentionDays: number): number {
  return Math.floor(at.getTime() / 1000) + retentionDays * SECONDS_PER_DAY;
}

export function aggregate(stat: string, values: readonly number[]): number {
  if (stat === 'Sum' || stat === 'SampleCount') return values.reduce((a, b) => a + b, 0);
  if (stat === 'Minimum') return Math.min(...values);
  if (stat === 'Maximum' || /^p\d/.test(stat)) return Math.max(...values);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function toMetricDataQuery(query: MetricQueryConfig): MetricDataQuery {
  const dimensions = Object.entries(query.dimensions ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([Name, Value]) => ({ Name, Value }));
  return {
    Id: query.id,
    MetricStat: {
      Metric: {
        Namespace: query.namespace,
        MetricName: query.metricName,
        ...(dimensions.length > 0 ? { Dimensions: dimensions } : {}),
      },
      Period: query.period,
      Stat: query.stat,
      ...(query.unit ? { Unit: query.unit } : {}),
    },
    ReturnData: true,
  };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface Collected {
  values: Map<string, number[]>;
  failed: Map<string, string>;
  pages: number;
}

async function collectMetricData(
  cloudWatch: CloudWatchPort,
  queries: readonly MetricQueryConfig[],
  start: Date,
  end: Date,
  log: Logger,
): Promise<Collected> {
  const values = new Map<string, number[]>(queries.map((q) => [q.id, []]));
  const failed = new Map<string, string>();
  let pages = 0;
  for (const group of chunk(queries, MAX_QUERIES_PER_REQUEST)) {
    const base: GetMetricDataInput = {
      MetricDataQueries: group.map(toMetricDataQuery),
      StartTime: start,
      EndTime: end,
      ScanBy: 'TimestampDescending',
    };
    let nextToken: string | undefined;
    do {
      if (++pages > MAX_PAGES) throw new Error(`GetMetricData returned more than ${MAX_PAGES} pages`);
      const output = await cloudWatch.getMetricData(nextToken ? { ...base, NextToken: nextToken } : base);
      if (output.Messages?.length) log('WARN', 'GetMetricData messages', { messages: output.Messages });
      for (const result of output.MetricDataResults ?? []) {
        const bucket = result.Id === undefined ? undefined : values.get(result.Id);
        if (!bucket || result.Id === undefined) continue;
        bucket.push(...(result.Values ?? []).filter((v) => Number.isFinite(v)));
        if (result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError') {
          failed.set(result.Id, result.StatusCode);
        } else {
          failed.delete(result.Id);
        }
      }
      nextToken = output.NextToken || undefined;
    } while (nextToken);
  }
  return { values, failed, pages };
}

export function createMetricAggregator(deps: MetricAggregatorDeps): MetricAggregatorHandler {
  const log = deps.logger ?? jsonLogger;
  const now = deps.now ?? (() => new Date());
  const pause = deps.sleep ?? defaultSleep;
  const random = deps.random ?? Math.random;
  const maxAttempts = deps.maxWriteAttempts ?? 5;

  async function writeAll(db: DynamoDbPort, tableName: string, items: DynamoItem[]) {
    let batches = 0;
    let retries = 0;
    for (const group of chunk(items, BATCH_WRITE_LIMIT)) {
      batches++;
      let pending: WriteRequest[] = group.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        const output = await db.batchWriteItem({ RequestItems: { [tableName]: pending } });
        pending = output.UnprocessedItems?.[tableName] ?? [];
        if (pending.length === 0) break;
        if (attempt >= maxAttempts) {
          throw new Error(
            `${pending.length} items still unprocessed after ${maxAttempts} BatchWriteItem attempts`,
          );
        }
        retries++;
        await pause(Math.round(random() * Math.min(2000, 50 * 2 ** attempt)));
      }
    }
    return { batches, retries };
  }

  let cloudWatch = deps.cloudWatch;
  let db = deps.db;

  return async (event, context) => {
    let logFields: LogFields = { requestId: context.awsRequestId };
    try {
      const config = readAggregatorConfig(deps.env);
      const region = requireEnv(deps.env, 'AWS_REGION');
      cloudWatch ??= lazyCloudWatchPort(region);
      db ??= lazyDynamoDbPort(region);

      const scheduled = event?.time ? new Date(event.time) : undefined;
      const anchor = scheduled && !Number.isNaN(scheduled.getTime()) ? scheduled : now();
      const end = new Date(Math.floor(anchor.getTime() / 60_000) * 60_000);
      const start = new Date(end.getTime() - config.windowMinutes * 60_000);
      logFields = { ...logFields, windowStart: start.toISOString(), windowEnd: end.toISOString() };

      const collected = await collectMetricData(cloudWatch, config.queries, start, end, log);
      const ttl = String(ttlEpochSeconds(now(), config.retentionDays));
      const items: DynamoItem[] = [];
      const empty: string[] = [];
      for (const query of config.queries) {
        const points = collected.values.get(query.id) ?? [];
        if (collected.failed.has(query.id)) continue;
        if (points.length === 0) {
          empty.push(query.id);
          continue;
        }
        items.push({
          pk: { S: query.id },
          sk: { S: end.toISOString() },
          value: { N: String(aggregate(query.stat, points)) },
          stat: { S: query.stat },
          unit: { S: query.unit ?? 'None' },
          datapoints: { N: String(points.length) },
          namespace: { S: query.namespace },
          metricName: { S: query.metricName },
          windowStart: { S: start.toISOString() },
          ttl: { N: ttl },
          ...(config.environment ? { environment: { S: config.environment } } : {}),
        });
      }
      const writes = await writeAll(db, config.tableName, items);
      const summary: AggregationSummary = {
        windowStart: start.toISOString(),
        windowEnd: end.toISOString(),
        queried: config.queries.length,
        written: items.length,
        empty,
        pages: collected.pages,
        ...writes,
      };
      if (collected.failed.size > 0) {
        const detail = [...collected.failed].map(([id, status]) => `${id}=${status}`).join(', ');
        throw new Error(`GetMetricData failed for ${detail}`);
      }
      log('INFO', 'metrics aggregated', { ...logFields, ...summary });
      return summary;
    } catch (error) {
      log('ERROR', 'aggregation failed', { ...logFields, ...errorFields(error) });
      throw error;
    }
  };
}

let productionHandler: MetricAggregatorHandler | undefined;

export const handler: MetricAggregatorHandler = (event, context) => {
  productionHandler ??= createMetricAggregator({ env: process.env });
  return productionHandler(event, context);
};
