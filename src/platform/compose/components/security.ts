/**
 * Security groups: the ALB takes 80/443 from the claim's CIDRs and talks only to the app; the app
 * (nginx on 80) takes traffic only from the ALB; the database takes its port only from the app and
 * the Lambdas; the bastion has no ingress at all (SSM). Every group has explicit egress rules, and
 * only instances that must reach AWS APIs or packages through the NAT get 443 to 0.0.0.0/0.
 */
import type { DatabaseEngine } from '../../api/profiles.js';
import { fromXr, mapTransform, type Patch } from '../patches.js';
import type { Construct } from 'constructs';
import { and, enabled, type Condition } from '../conditions.js';
import { sibling, StackComponent, type ComposedResource, type Placement } from '../resource.js';
import type { Network } from './network.js';

export const databasePorts: Record<DatabaseEngine, number> = {
  postgres: 5432,
  'aurora-postgresql': 5432,
  'aurora-mysql': 3306,
};

/** fromPort and toPort of a database rule: the engine's port. */
export function databasePortPatches(): Patch[] {
  return ['fromPort', 'toPort'].map((f) =>
    fromXr('spec.database.engine', `spec.forProvider.${f}`, [mapTransform(databasePorts)]),
  );
}

export interface SecurityGroupProps {
  /** The composition resource name. */
  name: string;
  /** The AWS name part. */
  part: string;
  description: string;
  /** The VPC the group belongs to (and so its region). */
  network: Network;
  when?: Condition;
}

/** A security group in `network`'s VPC, declared in the enclosing component. */
export function securityGroup(scope: StackComponent, g: SecurityGroupProps): ComposedResource {
  return scope.add({
    name: g.name,
    service: 'ec2',
    kind: 'SecurityGroup',
    placement: g.network.placement === 'dr' ? 'dr' : undefined,
    when: g.when,
    forProvider: {
      description: g.description,
      vpcIdSelector: sibling(g.network.vpc.name),
      revokeRulesOnDelete: true,
    },
    awsName: { part: g.part, limit: 'securityGroup', via: { parameter: 'name' } },
  });
}

export interface RuleProps {
  /** `<group>-<rule>` is the composition resource name. */
  group: ComposedResource;
  rule: string;
  direction: 'ingress' | 'egress';
  description: string;
  port?: number;
  /** The other side: a sibling security group, a CIDR, or a claim field holding a CIDR. */
  peer: { group: ComposedResource } | { cidr: string } | { cidrFrom: string };
  placement?: Placement;
  when?: Condition;
  /** Extra patches, e.g. the database port by engine. */
  patches?: Patch[];
}

/** One SecurityGroupIngressRule or SecurityGroupEgressRule (TCP). */
export function securityGroupRule(scope: StackComponent, r: RuleProps): ComposedResource {
  const peer =
    'group' in r.peer
      ? { referencedSecurityGroupIdSelector: sibling(r.peer.group.name) }
      : 'cidr' in r.peer
        ? { cidrIpv4: r.peer.cidr }
        : {};
  return scope.add({
    name: `${r.group.name}-${r.rule}`,
    service: 'ec2',
    kind: r.direction === 'ingress' ? 'SecurityGroupIngressRule' : 'SecurityGroupEgressRule',
    placement: r.placement,
    when: r.when,
    forProvider: {
      description: r.description,
      ipProtocol: 'tcp',
      ...(r.port === undefined ? {} : { fromPort: r.port, toPort: r.port }),
      securityGroupIdSelector: sibling(r.group.name),
      ...peer,
    },
    patches: [
      ...('cidrFrom' in r.peer ? [fromXr(r.peer.cidrFrom, 'spec.forProvider.cidrIpv4')] : []),
      ...(r.patches ?? []),
    ],
  });
}

/**
 * The ALB's rules use SecurityGroupRule, whose cidrBlocks takes the claim's whole allowedCidrs list in
 * one patch (P&T cannot loop over a list at render time). AWS warns against mixing it with the
 * per-rule kinds on one group, so every rule of the ALB group is of this kind.
 */
