/**
 * The internet-facing ALB: access logs (SSE-S3 bucket), a target group on nginx's port 80 with
 * generous health checks, and listeners. With a certificate (the claim's, or one ACM issues for
 * `loadBalancer.domain` after DNS validation) HTTPS serves and HTTP redirects; without, HTTP forwards.
 * A domain also gets an alias record to the ALB.
 */
import { profileTable } from '../../api/profiles.js';
import { fromXr, mapTransform, type Patch } from '../patches.js';
import { arn, type PolicyStatement } from '../policy.js';
import type { Construct } from 'constructs';
import { all, celHas, not, or } from '../conditions.js';
import { sibling, StackComponent, type ComposedResource } from '../resource.js';
import type { Compute } from './compute.js';
import type { Network } from './network.js';
import type { SecurityGroups } from './security.js';
import { Bucket } from './storage.js';
import { ELB_LOG_DELIVERY_SERVICE, elbLogDeliveryAccounts, partitionOf } from '../aws/elb.js';

const ALB = 'alb';
const TARGET_GROUP = 'target-group';
const CERTIFICATE = 'certificate';
const ALB_LOGS_PREFIX = 'alb';

/** XR status fields the load balancer reports (alarms, DNS and listeners read them back). */
export const lbStatus = {
  dnsName: 'status.endpoints.loadBalancer',
  zoneId: 'status.ids.albZoneId',
  arnSuffix: 'status.ids.albArnSuffix',
  targetGroupArnSuffix: 'status.ids.targetGroupArnSuffix',
  certificateArn: 'status.ids.certificateArn',
  validationName: 'status.ids.certificateValidation.name',
  validationType: 'status.ids.certificateValidation.type',
  validationValue: 'status.ids.certificateValidation.value',
} as const;

const hasDomain = celHas('spec.loadBalancer.domain');
const hasCertificateArn = celHas('spec.loadBalancer.certificateArn');
/** The claim asks for TLS: HTTP redirects even while the issued certificate is pending. */
const WANTS_TLS = or(hasCertificateArn, hasDomain);

const ENV_ELB_LOG_PRINCIPAL = 'envstack.elbLogPrincipal';
const PRINCIPAL_SLOT = '__ELB_LOG_PRINCIPAL__';

/** Environment patches the composition must run: the claim region's ELB log-delivery principal (JSON). */
export function elbLogDeliveryEnvironmentPatches(): Patch[] {
  const patterns = Object.entries(elbLogDeliveryAccounts).map(([region, account]) => ({
    type: 'literal' as const,
    literal: region,
    result: JSON.stringify({ AWS: `arn:${partitionOf(region)}:iam::${account}:root` }),
  }));
  const fallbackValue = JSON.stringify({ Service: ELB_LOG_DELIVERY_SERVICE });
  return [
    fromXr('spec.region', ENV_ELB_LOG_PRINCIPAL, [{ type: 'match', match: { patterns, fallbackValue } }]),
  ];
}

function albLogStatements(): PolicyStatement[] {
  const resource = arn.bucketObjects('alb-logs', `${ALB_LOGS_PREFIX}/AWSLogs/\${account}/*`);
  return [
    {
      Sid: 'ElbRegionalLogDelivery',
      Effect: 'Allow',
      Principal: PRINCIPAL_SLOT,
      Action: 's3:PutObject',
      Resource: resource,
    },
    {
      Sid: 'ElbServiceLogDelivery',
      Effect: 'Allow',
      Principal: { Service: ELB_LOG_DELIVERY_SERVICE },
      Action: 's3:PutObject',
      Resource: resource,
    },
  ];
}

