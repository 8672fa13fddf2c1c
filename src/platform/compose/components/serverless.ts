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
import type { Construct } from 'constructs';
import { all, celHas, enabled } from '../conditions.js';
import { profileDefault, sibling, StackComponent, type ComposedResource } from '../resource.js';
import { serviceRole, type Compute } from './compute.js';
import type { Table } from './dynamodb.js';
import type { EnvironmentKey } from './encryption.js';
import type { Network } from './network.js';
import { logGroup } from './observability.js';
import type { SecurityGroups } from './security.js';
import { Bucket } from './storage.js';

export const LAMBDA_CODE = 'lambda-code';
export const DLQ = 'lambda-dlq';
const REST_API = 'api';
const API_STAGE = 'api-stage';
const API_STAGE_NAME = 'v1';
export const API_EXECUTION_ARN_STATUS = 'status.ids.apiExecutionArn';
const SCHEDULE_RULE = 'aggregator-schedule';

/** The two functions: composition name, AWS name part, handler key, timeout. */
export const functions = {
  api: { name: 'fn-api', part: 'api', role: 'api-role', timeout: 10, memorySize: 256 },
  aggregator: { name: 'fn-aggregator', part: 'agg', role: 'aggregator-role', timeout: 60, memorySize: 256 },
} as const;
type Fn = keyof typeof functions;

const lambdaLogGroup = (fn: Fn) => `/aws/lambda/\${prefix}-${functions[fn].part}`;
const tableArn = (table: Table) =>
  `arn:\${partition}:dynamodb:\${region}:\${account}:table/\${prefix}-${table.part}`;
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

