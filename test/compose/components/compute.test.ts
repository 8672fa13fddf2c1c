import { Compute } from '../../../src/platform/compose/components/compute.js';
import { LoadBalancer } from '../../../src/platform/compose/components/loadbalancer.js';
import { flavors } from '../../../src/platform/compose/flavor.js';
import type { JsonObject } from '../../../src/engine/render/fnapi.js';
import {
  REGION,
  buildWith,
  danglingSelectors,
  forProvider,
  policies,
  renderStack,
  schemaErrors,
  unconditionedWildcards,
} from './app-harness.js';

const APP_ASG = 'app-asg';
const APP_LAUNCH_TEMPLATE = 'app-launch-template';
const APP_ROLE = 'app-role';

const app = ['compute', 'loadbalancer'] as const;
const build = (flavor: (typeof flavors)[number]) =>
  buildWith(flavor, (f) => {
    const compute = new Compute(f.env, 'compute', f);
    new LoadBalancer(f.env, 'loadbalancer', { ...f, targets: compute });
  });

function userData(fp: JsonObject): string {
  return Buffer.from(fp.userData as string, 'base64').toString('utf8');
}

describe.each(flavors)('compute (%s)', (flavor) => {
  const dev = renderStack(build(flavor));

  test('every resource validates against the provider CRDs', () => {
    expect(schemaErrors(dev, app)).toEqual([]);
  });

  test('the validation can fail: a misspelt or mistyped field is reported', () => {
    const broken = renderStack(build(flavor));
    const lt = forProvider(broken, APP_LAUNCH_TEMPLATE);
    lt.metadataOptions = { httpTokens: 'required', httpPutResponseHopLimit: 'one' };
    lt.imageIdd = 'x';
    expect(schemaErrors(broken, app).join('\n')).toMatch(
      /httpPutResponseHopLimit[\s\S]*imageIdd|imageIdd[\s\S]*httpPutResponseHopLimit/,
    );
  });

  test('selectors name rendered siblings', () => {
    expect(danglingSelectors(dev, app)).toEqual([]);
  });

  test('no wildcard resource without a condition', () => {
    expect(unconditionedWildcards(dev, app)).toEqual([]);
    const metrics = policies(dev, app)
      .find((p) => p.name === `${APP_ROLE}-policy.policy`)
      ?.statements.find((s) => s.Action === 'cloudwatch:PutMetricData');
    expect(metrics?.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'EnvStack/shop-dev' } });
  });

  test('user data is base64 of a script with nginx in front of the app port and the claim region', () => {
    const script = userData(forProvider(dev, APP_LAUNCH_TEMPLATE));
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(script).toContain('listen 80 default_server;');
    expect(script).toContain('proxy_pass http://127.0.0.1:8080;');
    expect(script).toContain('location = /health {');
    expect(script).toContain(`"region": "${REGION}"`);
    expect(script).toContain('"log_group_name": "/envstack/shop-dev-app"');
    expect(script).not.toMatch(/%!|%s|\{\{/);

    const other = renderStack(build(flavor), {
      region: 'ap-southeast-2',
      compute: { appPort: 3000, healthCheckPath: '/ready' },
    });
    const moved = userData(forProvider(other, APP_LAUNCH_TEMPLATE));
    expect(moved).toContain('"region": "ap-southeast-2"');
    expect(moved).not.toContain(REGION);
    expect(moved).toContain('proxy_pass http://127.0.0.1:3000;');
    expect(moved).toContain('location = /ready {');
  });

  test('launch template: IMDSv2, encrypted gp3 root with the CMK, SSM AMI, profile instance type', () => {
    const lt = forProvider(dev, APP_LAUNCH_TEMPLATE);
    expect(lt.metadataOptions).toMatchObject({ httpTokens: 'required', httpPutResponseHopLimit: 1 });
    expect(lt.blockDeviceMappings).toEqual([
      expect.objectContaining({ ebs: expect.objectContaining({ volumeType: 'gp3', encrypted: 'true' }) }),
    ]);
    expect(lt.imageId).toBe(
      'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
    );
    expect(lt.instanceType).toBe('t4g.small');
    expect(lt.name).toBe('shop-dev-app');
    expect(lt.tagSpecifications).toEqual([
      {
        resourceType: 'volume',
        tags: { ManagedBy: 'envstack', Environment: 'dev', Project: 'shop', Owner: 'team-a' },
      },
    ]);
    expect(
      forProvider(renderStack(build(flavor), { environment: 'prod' }), APP_LAUNCH_TEMPLATE).instanceType,
    ).toBe('m7g.large');
    expect(
      forProvider(renderStack(build(flavor), { compute: { instanceType: 'c7g.large' } }), APP_LAUNCH_TEMPLATE)
        .instanceType,
    ).toBe('c7g.large');
  });

  test('ASG: ELB health checks, private subnets, sizes from the profile and the claim, propagated tags', () => {
    const asg = forProvider(dev, APP_ASG);
    expect(asg).toMatchObject({ healthCheckType: 'ELB', minSize: 1, maxSize: 2 });
    expect(asg.vpcZoneIdentifierSelector).toEqual({
      matchControllerRef: true,
      matchLabels: { 'envstack.dev/subnet-tier': 'private', 'envstack.dev/region-role': 'primary' },
    });
    expect((dev.composed.get(APP_ASG)?.spec as JsonObject).initProvider).toEqual({ desiredCapacity: 1 });
    expect(asg.tag).toEqual(
      expect.arrayContaining([
        { key: 'Name', value: 'shop-dev-app', propagateAtLaunch: true },
        { key: 'Environment', value: 'dev', propagateAtLaunch: true },
        { key: 'Owner', value: 'team-a', propagateAtLaunch: true },
      ]),
    );
    const prod = renderStack(build(flavor), { environment: 'prod', compute: { maxSize: 10 } });
    expect(forProvider(prod, APP_ASG)).toMatchObject({ minSize: 2, maxSize: 10 });
    expect(forProvider(dev, `${APP_ASG}-cpu-scaling`).targetTrackingConfiguration).toMatchObject({
      targetValue: 50,
    });
  });
});
