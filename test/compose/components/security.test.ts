import { flavors, type Flavor } from '../../../src/platform/compose/flavor.js';
import type { Stack } from '../../../src/platform/compose/resource.js';
import type { JsonObject, Unstructured } from '../../../src/engine/render/index.js';
import { byName, danglingSelectors, renderStack, sampleXr, schemaErrors } from './datastack.js';
import { buildFoundation } from './app-harness.js';

function stackFor(flavor: Flavor): Stack {
  const { env } = buildFoundation(flavor);
  env.resolveConditions();
  return env;
}

const fp = (r: Unstructured | undefined): JsonObject =>
  ((r?.spec as JsonObject).forProvider as JsonObject) ?? {};
const label = (sel: unknown): string | undefined =>
  ((sel as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? {})['envstack.dev/resource'];

/** Rules of a group in a render: [name, kind, forProvider]. */
function rulesOf(rendered: Map<string, Unstructured>, group: string): Array<[string, string, JsonObject]> {
  return [...rendered]
    .filter(([, r]) => /Rule$/.test(r.kind as string) && label(fp(r).securityGroupIdSelector) === group)
    .map(([n, r]) => [n, r.kind as string, fp(r)]);
}
const isEgress = ([, kind, f]: [string, string, JsonObject]) =>
  kind === 'SecurityGroupEgressRule' || f.type === 'egress';
const isIngress = (r: [string, string, JsonObject]) => !isEgress(r);
const groups = ['sg-alb', 'sg-app', 'sg-db', 'sg-bastion', 'sg-lambda'];

describe.each(flavors)('security groups, %s flavor', (flavor) => {
  const stack = stackFor(flavor);

  test('defaults: ALB, app and database groups; no bastion or Lambda group; every resource validates', () => {
    const { composed } = renderStack(stack, sampleXr(flavor, {}));
    const rendered = byName(composed);
    expect(groups.filter((g) => rendered.has(g))).toEqual(['sg-alb', 'sg-app', 'sg-db']);
    expect(
      [...rendered.keys()].filter((n) => n.startsWith('sg-lambda') || n.startsWith('sg-bastion')),
    ).toEqual([]);
    expect(schemaErrors(composed)).toEqual([]);
    expect(fp(rendered.get('sg-alb'))).toMatchObject({ name: 'shop-dev-alb', region: 'eu-west-1' });
    expect(fp(rendered.get('sg-db')).tags).toMatchObject({
      Name: 'shop-dev-db',
      Environment: 'dev',
      Owner: 'team-a',
    });
  });

  test('the ALB takes 80 and 443 from exactly the claimed CIDRs and sends only to the app on 80', () => {
    const cidrs = ['203.0.113.0/24', '198.51.100.7/32'];
    const rendered = byName(
      renderStack(stack, sampleXr(flavor, { loadBalancer: { allowedCidrs: cidrs } })).composed,
    );
    const alb = rulesOf(rendered, 'sg-alb');
    expect(alb.filter(isIngress).map(([, , f]) => [f.fromPort, f.toPort, f.cidrBlocks])).toEqual([
      [443, 443, cidrs],
      [80, 80, cidrs],
    ]);
    expect(
      alb.filter(isEgress).map(([, , f]) => [f.toPort, label(f.sourceSecurityGroupIdSelector), f.cidrBlocks]),
    ).toEqual([[80, 'sg-app', undefined]]);
  });

  test('the app takes nginx traffic from the ALB only; the database only from the app and Lambdas', () => {
    const rendered = byName(
      renderStack(stack, sampleXr(flavor, { serverless: { enabled: true }, bastion: { enabled: true } }))
        .composed,
    );
    const ingress = (g: string) =>
      rulesOf(rendered, g)
        .filter(isIngress)
        .map(([, , f]) => [f.fromPort, label(f.referencedSecurityGroupIdSelector) ?? f.cidrIpv4]);
    expect(ingress('sg-app')).toEqual([[80, 'sg-alb']]);
    expect(ingress('sg-db').sort()).toEqual([
      [5432, 'sg-app'],
      [5432, 'sg-lambda'],
    ]);
    expect(ingress('sg-bastion')).toEqual([]);
    expect(ingress('sg-lambda')).toEqual([]);
  });

  test('every group has explicit egress; 0.0.0.0/0 only on 443 and only for app, bastion and Lambda', () => {
    const rendered = byName(
      renderStack(stack, sampleXr(flavor, { serverless: { enabled: true }, bastion: { enabled: true } }))
        .composed,
    );
    for (const g of groups) expect([g, rulesOf(rendered, g).filter(isEgress).length > 0]).toEqual([g, true]);
    const open = groups.flatMap((g) =>
      rulesOf(rendered, g)
        .filter(isEgress)
        .filter(
          ([, , f]) =>
            f.cidrIpv4 === '0.0.0.0/0' || (f.cidrBlocks as string[] | undefined)?.includes('0.0.0.0/0'),
        )
        .map(([n, , f]) => [n, f.fromPort, f.toPort]),
    );
    expect(open.sort()).toEqual([
      ['sg-app-out-https', 443, 443],
      ['sg-bastion-out-https', 443, 443],
      ['sg-lambda-out-https', 443, 443],
    ]);
    expect(fp(rendered.get('sg-db-out-vpc'))).toMatchObject({ cidrIpv4: '10.0.0.0/16', fromPort: 443 });
  });

  test('database rules follow the engine port (aurora-mysql 3306) and disappear with the database', () => {
    const mysql = byName(
      renderStack(
        stack,
        sampleXr(flavor, { database: { engine: 'aurora-mysql' }, serverless: { enabled: true } }),
      ).composed,
    );
    for (const n of ['sg-db-in-app', 'sg-db-in-lambda', 'sg-app-out-db', 'sg-lambda-out-db']) {
      expect([n, fp(mysql.get(n)).fromPort, fp(mysql.get(n)).toPort]).toEqual([n, 3306, 3306]);
    }
    const none = byName(
      renderStack(stack, sampleXr(flavor, { database: { enabled: false }, serverless: { enabled: true } }))
        .composed,
    );
    expect([...none.keys()].filter((n) => n.startsWith('sg-db') || n.endsWith('-out-db'))).toEqual([]);
    expect(none.has('sg-lambda-out-https')).toBe(true);
  });

  test('every selector names a sibling', () => {
    expect(danglingSelectors(stack)).toEqual([]);
  });
});

describe.each(flavors)('environment key policy, %s flavor', (flavor) => {
  const rendered = byName(renderStack(stackFor(flavor), sampleXr(flavor, {})).composed);
  const key = fp(rendered.get('kms-key'));
  const policy = JSON.parse(key.policy as string) as { Statement: Array<Record<string, unknown>> };
  const sid = (s: string) => policy.Statement.find((x) => x.Sid === s);

  test('rotation on, alias set', () => {
    expect(key).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 7 });
    expect((rendered.get('kms-key-alias')?.metadata as JsonObject).annotations).toMatchObject({
      'crossplane.io/external-name': 'alias/shop-dev-main',
    });
  });

  test("CloudTrail gets its required sections, limited to this environment's trails", () => {
    const trails = {
      'kms:EncryptionContext:aws:cloudtrail:arn': 'arn:aws:cloudtrail:*:123456789012:trail/*',
    };
    const ours = { 'aws:SourceArn': 'arn:aws:cloudtrail:eu-west-1:123456789012:trail/shop-dev-*' };
    expect(sid('CloudTrailEncryptsLogs')).toEqual({
      Sid: 'CloudTrailEncryptsLogs',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: { StringLike: trails, ArnLike: ours },
    });
    expect(sid('CloudTrailDescribesKey')).toMatchObject({
      Action: 'kms:DescribeKey',
      Condition: { ArnLike: ours },
    });
    expect(sid('AccountReadsCloudTrailLogs')).toMatchObject({
      Principal: { AWS: '*' },
      Action: ['kms:Decrypt', 'kms:ReEncryptFrom'],
      Condition: { StringEquals: { 'kms:CallerAccount': '123456789012' }, StringLike: trails },
    });
  });

  test('alarms (CloudWatch → SNS), Logs, and every service the stack encrypts with the key can use it', () => {
    expect(sid('ServicesInThisAccount')).toMatchObject({
      Principal: {
        Service: expect.arrayContaining([
          'cloudwatch.amazonaws.com',
          'sns.amazonaws.com',
          'config.amazonaws.com',
          'delivery.logs.amazonaws.com',
        ]),
      },
      Action: expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Decrypt']),
      Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
    });
    expect(sid('CloudWatchLogs')).toMatchObject({ Principal: { Service: 'logs.eu-west-1.amazonaws.com' } });
    const via = (sid('AwsServicesOnBehalfOfAccount')?.Condition as Record<string, Record<string, string[]>>)
      .StringLike['kms:ViaService'];
    for (const s of ['rds', 'secretsmanager', 's3', 'dynamodb', 'sqs', 'sns', 'lambda', 'ec2']) {
      expect(via).toContain(`${s}.eu-west-1.amazonaws.com`);
    }
    const wildcardPrincipals = policy.Statement.filter((x) => JSON.stringify(x.Principal) === '{"AWS":"*"}');
    for (const s of wildcardPrincipals)
      expect([s.Sid, JSON.stringify(s.Condition)]).toEqual([
        s.Sid,
        expect.stringContaining('kms:CallerAccount'),
      ]);
  });
});
