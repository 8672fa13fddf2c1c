/**
 * The bastion: reached through SSM Session Manager only (no key pair, no ingress). It runs as an
 * Auto Scaling Group of one in a private subnet, so a lost instance comes back by itself, from a
 * launch template that resolves the newest Amazon Linux 2023 AMI at launch.
 */
import { sibling, type Stack } from '../resource.js';
import {
  AL2023_ARM64_AMI,
  encryptedRootVolume,
  imdsV2,
  propagatedTags,
  serviceRole,
  volumeTags,
} from './compute.js';
import { subnetsOfTier } from './network.js';
import { SG_BASTION } from './security.js';

export const BASTION_ENABLED = 'spec.bastion.enabled == true';
export const BASTION_ROLE = 'bastion-role';
export const BASTION_INSTANCE_PROFILE = 'bastion-instance-profile';
export const BASTION_LAUNCH_TEMPLATE = 'bastion-launch-template';
export const BASTION_ASG = 'bastion-asg';

export function bastion(stack: Stack): void {
  const when = BASTION_ENABLED;
  serviceRole(stack, {
    name: BASTION_ROLE,
    part: 'bastion',
    component: 'bastion',
    service: 'ec2.amazonaws.com',
    when,
    managedPolicies: ['AmazonSSMManagedInstanceCore'],
    instanceProfile: true,
  });

  const volumes = volumeTags();
  stack.add('bastion', {
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
      vpcSecurityGroupIdSelector: sibling(SG_BASTION),
      metadataOptions: imdsV2,
      blockDeviceMappings: encryptedRootVolume(8),
      tagSpecifications: volumes.tagSpecifications,
    },
    awsName: { part: 'bastion', limit: 'launchTemplate', via: { parameter: 'name' } },
    patches: volumes.patches,
  });

  const tags = propagatedTags('bastion');
  stack.add('bastion', {
    name: BASTION_ASG,
    service: 'autoscaling',
    kind: 'AutoscalingGroup',
    when,
    forProvider: {
      minSize: 1,
      maxSize: 1,
      desiredCapacity: 1,
      vpcZoneIdentifierSelector: subnetsOfTier('private', 'primary'),
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
