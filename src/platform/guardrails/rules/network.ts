import type { FindingInput, LintContext, LintResource, Rule } from '../types.js';
import { asList, block, blocks, num, referrers, regionPattern } from '../util.js';
import { seed } from './seeds.js';

const adminPorts = [
  { port: 22, name: 'SSH' },
  { port: 3389, name: 'RDP' },
];
const world = new Set(['0.0.0.0/0', '::/0']);

interface Ingress {
  path: string;
  protocol: string;
  from?: number;
  to?: number;
  cidrs: string[];
}

function ingressOf(r: LintResource): Ingress[] {
  const fp = r.forProvider;
  if (r.service !== 'ec2') return [];
  if (r.kind === 'SecurityGroupRule' && fp.type === 'ingress')
    return [
      {
        path: 'spec.forProvider',
        protocol: String(fp.protocol ?? ''),
        from: num(fp.fromPort),
        to: num(fp.toPort),
        cidrs: [...asList(fp.cidrBlocks), ...asList(fp.ipv6CidrBlocks)].map(String),
      },
    ];
  if (r.kind === 'SecurityGroupIngressRule')
    return [
      {
        path: 'spec.forProvider',
        protocol: String(fp.ipProtocol ?? ''),
        from: num(fp.fromPort),
        to: num(fp.toPort),
        cidrs: [fp.cidrIpv4, fp.cidrIpv6].filter((c): c is string => typeof c === 'string'),
      },
    ];
  if (r.kind === 'SecurityGroup')
    return blocks(fp.ingress).map((b, i) => ({
      path: `spec.forProvider.ingress[${i}]`,
      protocol: String(b.protocol ?? ''),
      from: num(b.fromPort),
      to: num(b.toPort),
      cidrs: [...asList(b.cidrBlocks), ...asList(b.ipv6CidrBlocks)].map(String),
    }));
  return [];
}

export const adminPortOpen: Rule = {
  id: 'ENV050',
  name: 'admin-port-open-to-world',
  severity: 'error',
  seed: [seed('s001', '3. Security Group Rules Refinement'), seed('s000', '2. Missing Core Components')],
  description: 'SSH (22) or RDP (3389) is open to 0.0.0.0/0 or ::/0.',
  check(ctx) {
    const out: FindingInput[] = [];
    for (const r of ctx.resources) {
      for (const ing of ingressOf(r)) {
        const open = ing.cidrs.filter((c) => world.has(c));
        if (open.length === 0) continue;
        const allPorts = ing.protocol === '-1' || ing.protocol === 'all';
        for (const p of adminPorts) {
          const covers =
            allPorts ||
            (ing.from !== undefined && ing.to !== undefined && ing.from <= p.port && p.port <= ing.to);
          if (!covers) continue;
          out.push({
            resource: r.name,
            kind: r.kind,
            field: `${ing.path}.${r.kind === 'SecurityGroupIngressRule' ? 'cidrIpv4' : 'cidrBlocks'}`,
            message: `${r.kind} ${r.name}: ${p.name} (${p.port}) is open to ${open.join(', ')}; reach instances through SSM Session Manager and drop the rule, or restrict it to known CIDRs`,
          });
        }
      }
    }
    return out;
  },
};

function hasEgress(ctx: LintContext, sg: LintResource): boolean {
  if (blocks(sg.forProvider.egress).length > 0) return true;
  return referrers(ctx, sg, /^spec\.forProvider\.securityGroupId(Selector|Ref)?$/).some(
    (x) =>
      (x.kind === 'SecurityGroupRule' && x.forProvider.type === 'egress') ||
      x.kind === 'SecurityGroupEgressRule',
  );
}

export const securityGroupWithoutEgress: Rule = {
  id: 'ENV051',
  name: 'security-group-without-egress',
  severity: 'error',
  seed: [seed('s002', '5. Security Group Egress Rules Missing')],
  description: 'A security group has no explicit egress rule.',
  check: (ctx) =>
    ctx.resources
      .filter((r) => r.service === 'ec2' && r.kind === 'SecurityGroup' && !hasEgress(ctx, r))
      .map((r) => ({
        resource: r.name,
        kind: r.kind,
        field: 'egress',
        message: `SecurityGroup ${r.name}: no egress rule selects it; add a SecurityGroupRule (type egress) naming exactly the traffic it may send`,
      })),
};

export const imdsV2: Rule = {
  id: 'ENV052',
  name: 'imdsv2-not-required',
  severity: 'error',
  seed: [seed('s000', '3. Security Configuration Issues')],
  description: 'A launch template or instance does not require IMDSv2 session tokens.',
  check: (ctx) =>
    ctx.resources
      .filter((r) => r.service === 'ec2' && (r.kind === 'LaunchTemplate' || r.kind === 'Instance'))
      .filter((r) => block(r.forProvider.metadataOptions)?.httpTokens !== 'required')
      .map((r) => ({
        resource: r.name,
        kind: r.kind,
        field: 'spec.forProvider.metadataOptions.httpTokens',
        message: `${r.kind} ${r.name}: metadataOptions.httpTokens is not "required", so IMDSv1 stays open to SSRF credential theft; set httpTokens: required (and httpEndpoint: enabled)`,
      })),
};

