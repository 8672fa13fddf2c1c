/**
 * The network: a VPC over 2 or 3 AZs with public, private (app) and isolated (data) subnets, an
 * internet gateway, NAT per profile, route tables, S3/DynamoDB gateway endpoints, interface
 * endpoints (SSM, Secrets Manager, Logs) and flow logs to the log bucket.
 *
 * Subnet CIDRs come from the first two octets of the claim's /16 (admission guarantees the shape):
 * public x.y.{0,4,8}.0/22, private x.y.{32,48,64}.0/20, isolated x.y.{128,132,136}.0/22.
 */
import type { JsonObject } from '../../../core/json.js';
import { format, fromEnv, fromXr, regexp } from '../patches.js';
import { ENV_DR_REGION, ENV_REGION } from '../policy.js';
import { bucketName } from './storage.js';
import {
  celEffective,
  celEnabled,
  sibling,
  siblingsIn,
  VPC_ARN_STATUS,
  type Placement,
  type Stack,
} from '../resource.js';

export const zones = ['a', 'b', 'c'] as const;
export type Zone = (typeof zones)[number];

const tierCidr = {
  public: (i: number) => `%s.${i * 4}.0/22`,
  private: (i: number) => `%s.${32 + i * 16}.0/20`,
  isolated: (i: number) => `%s.${128 + i * 4}.0/22`,
};
export type Tier = keyof typeof tierCidr;
export const SUBNET_TIER_LABEL = 'envstack.dev/subnet-tier';

/** The subnets of a tier in one region: the DR VPC has the same tiers. */
export function subnetsOfTier(tier: Tier, placement: Exclude<Placement, 'global'>): JsonObject {
  return siblingsIn(placement, { [SUBNET_TIER_LABEL]: tier });
}

/** The third AZ exists only when the effective azCount is 3. */
export function zoneCondition(zone: Zone): string | undefined {
  return zone === 'c' ? `${celEffective('spec.network.azCount', 'azCount')} == 3` : undefined;
}

const nat = celEffective('spec.network.natGateways', 'natGateways');
const and = (...c: Array<string | undefined>) => {
  const parts = c.filter((x): x is string => Boolean(x));
  return parts.length ? parts.map((p) => `(${p})`).join(' && ') : undefined;
};

export interface NetworkOptions {
  /** Names are prefixed `dr-` and placed in the DR region; conditions gain `extraWhen`. */
  placement: Placement;
  extraWhen?: string;
  /** The DR copy keeps to the essentials: no interface endpoints, one NAT at most. */
  minimal?: boolean;
}

