/**
 * The app tier: an instance role with least privilege, a launch template (IMDSv2, encrypted gp3,
 * Amazon Linux 2023 on Graviton, nginx + CloudWatch agent user data), an Auto Scaling Group in the
 * private subnets behind the ALB target group, and target-tracking scaling on CPU.
 */
import type { JsonObject } from '../../../core/json.js';
import { asString, fromEnv, fromXr, format, type Patch } from '../patches.js';
import { ENV_PREFIX } from '../naming.js';
import { arn, policyDocument, policyPatch, templated, type PolicyStatement } from '../policy.js';
import { Construct } from 'constructs';
import type { Condition } from '../conditions.js';
import { profileDefault, sibling, StackComponent, type ComposedResource } from '../resource.js';
import type { EnvironmentKey } from './encryption.js';
import type { Network } from './network.js';
import type { SecurityGroups } from './security.js';
import { appLogGroupName, appMetricNamespace, appUserDataScript, userDataPatch } from './userdata.js';

const APP_ROLE = 'app-role';
const APP_INSTANCE_PROFILE = 'app-instance-profile';
const APP_LAUNCH_TEMPLATE = 'app-launch-template';
const APP_ASG = 'app-asg';
const APP_ASG_PART = 'app';

/** The app launch template's newest version, reported to the XR so that a change rolls the ASG. */
const APP_LAUNCH_TEMPLATE_VERSION_STATUS = 'status.ids.appLaunchTemplateVersion';

export const AL2023_ARM64_AMI =
  'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64';

export interface ServiceRoleProps {
  /** Composition resource name of the role; its policy, attachments and profile derive from it. */
  name: string;
  /** AWS name part (IAM names are account-global). */
  part: string;
  /** The AWS service that assumes the role, e.g. `ec2.amazonaws.com`. */
  service: string;
  when?: Condition;
  /** AWS managed policies by name, e.g. `AmazonSSMManagedInstanceCore` or `service-role/AWS_ConfigRole`. */
  managedPolicies?: string[];
  /** The inline policy (least privilege, ARNs in token form). */
  statements?: PolicyStatement[];
  instanceProfile?: boolean;
}

/**
 * An IAM role a service assumes, with its inline policy, managed policy attachments and instance
 * profile, declared in the enclosing component.
 */
export function serviceRole(scope: StackComponent, props: ServiceRoleProps): ComposedResource {
  const { name, part, when } = props;
  const role = scope.add({
    name,
    service: 'iam',
    kind: 'Role',
    when,
    forProvider: {
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: props.service }, Action: 'sts:AssumeRole' }],
      }),
      maxSessionDuration: 3600,
    },
    awsName: { part, limit: 'iamRole', via: 'external-name' },
  });
  if (props.statements?.length) {
    scope.add({
      name: `${name}-policy`,
      service: 'iam',
      kind: 'RolePolicy',
      when,
      forProvider: { roleSelector: sibling(name) },
      awsName: { part, limit: 'iamPolicy', via: 'external-name' },
      templates: [policyPatch(policyDocument(props.statements), 'spec.forProvider.policy')],
    });
  }
  for (const policy of props.managedPolicies ?? []) {
    const short = policy
      .replace(/^.*\//, '')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .toLowerCase();
    scope.add({
      name: `${name}-${short}`,
      service: 'iam',
      kind: 'RolePolicyAttachment',
      when,
      forProvider: { roleSelector: sibling(name) },
      templates: [templated(`arn:\${partition}:iam::aws:policy/${policy}`, 'spec.forProvider.policyArn')],
    });
  }
  if (props.instanceProfile) {
    scope.add({
      name: name.replace(/-role$/, '-instance-profile'),
      service: 'iam',
      kind: 'InstanceProfile',
      when,
      forProvider: { roleSelector: sibling(name) },
      awsName: { part, limit: 'instanceProfile', via: 'external-name' },
    });
  }
  return role;
}

