import { Bastion } from '../../../src/platform/compose/components/bastion.js';
import { Compute } from '../../../src/platform/compose/components/compute.js';
import { Database } from '../../../src/platform/compose/components/database.js';
import { Table } from '../../../src/platform/compose/components/dynamodb.js';
import { LoadBalancer } from '../../../src/platform/compose/components/loadbalancer.js';
import { Observability } from '../../../src/platform/compose/components/observability.js';
import { Serverless } from '../../../src/platform/compose/components/serverless.js';
import { flavors } from '../../../src/platform/compose/flavor.js';
import { logRetentionValues } from '../../../src/platform/api/profiles.js';
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
  expectSound,
} from './app-harness.js';

const ALARM_TOPIC = 'alarm-topic';
const APP_LOG_GROUP = 'log-group-app';

const app = ['compute', 'loadbalancer', 'bastion', 'serverless', 'dynamodb', 'observability'] as const;
const lbIds = {
  ids: {
    albArnSuffix: 'app/shop-dev-alb/50dc6c495c0c9188',
    targetGroupArnSuffix: 'targetgroup/shop-dev-tg/73e2d6bc24d8a067',
  },
};
let artifact: LambdaArtifact;
beforeAll(async () => {
  artifact = await buildLambdaArtifact();
});
const alarmsOf = (names: string[]) =>
  names.filter((n) => n.startsWith('alarm-') && !n.startsWith(ALARM_TOPIC)).sort();