export function network(stack: Stack, opts: NetworkOptions = { placement: 'primary' }): void {
  const p = opts.placement === 'dr' ? 'dr-' : '';
  const component = opts.placement === 'dr' ? 'dr' : 'network';
  const regionPath = opts.placement === 'dr' ? 'spec.dr.region' : 'spec.region';
  const when = (...c: Array<string | undefined>) => and(opts.extraWhen, ...c);
  const cidrPath = opts.placement === 'dr' ? 'spec.dr.cidr' : 'spec.network.cidr';
  const twoOctets = regexp('^([0-9]+\\.[0-9]+)\\.', 1);
  const placement = opts.placement;

  stack.add(component, {
    name: `${p}vpc`,
    service: 'ec2',
    kind: 'VPC',
    placement,
    when: when(),
    forProvider: { enableDnsHostnames: true, enableDnsSupport: true },
    awsName: { part: `${p}vpc`, limit: 'tag', via: 'tag' },
    patches: [fromXr(cidrPath, 'spec.forProvider.cidrBlock')],
    status:
      opts.placement === 'dr'
        ? { 'status.ids.drVpc': 'status.atProvider.id' }
        : { 'status.ids.vpc': 'status.atProvider.id', [VPC_ARN_STATUS]: 'status.atProvider.arn' },
  });

  stack.add(component, {
    name: `${p}igw`,
    service: 'ec2',
    kind: 'InternetGateway',
    placement,
    when: when(),
    forProvider: { vpcIdSelector: sibling(`${p}vpc`) },
  });

  for (const tier of ['public', 'isolated'] as const) {
    stack.add(component, {
      name: `${p}rt-${tier}`,
      service: 'ec2',
      kind: 'RouteTable',
      placement,
      when: when(),
      forProvider: { vpcIdSelector: sibling(`${p}vpc`) },
    });
  }
  stack.add(component, {
    name: `${p}route-public-internet`,
    service: 'ec2',
    kind: 'Route',
    placement,
    when: when(),
    forProvider: {
      destinationCidrBlock: '0.0.0.0/0',
      routeTableIdSelector: sibling(`${p}rt-public`),
      gatewayIdSelector: sibling(`${p}igw`),
    },
  });

  zones.forEach((zone, i) => {
    const inZone = zoneCondition(zone);
    for (const tier of ['public', 'private', 'isolated'] as const) {
      const subnet = `${p}subnet-${tier}-${zone}`;
      stack.add(component, {
        name: subnet,
        service: 'ec2',
        kind: 'Subnet',
        placement,
        when: when(inZone),
        metadata: { labels: { [SUBNET_TIER_LABEL]: tier } },
        forProvider: { vpcIdSelector: sibling(`${p}vpc`), mapPublicIpOnLaunch: false },
        patches: [
          fromXr(cidrPath, 'spec.forProvider.cidrBlock', [twoOctets, format(tierCidr[tier](i))]),
          fromXr(regionPath, 'spec.forProvider.availabilityZone', [format(`%s${zone}`)]),
        ],
      });
      const table = tier === 'private' ? `${p}rt-private-${zone}` : `${p}rt-${tier}`;
      stack.add(component, {
        name: `${p}rta-${tier}-${zone}`,
        service: 'ec2',
        kind: 'RouteTableAssociation',
        placement,
        when: when(inZone),
        forProvider: { subnetIdSelector: sibling(subnet), routeTableIdSelector: sibling(table) },
      });
    }
    stack.add(component, {
      name: `${p}rt-private-${zone}`,
      service: 'ec2',
      kind: 'RouteTable',
      placement,
      when: when(inZone),
      forProvider: { vpcIdSelector: sibling(`${p}vpc`) },
    });

    // NAT: zone a has one unless none; b and c have their own only per AZ (never in the minimal DR copy).
    const ownNat = zone === 'a' ? `${nat} != 'none'` : `${nat} == 'perAz'`;
    if (zone === 'a' || !opts.minimal) {
      stack.add(component, {
        name: `${p}eip-nat-${zone}`,
        service: 'ec2',
        kind: 'EIP',
        placement,
        when: when(inZone, ownNat),
        forProvider: { domain: 'vpc' },
      });
      stack.add(component, {
        name: `${p}nat-${zone}`,
        service: 'ec2',
        kind: 'NATGateway',
        placement,
        when: when(inZone, ownNat),
        forProvider: {
          connectivityType: 'public',
          allocationIdSelector: sibling(`${p}eip-nat-${zone}`),
          subnetIdSelector: sibling(`${p}subnet-public-${zone}`),
        },
      });
      stack.add(component, {
        name: `${p}route-private-${zone}-nat`,
        service: 'ec2',
        kind: 'Route',
        placement,
        when: when(inZone, ownNat),
        forProvider: {
          destinationCidrBlock: '0.0.0.0/0',
          routeTableIdSelector: sibling(`${p}rt-private-${zone}`),
          natGatewayIdSelector: sibling(`${p}nat-${zone}`),
        },
      });
    }
    if (zone !== 'a') {
      stack.add(component, {
        name: `${p}route-private-${zone}-shared-nat`,
        service: 'ec2',
        kind: 'Route',
        placement,
        when: when(inZone, opts.minimal ? `${nat} != 'none'` : `${nat} == 'single'`),
        forProvider: {
          destinationCidrBlock: '0.0.0.0/0',
          routeTableIdSelector: sibling(`${p}rt-private-${zone}`),
          natGatewayIdSelector: sibling(`${p}nat-a`),
        },
      });
    }
  });

  // Gateway endpoints keep S3 and DynamoDB traffic off the NAT, from private and isolated tiers.
  for (const service of ['s3', 'dynamodb']) {
    const endpoint = `${p}vpce-${service}`;
    stack.add(component, {
      name: endpoint,
      service: 'ec2',
      kind: 'VPCEndpoint',
      placement,
      when: when(),
      forProvider: { vpcEndpointType: 'Gateway', vpcIdSelector: sibling(`${p}vpc`) },
      patches: [fromXr(regionPath, 'spec.forProvider.serviceName', [format(`com.amazonaws.%s.${service}`)])],
    });
    const tables = [
      ...zones.map((z) => ({ table: `${p}rt-private-${z}`, zone: z as Zone | undefined })),
      { table: `${p}rt-isolated`, zone: undefined },
    ];
    for (const { table, zone } of tables) {
      stack.add(component, {
        name: `${endpoint}-${table.replace(p, '').replace('rt-', '')}`,
        service: 'ec2',
        kind: 'VPCEndpointRouteTableAssociation',
        placement,
        when: when(zone ? zoneCondition(zone) : undefined),
        forProvider: { vpcEndpointIdSelector: sibling(endpoint), routeTableIdSelector: sibling(table) },
      });
    }
  }

  if (!opts.minimal) interfaceEndpoints(stack, p, placement, when);
  flowLogs(stack, p, placement, when);
}

