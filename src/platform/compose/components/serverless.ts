/**
 * The serverless side: the API handler and metric aggregator Lambdas (real code, built by
 * `buildLambdaArtifact` and delivered as an S3 object in the artifacts bucket), in the private
 * subnets, with X-Ray, their own log groups and an encrypted dead-letter queue; a REST API with
 * `/health` and `/metrics`, stage access logs and the account-level CloudWatch role; and an
 * EventBridge schedule driving the aggregator.
 */
import type { LambdaArtifact } from '../../lambda/index.js';
import { asString, fromEnv, fromXr, format } from '../patches.js';
import { ENV_PREFIX } from '../naming.js';
import { arn, policyDocument, policyPatch, templated, type PolicyStatement } from '../policy.js';
import { celHas, profileDefault, sibling, type Stack } from '../resource.js';
import { serviceRole, APP_ASG_PART } from './compute.js';
import { subnetsOfTier } from './network.js';
import { TABLE_PART } from './dynamodb.js';
import { KMS_KEY_ARN_STATUS, SERVERLESS_ENABLED, logGroup } from './observability.js';
import { SG_LAMBDA } from './security.js';
import { bucket, bucketName, KMS_KEY } from './storage.js';

export const ARTIFACTS_BUCKET = bucketName('artifacts');
export const LAMBDA_CODE = 'lambda-code';
export const DLQ = 'lambda-dlq';
export const REST_API = 'api';
export const API_STAGE = 'api-stage';
export const API_STAGE_NAME = 'v1';
export const API_EXECUTION_ARN_STATUS = 'status.ids.apiExecutionArn';
export const SCHEDULE_RULE = 'aggregator-schedule';

/** The two functions: composition name, AWS name part, handler key, timeout. */
export const functions = {
  api: { name: 'fn-api', part: 'api', role: 'api-role', timeout: 10, memorySize: 256 },
  aggregator: { name: 'fn-aggregator', part: 'agg', role: 'aggregator-role', timeout: 60, memorySize: 256 },
} as const;
type Fn = keyof typeof functions;

const and = (...c: string[]) => c.map((x) => `(${x})`).join(' && ');
const lambdaLogGroup = (fn: Fn) => `/aws/lambda/\${prefix}-${functions[fn].part}`;
const tableArn = `arn:\${partition}:dynamodb:\${region}:\${account}:table/\${prefix}-${TABLE_PART}`;
const dlqArn = 'arn:${partition}:sqs:${region}:${account}:${prefix}-dlq';
const scheduleRuleArn = 'arn:${partition}:events:${region}:${account}:rule/${prefix}-aggregate';
const functionArn = (fn: Fn) =>
  `arn:\${partition}:lambda:\${region}:\${account}:function:\${prefix}-${functions[fn].part}`;

/** What both functions need: their logs, the DLQ (and its key, via SQS only), VPC networking. */
function lambdaStatements(fn: Fn): PolicyStatement[] {
  const inRegion = { StringEquals: { 'aws:RequestedRegion': '${region}' } };
  return [
    {
      Sid: 'OwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [arn.logGroup(lambdaLogGroup(fn)), arn.logGroup(`${lambdaLogGroup(fn)}:log-stream:*`)],
    },
    { Sid: 'DeadLetters', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: dlqArn },
    {
      Sid: 'DeadLetterEncryption',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: 'arn:${partition}:kms:${region}:${account}:key/*',
      Condition: { StringEquals: { 'kms:ViaService': 'sqs.${region}.amazonaws.com' } },
    },
    {
      Sid: 'VpcNetworkInterfaces',
      Effect: 'Allow',
      Action: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      // EC2 network-interface actions for Lambda VPC access support no narrower resource; pin the region.
      Resource: '*',
      Condition: inRegion,
    },
  ];
}

