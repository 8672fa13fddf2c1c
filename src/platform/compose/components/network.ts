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
import type { Construct } from 'constructs';
import { all, celEffective, enabled, type Condition } from '../conditions.js';
import {
  sibling,
  siblingsIn,
  StackComponent,
  VPC_ARN_STATUS,
  type ComposedResource,
  type Placement,
} from '../resource.js';
import type { Bucket } from './storage.js';

export const zones = ['a', 'b', 'c'] as const;
export type Zone = (typeof zones)[number];

const tierCidr = {
  public: (i: number) => `%s.${i * 4}.0/22`,
  private: (i: number) => `%s.${32 + i * 16}.0/20`,
  isolated: (i: number) => `%s.${128 + i * 4}.0/22`,
};
export type Tier = keyof typeof tierCidr;
const SUBNET_TIER_LABEL = 'envstack.dev/subnet-tier';

/** The subnets of a tier in one region: the DR VPC has the same tiers. */
export function subnetsOfTier(tier: Tier, placement: Exclude<Placement, 'global'>): JsonObject {
  return siblingsIn(placement, { [SUBNET_TIER_LABEL]: tier });
}

/** The third AZ exists only when the effective azCount is 3. */
export function zoneCondition(zone: Zone): string | undefined {
  return zone === 'c' ? `${celEffective('spec.network.azCount', 'azCount')} == 3` : undefined;
}

const nat = celEffective('spec.network.natGateways', 'natGateways');

type When = (...c: Condition[]) => Condition;

export interface NetworkProps {
  /** The DR copy's names are prefixed `dr-` and it lives in the DR region. Default: primary. */
  placement?: Exclude<Placement, 'global'>;
  /** A condition every resource of the network carries (the DR switch for the DR copy). */
  when?: Condition;
  /** The DR copy keeps to the essentials: no interface endpoints, one NAT at most. */
  minimal?: boolean;
}

/** The VPC, its subnets by tier, routing, NAT, endpoints; flow logs once a bucket is given. */
export class Network extends StackComponent {
  readonly vpc: ComposedResource;
  readonly placement: Exclude<Placement, 'global'>;
  /** The claim field holding the VPC's CIDR. */
  readonly cidrPath: string;
  private readonly prefix: string;
  private readonly when: When;

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    const placement = props.placement ?? 'primary';
    super(scope, id, placement === 'dr' ? 'dr' : 'network');
    this.placement = placement;
    this.prefix = placement === 'dr' ? 'dr-' : '';
    this.cidrPath = placement === 'dr' ? 'spec.dr.cidr' : 'spec.network.cidr';
    this.when = (...c) => all(props.when, ...c);
    this.vpc = declareNetwork(this, props, this.when);
  }

  /** The subnets of a tier, for `…SubnetIdSelector` fields. */
  subnets(tier: Tier): JsonObject {
    return subnetsOfTier(tier, this.placement);
  }

  /** The route table of a tier (private tables are per zone). */
  routeTable(tier: 'public' | 'isolated'): ComposedResource;
  routeTable(tier: 'private', zone: Zone): ComposedResource;
  routeTable(tier: Tier, zone?: Zone): ComposedResource {
    return this.stack.get(
      tier === 'private' ? `${this.prefix}rt-private-${zone}` : `${this.prefix}rt-${tier}`,
    );
  }

  /** VPC flow logs (when the profile or claim turns them on) to `bucket`. */
  addFlowLogs(bucket: Bucket): void {
    this.add({
      name: `${this.prefix}flow-log`,
      service: 'ec2',
      kind: 'FlowLog',
      placement: this.placement,
      when: this.when(enabled.flowLogs),
      forProvider: {
        trafficType: 'ALL',
        logDestinationType: 's3',
        maxAggregationInterval: 600,
        destinationOptions: { fileFormat: 'parquet', hiveCompatiblePartitions: true, perHourPartition: true },
        vpcIdSelector: sibling(this.vpc.name),
        logDestinationSelector: sibling(bucket.bucket.name),
      },
    });
  }
}

