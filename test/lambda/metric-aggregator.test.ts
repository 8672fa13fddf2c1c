import {
  aggregate,
  createMetricAggregator,
  parseMetricQueries,
  ttlEpochSeconds,
  type MetricQueryConfig,
} from '../../src/platform/lambda/metric-aggregator.js';
import type {
  BatchWriteItemOutput,
  GetMetricDataInput,
  GetMetricDataOutput,
  WriteRequest,
} from '../../src/platform/lambda/ports.js';
import { context, FakeCloudWatch, FakeDynamoDb, recordingLogger } from './fakes.js';

const TABLE = 'envstack-dev-metrics';
const NOW = new Date('2024-01-01T00:00:00.000Z');
const scheduled = { source: 'aws.events', 'detail-type': 'Scheduled Event', time: '2024-01-01T00:00:42Z' };

const albRequests: MetricQueryConfig = {
  id: 'albRequests',
  namespace: 'AWS/ApplicationELB',
  metricName: 'RequestCount',
  dimensions: { LoadBalancer: 'app/envstack-dev/0123456789abcdef' },
  stat: 'Sum',
  period: 300,
  unit: 'Count',
};
const rdsCpu: MetricQueryConfig = {
  id: 'rdsCpu',
  namespace: 'AWS/RDS',
  metricName: 'CPUUtilization',
  dimensions: { DBInstanceIdentifier: 'envstack-dev-db' },
  stat: 'Average',
  period: 60,
  unit: 'Percent',
};

function envFor(queries: MetricQueryConfig[], extra: Record<string, string> = {}) {
  return {
    TABLE_NAME: TABLE,
    ENVIRONMENT: 'dev',
    AWS_REGION: 'us-east-2',
    METRIC_QUERIES: JSON.stringify(queries),
    RETENTION_DAYS: '7',
    ...extra,
  };
}

