import type {
  BatchWriteItemInput,
  BatchWriteItemOutput,
  CloudWatchPort,
  DynamoDbPort,
  GetMetricDataInput,
  GetMetricDataOutput,
  QueryInput,
  QueryOutput,
} from './ports.js';

interface SdkClient {
  send(command: object): Promise<unknown>;
}
type ClientConstructor = new (config: { region: string }) => SdkClient;
type CommandConstructor = new (input: object) => object;

interface DynamoDbSdk {
  DynamoDBClient: ClientConstructor;
  QueryCommand: CommandConstructor;
  BatchWriteItemCommand: CommandConstructor;
}

interface CloudWatchSdk {
  CloudWatchClient: ClientConstructor;
  GetMetricDataCommand: CommandConstructor;
}

/**
 * The SDK ships with the Lambda runtime and is not a dependency of this project, so it is loaded by
 * a non-literal specifier: the type checker does not look for it and importing a handler module
 * never touches it. The runtime may expose the package as CommonJS, hence the `default` fallback.
 */
async function loadRuntimeModule<T extends object>(specifier: string, exportName: keyof T): Promise<T> {
  const loaded = (await import(specifier)) as Partial<T> & { default?: Partial<T> };
  const namespace = exportName in loaded ? loaded : loaded.default;
  if (!namespace || !(exportName in namespace)) {
    throw new Error(`module ${specifier} does not export ${String(exportName)}`);
  }
  return namespace as T;
}

const DYNAMODB_SDK: string = '@aws-sdk/client-dynamodb';
const CLOUDWATCH_SDK: string = '@aws-sdk/client-cloudwatch';

function memo<T>(factory: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= factory().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

export function lazyDynamoDbPort(region: string): DynamoDbPort {
  const load = memo(async () => {
    const sdk = await loadRuntimeModule<DynamoDbSdk>(DYNAMODB_SDK, 'DynamoDBClient');
    return { sdk, client: new sdk.DynamoDBClient({ region }) };
  });
  return {
    async query(input: QueryInput): Promise<QueryOutput> {
      const { sdk, client } = await load();
      return (await client.send(new sdk.QueryCommand(input))) as QueryOutput;
    },
    async batchWriteItem(input: BatchWriteItemInput): Promise<BatchWriteItemOutput> {
      const { sdk, client } = await load();
      return (await client.send(new sdk.BatchWriteItemCommand(input))) as BatchWriteItemOutput;
    },
  };
}

export function lazyCloudWatchPort(region: string): CloudWatchPort {
  const load = memo(async () => {
    const sdk = await loadRuntimeModule<CloudWatchSdk>(CLOUDWATCH_SDK, 'CloudWatchClient');
    return { sdk, client: new sdk.CloudWatchClient({ region }) };
  });
  return {
    async getMetricData(input: GetMetricDataInput): Promise<GetMetricDataOutput> {
      const { sdk, client } = await load();
      return (await client.send(new sdk.GetMetricDataCommand(input))) as GetMetricDataOutput;
    },
  };
}