/** Puts the region's ELB principal (from the environment) into the bucket policy's Combine. */
function withElbPrincipal(policy: ComposedResource): void {
  const patch = policy.patches.find(
    (p) => p.type === 'CombineFromEnvironment' && p.toFieldPath === 'spec.forProvider.policy',
  );
  const fmt = patch?.combine?.string.fmt;
  if (!patch?.combine || !fmt)
    throw new Error(`${policy.name}: no policy Combine to put the ELB principal in`);
  const slot = `"${PRINCIPAL_SLOT}"`;
  const at = fmt.indexOf(slot);
  const before = (fmt.slice(0, at).match(/(?<!%)%s/g) ?? []).length;
  patch.combine.string.fmt = fmt.replace(slot, '%s');
  patch.combine.variables.splice(before, 0, { fromFieldPath: ENV_ELB_LOG_PRINCIPAL });
}

export interface LoadBalancerProps {
  /** The ALB sits in the public subnets, its target group in the VPC. */
  network: Network;
  /** The ALB is in `securityGroups.alb`. */
  securityGroups: SecurityGroups;
  /** The instances the target group forwards to. */
  targets: Compute;
}

/** The internet-facing ALB with its access logs, target group, listeners, certificate and DNS. */
export class LoadBalancer extends StackComponent {
  readonly alb: ComposedResource;
  readonly targetGroup: ComposedResource;
  /** XR status fields the load balancer reports (alarms, DNS and listeners read them back). */
  readonly status = lbStatus;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id, 'loadbalancer');
    const logs = new Bucket(this, 'access-logs', {
      part: 'alb-logs',
      expireObjects: true,
      statements: albLogStatements(),
    });
    withElbPrincipal(logs.policy);
    [this.alb, this.targetGroup] = declareLoadBalancer(this, logs, props);
    props.targets.attachToTargetGroup(this.targetGroup);
  }
}

