/**
 * Security groups: the ALB takes 80/443 from the claim's CIDRs and talks only to the app; the app
 * (nginx on 80) takes traffic only from the ALB; the database takes its port only from the app and
 * the Lambdas; the bastion has no ingress at all (SSM). Every group has explicit egress rules, and
 * only instances that must reach AWS APIs or packages through the NAT get 443 to 0.0.0.0/0.
 */
import type { DatabaseEngine } from '../../api/profiles.js';
import { fromXr, mapTransform, type Patch } from '../patches.js';
import { sibling, type Placement, type Stack } from '../resource.js';

export const SG_ALB = 'sg-alb';
export const SG_APP = 'sg-app';
export const SG_DB = 'sg-db';
export const SG_BASTION = 'sg-bastion';
export const SG_LAMBDA = 'sg-lambda';

export const databasePorts: Record<DatabaseEngine, number> = {
  postgres: 5432,
  'aurora-postgresql': 5432,
  'aurora-mysql': 3306,
};

/** cel-filter type-checks its expressions: a bare dyn field is not a bool, a comparison is. */
export const DATABASE_ENABLED = 'spec.database.enabled == true';
export const BASTION_ENABLED = 'spec.bastion.enabled == true';
export const SERVERLESS_ENABLED = 'spec.serverless.enabled == true';

/** fromPort and toPort of a database rule: the engine's port. */
export function databasePortPatches(): Patch[] {
  return ['fromPort', 'toPort'].map((f) =>
    fromXr('spec.database.engine', `spec.forProvider.${f}`, [mapTransform(databasePorts)]),
  );
}

/** Conditions joined with &&, skipping the absent ones. */
export const and = (...c: Array<string | undefined>): string | undefined => {
  const parts = c.filter((x): x is string => Boolean(x));
  if (parts.length <= 1) return parts[0];
  return parts.map((p) => `(${p})`).join(' && ');
};

interface GroupProps {
  name: string;
  part: string;
  description: string;
  placement?: Placement;
  when?: string;
  component?: 'security' | 'dr';
}

export function securityGroup(stack: Stack, g: GroupProps): void {
  const vpc = g.placement === 'dr' ? 'dr-vpc' : 'vpc';
  stack.add(g.component ?? 'security', {
    name: g.name,
    service: 'ec2',
    kind: 'SecurityGroup',
    placement: g.placement,
    when: g.when,
    forProvider: { description: g.description, vpcIdSelector: sibling(vpc), revokeRulesOnDelete: true },
    awsName: { part: g.part, limit: 'securityGroup', via: { parameter: 'name' } },
  });
}

interface RuleProps {
  /** `<group>-<rule>` is the composition resource name. */
  group: string;
  rule: string;
  direction: 'ingress' | 'egress';
  description: string;
  port?: number;
  /** The other side: a sibling security group, a CIDR, or a claim field holding a CIDR. */
  peer: { group: string } | { cidr: string } | { cidrFrom: string };
  placement?: Placement;
  when?: string;
  component?: 'security' | 'dr';
  /** Extra patches, e.g. the database port by engine. */
  patches?: Patch[];
}