/** Instance metadata: IMDSv2 only, one hop (no containers reach it). */
export const imdsV2 = {
  httpEndpoint: 'enabled',
  httpTokens: 'required',
  httpPutResponseHopLimit: 1,
  instanceMetadataTags: 'disabled',
};

export function encryptedRootVolume(sizeGiB: number, key: EnvironmentKey): JsonObject[] {
  return [
    {
      deviceName: '/dev/xvda',
      ebs: {
        volumeType: 'gp3',
        volumeSize: sizeGiB,
        encrypted: 'true',
        kmsKeyIdSelector: key.selector,
        deleteOnTermination: 'true',
      },
    },
  ];
}

/** Tags for the volumes a launch template creates (the ASG tags the instances). */
export function volumeTags(): { tagSpecifications: JsonObject[]; patches: Patch[] } {
  const from = { Environment: 'spec.environment', Project: 'spec.project', Owner: 'spec.owner' };
  return {
    tagSpecifications: [{ resourceType: 'volume', tags: { ManagedBy: 'envstack' } }],
    patches: Object.entries(from).map(([key, path]) =>
      fromXr(path, `spec.forProvider.tagSpecifications[0].tags.${key}`),
    ),
  };
}

/** ASG tags copied to the instances it launches. */
export function propagatedTags(name: string): { tag: JsonObject[]; patches: Patch[] } {
  const keys = ['Environment', 'Project', 'Owner'] as const;
  const from = { Environment: 'spec.environment', Project: 'spec.project', Owner: 'spec.owner' };
  return {
    tag: [
      { key: 'Name', value: name, propagateAtLaunch: true },
      { key: 'ManagedBy', value: 'envstack', propagateAtLaunch: true },
      ...keys.map((key) => ({ key, value: key, propagateAtLaunch: true })),
    ],
    patches: [
      fromEnv(ENV_PREFIX, 'spec.forProvider.tag[0].value', [format(`%s-${name}`)]),
      ...keys.map((key, i) => fromXr(from[key], `spec.forProvider.tag[${i + 2}].value`)),
    ],
  };
}

export interface ComputeProps {
  /** The instances run in the private subnets. */
  network: Network;
  /** Encrypts the root volumes. */
  key: EnvironmentKey;
  /** The instances are in `securityGroups.app`. */
  securityGroups: SecurityGroups;
}

/** The app tier: role, launch template, Auto Scaling Group and its scaling policy. */
export class Compute extends StackComponent {
  /** The app instances' Auto Scaling Group. */
  readonly asg: ComposedResource;
  /** AWS name part of the ASG: metrics, alarms and dashboards find it as `<prefix>-app`. */
  readonly asgPart = APP_ASG_PART;
  private readonly group: Construct;

  constructor(scope: Construct, id: string, props: ComputeProps) {
    super(scope, id, 'compute');
    [this.asg, this.group] = declareCompute(this, props);
  }

  /** Registers the app instances with a load balancer's target group. */
  attachToTargetGroup(targetGroup: ComposedResource): void {
    this.add(
      {
        name: `${APP_ASG}-target-group`,
        service: 'autoscaling',
        kind: 'Attachment',
        forProvider: {
          autoscalingGroupNameSelector: sibling(this.asg.name),
          lbTargetGroupArnSelector: sibling(targetGroup.name),
        },
      },
      this.group,
    );
  }
}