describe.each(flavors)('observability (%s)', (flavor) => {
  const build = () =>
    buildWith(flavor, (f) => {
      new Database(f.env, 'database', f);
      const compute = new Compute(f.env, 'compute', f);
      const loadBalancer = new LoadBalancer(f.env, 'loadbalancer', { ...f, targets: compute });
      new Bastion(f.env, 'bastion', f);
      const table = new Table(f.env, 'dynamodb', f);
      new Serverless(f.env, 'serverless', { ...f, table, compute, artifact });
      new Observability(f.env, 'observability', { ...f, loadBalancer, compute });
    });

  test('the whole application side renders valid, connected and least-privilege', () => {
    const r = renderStack(
      build(),
      {
        environment: 'prod',
        bastion: { enabled: true },
        serverless: { enabled: true },
        observability: { alarmEmail: 'ops@example.com' },
      },
      { ...lbIds, ids: { ...lbIds.ids, apiExecutionArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:abc` } },
    );
    expectSound(r, app);
  });

  test('alarms follow what exists: ALB/ASG always, RDS or Aurora with the database, Lambda/API/table with serverless', () => {
    const dev = alarmsOf(renderedOf(renderStack(build(), {}, lbIds), 'observability'));
    expect(dev).toEqual(
      expect.arrayContaining([
        'alarm-alb-5xx',
        'alarm-alb-latency',
        'alarm-unhealthy-hosts',
        'alarm-asg-cpu',
        'alarm-rds-cpu',
        'alarm-rds-free-storage',
        'alarm-rds-connections',
      ]),
    );
    expect(dev.filter((n) => /lambda|api-5xx|table|aurora/.test(n))).toEqual([]);

    const aurora = alarmsOf(
      renderedOf(renderStack(build(), { database: { engine: 'aurora-postgresql' } }, lbIds), 'observability'),
    );
    expect(aurora).toEqual(expect.arrayContaining(['alarm-aurora-cpu', 'alarm-aurora-connections']));
    expect(aurora.filter((n) => n.startsWith('alarm-rds'))).toEqual([]);

    const noDb = alarmsOf(
      renderedOf(renderStack(build(), { database: { enabled: false } }, lbIds), 'observability'),
    );
    expect(noDb.filter((n) => /rds|aurora/.test(n))).toEqual([]);

    const sls = alarmsOf(
      renderedOf(renderStack(build(), { serverless: { enabled: true } }, lbIds), 'observability'),
    );
    expect(sls).toEqual(
      expect.arrayContaining([
        'alarm-lambda-api-errors',
        'alarm-lambda-agg-throttles',
        'alarm-api-5xx',
        'alarm-table-read-throttles',
      ]),
    );
    const table = alarmsOf(
      renderedOf(renderStack(build(), { dynamodb: { enabled: true } }, lbIds), 'observability'),
    );
    expect(table).toContain('alarm-table-write-throttles');
    expect(table).not.toContain('alarm-api-5xx');
  });

  test('ALB alarms wait for the ARN suffixes in the XR status, then carry them as dimensions', () => {
    expect(alarmsOf(renderedOf(renderStack(build()), 'observability'))).not.toContain('alarm-alb-5xx');
    const r = renderStack(build(), {}, lbIds);
    expect(forProvider(r, 'alarm-unhealthy-hosts').dimensions).toEqual({
      LoadBalancer: lbIds.ids.albArnSuffix,
      TargetGroup: lbIds.ids.targetGroupArnSuffix,
    });
    expect(forProvider(r, 'alarm-asg-cpu').dimensions).toEqual({ AutoScalingGroupName: 'shop-dev-app' });
    expect(forProvider(r, 'alarm-rds-cpu').dimensions).toEqual({ DBInstanceIdentifier: 'shop-dev-db' });
  });

  test('every alarm notifies the topic', () => {
    const r = renderStack(build(), { serverless: { enabled: true } }, lbIds);
    for (const name of alarmsOf(renderedOf(r, 'observability'))) {
      const a = forProvider(r, name);
      expect(a.actionsEnabled).toBe(true);
      expect(a.alarmActionsSelector).toEqual({
        matchControllerRef: true,
        matchLabels: { 'envstack.dev/resource': ALARM_TOPIC },
      });
    }
  });

  test('the topic is encrypted with the CMK, CloudWatch of this account may publish, email is subscribed when given', () => {
    const r = renderStack(build(), { observability: { alarmEmail: 'ops@example.com' } }, lbIds);
    expect(forProvider(r, ALARM_TOPIC).kmsMasterKeyId).toMatch(/^arn:aws:kms:/);
    const doc = policies(r, app).find((p) => p.name === `${ALARM_TOPIC}-policy.policy`);
    expect(doc?.statements[0]).toMatchObject({
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Condition: expect.objectContaining({ StringEquals: { 'aws:SourceAccount': ACCOUNT } }),
    });
    expect(forProvider(r, `${ALARM_TOPIC}-email`)).toMatchObject({
      protocol: 'email',
      endpoint: 'ops@example.com',
    });
    expect(renderedOf(renderStack(build(), {}, lbIds), 'observability')).not.toContain(
      `${ALARM_TOPIC}-email`,
    );
  });

  test('log retention: profile default, claim override, always a CloudWatch value; CMK encryption', () => {
    const retention = (claim: JsonObject) =>
      forProvider(renderStack(build(), claim), APP_LOG_GROUP).retentionInDays;
    expect(retention({})).toBe(7);
    expect(retention({ environment: 'prod' })).toBe(90);
    expect(retention({ observability: { logRetentionDays: 365 } })).toBe(365);
    for (const env of ['dev', 'staging', 'prod'])
      expect(logRetentionValues).toContain(retention({ environment: env }));
    const app = renderStack(build());
    expect(forProvider(app, APP_LOG_GROUP).kmsKeyIdSelector).toBeDefined();
    // The instance role and the CloudWatch agent write to this name.
    expect(
      ((app.composed.get(APP_LOG_GROUP)?.metadata as JsonObject).annotations as JsonObject)[
        'crossplane.io/external-name'
      ],
    ).toBe('/envstack/shop-dev-app');
  });

  test('dashboard per profile or claim, with the region and names filled in at render time', () => {
    expect(renderedOf(renderStack(build()), 'observability')).not.toContain('dashboard');
    expect(
      renderedOf(renderStack(build(), { observability: { dashboard: true } }), 'observability'),
    ).toContain('dashboard');
    expect(
      renderedOf(
        renderStack(build(), { environment: 'prod', observability: { dashboard: false } }),
        'observability',
      ),
    ).not.toContain('dashboard');
    const body = JSON.parse(
      forProvider(renderStack(build(), { environment: 'staging', region: 'us-east-2' }), 'dashboard')
        .dashboardBody as string,
    );
    const text = JSON.stringify(body);
    expect(body.widgets.length).toBeGreaterThan(3);
    expect(
      body.widgets.every((w: { properties: { region: string } }) => w.properties.region === 'us-east-2'),
    ).toBe(true);
    expect(text).toContain('shop-staging-app');
    expect(text).not.toMatch(/\$\{|eu-west-1/);
  });
});
