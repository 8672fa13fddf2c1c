import { allows, controllerRbac, pluralOf } from '../../src/controller/rbac.js';
import { runController, type RunningController } from '../../src/controller/index.js';
import {
  environment,
  events,
  install,
  patchStatus,
  startCluster,
  statusOf,
  waitFor,
  type Cluster,
} from './harness.js';

let c: Cluster;
let r: RunningController | undefined;
afterEach(async () => {
  await r?.stop();
  r = undefined;
  await c?.close();
});

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

test.each(['claim', 'namespaced'] as const)(
  '%s flavor: every API call the controller makes is allowed by the rules',
  async (flavor) => {
    c = await startCluster(flavor);
    const env = await environment(flavor);
    await install(c, env);
    c.server.clearRequests();
    // Discovery of the managed kinds, leader election, informers, status writes and Events all happen here.
    r = await runController({
      kubeConfig: c.kc,
      flavor,
      metricsPort: 0,
      metricsHost: '127.0.0.1',
      handleSignals: false,
      leaseNamespace: 'envstack-system',
      log: () => undefined,
    });
    await waitFor('Ready', () => statusOf(c, env).phase === 'Ready');
    await patchStatus(c, env.mrs[0], {
      conditions: [{ type: 'Ready', status: 'False', reason: 'Unavailable', message: 'x' }],
    });
    await waitFor('Blocked event', () => events(c, 'Blocked')[0]);
    await r.stop();
    r = undefined;
    const { clusterRules, namespaceRules } = controllerRbac(flavor);
    const calls = c.server
      .requests()
      .filter((q) => q.verb !== 'discovery' && q.fieldManager !== 'provider-aws');
    const kinds = new Set(
      calls.map((q) => `${q.verb} ${q.group}/${q.resource}${q.subresource ? `/${q.subresource}` : ''}`),
    );
    for (const expected of ['list', 'watch', 'patch', 'create', 'get', 'update'])
      expect([...kinds].some((k) => k.startsWith(expected))).toBe(true);
    const denied = calls.filter((q) => {
      const request = {
        verb: q.verb,
        group: q.group ?? '',
        resource: q.resource ?? '',
        subresource: q.subresource,
        name: q.name,
      };
      if (q.group === 'coordination.k8s.io')
        return q.namespace !== 'envstack-system' || !allows(namespaceRules, request);
      return !allows(clusterRules, request);
    });
    expect(denied).toEqual([]);
    expect(calls.some((q) => q.resource === 'secrets')).toBe(false);
  },
);
