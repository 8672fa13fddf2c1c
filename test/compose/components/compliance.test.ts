import {
  CONFIG_DELIVERY_FREQUENCY,
  Compliance,
} from '../../../src/platform/compose/components/compliance.js';
import { Compute } from '../../../src/platform/compose/components/compute.js';
import { LoadBalancer } from '../../../src/platform/compose/components/loadbalancer.js';
import { Observability } from '../../../src/platform/compose/components/observability.js';
import { flavors } from '../../../src/platform/compose/flavor.js';
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

const TRAIL = 'trail';

const mine = ['compliance'] as const;
const budget = { monthlyUsd: 250, email: 'finance@example.com' };

describe.each(flavors)('compliance (%s)', (flavor) => {
  const stack = buildWith(flavor, (f) => {
    const compute = new Compute(f.env, 'compute', f);
    const loadBalancer = new LoadBalancer(f.env, 'loadbalancer', { ...f, targets: compute });
    new Observability(f.env, 'observability', { ...f, loadBalancer, compute });
    new Compliance(f.env, 'compliance', f);
  });

  test('profile defaults: dev has neither trail nor Config, staging a trail, prod both; the claim overrides', () => {
    const names = (claim: JsonObject) => renderedOf(renderStack(stack, claim), 'compliance');
    expect(names({})).toEqual([]);
    expect(names({ environment: 'staging' })).toContain(TRAIL);
    expect(names({ environment: 'staging' })).not.toContain('config-recorder');
    expect(names({ environment: 'prod' })).toEqual(
      expect.arrayContaining([TRAIL, 'config-recorder', 'config-delivery-channel', 'config-recorder-status']),
    );
    expect(names({ environment: 'prod', compliance: { cloudTrail: false, config: false } })).toEqual([]);
    expect(names({ compliance: { config: true } })).toContain('config-recorder');
  });

  const prod = renderStack(stack, { environment: 'prod', compliance: { budget } });

  test('validates, selectors resolve, no unconditioned wildcards', () => {
    expectSound(prod, mine);
  });

  test('trail: multi-region, validated log files, CMK, CloudWatch Logs through a role scoped to its log group', () => {
    const trail = forProvider(prod, TRAIL);
    expect(trail).toMatchObject({
      isMultiRegionTrail: true,
      enableLogFileValidation: true,
      includeGlobalServiceEvents: true,
    });
    expect(trail.kmsKeyIdSelector).toBeDefined();
    const group = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/envstack/shop-prod-trail`;
    expect(trail.cloudWatchLogsGroupArn).toBe(`${group}:*`);
    const role = policies(prod, mine).find((p) => p.name === 'trail-role-policy.policy');
    expect(role?.statements).toEqual([expect.objectContaining({ Resource: `${group}:log-stream:*` })]);
  });

  test('the CloudTrail bucket uses the CMK and admits CloudTrail only for this trail', () => {
    expect(JSON.stringify(forProvider(prod, 'bucket-cloudtrail-encryption').rule)).toContain('aws:kms');
    const doc = policies(prod, mine).find((p) => p.name === 'bucket-cloudtrail-policy.policy');
    const write = doc?.statements.find((s) => s.Action === 's3:PutObject');
    expect(write?.Condition).toEqual({
      StringEquals: {
        'aws:SourceArn': `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/shop-prod-trail`,
        's3:x-amz-acl': 'bucket-owner-full-control',
      },
    });
  });

  test('Config: AWS managed role, valid delivery frequency, CMK-encrypted snapshots, recorder enabled', () => {
    expect(['One_Hour', 'Three_Hours', 'Six_Hours', 'Twelve_Hours', 'TwentyFour_Hours']).toContain(
      CONFIG_DELIVERY_FREQUENCY,
    );
    const channel = forProvider(prod, 'config-delivery-channel');
    expect(channel.snapshotDeliveryProperties).toEqual({ deliveryFrequency: CONFIG_DELIVERY_FREQUENCY });
    expect(channel.s3KmsKeyArn).toMatch(/^arn:aws:kms:/);
    expect(forProvider(prod, 'config-role-aws-configrole').policyArn).toBe(
      'arn:aws:iam::aws:policy/service-role/AWS_ConfigRole',
    );
    expect(forProvider(prod, 'config-recorder-status').isEnabled).toBe(true);
    const annotation = (n: string) =>
      ((prod.composed.get(n)?.metadata as JsonObject).annotations as Record<string, string>)[
        'crossplane.io/external-name'
      ];
    expect(annotation('config-recorder-status')).toBe(annotation('config-recorder'));
  });

  test('budget: monthly cost, 80% actual and 100% forecast to the email; absent without one', () => {
    expect(forProvider(prod, 'budget')).toMatchObject({
      budgetType: 'COST',
      timeUnit: 'MONTHLY',
      limitAmount: '250',
      limitUnit: 'USD',
      notification: [
        {
          threshold: 80,
          notificationType: 'ACTUAL',
          thresholdType: 'PERCENTAGE',
          subscriberEmailAddresses: [budget.email],
        },
        {
          threshold: 100,
          notificationType: 'FORECASTED',
          thresholdType: 'PERCENTAGE',
          subscriberEmailAddresses: [budget.email],
        },
      ],
    });
    expect(renderedOf(renderStack(stack, { environment: 'prod' }), 'compliance')).not.toContain('budget');
  });
});
