import type {
  BatchWriteItemInput,
  BatchWriteItemOutput,
  CloudWatchPort,
  DynamoDbPort,
  GetMetricDataInput,
  GetMetricDataOutput,
  QueryInput,
  QueryOutput,
} from '../../src/platform/lambda/ports.js';
import type { LogFields, Logger, LogLevel } from '../../src/platform/lambda/runtime.js';

export interface LogEntry {
  level: LogLevel;
  message: string;
  fields: LogFields;
}

export function recordingLogger(): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return { entries, logger: (level, message, fields = {}) => entries.push({ level, message, fields }) };
}

export class FakeDynamoDb implements DynamoDbPort {
  readonly queries: QueryInput[] = [];
  readonly batchWrites: BatchWriteItemInput[] = [];

  constructor(
    private readonly queryResult: (input: QueryInput) => Promise<QueryOutput> = async () => ({ Items: [] }),
    private readonly batchResult: (
      input: BatchWriteItemInput,
      call: number,
    ) => Promise<BatchWriteItemOutput> = async () => ({ UnprocessedItems: {} }),
  ) {}

  query(input: QueryInput): Promise<QueryOutput> {
    this.queries.push(structuredClone(input));
    return this.queryResult(input);
  }

  batchWriteItem(input: BatchWriteItemInput): Promise<BatchWriteItemOutput> {
    this.batchWrites.push(structuredClone(input));
    return this.batchResult(input, this.batchWrites.length);
  }
}

export class FakeCloudWatch implements CloudWatchPort {
  readonly calls: GetMetricDataInput[] = [];

  constructor(private readonly pages: (input: GetMetricDataInput, call: number) => GetMetricDataOutput) {}

  async getMetricData(input: GetMetricDataInput): Promise<GetMetricDataOutput> {
    this.calls.push(input);
    return this.pages(input, this.calls.length);
  }
}

export const context = { awsRequestId: 'req-0001' };