function declareNetwork(net: Network, opts: NetworkProps, when: When): ComposedResource {
  const placement = net.placement;
  const p = placement === 'dr' ? 'dr-' : '';
  const regionPath = placement === 'dr' ? 'spec.dr.region' : 'spec.region';
  const cidrPath = net.cidrPath;
  const twoOctets = regexp('^([0-9]+\\.[0-9]+)\\.', 1);

  const vpc = net.add({
    name: `${p}vpc`,
    service: 'ec2',
    kind: 'VPC',
    placement,
    when: when(),
    forProvider: { enableDnsHostnames: true, enableDnsSupport: true },
    awsName: { part: `${p}vpc`, limit: 'tag', via: 'tag' },
    patches: [fromXr(cidrPath, 'spec.forProvider.cidrBlock')],
    status:
      placement === 'dr'
        ? { 'status.ids.drVpc': 'status.atProvider.id' }
        : { 'status.ids.vpc': 'status.atProvider.id', [VPC_ARN_STATUS]: 'status.atProvider.arn' },
  });

  net.add({
    name: `${p}igw`,
    service: 'ec2',
    kind: 'InternetGateway',
    placement,
    when: when(),
    forProvider: { vpcIdSelector: sibling(`${p}vpc`) },
  });

  for (const tier of ['public', 'isolated'] as const) {
    net.add({
      name: `${p}rt-${tier}`,
      service: 'ec2',
      kind: 'RouteTable',
      placement,
      when: when(),
      forProvider: { vpcIdSelector: sibling(`${p}vpc`) },
    });
  }
  net.add({
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
      net.add({
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
      net.add({
        name: `${p}rta-${tier}-${zone}`,
        service: 'ec2',
        kind: 'RouteTableAssociation',
        placement,
        when: when(inZone),
        forProvider: { subnetIdSelector: sibling(subnet), routeTableIdSelector: sibling(table) },
      });
    }
    net.add({
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
      net.add({
        name: `${p}eip-nat-${zone}`,
        service: 'ec2',
        kind: 'EIP',
        placement,
        when: when(inZone, ownNat),
        forProvider: { domain: 'vpc' },
      });
      net.add({
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
      net.add({
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
      net.add({
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
    net.add({
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
      net.add({
        name: `${endpoint}-${table.replace(p, '').replace('rt-', '')}`,
        service: 'ec2',
        kind: 'VPCEndpointRouteTableAssociation',
        placement,
        when: when(zone ? zoneCondition(zone) : undefined),
        forProvider: { vpcEndpointIdSelector: sibling(endpoint), routeTableIdSelector: sibling(table) },
      });
    }
  }

  if (!opts.minimal) interfaceEndpoints(net, p, placement, when);
  return vpc;
}

const interfaceServices = ['ssm', 'ssmmessages', 'ec2messages', 'secretsmanager', 'logs'] as const;

function interfaceEndpoints(net: Network, p: string, placement: Placement, when: When): void {
  const on = enabled.interfaceEndpoints;
  const sg = `${p}sg-endpoints`;
  net.add({
    name: sg,
    service: 'ec2',
    kind: 'SecurityGroup',
    placement,
    when: when(on),
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
    net.add({
      name: `${sg}-https-${dir}`,
      service: 'ec2',
      kind,
      placement,
      when: when(on),
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
    net.add({
      name: endpoint,
      service: 'ec2',
      kind: 'VPCEndpoint',
      placement,
      when: when(on),
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
    net.add({
      name: `${endpoint}-sg`,
      service: 'ec2',
      kind: 'VPCEndpointSecurityGroupAssociation',
      placement,
      when: when(on),
      forProvider: { vpcEndpointIdSelector: sibling(endpoint), securityGroupIdSelector: sibling(sg) },
    });
    for (const zone of zones) {
      net.add({
        name: `${endpoint}-${zone}`,
        service: 'ec2',
        kind: 'VPCEndpointSubnetAssociation',
        placement,
        when: when(on, zoneCondition(zone)),
        forProvider: {
          vpcEndpointIdSelector: sibling(endpoint),
          subnetIdSelector: sibling(`${p}subnet-private-${zone}`),
        },
      });
    }
  }
}