function metricQueries(): string {
  return JSON.stringify([
    {
      id: 'app_cpu',
      namespace: 'AWS/EC2',
      metricName: 'CPUUtilization',
      dimensions: { AutoScalingGroupName: `\${prefix}-${APP_ASG_PART}` },
      stat: 'Average',
      period: 300,
      unit: 'Percent',
    },
    {
      id: 'api_requests',
      namespace: 'AWS/ApiGateway',
      metricName: 'Count',
      dimensions: { ApiName: '${prefix}-api' },
      stat: 'Sum',
      period: 300,
    },
    {
      id: 'api_errors',
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: '${prefix}-api' },
      stat: 'Sum',
      period: 300,
    },
  ]);
}

/** Call with `await buildLambdaArtifact()` (src/platform/lambda): the code the functions run. */
export function serverless(stack: Stack, artifact: LambdaArtifact): void {
  // The queue is created encrypted or not at all, so the whole side waits for the key's ARN.
  const when = and(SERVERLESS_ENABLED, celHas(KMS_KEY_ARN_STATUS));

  bucket(stack, { part: 'artifacts', component: 'serverless', encryption: 'kms', when });
  stack.add('serverless', {
    name: LAMBDA_CODE,
    service: 's3',
    kind: 'Object',
    when,
    forProvider: {
      bucketSelector: sibling(ARTIFACTS_BUCKET),
      key: artifact.key,
      contentBase64: artifact.base64,
      contentType: 'application/zip',
      serverSideEncryption: 'aws:kms',
      kmsKeyIdSelector: sibling(KMS_KEY),
      bucketKeyEnabled: true,
    },
  });

  stack.add('serverless', {
    name: DLQ,
    service: 'sqs',
    kind: 'Queue',
    when,
    forProvider: { messageRetentionSeconds: 1209600, kmsDataKeyReusePeriodSeconds: 300 },
    awsName: { part: 'dlq', limit: 'sqs', via: { parameter: 'name' } },
    patches: [fromXr(KMS_KEY_ARN_STATUS, 'spec.forProvider.kmsMasterKeyId')],
    templates: [
      policyPatch(
        policyDocument([
          {
            Sid: 'ScheduleDeadLetters',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: dlqArn,
            Condition: { ArnEquals: { 'aws:SourceArn': scheduleRuleArn } },
          },
        ]),
        'spec.forProvider.policy',
      ),
    ],
  });

  const roleStatements: Record<Fn, PolicyStatement[]> = {
    api: [{ Sid: 'ReadAggregates', Effect: 'Allow', Action: 'dynamodb:Query', Resource: tableArn }],
    aggregator: [
      { Sid: 'WriteAggregates', Effect: 'Allow', Action: 'dynamodb:BatchWriteItem', Resource: tableArn },
      {
        Sid: 'ReadMetrics',
        Effect: 'Allow',
        Action: 'cloudwatch:GetMetricData',
        // GetMetricData has no resource ARN; pin the region.
        Resource: '*',
        Condition: { StringEquals: { 'aws:RequestedRegion': '${region}' } },
      },
    ],
  };

  for (const fn of ['api', 'aggregator'] as const) {
    const f = functions[fn];
    logGroup(stack, {
      name: `log-group-${fn}`,
      component: 'serverless',
      awsName: { part: f.part, prefix: '/aws/lambda/' },
      when,
    });
    serviceRole(stack, {
      name: f.role,
      part: `${f.part}-fn`,
      component: 'serverless',
      service: 'lambda.amazonaws.com',
      when,
      // X-Ray trace upload has no resource-level permissions; the AWS managed policy is the narrow form.
      managedPolicies: ['AWSXRayDaemonWriteAccess'],
      statements: [...lambdaStatements(fn), ...roleStatements[fn]],
    });
    stack.add('serverless', {
      name: f.name,
      service: 'lambda',
      kind: 'Function',
      when,
      forProvider: {
        description: fn === 'api' ? 'envstack API: /health and /metrics' : 'envstack metric aggregator',
        runtime: 'nodejs20.x',
        architectures: ['arm64'],
        handler: artifact.handlers[fn],
        s3BucketSelector: sibling(ARTIFACTS_BUCKET),
        s3Key: artifact.key,
        sourceCodeHash: artifact.sha256Base64,
        roleSelector: sibling(f.role),
        timeout: f.timeout,
        memorySize: f.memorySize,
        tracingConfig: { mode: 'Active' },
        vpcConfig: {
          subnetIdSelector: subnetsOfTier('private', 'primary'),
          securityGroupIdSelector: sibling(SG_LAMBDA),
        },
        loggingConfig: { logFormat: 'JSON', applicationLogLevel: 'INFO', systemLogLevel: 'WARN' },
      },
      awsName: { part: f.part, limit: 'lambda', via: 'external-name' },
      patches: [
        fromXr('spec.environment', 'spec.forProvider.environment.variables.ENVIRONMENT'),
        fromEnv(ENV_PREFIX, 'spec.forProvider.environment.variables.TABLE_NAME', [
          format(`%s-${TABLE_PART}`),
        ]),
        fromEnv(ENV_PREFIX, 'spec.forProvider.loggingConfig.logGroup', [format(`/aws/lambda/%s-${f.part}`)]),
        ...(fn === 'aggregator'
          ? profileDefault(
              'logRetentionDays',
              'spec.observability.logRetentionDays',
              'spec.forProvider.environment.variables.RETENTION_DAYS',
              [asString],
            )
          : []),
      ],
      templates: [
        templated(dlqArn, 'spec.forProvider.deadLetterConfig.targetArn'),
        ...(fn === 'aggregator'
          ? [templated(metricQueries(), 'spec.forProvider.environment.variables.METRIC_QUERIES')]
          : []),
      ],
    });
  }

  // Lambda's network interfaces outlive the functions for a while; the group must wait for them.
  for (const fn of ['api', 'aggregator'] as const)
    stack.usage(stack.get(SG_LAMBDA), stack.get(functions[fn].name));

  restApi(stack, when);
  schedule(stack, when);
}

