/**
 * Observability: CMK-encrypted log groups with the profile's retention, the alarm topic (CMK) with
 * an optional email subscription, alarms on every tier that exists, and a dashboard.
 */
import { fromEnv, fromXr, format, type Patch } from '../patches.js';
import { ENV_PREFIX, type NameSpec } from '../naming.js';
import { policyDocument, policyPatch, templated } from '../policy.js';
import type { Construct } from 'constructs';
import { all, celHas, enabled, engine, type Condition } from '../conditions.js';
import { profileDefault, sibling, StackComponent, type ComposedResource } from '../resource.js';
import type { Compute } from './compute.js';
import type { EnvironmentKey } from './encryption.js';
import type { LoadBalancer } from './loadbalancer.js';
import { APP_LOG_GROUP_PREFIX } from './userdata.js';

const ALARM_TOPIC = 'alarm-topic';
const APP_LOG_GROUP = 'log-group-app';

export interface LogGroupProps {
  name: string;
  /** The AWS name: `<prefix><project-env>-<part>`, e.g. `/aws/lambda/` + `shop-dev-api`. */
  awsName: Pick<NameSpec, 'part' | 'prefix'>;
  /** Encrypts the log events. */
  key: EnvironmentKey;
  when?: Condition;
}

/** A log group encrypted with the CMK, retained per profile unless the claim says otherwise. */
export function logGroup(scope: StackComponent, props: LogGroupProps): ComposedResource {
  return scope.add({
    name: props.name,
    service: 'cloudwatchlogs',
    kind: 'Group',
    when: props.when,
    forProvider: { kmsKeyIdSelector: props.key.selector, logGroupClass: 'STANDARD' },
    awsName: { ...props.awsName, limit: 'logGroup', via: 'external-name' },
    patches: profileDefault(
      'logRetentionDays',
      'spec.observability.logRetentionDays',
      'spec.forProvider.retentionInDays',
    ),
  });
}

interface AlarmProps {
  part: string;
  when?: string;
  description: string;
  namespace: string;
  metricName: string;
  statistic: 'Sum' | 'Average' | 'Maximum' | 'Minimum';
  comparisonOperator: string;
  threshold: number;
  period?: number;
  evaluationPeriods?: number;
  /** Dimension → its patch source: the environment's prefix plus a part, or an XR status field. */
  dimensions: Record<string, { prefixed: string } | { status: string }>;
}

function alarm(scope: Observability, a: AlarmProps): void {
  const patches: Patch[] = [];
  const needs: string[] = [];
  for (const [dim, src] of Object.entries(a.dimensions)) {
    const to = `spec.forProvider.dimensions.${dim}`;
    if ('prefixed' in src) patches.push(fromEnv(ENV_PREFIX, to, [format(`%s-${src.prefixed}`)]));
    else {
      patches.push(fromXr(src.status, to));
      needs.push(celHas(src.status));
    }
  }
  scope.add({
    name: `alarm-${a.part}`,
    service: 'cloudwatch',
    kind: 'MetricAlarm',
    when: all(celHas(scope.key.arnStatus), a.when, ...needs),
    forProvider: {
      alarmDescription: a.description,
      namespace: a.namespace,
      metricName: a.metricName,
      statistic: a.statistic,
      comparisonOperator: a.comparisonOperator,
      threshold: a.threshold,
      period: a.period ?? 300,
      evaluationPeriods: a.evaluationPeriods ?? 2,
      datapointsToAlarm: a.evaluationPeriods ?? 2,
      treatMissingData: 'notBreaching',
      actionsEnabled: true,
      alarmActionsSelector: sibling(ALARM_TOPIC),
      okActionsSelector: sibling(ALARM_TOPIC),
    },
    awsName: { part: a.part, limit: 'alarm', via: 'external-name' },
    patches,
  });
}

