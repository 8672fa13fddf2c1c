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