function metricQueries(compute: Compute): string {
  return JSON.stringify([
    {
      id: 'app_cpu',
      namespace: 'AWS/EC2',
      metricName: 'CPUUtilization',
      dimensions: { AutoScalingGroupName: `\${prefix}-${compute.asgPart}` },
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

export interface ServerlessProps {
  /** The functions run in the private subnets. */
  network: Network;
  /** Encrypts the artifacts, queue and logs. */
  key: EnvironmentKey;
  /** The functions are in `securityGroups.lambda`. */
  securityGroups: SecurityGroups;
  /** The table the functions read and write. */
  table: Table;
  /** The app instances whose metrics the aggregator reads. */
  compute: Compute;
  /** The code the functions run: `await buildLambdaArtifact()` (src/platform/lambda). */
  artifact: LambdaArtifact;
}

/** The serverless side: functions, queue, REST API and schedule; exists when the claim enables it. */
export class Serverless extends StackComponent {
  /** The bucket the function code is delivered in. */
  readonly artifacts: Bucket;

  constructor(scope: Construct, id: string, props: ServerlessProps) {
    super(scope, id, 'serverless');
    // The queue is created encrypted or not at all, so the whole side waits for the key's ARN.
    const when = all(enabled.serverless, celHas(props.key.arnStatus));
    this.artifacts = new Bucket(this, 'artifacts', { part: 'artifacts', key: props.key, when });
    declareServerless(this, when, props);
    restApi(this, when, props.key);
    schedule(this, when);
  }
}

function declareServerless(scope: Serverless, when: string, props: ServerlessProps): void {
  const { artifact, key } = props;
  const artifacts = sibling(scope.artifacts.bucket.name);
  scope.add({
    name: LAMBDA_CODE,
    service: 's3',
    kind: 'Object',
    when,
    forProvider: {
      bucketSelector: artifacts,
      key: artifact.key,
      contentBase64: artifact.base64,
      contentType: 'application/zip',
      serverSideEncryption: 'aws:kms',
      kmsKeyIdSelector: key.selector,
      bucketKeyEnabled: true,
    },
  });

  scope.add({
    name: DLQ,
    service: 'sqs',
    kind: 'Queue',
    when,
    forProvider: { messageRetentionSeconds: 1209600, kmsDataKeyReusePeriodSeconds: 300 },
    awsName: { part: 'dlq', limit: 'sqs', via: { parameter: 'name' } },
    patches: [fromXr(key.arnStatus, 'spec.forProvider.kmsMasterKeyId')],
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
    api: [
      { Sid: 'ReadAggregates', Effect: 'Allow', Action: 'dynamodb:Query', Resource: tableArn(props.table) },
    ],
    aggregator: [
      {
        Sid: 'WriteAggregates',
        Effect: 'Allow',
        Action: 'dynamodb:BatchWriteItem',
        Resource: tableArn(props.table),
      },
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

  const functionResources: ComposedResource[] = [];
  for (const fn of ['api', 'aggregator'] as const) {
    const f = functions[fn];
    logGroup(scope, {
      name: `log-group-${fn}`,
      key,
      awsName: { part: f.part, prefix: '/aws/lambda/' },
      when,
    });
    serviceRole(scope, {
      name: f.role,
      part: `${f.part}-fn`,
      service: 'lambda.amazonaws.com',
      when,
      // X-Ray trace upload has no resource-level permissions; the AWS managed policy is the narrow form.
      managedPolicies: ['AWSXRayDaemonWriteAccess'],
      statements: [...lambdaStatements(fn), ...roleStatements[fn]],
    });
    const fnResource = scope.add({
      name: f.name,
      service: 'lambda',
      kind: 'Function',
      when,
      forProvider: {
        description: fn === 'api' ? 'envstack API: /health and /metrics' : 'envstack metric aggregator',
        runtime: 'nodejs20.x',
        architectures: ['arm64'],
        handler: artifact.handlers[fn],
        s3BucketSelector: artifacts,
        s3Key: artifact.key,
        sourceCodeHash: artifact.sha256Base64,
        roleSelector: sibling(f.role),
        timeout: f.timeout,
        memorySize: f.memorySize,
        tracingConfig: { mode: 'Active' },
        vpcConfig: {
          subnetIdSelector: props.network.subnets('private'),
          securityGroupIdSelector: sibling(props.securityGroups.lambda.name),
        },
        loggingConfig: { logFormat: 'JSON', applicationLogLevel: 'INFO', systemLogLevel: 'WARN' },
      },
      awsName: { part: f.part, limit: 'lambda', via: 'external-name' },
      patches: [
        fromXr('spec.environment', 'spec.forProvider.environment.variables.ENVIRONMENT'),
        fromEnv(ENV_PREFIX, 'spec.forProvider.environment.variables.TABLE_NAME', [
          format(`%s-${props.table.part}`),
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
          ? [templated(metricQueries(props.compute), 'spec.forProvider.environment.variables.METRIC_QUERIES')]
          : []),
      ],
    });
    functionResources.push(fnResource);
  }

  // Lambda's network interfaces outlive the functions for a while; the group must wait for them.
  for (const fnResource of functionResources) scope.usage(props.securityGroups.lambda, fnResource);
}

function restApi(scope: Serverless, when: string, key: EnvironmentKey): void {
  const api = { restApiIdSelector: sibling(REST_API) };
  scope.add({
    name: REST_API,
    service: 'apigateway',
    kind: 'RestAPI',
    when,
    forProvider: { description: 'envstack API', endpointConfiguration: { types: ['REGIONAL'] } },
    awsName: { part: 'api', limit: 'apiGateway', via: { parameter: 'name' } },
    status: { [API_EXECUTION_ARN_STATUS]: 'status.atProvider.executionArn' },
  });
  for (const path of ['health', 'metrics'] as const) {
    scope.add({
      name: `api-resource-${path}`,
      service: 'apigateway',
      kind: 'Resource',
      when,
      forProvider: { ...api, parentIdSelector: sibling(REST_API), pathPart: path },
    });
    scope.add({
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
    scope.add({
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
  scope.add({
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

  logGroup(scope, {
    name: 'log-group-api-access',
    key,
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
  scope.add({
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
  scope.add({
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
  serviceRole(scope, {
    name: 'apigw-cloudwatch-role',
    part: 'apigw-logs',
    service: 'apigateway.amazonaws.com',
    when,
    managedPolicies: ['service-role/AmazonAPIGatewayPushToCloudWatchLogs'],
  });
  scope.add({
    name: 'apigw-account',
    service: 'apigateway',
    kind: 'Account',
    when,
    forProvider: { cloudwatchRoleArnSelector: sibling('apigw-cloudwatch-role') },
  });

  scope.add({
    name: 'api-invoke-permission',
    service: 'lambda',
    kind: 'Permission',
    when: all(when, celHas(API_EXECUTION_ARN_STATUS)),
    forProvider: {
      functionNameSelector: sibling(functions.api.name),
      action: 'lambda:InvokeFunction',
      principal: 'apigateway.amazonaws.com',
      statementId: 'AllowApiGatewayGet',
    },
    patches: [fromXr(API_EXECUTION_ARN_STATUS, 'spec.forProvider.sourceArn', [format('%s/*/GET/*')])],
  });
}

function schedule(scope: Serverless, when: string): void {
  scope.add({
    name: SCHEDULE_RULE,
    service: 'cloudwatchevents',
    kind: 'Rule',
    when,
    forProvider: { description: 'Runs the metric aggregator', state: 'ENABLED' },
    awsName: { part: 'aggregate', limit: 'eventRule', via: 'external-name' },
    patches: [fromXr('spec.serverless.schedule', 'spec.forProvider.scheduleExpression')],
  });
  scope.add({
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
  scope.add({
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