function restApi(stack: Stack, when: string): void {
  const api = { restApiIdSelector: sibling(REST_API) };
  stack.add('serverless', {
    name: REST_API,
    service: 'apigateway',
    kind: 'RestAPI',
    when,
    forProvider: { description: 'envstack API', endpointConfiguration: { types: ['REGIONAL'] } },
    awsName: { part: 'api', limit: 'apiGateway', via: { parameter: 'name' } },
    status: { [API_EXECUTION_ARN_STATUS]: 'status.atProvider.executionArn' },
  });
  for (const path of ['health', 'metrics'] as const) {
    stack.add('serverless', {
      name: `api-resource-${path}`,
      service: 'apigateway',
      kind: 'Resource',
      when,
      forProvider: { ...api, parentIdSelector: sibling(REST_API), pathPart: path },
    });
    stack.add('serverless', {
      name: `api-method-${path}`,
      service: 'apigateway',
      kind: 'Method',
      when,
      forProvider: {
        ...api,
        resourceIdSelector: sibling(`api-resource-${path}`),
        httpMethod: 'GET',
        authorization: 'NONE',
      },
    });
    stack.add('serverless', {
      name: `api-integration-${path}`,
      service: 'apigateway',
      kind: 'Integration',
      when,
      forProvider: {
        ...api,
        resourceIdSelector: sibling(`api-resource-${path}`),
        httpMethod: 'GET',
        type: 'AWS_PROXY',
        integrationHttpMethod: 'POST',
        uriSelector: sibling(functions.api.name),
        timeoutMilliseconds: 10000,
      },
    });
  }
  stack.add('serverless', {
    name: 'api-deployment',
    service: 'apigateway',
    kind: 'Deployment',
    when,
    forProvider: {
      ...api,
      description: 'envstack API: GET /health, GET /metrics',
      triggers: { routes: 'GET /health, GET /metrics (AWS_PROXY)' },
    },
  });

  logGroup(stack, {
    name: 'log-group-api-access',
    component: 'serverless',
    awsName: { part: 'api-access', prefix: '/envstack/' },
    when,
  });
  const accessLogFormat = JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    httpMethod: '$context.httpMethod',
    resourcePath: '$context.resourcePath',
    status: '$context.status',
    responseLength: '$context.responseLength',
    integrationLatency: '$context.integrationLatency',
  });
  stack.add('serverless', {
    name: API_STAGE,
    service: 'apigateway',
    kind: 'Stage',
    when,
    forProvider: {
      ...api,
      stageName: API_STAGE_NAME,
      deploymentIdSelector: sibling('api-deployment'),
      xrayTracingEnabled: true,
      accessLogSettings: { format: accessLogFormat },
    },
    templates: [
      templated(
        arn.logGroup('/envstack/${prefix}-api-access'),
        'spec.forProvider.accessLogSettings.destinationArn',
      ),
    ],
    status: { 'status.endpoints.api': 'status.atProvider.invokeUrl' },
  });
  stack.add('serverless', {
    name: 'api-method-settings',
    service: 'apigateway',
    kind: 'MethodSettings',
    when,
    forProvider: {
      ...api,
      stageNameSelector: sibling(API_STAGE),
      methodPath: '*/*',
      settings: {
        metricsEnabled: true,
        loggingLevel: 'INFO',
        dataTraceEnabled: false,
        throttlingBurstLimit: 100,
        throttlingRateLimit: 50,
      },
    },
  });

  // Stage logging needs the account-level CloudWatch role (one per account and region).
  serviceRole(stack, {
    name: 'apigw-cloudwatch-role',
    part: 'apigw-logs',
    component: 'serverless',
    service: 'apigateway.amazonaws.com',
    when,
    managedPolicies: ['service-role/AmazonAPIGatewayPushToCloudWatchLogs'],
  });
  stack.add('serverless', {
    name: 'apigw-account',
    service: 'apigateway',
    kind: 'Account',
    when,
    forProvider: { cloudwatchRoleArnSelector: sibling('apigw-cloudwatch-role') },
  });

  stack.add('serverless', {
    name: 'api-invoke-permission',
    service: 'lambda',
    kind: 'Permission',
    when: and(when, celHas(API_EXECUTION_ARN_STATUS)),
    forProvider: {
      functionNameSelector: sibling(functions.api.name),
      action: 'lambda:InvokeFunction',
      principal: 'apigateway.amazonaws.com',
      statementId: 'AllowApiGatewayGet',
    },
    patches: [fromXr(API_EXECUTION_ARN_STATUS, 'spec.forProvider.sourceArn', [format('%s/*/GET/*')])],
  });
}

