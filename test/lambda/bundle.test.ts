import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { unzipSync } from 'fflate';

import { buildLambdaArtifact, type LambdaArtifact } from '../../src/platform/lambda/index.js';

const FAKE_DYNAMODB = `
export class DynamoDBClient {
  constructor(config) { globalThis.sdkCalls.push({ client: 'dynamodb', region: config.region }); }
  async send(command) {
    globalThis.sdkCalls.push({ command: command.constructor.name, input: command.input });
    if (command instanceof QueryCommand) {
      return { Items: [{ pk: { S: 'albRequests' }, sk: { S: '2024-01-01T00:00:00.000Z' }, value: { N: '7' } }] };
    }
    return { UnprocessedItems: {} };
  }
}
export class QueryCommand { constructor(input) { this.input = input; } }
export class BatchWriteItemCommand { constructor(input) { this.input = input; } }
`;

const FAKE_CLOUDWATCH = `
export class CloudWatchClient {
  constructor(config) { globalThis.sdkCalls.push({ client: 'cloudwatch', region: config.region }); }
  async send(command) {
    globalThis.sdkCalls.push({ command: command.constructor.name, ids: command.input.MetricDataQueries.map((q) => q.Id) });
    return { MetricDataResults: [{ Id: 'albRequests', Values: [3, 4], StatusCode: 'Complete' }] };
  }
}
export class GetMetricDataCommand { constructor(input) { this.input = input; } }
`;

const RUNNER = `
globalThis.sdkCalls = [];
const [file, event] = process.argv.slice(1);
const mod = await import(new URL(file, 'file://' + process.cwd() + '/').href);
const out = { exports: Object.keys(mod).sort(), handlerType: typeof mod.handler };
if (event) out.result = await mod.handler(JSON.parse(event), { awsRequestId: 'bundle-test' });
out.sdkCalls = globalThis.sdkCalls;
process.stdout.write('\\n' + JSON.stringify(out));
`;

interface RunOutput {
  exports: string[];
  handlerType: string;
  result?: { statusCode?: number; body?: string; written?: number };
  sdkCalls: Array<Record<string, unknown>>;
  logs?: Array<Record<string, unknown>>;
}

function run(dir: string, file: string, event?: object): RunOutput {
  const args = ['--input-type=module', '-e', RUNNER, file, ...(event ? [JSON.stringify(event)] : [])];
  const stdout = execFileSync(process.execPath, args, {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      AWS_REGION: 'sa-east-1',
      ENVIRONMENT: 'bundle',
      TABLE_NAME: 'envstack-bundle-metrics',
      METRIC_QUERIES: JSON.stringify([
        {
          id: 'albRequests',
          namespace: 'AWS/ApplicationELB',
          metricName: 'RequestCount',
          stat: 'Sum',
          period: 60,
        },
      ]),
    },
  });
  const lines = stdout.split('\n').filter((line) => line.trim() !== '');
  const result = JSON.parse(lines.pop() ?? '{}') as RunOutput;
  result.logs = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return result;
}

function extract(artifact: LambdaArtifact, dir: string): void {
  for (const [name, bytes] of Object.entries(unzipSync(artifact.zip))) writeFileSync(join(dir, name), bytes);
}

function writeFakeSdk(dir: string, name: string, source: string): void {
  const pkg = join(dir, 'node_modules', '@aws-sdk', name);
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: `@aws-sdk/${name}`, type: 'module', main: 'index.js' }),
  );
  writeFileSync(join(pkg, 'index.js'), source);
}

describe('buildLambdaArtifact', () => {
  let artifact: LambdaArtifact;
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'envstack-lambda-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    artifact = await buildLambdaArtifact();
  });
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('is byte-identical across builds', async () => {
    const again = await buildLambdaArtifact();
    expect(Buffer.from(again.zip).equals(Buffer.from(artifact.zip))).toBe(true);
    expect(again.sha256Base64).toBe(artifact.sha256Base64);
    expect(again.key).toBe(artifact.key);
  });

  it('describes itself consistently', () => {
    const digest = createHash('sha256').update(artifact.zip).digest();
    expect(artifact.sha256Base64).toBe(digest.toString('base64'));
    expect(artifact.key).toBe(`lambda/envstack-${digest.toString('hex').slice(0, 16)}.zip`);
    expect(artifact.base64).toBe(Buffer.from(artifact.zip).toString('base64'));
    expect(artifact.handlers).toEqual({
      api: 'api-handler.handler',
      aggregator: 'metric-aggregator.handler',
    });
    expect(artifact.zip.length).toBeLessThan(50 * 1024);
  });

  it('contains exactly the two handler modules without bundled SDK code', () => {
    const files = unzipSync(artifact.zip);
    expect(Object.keys(files)).toEqual(['api-handler.mjs', 'metric-aggregator.mjs']);
    for (const bytes of Object.values(files)) {
      const source = Buffer.from(bytes).toString('utf8');
      expect(source).not.toMatch(/sourceMappingURL|smithy/);
      expect(source).toMatch(/export \{[^}]*\bhandler\b/);
    }
  });

  it('imports in Node without the SDK and serves /health', () => {
    const dir = tempDir();
    extract(artifact, dir);
    for (const file of ['api-handler.mjs', 'metric-aggregator.mjs']) {
      expect(run(dir, file).handlerType).toBe('function');
    }
    const health = run(dir, 'api-handler.mjs', { httpMethod: 'GET', path: '/health' });
    expect(health.result?.statusCode).toBe(200);
    expect(JSON.parse(health.result?.body ?? '{}')).toMatchObject({
      environment: 'bundle',
      region: 'sa-east-1',
    });
  });

  it('reaches the runtime SDK through QueryCommand, GetMetricDataCommand and BatchWriteItemCommand', () => {
    const dir = tempDir();
    extract(artifact, dir);
    writeFakeSdk(dir, 'client-dynamodb', FAKE_DYNAMODB);
    writeFakeSdk(dir, 'client-cloudwatch', FAKE_CLOUDWATCH);

    const api = run(dir, 'api-handler.mjs', {
      httpMethod: 'GET',
      path: '/metrics',
      queryStringParameters: { name: 'albRequests' },
    });
    expect(api.result?.statusCode).toBe(200);
    expect(api.sdkCalls).toEqual([
      { client: 'dynamodb', region: 'sa-east-1' },
      expect.objectContaining({
        command: 'QueryCommand',
        input: expect.objectContaining({ TableName: 'envstack-bundle-metrics', ScanIndexForward: false }),
      }),
    ]);

    const aggregator = run(dir, 'metric-aggregator.mjs', { time: '2024-01-01T00:10:00Z' });
    expect(aggregator.result?.written).toBe(1);
    expect(aggregator.sdkCalls.map((c) => c.command ?? c.client)).toEqual([
      'cloudwatch',
      'GetMetricDataCommand',
      'dynamodb',
      'BatchWriteItemCommand',
    ]);
    expect(aggregator.logs).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'metrics aggregated', requestId: 'bundle-test' }),
    ]);
  });
});
