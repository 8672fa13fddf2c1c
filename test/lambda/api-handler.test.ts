import { createApiHandler, type ApiGatewayProxyEvent } from '../../src/platform/lambda/api-handler.js';
import type { QueryOutput } from '../../src/platform/lambda/ports.js';
import { context, FakeDynamoDb, recordingLogger } from './fakes.js';

const env = { ENVIRONMENT: 'staging', TABLE_NAME: 'envstack-staging-metrics', AWS_REGION: 'ap-southeast-2' };
const fixedNow = () => new Date('2024-05-01T12:00:00.000Z');

function get(path: string, query: Record<string, string> | null = null): ApiGatewayProxyEvent {
  return {
    httpMethod: 'GET',
    path,
    resource: path,
    queryStringParameters: query,
    requestContext: { requestId: 'api-req-1', stage: 'v1' },
  };
}

function setup(
  queryResult?: () => Promise<QueryOutput>,
  envOverride: Record<string, string | undefined> = env,
) {
  const db = new FakeDynamoDb(queryResult);
  const { logger, entries } = recordingLogger();
  const handler = createApiHandler({ env: envOverride, db, now: fixedNow, logger });
  return { db, entries, handler };
}

describe('api handler', () => {
  it('answers GET /health with environment, runtime region and time', async () => {
    const { handler, db } = setup();
    const res = await handler(get('/health'), context);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toEqual({
      status: 'ok',
      environment: 'staging',
      region: 'ap-southeast-2',
      time: '2024-05-01T12:00:00.000Z',
    });
    expect(db.queries).toHaveLength(0);
  });

  it('serves /health without a table name and tolerates a trailing slash', async () => {
    const { handler } = setup(undefined, { ENVIRONMENT: 'dev', AWS_REGION: 'eu-west-1' });
    const res = await handler(get('/health/'), context);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).region).toBe('eu-west-1');
  });

  it('queries the latest aggregates newest first for GET /metrics', async () => {
    const { handler, db } = setup(async (): Promise<QueryOutput> => ({
      Items: [
        {
          pk: { S: 'albRequests' },
          sk: { S: '2024-05-01T11:45:00.000Z' },
          value: { N: '1234' },
          stat: { S: 'Sum' },
          unit: { S: 'Count' },
          datapoints: { N: '3' },
        },
        { pk: { S: 'albRequests' }, sk: { S: '2024-05-01T11:30:00.000Z' }, value: { N: '99.5' } },
      ],
      Count: 2,
    }));
    const res = await handler(
      get('/metrics', { name: 'albRequests', since: '2024-05-01T11:00:00Z', limit: '5' }),
      context,
    );

    expect(db.queries).toEqual([
      {
        TableName: 'envstack-staging-metrics',
        KeyConditionExpression: '#pk = :pk AND #sk >= :since',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: {
          ':pk': { S: 'albRequests' },
          ':since': { S: '2024-05-01T11:00:00.000Z' },
        },
        ScanIndexForward: false,
        Limit: 5,
      },
    ]);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      name: 'albRequests',
      since: '2024-05-01T11:00:00.000Z',
      count: 2,
      items: [
        { timestamp: '2024-05-01T11:45:00.000Z', value: 1234, stat: 'Sum', unit: 'Count', datapoints: 3 },
        { timestamp: '2024-05-01T11:30:00.000Z', value: 99.5, stat: null, unit: null, datapoints: null },
      ],
    });
  });

  it('uses only the partition key and the default limit when since and limit are absent', async () => {
    const { handler, db } = setup();
    const res = await handler(get('/metrics', { name: 'lambdaErrors' }), context);
    expect(res.statusCode).toBe(200);
    expect(db.queries[0]).toEqual({
      TableName: 'envstack-staging-metrics',
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'pk' },
      ExpressionAttributeValues: { ':pk': { S: 'lambdaErrors' } },
      ScanIndexForward: false,
      Limit: 20,
    });
    expect(JSON.parse(res.body)).toEqual({ name: 'lambdaErrors', since: null, count: 0, items: [] });
  });

  it('returns 404 JSON for an unknown path', async () => {
    const { handler } = setup();
    const res = await handler(get('/admin'), context);
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ message: 'no route for GET /admin', requestId: 'req-0001' });
  });

  it('returns 405 with an Allow header for a non-GET method on a known path', async () => {
    const { handler } = setup();
    const res = await handler({ ...get('/health'), httpMethod: 'POST' }, context);
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET');
  });

  it.each([
    [null, /'name' is required/],
    [{ name: '' }, /'name' is required/],
    [{ name: 'bad name!' }, /'name' must start with a letter/],
    [{ name: 'albRequests', since: 'yesterday' }, /'since' must be an ISO 8601/],
    [{ name: 'albRequests', since: '1' }, /'since' must be an ISO 8601/],
    [{ name: 'albRequests', since: '2024-13-45T00:00:00Z' }, /'since' must be an ISO 8601/],
    [{ name: 'albRequests', limit: '0' }, /'limit' must be an integer between 1 and 100/],
    [{ name: 'albRequests', limit: '101' }, /'limit'/],
    [{ name: 'albRequests', limit: '2.5' }, /'limit'/],
  ])('returns 400 for query %j', async (query, message) => {
    const { handler, db } = setup();
    const res = await handler(get('/metrics', query), context);
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).message).toMatch(message);
    expect(db.queries).toHaveLength(0);
  });

  it('returns 500 with the request id and logs structured details without leaking them', async () => {
    const { handler, entries } = setup(async () => {
      throw new Error('AccessDeniedException: secret internals');
    });
    const res = await handler(get('/metrics', { name: 'albRequests' }), context);
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body)).toEqual({ message: 'Internal server error', requestId: 'req-0001' });
    expect(res.body).not.toMatch(/secret|AccessDenied|\bat /);
    const error = entries.find((e) => e.level === 'ERROR');
    expect(error?.fields).toMatchObject({
      requestId: 'req-0001',
      apiRequestId: 'api-req-1',
      path: '/metrics',
      errorMessage: 'AccessDeniedException: secret internals',
    });
  });

  it('returns 500 when the table name is not configured', async () => {
    const { handler, entries } = setup(undefined, { ENVIRONMENT: 'dev', AWS_REGION: 'eu-west-1' });
    const res = await handler(get('/metrics', { name: 'albRequests' }), context);
    expect(res.statusCode).toBe(500);
    expect(entries.some((e) => e.level === 'ERROR' && /TABLE_NAME/.test(String(e.fields.errorMessage)))).toBe(
      true,
    );
  });
});
