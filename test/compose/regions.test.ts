/**
 * With DR on, the environment exists in two regions, and a sibling selector must never reach across:
 * the primary ALB given a DR subnet, or a DR database a primary security group, is refused by AWS.
 * Every selector of every converged render is resolved the way Crossplane resolves it (matchControllerRef
 * plus every matchLabels entry) and each match must live in the selecting resource's region.
 */
import { subnetsOfTier } from '../../src/platform/compose/components/network.js';
import { flavors } from '../../src/platform/compose/flavor.js';
import { REGION_ROLE_LABEL } from '../../src/platform/compose/names.js';
import { Stack } from '../../src/platform/compose/resource.js';
import { convergeClaim } from '../../src/platform/render/converge.js';
import type { Unstructured } from '../../src/engine/render/fnapi.js';
import { isObject } from '../../src/engine/render/unstructured.js';
import { loadExample, withSpec } from '../support/render.js';

const examples = ['minimal', 'dev', 'staging', 'prod', 'prod-dr'];
const claims: Array<[string, Unstructured]> = [
  ...examples.map((e): [string, Unstructured] => [e, loadExample(e)]),
  [
    'prod-dr + aurora, bastion, endpoints, domain',
    withSpec(loadExample('prod-dr'), (s) => {
      s.database = { engine: 'aurora-postgresql' };
      s.dr = { enabled: true, region: 'eu-central-1', cidr: '10.140.0.0/16', database: 'replica' };
      s.bastion = { enabled: true };
      s.network = { cidr: '10.41.0.0/16', endpoints: true };
      s.loadBalancer = { domain: { name: 'pay.example.com', hostedZoneId: 'Z0123ABC' } };
    }),
  ],
];

interface Selector {
  path: string;
  matchLabels: Record<string, string>;
  matchControllerRef: boolean;
}

function selectorsIn(obj: unknown, path: string): Selector[] {
  if (Array.isArray(obj)) return obj.flatMap((v, i) => selectorsIn(v, `${path}[${i}]`));
  if (!isObject(obj)) return [];
  return Object.entries(obj).flatMap(([k, v]) => {
    const p = `${path}.${k}`;
    if (/Selector$/.test(k) && isObject(v) && isObject(v.matchLabels))
      return [
        {
          path: p,
          matchLabels: v.matchLabels as Record<string, string>,
          matchControllerRef: v.matchControllerRef === true,
        },
      ];
    return selectorsIn(v, p);
  });
}

const forProvider = (r: Unstructured): Record<string, unknown> =>
  isObject(r.spec?.forProvider) ? r.spec.forProvider : {};
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const regionOf = (r: Unstructured): string | undefined => str(forProvider(r).region);
const nameOf = (r: Unstructured): string => r.metadata?.labels?.['envstack.dev/resource'] ?? '?';

/**
 * The regions a selected resource can be used from. A peering connection is one object with an
 * end in each region: the accepter and the peer side's routes name it from the peer region.
 */
function usableFrom(target: Unstructured): string[] {
  const region = regionOf(target);
  if (!region) return [];
  const peer = target.kind === 'VPCPeeringConnection' ? str(forProvider(target).peerRegion) : undefined;
  return peer ? [region, peer] : [region];
}

/**
 * The region a selector's matches must be in: the selecting resource's, except where the field names
 * the far side by design (the peer VPC of a peering request, the destination bucket of replication).
 */
function wantedRegion(r: Unstructured, path: string): string | undefined {
  if (r.kind === 'VPCPeeringConnection' && path === 'spec.forProvider.peerVpcIdSelector')
    return str(forProvider(r).peerRegion);
  if (r.kind === 'BucketReplicationConfiguration' && /\.destination(\[0\])?\.bucketSelector$/.test(path))
    return undefined;
  return regionOf(r);
}

/** Every selector match outside the selecting resource's region, as `resource.path → target (region)`. */
function crossRegion(composed: Unstructured[]): string[] {
  return composed.flatMap((r) =>
    selectorsIn(r.spec, 'spec').flatMap(({ path, matchLabels, matchControllerRef }) => {
      const wanted = wantedRegion(r, path);
      if (!wanted || !matchControllerRef) return [];
      const labels = Object.entries(matchLabels);
      return composed
        .filter((t) => labels.every(([k, v]) => t.metadata?.labels?.[k] === v))
        .filter((t) => regionOf(t) && !usableFrom(t).includes(wanted))
        .map((t) => `${nameOf(r)} (${wanted}) ${path} → ${nameOf(t)} (${regionOf(t)})`);
    }),
  );
}

describe.each(claims)('%s', (_name, claim) => {
  test.each(flavors)('%s flavor: every selector matches only resources in its own region', async (flavor) => {
    const { result } = await convergeClaim({ claim, flavor });
    const composed = result.composed;
    // The check means something only if the render is two-region where DR is on.
    const regions = new Set(composed.map(regionOf).filter(Boolean));
    expect(regions.size).toBe((claim.spec as { dr?: { enabled?: boolean } }).dr?.enabled ? 2 : 1);
    // A selector without matchControllerRef could match another environment's resources anywhere.
    const unscoped = composed.flatMap((r) =>
      selectorsIn(r.spec, 'spec')
        .filter((s) => !s.matchControllerRef)
        .map((s) => `${nameOf(r)}.${s.path}`),
    );
    expect(unscoped).toEqual([]);
    expect(crossRegion(composed)).toEqual([]);
  });
});

describe('the stack', () => {
  const asg = (vpcZoneIdentifierSelector: Record<string, unknown>, placement?: 'dr') =>
    new Stack('claim').add('compute', {
      name: 'asg',
      service: 'autoscaling',
      kind: 'AutoscalingGroup',
      ...(placement ? { placement } : {}),
      forProvider: { vpcZoneIdentifierSelector },
    });

  test('labels every regional resource with its region role, and no global one', () => {
    const stack = new Stack('claim');
    const role = (r: { base: Record<string, unknown> }) =>
      (r.base.metadata as { labels: Record<string, string> }).labels[REGION_ROLE_LABEL];
    expect(role(stack.add('network', { name: 'v', service: 'ec2', kind: 'VPC' }))).toBe('primary');
    expect(role(stack.add('dr', { name: 'dr-v', service: 'ec2', kind: 'VPC', placement: 'dr' }))).toBe('dr');
    expect(role(stack.add('compute', { name: 'r', service: 'iam', kind: 'Role' }))).toBeUndefined();
  });

  test('refuses a selector matching a group of siblings unless it is scoped to the own region', () => {
    const tierOnly = { matchControllerRef: true, matchLabels: { 'envstack.dev/subnet-tier': 'private' } };
    expect(() => asg(tierOnly)).toThrow(/matches a group of siblings; scope it to the primary region/);
    expect(() => asg(subnetsOfTier('private', 'dr'))).toThrow(/primary region/);
    expect(() => asg(subnetsOfTier('private', 'primary'), 'dr')).toThrow(/dr region/);
    expect(() => asg(subnetsOfTier('private', 'primary'))).not.toThrow();
    expect(() => asg(subnetsOfTier('private', 'dr'), 'dr')).not.toThrow();
  });
});
