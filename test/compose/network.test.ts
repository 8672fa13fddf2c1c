import { flavors } from '../../src/platform/compose/flavor.js';
import { renderClaim } from '../../src/platform/render/service.js';
import { validateRendered } from '../../src/platform/validate/index.js';
import { loadExample, renderedNames, selectors, withSpec } from '../support/render.js';

const dev = loadExample('dev');
const network = (names: string[]) =>
  names.filter((n) => /^(vpc|igw|subnet|rt|rta|route|eip|nat|vpce|sg-endpoints|flow-log)/.test(n));

describe.each(flavors)('network, %s flavor', (flavor) => {
  test('dev: 2 AZs, three tiers, one shared NAT, gateway endpoints, no interface endpoints', async () => {
    const names = network(await renderedNames(dev, flavor));
    expect(names.filter((n) => n.startsWith('subnet-')).sort()).toEqual([
      'subnet-isolated-a',
      'subnet-isolated-b',
      'subnet-private-a',
      'subnet-private-b',
      'subnet-public-a',
      'subnet-public-b',
    ]);
    expect(names.filter((n) => n.startsWith('nat-'))).toEqual(['nat-a']);
    expect(names).toContain('route-private-b-shared-nat');
    expect(names).toEqual(
      expect.arrayContaining(['vpce-s3', 'vpce-dynamodb', 'igw', 'route-public-internet']),
    );
    expect(names.filter((n) => n.startsWith('vpce-ssm'))).toEqual([]);
  });

  test('prod profile: 3 AZs, a NAT per AZ, interface endpoints in every private subnet', async () => {
    const prod = withSpec(dev, (s) => (s.environment = 'prod'));
    const names = network(await renderedNames(prod, flavor));
    expect(names.filter((n) => n.startsWith('subnet-'))).toHaveLength(9);
    expect(names.filter((n) => /^nat-[abc]$/.test(n)).sort()).toEqual(['nat-a', 'nat-b', 'nat-c']);
    expect(names.filter((n) => n.endsWith('shared-nat'))).toEqual([]);
    expect(names.filter((n) => /^vpce-ssm-[abc]$/.test(n))).toHaveLength(3);
    expect(names).toContain('sg-endpoints');
  });

  test('claim fields override the profile: natGateways none, azCount 3 on dev, endpoints on', async () => {
    const claim = withSpec(
      dev,
      (s) => (s.network = { cidr: '10.20.0.0/16', natGateways: 'none', azCount: 3, endpoints: true }),
    );
    const names = network(await renderedNames(claim, flavor));
    expect(names.filter((n) => n.startsWith('nat-') || n.startsWith('eip-') || n.includes('-nat'))).toEqual(
      [],
    );
    expect(names.filter((n) => n.startsWith('subnet-'))).toHaveLength(9);
    expect(names).toContain('vpce-logs-c');
  });

  test('subnet CIDRs and AZs come from the claim', async () => {
    const claim = withSpec(dev, (s) => {
      s.network = { cidr: '172.18.0.0/16' };
      s.region = 'us-east-2';
    });
    const { composed } = await renderClaim({ claim, flavor });
    const byName = new Map(
      composed.map((r) => [r.metadata?.annotations?.['crossplane.io/composition-resource-name'], r]),
    );
    const fp = (n: string) => (byName.get(n)?.spec as { forProvider: Record<string, unknown> }).forProvider;
    expect(fp('vpc').cidrBlock).toBe('172.18.0.0/16');
    expect(fp('subnet-public-a')).toEqual(
      expect.objectContaining({ cidrBlock: '172.18.0.0/22', availabilityZone: 'us-east-2a' }),
    );
    expect(fp('subnet-private-b')).toEqual(
      expect.objectContaining({ cidrBlock: '172.18.48.0/20', availabilityZone: 'us-east-2b' }),
    );
    expect(fp('subnet-isolated-a').cidrBlock).toBe('172.18.128.0/22');
    expect(fp('vpce-s3').serviceName).toBe('com.amazonaws.us-east-2.s3');
    expect(fp('vpc').tags).toEqual(
      expect.objectContaining({
        Name: 'payments-dev-vpc',
        Environment: 'dev',
        Project: 'payments',
        ManagedBy: 'envstack',
      }),
    );
  });

  test('every selector matches a sibling in the same render, and every resource validates against its CRD', async () => {
    const prod = withSpec(dev, (s) => (s.environment = 'prod'));
    for (const claim of [dev, prod]) {
      const { composed } = await renderClaim({ claim, flavor });
      const present = new Set(composed.map((r) => r.metadata?.labels?.['envstack.dev/resource']));
      const dangling = composed.flatMap((r) =>
        selectors(r.spec)
          .filter(([, label]) => !present.has(label))
          .map(([p, l]) => `${r.metadata?.labels?.['envstack.dev/resource']}.${p} → ${l}`),
      );
      expect(dangling).toEqual([]);
      expect(validateRendered(composed)).toEqual([]);
    }
  });
});