/** One SecurityGroupIngressRule or SecurityGroupEgressRule (TCP). */
export function securityGroupRule(stack: Stack, r: RuleProps): void {
  const peer =
    'group' in r.peer
      ? { referencedSecurityGroupIdSelector: sibling(r.peer.group) }
      : 'cidr' in r.peer
        ? { cidrIpv4: r.peer.cidr }
        : {};
  stack.add(r.component ?? 'security', {
    name: `${r.group}-${r.rule}`,
    service: 'ec2',
    kind: r.direction === 'ingress' ? 'SecurityGroupIngressRule' : 'SecurityGroupEgressRule',
    placement: r.placement,
    when: r.when,
    forProvider: {
      description: r.description,
      ipProtocol: 'tcp',
      ...(r.port === undefined ? {} : { fromPort: r.port, toPort: r.port }),
      securityGroupIdSelector: sibling(r.group),
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
function albRules(stack: Stack): void {
  for (const port of [80, 443]) {
    stack.add('security', {
      name: `${SG_ALB}-in-${port}`,
      service: 'ec2',
      kind: 'SecurityGroupRule',
      forProvider: {
        type: 'ingress',
        description: `${port === 80 ? 'HTTP (redirected to HTTPS when a certificate exists)' : 'HTTPS'} from allowed CIDRs`,
        protocol: 'tcp',
        fromPort: port,
        toPort: port,
        securityGroupIdSelector: sibling(SG_ALB),
      },
      patches: [fromXr('spec.loadBalancer.allowedCidrs', 'spec.forProvider.cidrBlocks')],
    });
  }
  stack.add('security', {
    name: `${SG_ALB}-out-app`,
    service: 'ec2',
    kind: 'SecurityGroupRule',
    forProvider: {
      type: 'egress',
      description: 'To nginx on the app instances',
      protocol: 'tcp',
      fromPort: 80,
      toPort: 80,
      securityGroupIdSelector: sibling(SG_ALB),
      sourceSecurityGroupIdSelector: sibling(SG_APP),
    },
  });
}

export function security(stack: Stack): void {
  const db = DATABASE_ENABLED;
  const lambda = SERVERLESS_ENABLED;
  const bastion = BASTION_ENABLED;

  securityGroup(stack, {
    name: SG_ALB,
    part: 'alb',
    description: 'Load balancer: HTTP/HTTPS from allowed CIDRs',
  });
  securityGroup(stack, {
    name: SG_APP,
    part: 'app',
    description: 'App instances: nginx on 80 from the ALB only',
  });
  securityGroup(stack, {
    name: SG_DB,
    part: 'db',
    when: db,
    description: 'Database: from the app and Lambdas only',
  });
  securityGroup(stack, {
    name: SG_BASTION,
    part: 'bastion',
    when: bastion,
    description: 'Bastion: SSM only, no ingress',
  });
  securityGroup(stack, { name: SG_LAMBDA, part: 'lambda', when: lambda, description: 'Lambdas in the VPC' });

  albRules(stack);

  securityGroupRule(stack, {
    group: SG_APP,
    rule: 'in-alb',
    direction: 'ingress',
    description: 'nginx from the ALB',
    port: 80,
    peer: { group: SG_ALB },
  });
  securityGroupRule(stack, {
    group: SG_APP,
    rule: 'out-https',
    direction: 'egress',
    description: 'AWS APIs, SSM and packages through the NAT or endpoints',
    port: 443,
    peer: { cidr: '0.0.0.0/0' },
  });
  securityGroupRule(stack, {
    group: SG_APP,
    rule: 'out-db',
    direction: 'egress',
    description: 'To the database',
    peer: { group: SG_DB },
    when: db,
    patches: databasePortPatches(),
  });

  securityGroupRule(stack, {
    group: SG_DB,
    rule: 'in-app',
    direction: 'ingress',
    description: 'From the app instances',
    peer: { group: SG_APP },
    when: db,
    patches: databasePortPatches(),
  });
  securityGroupRule(stack, {
    group: SG_DB,
    rule: 'in-lambda',
    direction: 'ingress',
    description: 'From the Lambdas',
    peer: { group: SG_LAMBDA },
    when: and(db, lambda),
    patches: databasePortPatches(),
  });
  securityGroupRule(stack, {
    group: SG_DB,
    rule: 'out-vpc',
    direction: 'egress',
    description: 'Nothing leaves the VPC: HTTPS to interface endpoints only',
    port: 443,
    peer: { cidrFrom: 'spec.network.cidr' },
    when: db,
  });

  securityGroupRule(stack, {
    group: SG_BASTION,
    rule: 'out-https',
    direction: 'egress',
    description: 'SSM Session Manager and packages through the NAT or endpoints',
    port: 443,
    peer: { cidr: '0.0.0.0/0' },
    when: bastion,
  });

  securityGroupRule(stack, {
    group: SG_LAMBDA,
    rule: 'out-https',
    direction: 'egress',
    description: 'AWS APIs (CloudWatch, DynamoDB, SQS) through the NAT or endpoints',
    port: 443,
    peer: { cidr: '0.0.0.0/0' },
    when: lambda,
  });
  securityGroupRule(stack, {
    group: SG_LAMBDA,
    rule: 'out-db',
    direction: 'egress',
    description: 'To the database',
    peer: { group: SG_DB },
    when: and(lambda, db),
    patches: databasePortPatches(),
  });
}
