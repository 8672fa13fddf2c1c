import { Compute } from '../../../src/platform/compose/components/compute.js';
import { lbStatus, LoadBalancer } from '../../../src/platform/compose/components/loadbalancer.js';
import { ELB_LOG_DELIVERY_SERVICE } from '../../../src/platform/compose/aws/elb.js';
import { flavors } from '../../../src/platform/compose/flavor.js';
import type { JsonObject } from '../../../src/engine/render/fnapi.js';
import {
  ACCOUNT,
  buildWith,
  danglingSelectors,
  forProvider,
  policies,
  renderStack,
  renderedOf,
  schemaErrors,
  expectSound,
} from './app-harness.js';

const ALB = 'alb';
const CERTIFICATE = 'certificate';

const app = ['compute', 'loadbalancer'] as const;
const build = (flavor: (typeof flavors)[number]) =>
  buildWith(flavor, (f) => {
    const compute = new Compute(f.env, 'compute', f);
    new LoadBalancer(f.env, 'loadbalancer', { ...f, targets: compute });
  });
const certArn = `arn:aws:acm:eu-west-1:${ACCOUNT}:certificate/abcd-1234`;
const domain = { name: 'app.example.com', hostedZoneId: 'Z0123456789ABC' };

describe.each(flavors)('load balancer (%s)', (flavor) => {
  const dev = renderStack(build(flavor));

  test('validates, selectors resolve, no unconditioned wildcards', () => {
    expectSound(dev, app);
  });

  test('ALB: internet-facing in public subnets, access logs, drops invalid headers, name fits', () => {
    const alb = forProvider(dev, ALB);
    expect(alb).toMatchObject({
      internal: false,
      dropInvalidHeaderFields: true,
      enableDeletionProtection: false,
    });
    expect(alb.subnetSelector).toEqual({
      matchControllerRef: true,
      matchLabels: { 'envstack.dev/subnet-tier': 'public', 'envstack.dev/region-role': 'primary' },
    });
    expect(alb.accessLogs).toMatchObject({ enabled: true, prefix: 'alb' });
    expect(alb.name).toBe('shop-dev-alb');
    expect(
      forProvider(renderStack(build(flavor), { environment: 'prod' }), ALB).enableDeletionProtection,
    ).toBe(true);
  });

  test('access-log bucket: SSE-S3; the ELB account of an older region, or the service principal, may write', () => {
    expect(JSON.stringify(forProvider(dev, 'bucket-alb-logs-encryption').rule)).toContain('AES256');
    const writers = (r: typeof dev) =>
      (policies(r, app).find((p) => p.name === 'bucket-alb-logs-policy.policy')?.statements ?? [])
        .filter((s) => s.Action === 's3:PutObject')
        .map((s) => ({ principal: s.Principal, resource: s.Resource }));
    const objects = () =>
      expect.stringMatching(
        new RegExp(`^arn:aws:s3:::shop-dev-alb-logs-[0-9a-f]{8}/alb/AWSLogs/${ACCOUNT}/\\*$`),
      );
    expect(writers(dev)).toEqual([
      { principal: { AWS: 'arn:aws:iam::156460612806:root' }, resource: objects() },
      { principal: { Service: ELB_LOG_DELIVERY_SERVICE }, resource: objects() },
    ]);
    const virginia = renderStack(build(flavor), { region: 'us-east-1' });
    expect(writers(virginia)[0].principal).toEqual({ AWS: 'arn:aws:iam::127311923021:root' });
    const newer = renderStack(build(flavor), { region: 'eu-central-2' });
    expect(writers(newer).map((w) => w.principal)).toEqual([
      { Service: ELB_LOG_DELIVERY_SERVICE },
      { Service: ELB_LOG_DELIVERY_SERVICE },
    ]);
    expect(schemaErrors(newer, app)).toEqual([]);
  });

  test('target group: nginx port 80, generous health check on the claim path', () => {
    const tg = forProvider(dev, 'target-group');
    expect(tg).toMatchObject({ port: 80, protocol: 'HTTP' });
    expect(tg.healthCheck).toMatchObject({
      path: '/health',
      interval: 30,
      timeout: 10,
      healthyThreshold: 2,
      unhealthyThreshold: 5,
      matcher: '200-399',
    });
    const custom = renderStack(build(flavor), { compute: { healthCheckPath: '/status', appPort: 9000 } });
    expect(forProvider(custom, 'target-group')).toMatchObject({
      port: 80,
      healthCheck: expect.objectContaining({ path: '/status' }),
    });
  });

  test('without a certificate: HTTP forwards, no HTTPS, no ACM', () => {
    const names = renderedOf(dev, 'loadbalancer');
    expect(names).toContain('listener-http');
    expect(names).not.toEqual(expect.arrayContaining(['listener-http-redirect']));
    expect(names).not.toContain('listener-https');
    expect(names).not.toContain(CERTIFICATE);
    expect((forProvider(dev, 'listener-http').defaultAction as JsonObject[])[0].type).toBe('forward');
  });

  test('with a certificate ARN: HTTPS with TLS 1.2+ and HTTP redirects', () => {
    const r = renderStack(build(flavor), { loadBalancer: { certificateArn: certArn } });
    const names = renderedOf(r, 'loadbalancer');
    expect(names).not.toContain('listener-http');
    expect((forProvider(r, 'listener-http-redirect').defaultAction as JsonObject[])[0]).toMatchObject({
      type: 'redirect',
      redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' },
    });
    expect(forProvider(r, 'listener-https')).toMatchObject({
      port: 443,
      protocol: 'HTTPS',
      certificateArn: certArn,
      sslPolicy: expect.stringMatching(/TLS13-1-2/),
    });
    expect(schemaErrors(r, app)).toEqual([]);
    expect(danglingSelectors(r, app)).toEqual([]);
  });

  test('with a domain: ACM DNS validation through the XR status, then HTTPS and the alias record', () => {
    const pending = renderStack(build(flavor), { loadBalancer: { domain } });
    let names = renderedOf(pending, 'loadbalancer');
    expect(names).toEqual(expect.arrayContaining([CERTIFICATE, 'listener-http-redirect']));
    expect(names).not.toEqual(expect.arrayContaining(['listener-https']));
    expect(names).not.toContain('certificate-validation-record');
    expect(forProvider(pending, CERTIFICATE)).toMatchObject({
      domainName: 'app.example.com',
      validationMethod: 'DNS',
    });

    const issued = renderStack(
      build(flavor),
      { loadBalancer: { domain } },
      {
        endpoints: { loadBalancer: 'shop-dev-alb-1.eu-west-1.elb.amazonaws.com' },
        ids: {
          albZoneId: 'Z32O12XQLNTSW2',
          certificateArn: certArn,
          certificateValidation: {
            name: '_x.app.example.com.',
            type: 'CNAME',
            value: '_y.acm-validations.aws.',
          },
        },
      },
    );
    names = renderedOf(issued, 'loadbalancer');
    expect(forProvider(issued, 'certificate-validation-record')).toMatchObject({
      zoneId: domain.hostedZoneId,
      name: '_x.app.example.com.',
      type: 'CNAME',
      records: ['_y.acm-validations.aws.'],
    });
    expect(forProvider(issued, 'listener-https').certificateArn).toBe(certArn);
    expect(forProvider(issued, 'alias-record')).toMatchObject({
      name: 'app.example.com',
      type: 'A',
      alias: {
        name: 'shop-dev-alb-1.eu-west-1.elb.amazonaws.com',
        zoneId: 'Z32O12XQLNTSW2',
        evaluateTargetHealth: true,
      },
    });
    expect(schemaErrors(issued, app)).toEqual([]);
    expect(danglingSelectors(issued, app)).toEqual([]);
  });

  test('the ALB reports its DNS name, zone and ARN suffix to the XR status', () => {
    const alb = dev.stack.get(ALB);
    const toXr = alb.patches
      .filter((p) => p.type === 'ToCompositeFieldPath')
      .map((p) => [p.fromFieldPath, p.toFieldPath]);
    expect(toXr).toEqual(
      expect.arrayContaining([
        ['status.atProvider.dnsName', lbStatus.dnsName],
        ['status.atProvider.arnSuffix', lbStatus.arnSuffix],
      ]),
    );
  });
});