function albRules(scope: StackComponent, alb: ComposedResource, app: ComposedResource): void {
  for (const port of [80, 443]) {
    scope.add({
      name: `${alb.name}-in-${port}`,
      service: 'ec2',
      kind: 'SecurityGroupRule',
      forProvider: {
        type: 'ingress',
        description: `${port === 80 ? 'HTTP (redirected to HTTPS when a certificate exists)' : 'HTTPS'} from allowed CIDRs`,
        protocol: 'tcp',
        fromPort: port,
        toPort: port,
        securityGroupIdSelector: sibling(alb.name),
      },
      patches: [fromXr('spec.loadBalancer.allowedCidrs', 'spec.forProvider.cidrBlocks')],
    });
  }
  scope.add({
    name: `${alb.name}-out-app`,
    service: 'ec2',
    kind: 'SecurityGroupRule',
    forProvider: {
      type: 'egress',
      description: 'To nginx on the app instances',
      protocol: 'tcp',
      fromPort: 80,
      toPort: 80,
      securityGroupIdSelector: sibling(alb.name),
      sourceSecurityGroupIdSelector: sibling(app.name),
    },
  });
}

export interface SecurityGroupsProps {
  network: Network;
}

/** The environment's security groups and their rules, one group per tier. */
export class SecurityGroups extends StackComponent {
  readonly alb: ComposedResource;
  readonly app: ComposedResource;
  /** Exists with the database. */
  readonly db: ComposedResource;
  /** Exists with the bastion. */
  readonly bastion: ComposedResource;
  /** Exists with the serverless side. */
  readonly lambda: ComposedResource;

  constructor(scope: Construct, id: string, { network }: SecurityGroupsProps) {
    super(scope, id, 'security');
    const group = (name: string, part: string, description: string, when?: Condition) =>
      securityGroup(this, { name, part, description, network, when });
    this.alb = group('sg-alb', 'alb', 'Load balancer: HTTP/HTTPS from allowed CIDRs');
    this.app = group('sg-app', 'app', 'App instances: nginx on 80 from the ALB only');
    this.db = group('sg-db', 'db', 'Database: from the app and Lambdas only', enabled.database);
    this.bastion = group('sg-bastion', 'bastion', 'Bastion: SSM only, no ingress', enabled.bastion);
    this.lambda = group('sg-lambda', 'lambda', 'Lambdas in the VPC', enabled.serverless);
    albRules(this, this.alb, this.app);
    groupRules(this);
  }
}

function groupRules(sg: SecurityGroups): void {
  const db = enabled.database;
  const lambda = enabled.serverless;
  const bastion = enabled.bastion;

  securityGroupRule(sg, {
    group: sg.app,
    rule: 'in-alb',
    direction: 'ingress',
    description: 'nginx from the ALB',
    port: 80,
    peer: { group: sg.alb },
  });
  securityGroupRule(sg, {
    group: sg.app,
    rule: 'out-https',
    direction: 'egress',
    description: 'AWS APIs, SSM and packages through the NAT or endpoints',
    port: 443,
    peer: { cidr: '0.0.0.0/0' },
  });
  securityGroupRule(sg, {
    group: sg.app,
    rule: 'out-db',
    direction: 'egress',
    description: 'To the database',
    peer: { group: sg.db },
    when: db,
    patches: databasePortPatches(),
  });

  securityGroupRule(sg, {
    group: sg.db,
    rule: 'in-app',
    direction: 'ingress',
    description: 'From the app instances',
    peer: { group: sg.app },
    when: db,
    patches: databasePortPatches(),
  });
  securityGroupRule(sg, {
    group: sg.db,
    rule: 'in-lambda',
    direction: 'ingress',
    description: 'From the Lambdas',
    peer: { group: sg.lambda },
    when: and(db, lambda),
    patches: databasePortPatches(),
  });
  securityGroupRule(sg, {
    group: sg.db,
    rule: 'out-vpc',
    direction: 'egress',
    description: 'Nothing leaves the VPC: HTTPS to interface endpoints only',
    port: 443,
    peer: { cidrFrom: 'spec.network.cidr' },
    when: db,
  });

  securityGroupRule(sg, {
    group: sg.bastion,
    rule: 'out-https',
    direction: 'egress',
    description: 'SSM Session Manager and packages through the NAT or endpoints',
    port: 443,
    peer: { cidr: '0.0.0.0/0' },
    when: bastion,
  });

  securityGroupRule(sg, {
    group: sg.lambda,
    rule: 'out-https',
    direction: 'egress',
    description: 'AWS APIs (CloudWatch, DynamoDB, SQS) through the NAT or endpoints',
    port: 443,
    peer: { cidr: '0.0.0.0/0' },
    when: lambda,
  });
  securityGroupRule(sg, {
    group: sg.lambda,
    rule: 'out-db',
    direction: 'egress',
    description: 'To the database',
    peer: { group: sg.db },
    when: and(lambda, db),
    patches: databasePortPatches(),
  });
}