const interfaceServices = ['ssm', 'ssmmessages', 'ec2messages', 'secretsmanager', 'logs'] as const;

function interfaceEndpoints(
  stack: Stack,
  p: string,
  placement: Placement,
  when: (...c: Array<string | undefined>) => string | undefined,
): void {
  const enabled = celEnabled('spec.network.endpoints', 'interfaceEndpoints');
  const sg = `${p}sg-endpoints`;
  stack.add(p ? 'dr' : 'network', {
    name: sg,
    service: 'ec2',
    kind: 'SecurityGroup',
    placement,
    when: when(enabled),
    forProvider: {
      description: 'Interface endpoints: HTTPS from inside the VPC',
      vpcIdSelector: sibling(`${p}vpc`),
    },
    awsName: { part: 'endpoints', limit: 'securityGroup', via: { parameter: 'name' } },
  });
  for (const [dir, kind] of [
    ['in', 'SecurityGroupIngressRule'],
    ['out', 'SecurityGroupEgressRule'],
  ] as const) {
    stack.add(p ? 'dr' : 'network', {
      name: `${sg}-https-${dir}`,
      service: 'ec2',
      kind,
      placement,
      when: when(enabled),
      forProvider: {
        description: dir === 'in' ? 'HTTPS from the VPC' : 'Replies stay inside the VPC',
        ipProtocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        securityGroupIdSelector: sibling(sg),
      },
      patches: [fromXr(p ? 'spec.dr.cidr' : 'spec.network.cidr', 'spec.forProvider.cidrIpv4')],
    });
  }
  for (const service of interfaceServices) {
    const endpoint = `${p}vpce-${service}`;
    stack.add(p ? 'dr' : 'network', {
      name: endpoint,
      service: 'ec2',
      kind: 'VPCEndpoint',
      placement,
      when: when(enabled),
      forProvider: {
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        vpcIdSelector: sibling(`${p}vpc`),
      },
      patches: [
        fromEnv(p ? ENV_DR_REGION : ENV_REGION, 'spec.forProvider.serviceName', [
          format(`com.amazonaws.%s.${service}`),
        ]),
      ],
    });
    stack.add(p ? 'dr' : 'network', {
      name: `${endpoint}-sg`,
      service: 'ec2',
      kind: 'VPCEndpointSecurityGroupAssociation',
      placement,
      when: when(enabled),
      forProvider: { vpcEndpointIdSelector: sibling(endpoint), securityGroupIdSelector: sibling(sg) },
    });
    for (const zone of zones) {
      stack.add(p ? 'dr' : 'network', {
        name: `${endpoint}-${zone}`,
        service: 'ec2',
        kind: 'VPCEndpointSubnetAssociation',
        placement,
        when: when(enabled, zoneCondition(zone)),
        forProvider: {
          vpcEndpointIdSelector: sibling(endpoint),
          subnetIdSelector: sibling(`${p}subnet-private-${zone}`),
        },
      });
    }
  }
}

function flowLogs(
  stack: Stack,
  p: string,
  placement: Placement,
  when: (...c: Array<string | undefined>) => string | undefined,
): void {
  stack.add(p ? 'dr' : 'network', {
    name: `${p}flow-log`,
    service: 'ec2',
    kind: 'FlowLog',
    placement,
    when: when(celEnabled('spec.network.flowLogs', 'flowLogs')),
    forProvider: {
      trafficType: 'ALL',
      logDestinationType: 's3',
      maxAggregationInterval: 600,
      destinationOptions: { fileFormat: 'parquet', hiveCompatiblePartitions: true, perHourPartition: true },
      vpcIdSelector: sibling(`${p}vpc`),
      logDestinationSelector: sibling(bucketName(placement === 'dr' ? 'dr-logs' : 'logs')),
    },
  });
}
