/**
 * Minimal structural views of the AWS SDK v3 commands the handlers use. Field names follow the
 * SDK's QueryCommand, BatchWriteItemCommand and GetMetricDataCommand inputs and outputs so the
 * production adapters pass them through unchanged.
 */

export type AttributeValue =
  | { S: string }
  | { N: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { L: AttributeValue[] }
  | { M: Record<string, AttributeValue> };

export type DynamoItem = Record<string, AttributeValue>;

export interface QueryInput {
  TableName: string;
  KeyConditionExpression: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
  ScanIndexForward?: boolean;
  Limit?: number;
  ExclusiveStartKey?: DynamoItem;
}

export interface QueryOutput {
  Items?: DynamoItem[];
  Count?: number;
  LastEvaluatedKey?: DynamoItem;
}

export interface WriteRequest {
  PutRequest?: { Item: DynamoItem };
  DeleteRequest?: { Key: DynamoItem };
}

export interface BatchWriteItemInput {
  RequestItems: Record<string, WriteRequest[]>;
}

export interface BatchWriteItemOutput {
  UnprocessedItems?: Record<string, WriteRequest[]>;
}

export interface DynamoDbPort {
  query(input: QueryInput): Promise<QueryOutput>;
  batchWriteItem(input: BatchWriteItemInput): Promise<BatchWriteItemOutput>;
}

export interface Dimension {
  Name: string;
  Value: string;
}

export interface MetricDataQuery {
  Id: string;
  MetricStat: {
    Metric: { Namespace: string; MetricName: string; Dimensions?: Dimension[] };
    Period: number;
    Stat: string;
    Unit?: string;
  };
  ReturnData?: boolean;
}

export interface GetMetricDataInput {
  MetricDataQueries: MetricDataQuery[];
  StartTime: Date;
  EndTime: Date;
  NextToken?: string;
  ScanBy?: 'TimestampAscending' | 'TimestampDescending';
}

export interface MessageData {
  Code?: string;
  Value?: string;
}

export interface MetricDataResult {
  Id?: string;
  Label?: string;
  Timestamps?: Date[];
  Values?: number[];
  StatusCode?: 'Complete' | 'InternalError' | 'PartialData' | 'Forbidden' | string;
  Messages?: MessageData[];
}

export interface GetMetricDataOutput {
  MetricDataResults?: MetricDataResult[];
  NextToken?: string;
  Messages?: MessageData[];
}

export interface CloudWatchPort {
  getMetricData(input: GetMetricDataInput): Promise<GetMetricDataOutput>;
}