function alarms(scope: Observability, lbStatus: LoadBalancer['status'], asgPart: string): void {
  const alb = { LoadBalancer: { status: lbStatus.arnSuffix } };
  const greater = 'GreaterThanThreshold';
  alarm(scope, {
    part: 'alb-5xx',
    description: 'The load balancer answers with 5xx errors',
    namespace: 'AWS/ApplicationELB',
    metricName: 'HTTPCode_ELB_5XX_Count',
    statistic: 'Sum',
    comparisonOperator: greater,
    threshold: 10,
    dimensions: alb,
  });
  alarm(scope, {
    part: 'target-5xx',
    description: 'The app behind the load balancer answers with 5xx errors',
    namespace: 'AWS/ApplicationELB',
    metricName: 'HTTPCode_Target_5XX_Count',
    statistic: 'Sum',
    comparisonOperator: greater,
    threshold: 10,
    dimensions: alb,
  });
  alarm(scope, {
    part: 'alb-latency',
    description: 'Average target response time above 2 seconds',
    namespace: 'AWS/ApplicationELB',
    metricName: 'TargetResponseTime',
    statistic: 'Average',
    comparisonOperator: greater,
    threshold: 2,
    evaluationPeriods: 3,
    dimensions: alb,
  });
  alarm(scope, {
    part: 'unhealthy-hosts',
    description: 'The target group has unhealthy instances',
    namespace: 'AWS/ApplicationELB',
    metricName: 'UnHealthyHostCount',
    statistic: 'Maximum',
    comparisonOperator: greater,
    threshold: 0,
    evaluationPeriods: 3,
    period: 60,
    dimensions: { ...alb, TargetGroup: { status: lbStatus.targetGroupArnSuffix } },
  });
  alarm(scope, {
    part: 'asg-cpu',
    description: 'App instances average CPU above 80%',
    namespace: 'AWS/EC2',
    metricName: 'CPUUtilization',
    statistic: 'Average',
    comparisonOperator: greater,
    threshold: 80,
    evaluationPeriods: 3,
    dimensions: { AutoScalingGroupName: { prefixed: asgPart } },
  });

  const rds = [
    { engine: engine.postgres, dim: 'DBInstanceIdentifier', tag: 'rds' },
    { engine: engine.aurora, dim: 'DBClusterIdentifier', tag: 'aurora' },
  ];
  for (const { engine, dim, tag } of rds) {
    const when = all(enabled.database, engine);
    const dimensions = { [dim]: { prefixed: 'db' } };
    alarm(scope, {
      part: `${tag}-cpu`,
      when,
      description: 'Database CPU above 80%',
      namespace: 'AWS/RDS',
      metricName: 'CPUUtilization',
      statistic: 'Average',
      comparisonOperator: greater,
      threshold: 80,
      evaluationPeriods: 3,
      dimensions,
    });
    alarm(scope, {
      part: `${tag}-connections`,
      when,
      description: 'Database connections above 80',
      namespace: 'AWS/RDS',
      metricName: 'DatabaseConnections',
      statistic: 'Average',
      comparisonOperator: greater,
      threshold: 80,
      dimensions,
    });
  }
  alarm(scope, {
    part: 'rds-free-storage',
    when: all(enabled.database, engine.postgres),
    description: 'Database free storage below 2 GiB',
    namespace: 'AWS/RDS',
    metricName: 'FreeStorageSpace',
    statistic: 'Minimum',
    comparisonOperator: 'LessThanThreshold',
    threshold: 2 * 1024 ** 3,
    dimensions: { DBInstanceIdentifier: { prefixed: 'db' } },
  });
  alarm(scope, {
    part: 'aurora-free-memory',
    when: all(enabled.database, engine.aurora),
    description: 'Database freeable memory below 256 MiB',
    namespace: 'AWS/RDS',
    metricName: 'FreeableMemory',
    statistic: 'Minimum',
    comparisonOperator: 'LessThanThreshold',
    threshold: 256 * 1024 ** 2,
    dimensions: { DBClusterIdentifier: { prefixed: 'db' } },
  });

  for (const [fn, label] of [
    ['api', 'API'],
    ['agg', 'metric aggregator'],
  ] as const) {
    for (const metric of ['Errors', 'Throttles'] as const) {
      alarm(scope, {
        part: `lambda-${fn}-${metric.toLowerCase()}`,
        when: enabled.serverless,
        description: `The ${label} Lambda reports ${metric.toLowerCase()}`,
        namespace: 'AWS/Lambda',
        metricName: metric,
        statistic: 'Sum',
        comparisonOperator: greater,
        threshold: 0,
        dimensions: { FunctionName: { prefixed: fn } },
      });
    }
  }
  alarm(scope, {
    part: 'api-5xx',
    when: enabled.serverless,
    description: 'API Gateway answers with 5xx errors',
    namespace: 'AWS/ApiGateway',
    metricName: '5XXError',
    statistic: 'Sum',
    comparisonOperator: greater,
    threshold: 5,
    dimensions: { ApiName: { prefixed: 'api' } },
  });
  for (const metric of ['ReadThrottleEvents', 'WriteThrottleEvents'] as const) {
    alarm(scope, {
      part: `table-${metric.startsWith('Read') ? 'read' : 'write'}-throttles`,
      when: enabled.table,
      description: `DynamoDB ${metric}`,
      namespace: 'AWS/DynamoDB',
      metricName: metric,
      statistic: 'Sum',
      comparisonOperator: greater,
      threshold: 0,
      dimensions: { TableName: { prefixed: 'table' } },
    });
  }
}

type Widget = { title: string; metrics: unknown[][]; stat?: string };