/** Declares the app tier; the ASG goes under a construct of its own, where attachments join it later. */
function declareCompute(scope: Compute, props: ComputeProps): [ComposedResource, Construct] {
  const logGroup = appLogGroupName('${prefix}');
  serviceRole(scope, {
    name: APP_ROLE,
    part: 'app',
    service: 'ec2.amazonaws.com',
    managedPolicies: ['AmazonSSMManagedInstanceCore'],
    instanceProfile: true,
    statements: [
      {
        Sid: 'AppLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        Resource: [arn.logGroup(logGroup), arn.logGroup(`${logGroup}:log-stream:*`)],
      },
      {
        Sid: 'AppMetrics',
        Effect: 'Allow',
        Action: 'cloudwatch:PutMetricData',
        // PutMetricData has no resource ARN; the namespace condition confines it to the app's metrics.
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': appMetricNamespace('${prefix}') } },
      },
    ],
  });

  const volumes = volumeTags();
  scope.add({
    name: APP_LAUNCH_TEMPLATE,
    service: 'ec2',
    kind: 'LaunchTemplate',
    forProvider: {
      description: 'envstack app instances: nginx on port 80 in front of the app',
      imageId: AL2023_ARM64_AMI,
      updateDefaultVersion: true,
      iamInstanceProfile: { arnSelector: sibling(APP_INSTANCE_PROFILE) },
      vpcSecurityGroupIdSelector: sibling(props.securityGroups.app.name),
      metadataOptions: imdsV2,
      blockDeviceMappings: encryptedRootVolume(20, props.key),
      monitoring: { enabled: true },
      ebsOptimized: 'true',
      tagSpecifications: volumes.tagSpecifications,
    },
    awsName: { part: 'app', limit: 'launchTemplate', via: { parameter: 'name' } },
    patches: [
      ...profileDefault('instanceType', 'spec.compute.instanceType', 'spec.forProvider.instanceType'),
      userDataPatch(appUserDataScript, 'spec.forProvider.userData'),
      ...volumes.patches,
    ],
    status: { [APP_LAUNCH_TEMPLATE_VERSION_STATUS]: 'status.atProvider.latestVersion' },
  });

  const tags = propagatedTags(APP_ASG_PART);
  const group = new Construct(scope, 'group');
  const asg = scope.add(
    {
      name: APP_ASG,
      service: 'autoscaling',
      kind: 'AutoscalingGroup',
      forProvider: {
        vpcZoneIdentifierSelector: props.network.subnets('private'),
        launchTemplate: { idSelector: sibling(APP_LAUNCH_TEMPLATE), version: '$Latest' },
        healthCheckType: 'ELB',
        healthCheckGracePeriod: 300,
        defaultInstanceWarmup: 300,
        instanceRefresh: {
          strategy: 'Rolling',
          preferences: { minHealthyPercentage: 50, instanceWarmup: '300' },
        },
        metricsGranularity: '1Minute',
        enabledMetrics: ['GroupDesiredCapacity', 'GroupInServiceInstances', 'GroupMaxSize', 'GroupMinSize'],
        terminationPolicies: ['OldestLaunchTemplate', 'Default'],
        tag: tags.tag,
      },
      awsName: { part: APP_ASG_PART, limit: 'asg', via: 'external-name' },
      patches: [
        ...profileDefault('minSize', 'spec.compute.minSize', 'spec.forProvider.minSize'),
        ...profileDefault('maxSize', 'spec.compute.maxSize', 'spec.forProvider.maxSize'),
        // Only at creation: afterwards the scaling policy owns the desired capacity.
        ...profileDefault(
          'desiredCapacity',
          'spec.compute.desiredCapacity',
          'spec.initProvider.desiredCapacity',
        ),
        // A pinned version (instead of $Latest) makes a new launch template version start an instance refresh.
        fromXr(APP_LAUNCH_TEMPLATE_VERSION_STATUS, 'spec.forProvider.launchTemplate.version', [asString]),
        ...tags.patches,
      ],
    },
    group,
  );

  scope.add({
    name: `${APP_ASG}-cpu-scaling`,
    service: 'autoscaling',
    kind: 'Policy',
    forProvider: {
      autoscalingGroupNameSelector: sibling(APP_ASG),
      policyType: 'TargetTrackingScaling',
      estimatedInstanceWarmup: 300,
      targetTrackingConfiguration: {
        predefinedMetricSpecification: { predefinedMetricType: 'ASGAverageCPUUtilization' },
        targetValue: 50,
      },
    },
    awsName: { part: 'app-cpu', limit: 'asg', via: 'external-name' },
  });
  return [asg, group];
}
