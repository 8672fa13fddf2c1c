/**
 * The API's names (group, version, kinds, the Composition's name), apart from the XRD construct so that
 * rendering, validating and the controller do not load cdk8s to learn them.
 */
import type { Flavor } from './flavor.js';

export const API_VERSION = 'v1alpha1';
export const DEFAULT_GROUP = 'platform.envstack.dev';

export interface ApiNames {
  group: string;
  /** The kind users apply: the claim (claim flavor) or the namespaced XR itself. */
  userKind: string;
  compositeKind: string;
  compositePlural: string;
  xrdName: string;
}

/**
 * In the claim flavor users apply a `PlatformEnvironment` claim that Crossplane binds to a
 * cluster-scoped `XPlatformEnvironment`. Crossplane 2 has no claims for namespaced XRs, so in the
 * namespaced flavor the XR itself is the `PlatformEnvironment`: the same YAML works in both.
 */
export function apiNames(flavor: Flavor, group = DEFAULT_GROUP): ApiNames {
  const compositeKind = flavor === 'claim' ? 'XPlatformEnvironment' : 'PlatformEnvironment';
  const compositePlural = compositeKind.toLowerCase() + 's';
  return {
    group,
    userKind: 'PlatformEnvironment',
    compositeKind,
    compositePlural,
    xrdName: `${compositePlural}.${group}`,
  };
}

export function compositionName(flavor: Flavor, group = DEFAULT_GROUP): string {
  return `aws.${apiNames(flavor, group).compositePlural}.${group}`;
}

/** Labels every composed resource carries: its name in the Composition, and its component. */
export const RESOURCE_LABEL = 'envstack.dev/resource';
export const COMPONENT_LABEL = 'envstack.dev/component';
/**
 * The region a resource lives in, by role (`primary` or `dr`): on every regional resource, from its
 * placement. With DR on the same tiers exist in two regions, so a selector that matches a group
 * (subnets of a tier) must carry it too, or the primary ALB could be given subnets of the DR VPC.
 */
export const REGION_ROLE_LABEL = 'envstack.dev/region-role';

/** The components, in the order status, cost and the docs list them. */
export const components = [
  'network',
  'security',
  'encryption',
  'storage',
  'database',
  'compute',
  'loadbalancer',
  'bastion',
  'serverless',
  'dynamodb',
  'observability',
  'compliance',
  'dr',
] as const;
export type Component = (typeof components)[number];
