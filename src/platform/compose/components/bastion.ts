/**
 * The bastion: reached through SSM Session Manager only (no key pair, no ingress). It runs as an
 * Auto Scaling Group of one in a private subnet, so a lost instance comes back by itself, from a
 * launch template that resolves the newest Amazon Linux 2023 AMI at launch.
 */
import type { Construct } from 'constructs';
import { enabled } from '../conditions.js';
import { sibling, StackComponent } from '../resource.js';
import {
  AL2023_ARM64_AMI,
  encryptedRootVolume,
  imdsV2,
  propagatedTags,
  serviceRole,
  volumeTags,
} from './compute.js';
import type { EnvironmentKey } from './encryption.js';
import type { Network } from './network.js';
import type { SecurityGroups } from './security.js';

const BASTION_ROLE = 'bastion-role';
const BASTION_INSTANCE_PROFILE = 'bastion-instance-profile';
const BASTION_LAUNCH_TEMPLATE = 'bastion-launch-template';
const BASTION_ASG = 'bastion-asg';

export interface BastionProps {
  /** The bastion runs in a private subnet. */
  network: Network;
  /** Encrypts its root volume. */
  key: EnvironmentKey;
  /** The bastion is in `securityGroups.bastion`. */
  securityGroups: SecurityGroups;
}

/** An SSM-only bastion; exists when the claim enables it. */
export class Bastion extends StackComponent {
  constructor(scope: Construct, id: string, props: BastionProps) {
    super(scope, id, 'bastion');
    declareBastion(this, props);
  }
}

function declareBastion(scope: Bastion, props: BastionProps): void {
  const when = enabled.bastion;
  serviceRole(scope, {
    name: BASTION_ROLE,
    part: 'bastion',
    service: 'ec2.amazonaws.com',
    when,
    managedPolicies: ['AmazonSSMManagedInstanceCore'],
    instanceProfile: true,
  });

  const volumes = volumeTags();
  scope.add({
    name: BASTION_LAUNCH_TEMPLATE,
    service: 'ec2',
    kind: 'LaunchTemplate',
    when,
    forProvider: {
      description: 'envstack bastion: SSM Session Manager only',
      imageId: AL2023_ARM64_AMI,
      instanceType: 't4g.nano',
      updateDefaultVersion: true,
      iamInstanceProfile: { arnSelector: sibling(BASTION_INSTANCE_PROFILE) },
      vpcSecurityGroupIdSelector: sibling(props.securityGroups.bastion.name),
      metadataOptions: imdsV2,
      blockDeviceMappings: encryptedRootVolume(8, props.key),
      tagSpecifications: volumes.tagSpecifications,
    },
    awsName: { part: 'bastion', limit: 'launchTemplate', via: { parameter: 'name' } },
    patches: volumes.patches,
  });

  const tags = propagatedTags('bastion');
  scope.add({
    name: BASTION_ASG,
    service: 'autoscaling',
    kind: 'AutoscalingGroup',
    when,
    forProvider: {
      minSize: 1,
      maxSize: 1,
      desiredCapacity: 1,
      vpcZoneIdentifierSelector: props.network.subnets('private'),
      launchTemplate: { idSelector: sibling(BASTION_LAUNCH_TEMPLATE), version: '$Latest' },
      healthCheckType: 'EC2',
      healthCheckGracePeriod: 120,
      instanceRefresh: { strategy: 'Rolling', preferences: { minHealthyPercentage: 0 } },
      tag: tags.tag,
    },
    awsName: { part: 'bastion', limit: 'asg', via: 'external-name' },
    patches: tags.patches,
  });
}