function schedule(stack: Stack, when: string): void {
  stack.add('serverless', {
    name: SCHEDULE_RULE,
    service: 'cloudwatchevents',
    kind: 'Rule',
    when,
    forProvider: { description: 'Runs the metric aggregator', state: 'ENABLED' },
    awsName: { part: 'aggregate', limit: 'eventRule', via: 'external-name' },
    patches: [fromXr('spec.serverless.schedule', 'spec.forProvider.scheduleExpression')],
  });
  stack.add('serverless', {
    name: `${SCHEDULE_RULE}-target`,
    service: 'cloudwatchevents',
    kind: 'Target',
    when,
    forProvider: {
      ruleSelector: sibling(SCHEDULE_RULE),
      targetId: 'metric-aggregator',
      retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 3 },
    },
    templates: [
      templated(functionArn('aggregator'), 'spec.forProvider.arn'),
      templated(dlqArn, 'spec.forProvider.deadLetterConfig.arn'),
    ],
  });
  stack.add('serverless', {
    name: 'aggregator-schedule-permission',
    service: 'lambda',
    kind: 'Permission',
    when,
    forProvider: {
      functionNameSelector: sibling(functions.aggregator.name),
      action: 'lambda:InvokeFunction',
      principal: 'events.amazonaws.com',
      statementId: 'AllowSchedule',
    },
    templates: [templated(scheduleRuleArn, 'spec.forProvider.sourceArn')],
  });
}
