// What the rules are; that they suffice is proven on a real API server enforcing them
// (test/live/controller-*.test.ts run the controller as a user bound to exactly these rules).
import { controllerRbac, pluralOf } from '../../src/platform/delivery/controller-rbac.js';

test('plurals follow the provider CRDs', () => {
  expect(
    [
      'VPC',
      'Policy',
      'BucketOwnershipControls',
      'VPCDHCPOptions',
      'NetworkInsightsAnalysis',
      'Bus',
      'Address',
      'Key',
    ].map(pluralOf),
  ).toEqual([
    'vpcs',
    'policies',
    'bucketownershipcontrols',
    'vpcdhcpoptions',
    'networkinsightsanalyses',
    'buses',
    'addresses',
    'keys',
  ]);
});

test.each(['claim', 'namespaced'] as const)(
  '%s flavor: the rules name no Secrets and grant writes only on status, Events and Leases',
  (flavor) => {
    const { clusterRules, namespaceRules } = controllerRbac(flavor);
    const all = [...clusterRules, ...namespaceRules];
    expect(JSON.stringify(all)).not.toMatch(/secret/i);
    expect(
      all.every(
        (rule) => !rule.resources.includes('*') && !rule.apiGroups.includes('*') && !rule.verbs.includes('*'),
      ),
    ).toBe(true);
    const writes = all.filter((rule) => rule.verbs.some((v) => !['get', 'list', 'watch'].includes(v)));
    expect(writes.flatMap((w) => w.resources).sort()).toEqual(
      [
        flavor === 'claim' ? 'xplatformenvironments/status' : 'platformenvironments/status',
        'events',
        'leases',
      ].sort(),
    );
  },
);