function results(values: Record<string, number[]>, nextToken?: string): GetMetricDataOutput {
  return {
    MetricDataResults: Object.entries(values).map(([Id, Values]) => ({
      Id,
      Values,
      Timestamps: Values.map(() => NOW),
      StatusCode: nextToken ? 'PartialData' : 'Complete',
    })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

function setup(
  queries: MetricQueryConfig[],
  pages: (input: GetMetricDataInput, call: number) => GetMetricDataOutput,
  db = new FakeDynamoDb(),
  extraEnv: Record<string, string> = {},
) {
  const cloudWatch = new FakeCloudWatch(pages);
  const { logger, entries } = recordingLogger();
  const sleeps: number[] = [];
  const handler = createMetricAggregator({
    env: envFor(queries, extraEnv),
    cloudWatch,
    db,
    logger,
    now: () => NOW,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    maxWriteAttempts: 3,
  });
  return { handler, cloudWatch, db, entries, sleeps };
}

const putItems = (requests: WriteRequest[] | undefined) => (requests ?? []).map((r) => r.PutRequest?.Item);

describe('metric aggregator', () => {
  it('pages through NextToken with identical queries and merges values per id', async () => {
    const { handler, cloudWatch, db } = setup([albRequests, rdsCpu], (_input, call) =>
      call === 1
        ? results({ albRequests: [10, 20] }, 'token-1')
        : results({ albRequests: [5], rdsCpu: [40, 60] }),
    );
    const summary = await handler(scheduled, context);

    expect(cloudWatch.calls).toHaveLength(2);
    const [first, second] = cloudWatch.calls;
    expect(first.NextToken).toBeUndefined();
    expect(second.NextToken).toBe('token-1');
    expect(second.MetricDataQueries).toEqual(first.MetricDataQueries);
    expect(first.StartTime.toISOString()).toBe('2023-12-31T23:45:00.000Z');
    expect(first.EndTime.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(first.MetricDataQueries[0]).toEqual({
      Id: 'albRequests',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/ApplicationELB',
          MetricName: 'RequestCount',
          Dimensions: [{ Name: 'LoadBalancer', Value: 'app/envstack-dev/0123456789abcdef' }],
        },
        Period: 300,
        Stat: 'Sum',
        Unit: 'Count',
      },
      ReturnData: true,
    });

    const items = putItems(db.batchWrites[0].RequestItems[TABLE]);
    expect(items).toEqual([
      {
        pk: { S: 'albRequests' },
        sk: { S: '2024-01-01T00:00:00.000Z' },
        value: { N: '35' },
        stat: { S: 'Sum' },
        unit: { S: 'Count' },
        datapoints: { N: '3' },
        namespace: { S: 'AWS/ApplicationELB' },
        metricName: { S: 'RequestCount' },
        windowStart: { S: '2023-12-31T23:45:00.000Z' },
        ttl: { N: String(1704067200 + 7 * 86400) },
        environment: { S: 'dev' },
      },
      expect.objectContaining({ pk: { S: 'rdsCpu' }, value: { N: '50' }, unit: { S: 'Percent' } }),
    ]);
    expect(summary).toEqual({
      windowStart: '2023-12-31T23:45:00.000Z',
      windowEnd: '2024-01-01T00:00:00.000Z',
      queried: 2,
      written: 2,
      empty: [],
      pages: 2,
      batches: 1,
      retries: 0,
    });
  });

  it('honours WINDOW_MINUTES and falls back to the clock when the event has no time', async () => {
    const { handler, cloudWatch } = setup([albRequests], () => results({ albRequests: [1] }), undefined, {
      WINDOW_MINUTES: '60',
    });
    await handler({}, context);
    expect(cloudWatch.calls[0].StartTime.toISOString()).toBe('2023-12-31T23:00:00.000Z');
    expect(cloudWatch.calls[0].EndTime.toISOString()).toBe('2024-01-01T00:00:00.000Z');
  });

  it('writes 60 aggregates in three BatchWriteItem calls of at most 25 items', async () => {
    const queries = Array.from({ length: 60 }, (_, i) => ({ ...albRequests, id: `m${i}` }));
    const { handler, db } = setup(queries, () =>
      results(Object.fromEntries(queries.map((q, i) => [q.id, [i]]))),
    );
    const summary = await handler(scheduled, context);

    expect(db.batchWrites.map((b) => b.RequestItems[TABLE].length)).toEqual([25, 25, 10]);
    const written = db.batchWrites.flatMap((b) => putItems(b.RequestItems[TABLE]));
    expect(written.map((item) => (item && 'S' in item.pk ? item.pk.S : ''))).toEqual(
      queries.map((q) => q.id),
    );
    expect(summary).toMatchObject({ written: 60, batches: 3, retries: 0 });
  });

  it('retries only the UnprocessedItems with backoff', async () => {
    const queries = Array.from({ length: 4 }, (_, i) => ({ ...albRequests, id: `m${i}` }));
    const db = new FakeDynamoDb(undefined, async (input, call): Promise<BatchWriteItemOutput> =>
      call === 1
        ? { UnprocessedItems: { [TABLE]: input.RequestItems[TABLE].slice(2) } }
        : { UnprocessedItems: {} },
    );
    const { handler, sleeps } = setup(
      queries,
      () => results(Object.fromEntries(queries.map((q) => [q.id, [1]]))),
      db,
    );
    const summary = await handler(scheduled, context);

    expect(db.batchWrites).toHaveLength(2);
    expect(putItems(db.batchWrites[1].RequestItems[TABLE])).toEqual(
      putItems(db.batchWrites[0].RequestItems[TABLE]).slice(2),
    );
    expect(sleeps).toHaveLength(1);
    expect(summary).toMatchObject({ written: 4, batches: 1, retries: 1 });
  });

  it('gives up after a bounded number of attempts and throws for the DLQ path', async () => {
    const db = new FakeDynamoDb(undefined, async (input) => ({ UnprocessedItems: input.RequestItems }));
    const { handler, entries } = setup([albRequests], () => results({ albRequests: [1] }), db);
    await expect(handler(scheduled, context)).rejects.toThrow(/1 items still unprocessed after 3/);
    expect(db.batchWrites).toHaveLength(3);
    expect(entries.some((e) => e.level === 'ERROR' && e.fields.requestId === 'req-0001')).toBe(true);
  });

  it('computes the TTL in epoch seconds from RETENTION_DAYS', () => {
    expect(ttlEpochSeconds(new Date('2024-01-01T00:00:00.999Z'), 30)).toBe(1704067200 + 30 * 86400);
    expect(ttlEpochSeconds(new Date(0), 1)).toBe(86400);
  });

  it('aggregates according to the statistic', () => {
    expect(aggregate('Sum', [1, 2, 3])).toBe(6);
    expect(aggregate('SampleCount', [1, 2])).toBe(3);
    expect(aggregate('Average', [1, 2, 3])).toBe(2);
    expect(aggregate('Minimum', [4, 2, 9])).toBe(2);
    expect(aggregate('Maximum', [4, 2, 9])).toBe(9);
    expect(aggregate('p99', [120, 340])).toBe(340);
  });

  it('skips metrics without datapoints and reports them', async () => {
    const { handler, db } = setup([albRequests, rdsCpu], () => results({ albRequests: [], rdsCpu: [12] }));
    const summary = await handler(scheduled, context);
    expect(summary).toMatchObject({ written: 1, empty: ['albRequests'] });
    expect(putItems(db.batchWrites[0].RequestItems[TABLE])).toHaveLength(1);
  });

  it('writes the healthy metrics and then throws when a query is Forbidden', async () => {
    const { handler, db } = setup([albRequests, rdsCpu], () => ({
      MetricDataResults: [
        { Id: 'albRequests', Values: [1], Timestamps: [NOW], StatusCode: 'Complete' },
        { Id: 'rdsCpu', Values: [], Timestamps: [], StatusCode: 'Forbidden' },
      ],
    }));
    await expect(handler(scheduled, context)).rejects.toThrow(/rdsCpu=Forbidden/);
    expect(putItems(db.batchWrites[0].RequestItems[TABLE]).map((i) => i?.pk)).toEqual([{ S: 'albRequests' }]);
  });

  it('propagates CloudWatch errors', async () => {
    const { handler, db } = setup([albRequests], () => {
      throw new Error('Throttling');
    });
    await expect(handler(scheduled, context)).rejects.toThrow('Throttling');
    expect(db.batchWrites).toHaveLength(0);
  });

  it('rejects invalid configuration', async () => {
    expect(() => parseMetricQueries('not json')).toThrow(/not valid JSON/);
    expect(() => parseMetricQueries('[]')).toThrow(/non-empty JSON array/);
    expect(() => parseMetricQueries(JSON.stringify([{ ...albRequests, id: 'Upper' }]))).toThrow(/\.id/);
    expect(() => parseMetricQueries(JSON.stringify([albRequests, albRequests]))).toThrow(/duplicated/);
    expect(() => parseMetricQueries(JSON.stringify([{ ...albRequests, period: 90 }]))).toThrow(/period/);
    expect(() => parseMetricQueries(JSON.stringify([{ ...albRequests, dimensions: { A: 1 } }]))).toThrow(
      /dimensions/,
    );
    const { handler } = setup([albRequests], () => results({}), undefined, { RETENTION_DAYS: '-1' });
    await expect(handler(scheduled, context)).rejects.toThrow(/RETENTION_DAYS/);
  });
});
