import { Compute } from '../../../src/platform/compose/components/compute.js';
import { Table } from '../../../src/platform/compose/components/dynamodb.js';
import {
  API_EXECUTION_ARN_STATUS,
  DLQ,
  LAMBDA_CODE,
  functions,
  Serverless,
} from '../../../src/platform/compose/components/serverless.js';
import { flavors } from '../../../src/platform/compose/flavor.js';
import { buildLambdaArtifact, type LambdaArtifact } from '../../../src/platform/lambda/index.js';
import type { JsonObject } from '../../../src/engine/render/fnapi.js';
import {
  ACCOUNT,
  REGION,
  buildWith,
  forProvider,
  policies,
  renderStack,
  renderedOf,
  type Rendered,
  expectSound,
} from './app-harness.js';

const mine = ['serverless', 'dynamodb'] as const;
const executionArn = `arn:aws:execute-api:${REGION}:${ACCOUNT}:a1b2c3`;
let artifact: LambdaArtifact;
beforeAll(async () => {
  artifact = await buildLambdaArtifact();
});

describe.each(flavors)('serverless (%s)', (flavor) => {
  let on: Rendered;
  const build = () =>
    buildWith(flavor, (f) => {
      const table = new Table(f.env, 'dynamodb', f);
      const compute = new Compute(f.env, 'compute', f);
      new Serverless(f.env, 'serverless', { ...f, table, compute, artifact });
    });
  beforeAll(() => {
    on = renderStack(build(), { serverless: { enabled: true } }, { ids: { apiExecutionArn: executionArn } });
  });

  test('absent unless enabled', () => {
    expect(renderedOf(renderStack(build()), 'serverless')).toEqual([]);
  });

  test('validates, selectors resolve, wildcards only with conditions', () => {
    expectSound(on, mine);
  });

  test('the code exists: the built zip is an S3 object the functions point at, with its hash', () => {
    const object = forProvider(on, LAMBDA_CODE);
    expect(object).toMatchObject({
      key: artifact.key,
      contentBase64: artifact.base64,
      serverSideEncryption: 'aws:kms',
    });
    expect(
      Buffer.from(object.contentBase64 as string, 'base64')
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
    for (const fn of ['api', 'aggregator'] as const) {
      const f = forProvider(on, functions[fn].name);
      expect(f).toMatchObject({
        runtime: 'nodejs20.x',
        architectures: ['arm64'],
        handler: artifact.handlers[fn],
        s3Key: artifact.key,
        sourceCodeHash: artifact.sha256Base64,
        tracingConfig: { mode: 'Active' },
        deadLetterConfig: { targetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:shop-dev-dlq` },
      });
      expect(f.s3BucketSelector).toEqual(object.bucketSelector);
      expect((f.vpcConfig as JsonObject).subnetIdSelector).toEqual({
        matchControllerRef: true,
        matchLabels: { 'envstack.dev/subnet-tier': 'private', 'envstack.dev/region-role': 'primary' },
      });
      const env = (f.environment as JsonObject).variables as Record<string, string>;
      expect(env).toMatchObject({ ENVIRONMENT: 'dev', TABLE_NAME: 'shop-dev-table' });
    }
    const agg = (forProvider(on, functions.aggregator.name).environment as JsonObject).variables as Record<
      string,
      string
    >;
    expect(agg.RETENTION_DAYS).toBe('7');
    const queries = JSON.parse(agg.METRIC_QUERIES) as Array<{
      id: string;
      dimensions: Record<string, string>;
    }>;
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) expect(q.id).toMatch(/^[a-z][a-zA-Z0-9_]*$/);
    expect(queries.flatMap((q) => Object.values(q.dimensions))).toContain('shop-dev-api');
  });

  test('the dead-letter queue is encrypted with the CMK and only the schedule rule may send to it', () => {
    expect(forProvider(on, DLQ).kmsMasterKeyId).toMatch(/^arn:aws:kms:/);
    const doc = policies(on, mine).find((p) => p.name === `${DLQ}.policy`);
    expect(doc?.statements[0]).toMatchObject({
      Principal: { Service: 'events.amazonaws.com' },
      Condition: {
        ArnEquals: { 'aws:SourceArn': `arn:aws:events:${REGION}:${ACCOUNT}:rule/shop-dev-aggregate` },
      },
    });
  });

  test('roles: own log group, the table, the DLQ; nothing account-wide', () => {
    const api = policies(on, mine).find((p) => p.name === 'api-role-policy.policy')?.statements ?? [];
    const agg = policies(on, mine).find((p) => p.name === 'aggregator-role-policy.policy')?.statements ?? [];
    const table = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/shop-dev-table`;
    expect(api).toContainEqual(expect.objectContaining({ Action: 'dynamodb:Query', Resource: table }));
    expect(agg).toContainEqual(
      expect.objectContaining({ Action: 'dynamodb:BatchWriteItem', Resource: table }),
    );
    expect(api.flatMap((s) => [s.Action].flat())).not.toContain('dynamodb:BatchWriteItem');
    expect(api).toContainEqual(
      expect.objectContaining({
        Resource: expect.arrayContaining([
          `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/shop-dev-api`,
        ]),
      }),
    );
    expect(forProvider(on, 'log-group-api')).toMatchObject({ retentionInDays: 7 });
    expect(on.composed.get('log-group-api')?.metadata).toMatchObject({
      annotations: expect.objectContaining({ 'crossplane.io/external-name': '/aws/lambda/shop-dev-api' }),
    });
  });

  test('REST API: /health and /metrics GET proxies, stage access logs, account CloudWatch role', () => {
    for (const path of ['health', 'metrics']) {
      expect(forProvider(on, `api-resource-${path}`).pathPart).toBe(path);
      expect(forProvider(on, `api-method-${path}`)).toMatchObject({
        httpMethod: 'GET',
        authorization: 'NONE',
      });
      expect(forProvider(on, `api-integration-${path}`)).toMatchObject({
        type: 'AWS_PROXY',
        integrationHttpMethod: 'POST',
      });
    }
    const stage = forProvider(on, 'api-stage');
    expect((stage.accessLogSettings as JsonObject).destinationArn).toBe(
      `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/envstack/shop-dev-api-access`,
    );
    expect(JSON.parse((stage.accessLogSettings as JsonObject).format as string)).toHaveProperty('requestId');
    expect(forProvider(on, 'api-method-settings').settings).toMatchObject({
      metricsEnabled: true,
      loggingLevel: 'INFO',
    });
    expect(forProvider(on, 'apigw-account').cloudwatchRoleArnSelector).toBeDefined();
    expect(forProvider(on, 'apigw-cloudwatch-role-amazonapigatewaypushtocloudwatchlogs').policyArn).toBe(
      'arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
    );
    const trust = policies(on, mine).find((p) => p.name === 'apigw-cloudwatch-role.assumeRolePolicy');
    expect(trust?.statements[0].Principal).toEqual({ Service: 'apigateway.amazonaws.com' });
  });

  test('invoke permissions are scoped to the API execution ARN and the schedule rule', () => {
    expect(forProvider(on, 'api-invoke-permission')).toMatchObject({
      principal: 'apigateway.amazonaws.com',
      sourceArn: `${executionArn}/*/GET/*`,
    });
    expect(forProvider(on, 'aggregator-schedule-permission')).toMatchObject({
      principal: 'events.amazonaws.com',
      sourceArn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/shop-dev-aggregate`,
    });
    const pending = renderStack(build(), { serverless: { enabled: true } });
    expect(renderedOf(pending, 'serverless')).not.toContain('api-invoke-permission');
    expect(API_EXECUTION_ARN_STATUS).toMatch(/^status\./);
  });

  test('the schedule comes from the claim and targets the aggregator with a DLQ', () => {
    const r = renderStack(build(), { serverless: { enabled: true, schedule: 'rate(1 hour)' } });
    expect(forProvider(r, 'aggregator-schedule').scheduleExpression).toBe('rate(1 hour)');
    expect(forProvider(r, 'aggregator-schedule-target')).toMatchObject({
      arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:shop-dev-agg`,
      deadLetterConfig: { arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:shop-dev-dlq` },
    });
  });

  test('the Lambda security group is kept until both functions are gone', () => {
    const usages = [...on.composed.values()].filter((c) => /Usage$/.test(c.kind as string));
    expect(usages.map((u) => ((u.spec as JsonObject).by as JsonObject).resourceSelector)).toEqual(
      expect.arrayContaining([
        { matchControllerRef: true, matchLabels: { 'envstack.dev/resource': functions.api.name } },
        { matchControllerRef: true, matchLabels: { 'envstack.dev/resource': functions.aggregator.name } },
      ]),
    );
    for (const u of usages) {
      expect(((u.spec as JsonObject).of as JsonObject).resourceSelector).toEqual({
        matchControllerRef: true,
        matchLabels: { 'envstack.dev/resource': 'sg-lambda' },
      });
    }
  });

  test('the stage reports its invoke URL as the API endpoint', () => {
    const stage = on.stack.get('api-stage');
    expect(stage.patches).toContainEqual(
      expect.objectContaining({
        type: 'ToCompositeFieldPath',
        fromFieldPath: 'status.atProvider.invokeUrl',
        toFieldPath: 'status.endpoints.api',
      }),
    );
  });
});
