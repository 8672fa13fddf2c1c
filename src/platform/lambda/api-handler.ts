import { lazyDynamoDbPort } from './aws-clients.js';
import type { AttributeValue, DynamoDbPort, DynamoItem, QueryInput } from './ports.js';
import { errorFields, jsonLogger, requireEnv, type Env, type LambdaContext, type Logger } from './runtime.js';

/** API Gateway REST API proxy integration event (payload format 1.0), reduced to what is read here. */
export interface ApiGatewayProxyEvent {
  httpMethod: string;
  path: string;
  resource?: string;
  headers?: Record<string, string | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  requestContext?: { requestId?: string; stage?: string } | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

export interface ApiGatewayProxyResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

export interface MetricPoint {
  timestamp: string;
  value: number | null;
  stat: string | null;
  unit: string | null;
  datapoints: number | null;
}

export interface ApiHandlerDeps {
  env: Env;
  db?: DynamoDbPort;
  now?: () => Date;
  logger?: Logger;
}

export type ApiHandler = (
  event: ApiGatewayProxyEvent,
  context: LambdaContext,
) => Promise<ApiGatewayProxyResult>;

export const DEFAULT_METRICS_LIMIT = 20;
export const MAX_METRICS_LIMIT = 100;

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
const ISO_PATTERN = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

class BadRequest extends Error {}

interface MetricsQuery {
  name: string;
  since?: string;
  limit: number;
}

function json(
  statusCode: number,
  payload: unknown,
  extraHeaders: Record<string, string> = {},
): ApiGatewayProxyResult {
  return {
    statusCode,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...extraHeaders,
    },
    body: JSON.stringify(payload),
    isBase64Encoded: false,
  };
}

function normalisePath(path: string | undefined): string {
  const trimmed = (path ?? '/').replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

export function parseMetricsQuery(params: ApiGatewayProxyEvent['queryStringParameters']): MetricsQuery {
  const name = params?.name?.trim();
  if (!name) throw new BadRequest("query parameter 'name' is required");
  if (!NAME_PATTERN.test(name)) {
    throw new BadRequest(
      "query parameter 'name' must start with a letter and contain only letters, digits, _ . -",
    );
  }

  let since: string | undefined;
  const rawSince = params?.since?.trim();
  if (rawSince) {
    const parsed = ISO_PATTERN.test(rawSince) ? new Date(rawSince) : undefined;
    if (!parsed || Number.isNaN(parsed.getTime())) {
      throw new BadRequest("query parameter 'since' must be an ISO 8601 timestamp");
    }
    since = parsed.toISOString();
  }

  let limit = DEFAULT_METRICS_LIMIT;
  const rawLimit = params?.limit?.trim();
  if (rawLimit) {
    limit = Number(rawLimit);
    if (!/^\d+$/.test(rawLimit) || limit < 1 || limit > MAX_METRICS_LIMIT) {
      throw new BadRequest(`query parameter 'limit' must be an integer between 1 and ${MAX_METRICS_LIMIT}`);
    }
  }
  return { name, since, limit };
}

export function buildMetricsQueryInput(tableName: string, query: MetricsQuery): QueryInput {
  const values: Record<string, AttributeValue> = { ':pk': { S: query.name } };
  let condition = '#pk = :pk';
  if (query.since) {
    condition += ' AND #sk >= :since';
    values[':since'] = { S: query.since };
  }
  return {
    TableName: tableName,
    KeyConditionExpression: condition,
    ExpressionAttributeNames: query.since ? { '#pk': 'pk', '#sk': 'sk' } : { '#pk': 'pk' },
    ExpressionAttributeValues: values,
    ScanIndexForward: false,
    Limit: query.limit,
  };
}

function str(attr: AttributeValue | undefined): string | null {
  return attr && 'S' in attr ? attr.S : null;
}

function num(attr: AttributeValue | undefined): number | null {
  if (!attr || !('N' in attr)) return null;
  const value = Number(attr.N);
  return Number.isFinite(value) ? value : null;
}

export function toMetricPoint(item: DynamoItem): MetricPoint {
  return {
    timestamp: str(item.sk) ?? '',
    value: num(item.value),
    stat: str(item.stat),
    unit: str(item.unit),
    datapoints: num(item.datapoints),
  };
}

export function createApiHandler(deps: ApiHandlerDeps): ApiHandler {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger ?? jsonLogger;
  let db = deps.db;

  return async (event, context) => {
    const requestId = context.awsRequestId;
    const method = (event.httpMethod ?? '').toUpperCase();
    const path = normalisePath(event.path);
    const logFields = { requestId, apiRequestId: event.requestContext?.requestId, method, path };

    try {
      if (path !== '/health' && path !== '/metrics') {
        return json(404, { message: `no route for ${method} ${path}`, requestId });
      }
      if (method !== 'GET') {
        return json(
          405,
          { message: `method ${method} is not allowed on ${path}`, requestId },
          { allow: 'GET' },
        );
      }

      const environment = requireEnv(deps.env, 'ENVIRONMENT');
      const region = requireEnv(deps.env, 'AWS_REGION');
      if (path === '/health') {
        return json(200, { status: 'ok', environment, region, time: now().toISOString() });
      }

      const tableName = requireEnv(deps.env, 'TABLE_NAME');
      const query = parseMetricsQuery(event.queryStringParameters);
      db ??= lazyDynamoDbPort(region);
      const output = await db.query(buildMetricsQueryInput(tableName, query));
      const items = (output.Items ?? []).map(toMetricPoint);
      log('INFO', 'metrics query served', { ...logFields, name: query.name, count: items.length });
      return json(200, { name: query.name, since: query.since ?? null, count: items.length, items });
    } catch (error) {
      if (error instanceof BadRequest) {
        log('WARN', 'bad request', { ...logFields, reason: error.message });
        return json(400, { message: error.message, requestId });
      }
      log('ERROR', 'request failed', { ...logFields, ...errorFields(error) });
      return json(500, { message: 'Internal server error', requestId });
    }
  };
}

let productionHandler: ApiHandler | undefined;

export const handler: ApiHandler = (event, context) => {
  productionHandler ??= createApiHandler({ env: process.env });
  return productionHandler(event, context);
};