function declareLoadBalancer(
  stack: LoadBalancer,
  logs: Bucket,
  props: LoadBalancerProps,
): [ComposedResource, ComposedResource] {
  const alb = stack.add({
    name: ALB,
    service: 'elbv2',
    kind: 'LB',
    forProvider: {
      internal: false,
      loadBalancerType: 'application',
      ipAddressType: 'ipv4',
      subnetSelector: props.network.subnets('public'),
      securityGroupSelector: sibling(props.securityGroups.alb.name),
      dropInvalidHeaderFields: true,
      desyncMitigationMode: 'defensive',
      enableHttp2: true,
      idleTimeout: 60,
      accessLogs: { bucketSelector: sibling(logs.bucket.name), prefix: ALB_LOGS_PREFIX, enabled: true },
    },
    awsName: { part: 'alb', limit: 'alb', via: { parameter: 'name' } },
    patches: [
      fromXr('spec.environment', 'spec.forProvider.enableDeletionProtection', [
        mapTransform(profileTable('albDeletionProtection')),
      ]),
    ],
    status: {
      [lbStatus.dnsName]: 'status.atProvider.dnsName',
      [lbStatus.zoneId]: 'status.atProvider.zoneId',
      [lbStatus.arnSuffix]: 'status.atProvider.arnSuffix',
    },
  });

  const targetGroup = stack.add({
    name: TARGET_GROUP,
    service: 'elbv2',
    kind: 'LBTargetGroup',
    forProvider: {
      port: 80,
      protocol: 'HTTP',
      protocolVersion: 'HTTP1',
      targetType: 'instance',
      vpcIdSelector: sibling(props.network.vpc.name),
      deregistrationDelay: '30',
      healthCheck: {
        enabled: true,
        protocol: 'HTTP',
        port: 'traffic-port',
        interval: 30,
        timeout: 10,
        healthyThreshold: 2,
        unhealthyThreshold: 5,
        matcher: '200-399',
      },
    },
    awsName: { part: 'tg', limit: 'targetGroup', via: { parameter: 'name' } },
    patches: [fromXr('spec.compute.healthCheckPath', 'spec.forProvider.healthCheck.path')],
    status: { [lbStatus.targetGroupArnSuffix]: 'status.atProvider.arnSuffix' },
  });

  const forward = [{ type: 'forward', targetGroupArnSelector: sibling(TARGET_GROUP) }];
  stack.add({
    name: 'listener-http',
    service: 'elbv2',
    kind: 'LBListener',
    when: not(WANTS_TLS),
    forProvider: {
      loadBalancerArnSelector: sibling(ALB),
      port: 80,
      protocol: 'HTTP',
      defaultAction: forward,
    },
  });
  stack.add({
    name: 'listener-http-redirect',
    service: 'elbv2',
    kind: 'LBListener',
    when: WANTS_TLS,
    forProvider: {
      loadBalancerArnSelector: sibling(ALB),
      port: 80,
      protocol: 'HTTP',
      defaultAction: [
        { type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } },
      ],
    },
  });
  stack.add({
    name: 'listener-https',
    service: 'elbv2',
    kind: 'LBListener',
    when: or(hasCertificateArn, all(hasDomain, celHas(lbStatus.certificateArn))),
    forProvider: {
      loadBalancerArnSelector: sibling(ALB),
      port: 443,
      protocol: 'HTTPS',
      sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      defaultAction: forward,
    },
    patches: [
      fromXr(lbStatus.certificateArn, 'spec.forProvider.certificateArn'),
      fromXr('spec.loadBalancer.certificateArn', 'spec.forProvider.certificateArn'),
    ],
  });

  stack.add({
    name: CERTIFICATE,
    service: 'acm',
    kind: 'Certificate',
    when: hasDomain,
    forProvider: { validationMethod: 'DNS', keyAlgorithm: 'RSA_2048' },
    awsName: { part: 'cert', limit: 'tag', via: 'tag' },
    patches: [fromXr('spec.loadBalancer.domain.name', 'spec.forProvider.domainName')],
    status: {
      [lbStatus.validationName]: 'status.atProvider.domainValidationOptions[0].resourceRecordName',
      [lbStatus.validationType]: 'status.atProvider.domainValidationOptions[0].resourceRecordType',
      [lbStatus.validationValue]: 'status.atProvider.domainValidationOptions[0].resourceRecordValue',
    },
  });
  stack.add({
    name: 'certificate-validation-record',
    service: 'route53',
    kind: 'Record',
    when: all(hasDomain, celHas(lbStatus.validationName)),
    forProvider: { ttl: 60, allowOverwrite: true },
    patches: [
      fromXr('spec.loadBalancer.domain.hostedZoneId', 'spec.forProvider.zoneId'),
      fromXr(lbStatus.validationName, 'spec.forProvider.name'),
      fromXr(lbStatus.validationType, 'spec.forProvider.type'),
      fromXr(lbStatus.validationValue, 'spec.forProvider.records[0]'),
    ],
  });
  stack.add({
    name: 'certificate-validation',
    service: 'acm',
    kind: 'CertificateValidation',
    when: all(hasDomain, celHas(lbStatus.validationName)),
    forProvider: { certificateArnSelector: sibling(CERTIFICATE) },
    // Only a validated (issued) certificate reaches the HTTPS listener.
    status: { [lbStatus.certificateArn]: 'status.atProvider.certificateArn' },
  });
  stack.add({
    name: 'alias-record',
    service: 'route53',
    kind: 'Record',
    when: all(hasDomain, celHas(lbStatus.zoneId)),
    forProvider: { type: 'A', alias: { evaluateTargetHealth: true } },
    patches: [
      fromXr('spec.loadBalancer.domain.hostedZoneId', 'spec.forProvider.zoneId'),
      fromXr('spec.loadBalancer.domain.name', 'spec.forProvider.name'),
      fromXr(lbStatus.dnsName, 'spec.forProvider.alias.name'),
      fromXr(lbStatus.zoneId, 'spec.forProvider.alias.zoneId'),
    ],
  });
  return [alb, targetGroup];
}