function decodeBase64(s: string): string | undefined {
  const compact = s.replace(/\s+/g, '');
  if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64').toString('utf8');
}

export const userData: Rule = {
  id: 'ENV053',
  name: 'user-data-invalid',
  severity: 'error',
  seed: [
    seed('s000', '5. Terraform Validation Failures'),
    seed('s002', '6. Hardcoded Region References (MODEL_RESPONSE3.md)'),
  ],
  description: "Launch template user data is not valid base64, or names a region other than the claim's.",
  check(ctx) {
    const allowed = new Set([ctx.region, ctx.drRegion].filter(Boolean));
    const out: FindingInput[] = [];
    for (const r of ctx.resources.filter((x) => x.service === 'ec2' && x.kind === 'LaunchTemplate')) {
      const raw = r.forProvider.userData;
      if (raw === undefined) continue;
      const text = typeof raw === 'string' ? decodeBase64(raw) : undefined;
      if (text === undefined) {
        out.push({
          resource: r.name,
          kind: r.kind,
          field: 'spec.forProvider.userData',
          message: `LaunchTemplate ${r.name}: spec.forProvider.userData is not valid base64 (EC2 rejects it); encode the script with a ToBase64 transform`,
        });
        continue;
      }
      const foreign = [...new Set(text.match(regionPattern) ?? [])].filter((x) => !allowed.has(x));
      if (allowed.size > 0 && foreign.length > 0)
        out.push({
          resource: r.name,
          kind: r.kind,
          field: 'spec.forProvider.userData',
          message: `LaunchTemplate ${r.name}: the user data script hard-codes region ${foreign.join(', ')}; inject the claim's region at render time (or read it from instance metadata)`,
        });
    }
    return out;
  },
};

export const targetGroupHealthCheck: Rule = {
  id: 'ENV054',
  name: 'health-check-too-tight',
  severity: 'error',
  seed: [seed('s002', '8. Insufficient Health Check Configuration')],
  description:
    'A target group health check is stricter than the app can meet (timeout < 5 s, unhealthy threshold < 3, interval < 15 s).',
  check(ctx) {
    const out: FindingInput[] = [];
    for (const r of ctx.resources.filter((x) => x.service === 'elbv2' && x.kind === 'LBTargetGroup')) {
      const hc = block(r.forProvider.healthCheck) ?? {};
      // Unset fields take AWS defaults: timeout 5, unhealthy threshold 2, interval 30.
      const checks: Array<[string, number, number]> = [
        ['timeout', num(hc.timeout) ?? 5, 5],
        ['unhealthyThreshold', num(hc.unhealthyThreshold) ?? 2, 3],
        ['interval', num(hc.interval) ?? 30, 15],
      ];
      for (const [field, value, min] of checks) {
        if (value >= min) continue;
        out.push({
          resource: r.name,
          kind: r.kind,
          field: `spec.forProvider.healthCheck.${field}`,
          message: `LBTargetGroup ${r.name}: healthCheck.${field} is ${value}${field in hc ? '' : ' (the AWS default)'}, below ${min}; instances with slow starts get killed — set it to at least ${min}`,
        });
      }
    }
    return out;
  },
};

export const targetGroupPort: Rule = {
  id: 'ENV055',
  name: 'target-port-not-nginx',
  severity: 'error',
  seed: [seed('s002', '14. Target Group Configuration Issues')],
  description: "A target group (or its health check) targets a port other than nginx's 80.",
  check(ctx) {
    const out: FindingInput[] = [];
    for (const r of ctx.resources.filter((x) => x.service === 'elbv2' && x.kind === 'LBTargetGroup')) {
      if (r.forProvider.targetType === 'lambda') continue;
      if (num(r.forProvider.port) !== 80)
        out.push({
          resource: r.name,
          kind: r.kind,
          field: 'spec.forProvider.port',
          message: `LBTargetGroup ${r.name}: port is ${String(r.forProvider.port)}, but nginx listens on 80 in front of the app; target port 80`,
        });
      const hcPort = block(r.forProvider.healthCheck)?.port;
      if (hcPort !== undefined && hcPort !== 'traffic-port' && num(hcPort) !== 80)
        out.push({
          resource: r.name,
          kind: r.kind,
          field: 'spec.forProvider.healthCheck.port',
          message: `LBTargetGroup ${r.name}: healthCheck.port is ${String(hcPort)}, which bypasses nginx; use traffic-port`,
        });
    }
    return out;
  },
};