/** Dashboard widgets; `${region}`/`${prefix}` are filled at render time. */
function dashboardBody(asgPart: string): string {
  const search = (ns: string, dims: string, metric: string, name: string, stat: string) => [
    {
      expression: `SEARCH('{${ns},${dims}} MetricName="${metric}" "${name}"', '${stat}', 300)`,
      id: metric.toLowerCase(),
    },
  ];
  const widgets: Widget[] = [
    {
      title: 'ALB requests',
      metrics: [search('AWS/ApplicationELB', 'LoadBalancer', 'RequestCount', '${prefix}-alb', 'Sum')],
    },
    {
      title: 'ALB 5xx',
      metrics: [
        search('AWS/ApplicationELB', 'LoadBalancer', 'HTTPCode_Target_5XX_Count', '${prefix}-alb', 'Sum'),
      ],
    },
    {
      title: 'Response time',
      metrics: [
        search('AWS/ApplicationELB', 'LoadBalancer', 'TargetResponseTime', '${prefix}-alb', 'Average'),
      ],
    },
    {
      title: 'App CPU',
      metrics: [['AWS/EC2', 'CPUUtilization', 'AutoScalingGroupName', `\${prefix}-${asgPart}`]],
      stat: 'Average',
    },
    {
      title: 'Database CPU',
      metrics: [search('AWS/RDS', 'DBInstanceIdentifier', 'CPUUtilization', '${prefix}-db', 'Average')],
    },
    {
      title: 'Lambda errors',
      metrics: [
        ['AWS/Lambda', 'Errors', 'FunctionName', '${prefix}-api'],
        ['AWS/Lambda', 'Errors', 'FunctionName', '${prefix}-agg'],
      ],
      stat: 'Sum',
    },
  ];
  return JSON.stringify({
    widgets: widgets.map((w, i) => ({
      type: 'metric',
      x: (i % 2) * 12,
      y: Math.floor(i / 2) * 6,
      width: 12,
      height: 6,
      properties: {
        title: w.title,
        region: '${region}',
        view: 'timeSeries',
        period: 300,
        stat: w.stat ?? 'Sum',
        metrics: w.metrics,
      },
    })),
  });
}

export interface ObservabilityProps {
  /** Encrypts the log groups and the alarm topic. */
  key: EnvironmentKey;
  /** Alarms watch the load balancer by the IDs it reports. */
  loadBalancer: LoadBalancer;
  /** Alarms and the dashboard watch the app instances' group. */
  compute: Compute;
}

/** Log groups, the alarm topic, alarms on every tier that exists, and a dashboard. */
export class Observability extends StackComponent {
  readonly alarmTopic: ComposedResource;
  readonly key: EnvironmentKey;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id, 'observability');
    this.key = props.key;
    this.alarmTopic = declareObservability(this, props);
  }
}

function declareObservability(scope: Observability, props: ObservabilityProps): ComposedResource {
  logGroup(scope, {
    name: APP_LOG_GROUP,
    key: props.key,
    awsName: { part: 'app', prefix: APP_LOG_GROUP_PREFIX },
  });

  const topic = scope.add({
    name: ALARM_TOPIC,
    service: 'sns',
    kind: 'Topic',
    // A topic is created encrypted or not at all: wait for the key's ARN.
    when: celHas(props.key.arnStatus),
    forProvider: { displayName: 'envstack alarms' },
    awsName: { part: 'alarms', limit: 'sns', via: 'external-name' },
    patches: [fromXr(props.key.arnStatus, 'spec.forProvider.kmsMasterKeyId')],
    status: { 'status.ids.alarmTopicArn': 'status.atProvider.arn' },
  });
  scope.add({
    name: `${ALARM_TOPIC}-policy`,
    service: 'sns',
    kind: 'TopicPolicy',
    when: celHas(props.key.arnStatus),
    forProvider: { arnSelector: sibling(ALARM_TOPIC) },
    templates: [
      policyPatch(
        policyDocument([
          {
            Sid: 'CloudWatchAlarmsOfThisAccount',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: 'arn:${partition}:sns:${region}:${account}:${prefix}-alarms',
            Condition: {
              ArnLike: { 'aws:SourceArn': 'arn:${partition}:cloudwatch:${region}:${account}:alarm:*' },
              StringEquals: { 'aws:SourceAccount': '${account}' },
            },
          },
          {
            Sid: 'AccountManagesTopic',
            Effect: 'Allow',
            Principal: { AWS: 'arn:${partition}:iam::${account}:root' },
            Action: [
              'sns:GetTopicAttributes',
              'sns:SetTopicAttributes',
              'sns:Subscribe',
              'sns:ListSubscriptionsByTopic',
            ],
            Resource: 'arn:${partition}:sns:${region}:${account}:${prefix}-alarms',
          },
        ]),
        'spec.forProvider.policy',
      ),
    ],
  });
  scope.add({
    name: `${ALARM_TOPIC}-email`,
    service: 'sns',
    kind: 'TopicSubscription',
    when: all(celHas(props.key.arnStatus), celHas('spec.observability.alarmEmail')),
    forProvider: { protocol: 'email', topicArnSelector: sibling(ALARM_TOPIC) },
    patches: [fromXr('spec.observability.alarmEmail', 'spec.forProvider.endpoint')],
  });

  alarms(scope, props.loadBalancer.status, props.compute.asgPart);

  scope.add({
    name: 'dashboard',
    service: 'cloudwatch',
    kind: 'Dashboard',
    when: enabled.dashboard,
    awsName: { part: 'main', limit: 'dashboard', via: 'external-name' },
    templates: [templated(dashboardBody(props.compute.asgPart), 'spec.forProvider.dashboardBody')],
  });
  return topic;
}
