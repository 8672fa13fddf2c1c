export { buildLambdaArtifact, type LambdaArtifact } from './bundle.js';
export type { ApiGatewayProxyEvent, ApiGatewayProxyResult, ApiHandler, MetricPoint } from './api-handler.js';
export type {
  AggregationSummary,
  MetricAggregatorHandler,
  MetricQueryConfig,
  ScheduledEvent,
} from './metric-aggregator.js';
export type { LambdaContext } from './runtime.js';
