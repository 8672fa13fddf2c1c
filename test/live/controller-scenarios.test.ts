// The controller's scenarios on a real kube-apiserver (claim flavor): managed resources created by
// server-side apply from our renders and given a status as provider-aws would, the controller
// running as a user bound to exactly its RBAC, through a proxy that records what it writes.
import { jest } from '@jest/globals';
import { compositionName } from '../../src/platform/compose/xrd.js';
import type { RunningController } from '../../src/ops/controller/index.js';
import type { KObject } from '../../src/ops/controller/object.js';
import { loadComposition } from '../../src/platform/render/service.js';
import {
  events,
  install,
  liveEnvironment,
  logsOf,
  metric,
  metricSum,
  mrNamed,
  patchSpec,
  patchStatus,
  startController,
  startLiveCluster,
  statusWrites,
  until,
  waitFor,
  xrOf,
  GROUP,
  type Environment,
  type LiveCluster,
} from '../controller/harness.js';
import { describeKube } from '../support/kube.js';

jest.setTimeout(180_000);

const ready = [
  { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: '2026-01-01T00:00:00Z' },
  { type: 'Synced', status: 'True', reason: 'ReconcileSuccess', lastTransitionTime: '2026-01-01T00:00:00Z' },
];
const syncFailed = (message: string) => [
  ready[0],
  {
    type: 'Synced',
    status: 'False',
    reason: 'ReconcileError',
    message,
    lastTransitionTime: '2026-02-01T00:00:00Z',
  },
];

describeKube('controller on a real API server (claim flavor)', () => {
  let c: LiveCluster;
  let r: RunningController;
  const writesFor = (env: Environment) => statusWrites(c).filter((w) => w.name === env.xr.metadata?.name);

  beforeAll(async () => {
    c = await startLiveCluster('claim');
    r = await startController(c, 'controller');
    await waitFor('leader', () => r.elector?.isLeader);
  }, 300_000);
  afterAll(async () => {
    await r?.stop();
    await c?.close();
  });

  test('all ready → Ready, written once; an unchanged environment is never written again', async () => {
    const env = await liveEnvironment(c, 'payments-a');
    await install(c, env);
    const s = await until(c, env, 'Ready', (x) => x.phase === 'Ready');
    expect(s.componentsReady).toBe(`${env.mrs.length}/${env.mrs.length}`);
    expect(s.drift).toEqual({ count: 0, spec: 0, cloud: 0, items: [] });
    expect(s.observedGeneration).toBe((await xrOf(c, env)).metadata?.generation);
    await waitFor(
      'cache holds the write',
      () => r.controller.informers[0].get(env.key)?.status?.phase === 'Ready',
    );
    // The server holds the status the controller wrote: the schema Crossplane generates pruned nothing.
    expect(Object.keys(s)).toEqual(
      expect.arrayContaining(['phase', 'componentsReady', 'components', 'drift', 'observedGeneration']),
    );
    // Written while Crossplane and the provider were still at work, then no more: nothing changes.
    await waitFor('no write in flight', () => writesFor(env).every((w) => w.status !== undefined));
    const writes = writesFor(env);
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((w) => w.status === 200)).toBe(true);
    const unchanged = () => metricSum(r, 'envstack_controller_reconcile_total{result="unchanged"}');
    const before = await unchanged();
    expect(await r.controller.reconcile(env.key)).toBe('unchanged');
    r.controller.enqueue(env.key);
    await waitFor('reconciled again', async () => (await unchanged()) >= before + 1);
    await new Promise((res) => setTimeout(res, 500));
    expect(writesFor(env).length).toBe(writes.length);
  });

  test('a Synced=False under Ready=True → Degraded with the provider message; provider retries are one status and one Event', async () => {
    const env = await liveEnvironment(c, 'payments-b');
    await install(c, env);
    await until(c, env, 'Ready', (s) => s.phase === 'Ready');
    const subnet = mrNamed(env, 'subnet-private-a');
    const failure = (id: string, at: string) =>
      `update failed: operation error EC2: ModifySubnetAttribute, https response error StatusCode: 403, RequestID: ${id}, api error UnauthorizedOperation: You are not authorized (at ${at})`;
    const normalized =
      'update failed: operation error EC2: ModifySubnetAttribute, https response error StatusCode: 403, api error UnauthorizedOperation: You are not authorized (at)';
    const writesBefore = writesFor(env).length;
    await patchStatus(c, subnet, {
      conditions: syncFailed(failure('1c2d3e4f-aaaa-bbbb-cccc-000000000001', '2026-02-01T00:00:00Z')),
    });
    const degraded = await until(c, env, 'Degraded', (s) => s.phase === 'Degraded');
    expect(degraded.componentsReady).toBe(`${env.mrs.length}/${env.mrs.length}`);
    expect(degraded.blockingError).toMatchObject({
      resource: 'subnet-private-a',
      kind: 'Subnet',
      reason: 'ReconcileError',
      message: normalized,
    });
    const blocked = await waitFor('Blocked event', async () =>
      (await events(c, 'Blocked')).find((e) => e.message.includes('subnet-private-a')),
    );
    expect(blocked.message).toBe(`Subnet subnet-private-a: ${normalized}`);
    expect(blocked.involvedObject).toMatchObject({
      kind: 'PlatformEnvironment',
      name: 'payments-b',
      namespace: 'team-payments',
    });
    // The provider retries: a new request id and time each time, the same failure.
    for (let i = 2; i <= 5; i++)
      await patchStatus(c, subnet, {
        conditions: syncFailed(failure(`1c2d3e4f-aaaa-bbbb-cccc-00000000000${i}`, `2026-02-01T00:0${i}:00Z`)),
      });
    const retried = subnet.metadata?.name ?? '';
    await waitFor('the last retry seen', () =>
      r.controller.informers.some((i) =>
        JSON.stringify(i.get(retried)?.status ?? {}).includes('000000000005'),
      ),
    );
    await waitFor(
      'the queue drained',
      async () => (await metricSum(r, 'envstack_controller_queue_depth')) === 0,
    );
    await new Promise((res) => setTimeout(res, 1000));
    expect(writesFor(env).length).toBe(writesBefore + 1);
    expect((await events(c, 'Blocked')).filter((e) => e.message.includes('subnet-private-a'))).toHaveLength(
      1,
    );
    // Recovered, then failing the same way again: the same Event counts the repeat.
    await patchStatus(c, subnet, { conditions: ready });
    const back = await until(c, env, 'Ready again', (s) => s.phase === 'Ready');
    expect(back.blockingError).toBeUndefined();
    await waitFor('Unblocked event', async () =>
      (await events(c, 'Unblocked')).find((e) => e.message.includes('subnet-private-a')),
    );
    await patchStatus(c, subnet, {
      conditions: syncFailed(failure('ffff0000-aaaa-bbbb-cccc-000000000009', '2026-02-02T00:00:00Z')),
    });
    await until(c, env, 'Degraded again', (s) => s.phase === 'Degraded');
    const counted = await waitFor('Blocked counted twice', async () => {
      const list = (await events(c, 'Blocked')).filter((e) => e.message.includes('subnet-private-a'));
      return list.length === 1 && list[0].count === 2 ? list[0] : undefined;
    });
    expect(counted.series?.count).toBe(2);
    expect(counted.metadata.name).toBe(blocked.metadata.name);
    await patchStatus(c, subnet, { conditions: ready });
    await until(c, env, 'Ready at last', (s) => s.phase === 'Ready');
  });

  test('missing resources → Provisioning with counts; no write while nothing the status depends on changes', async () => {
    const env = await liveEnvironment(c, 'payments-c');
    const present = env.mrs.filter((m) => m.kind !== 'RouteTableAssociation');
    const missing = env.mrs.length - present.length;
    expect(missing).toBeGreaterThan(0);
    await install(c, env, present);
    const s = await until(
      c,
      env,
      'Provisioning',
      (x) => x.phase === 'Provisioning' && x.componentsReady === `${present.length}/${env.mrs.length}`,
    );
    expect(s.components?.network.total).toBe((s.components?.network.ready ?? 0) + missing);
    await waitFor(
      'cache holds the write',
      () => r.controller.informers[0].get(env.key)?.status?.phase === 'Provisioning',
    );
    const writes = writesFor(env).length;
    const unchanged = () => metricSum(r, 'envstack_controller_reconcile_total{result="unchanged"}');
    const before = await unchanged();
    // Changes that leave the status as it is: a spec field outside forProvider, and a requeue.
    await patchSpec(c, present[0], { deletionPolicy: 'Orphan' });
    await waitFor('reconciled after the edit', async () => (await unchanged()) >= before + 1);
    r.controller.enqueue(env.key);
    await waitFor('reconciled after the requeue', async () => (await unchanged()) >= before + 2);
    expect(writesFor(env).length).toBe(writes);
    await install(
      c,
      env,
      env.mrs.filter((m) => !present.includes(m)),
    );
    await until(c, env, 'Ready', (x) => x.phase === 'Ready');
    expect(writesFor(env).length).toBeGreaterThan(writes);
  });

  test('cloud drift appears → listed with field paths and an Event; cleared → removed and an Event; metrics stay bounded', async () => {
    const env = await liveEnvironment(c, 'payments-d');
    await install(c, env);
    await until(c, env, 'Ready', (s) => s.phase === 'Ready');
    const vpc = mrNamed(env, 'vpc');
    const healthy = vpc.status?.atProvider as Record<string, unknown>;
    // AWS changed it: DNS hostnames off, the Owner tag rewritten (in tags and tagsAll, as AWS reports).
    const tags = { ...(healthy.tags as Record<string, string>), Owner: 'someone-else' };
    await patchStatus(c, vpc, { atProvider: { ...healthy, enableDnsHostnames: false, tags, tagsAll: tags } });
    const drifted = await until(c, env, 'drift', (s) => (s.drift?.count ?? 0) > 0);
    expect(drifted.drift?.items?.map((i) => [i.resource, i.type, i.field, i.want, i.have])).toEqual([
      ['vpc', 'cloud', 'enableDnsHostnames', 'true', 'false'],
      ['vpc', 'cloud', 'tags.Owner', 'team-payments', 'someone-else'],
    ]);
    expect(drifted.drift).toMatchObject({ count: 2, cloud: 2, spec: 0 });
    expect(drifted.phase).toBe('Ready');
    const detected = await waitFor('DriftDetected', async () =>
      (await events(c, 'DriftDetected')).find((e) => e.involvedObject.name === 'payments-d'),
    );
    expect(detected.message).toBe(
      '2 drifted field(s): vpc.enableDnsHostnames (cloud: want true, have false); vpc.tags.Owner (cloud: want team-payments, have someone-else)',
    );
    // Per environment a few series; per kind one series over all environments.
    expect(await metric(r, 'envstack_drifted_resources{')).toEqual([
      'envstack_drifted_resources{kind="VPC"} 1',
    ]);
    expect(await metric(r, `envstack_environment_drifted_fields{environment="${env.key}"}`)).toEqual([
      `envstack_environment_drifted_fields{environment="${env.key}"} 2`,
    ]);
    const all = (await (await fetch(`${r.health.url}/metrics`)).text())
      .split('\n')
      .filter((l) => !l.startsWith('#'));
    expect(all.filter((l) => l.includes('environment=') && l.includes('kind='))).toEqual([]);
    expect(
      all
        .filter((l) => l.includes(`environment="${env.key}"`))
        .map((l) => l.split('{')[0])
        .sort(),
    ).toEqual([
      'envstack_environment_drifted_fields',
      'envstack_environment_phase',
      'envstack_environment_resources',
      'envstack_environment_resources',
    ]);
    await patchStatus(c, vpc, { atProvider: healthy });
    const cleared = await until(c, env, 'no drift', (s) => s.drift?.count === 0);
    expect(cleared.drift?.items).toEqual([]);
    await waitFor('DriftCleared', async () =>
      (await events(c, 'DriftCleared')).find((e) => e.involvedObject.name === 'payments-d'),
    );
    expect(await metric(r, 'envstack_drifted_resources{')).toEqual([]);
  });

  test('a managed resource edited by hand → spec drift against the render', async () => {
    const env = await liveEnvironment(c, 'payments-e');
    await install(c, env);
    await until(c, env, 'Ready', (s) => s.phase === 'Ready');
    await patchSpec(c, mrNamed(env, 'vpc'), { forProvider: { cidrBlock: '10.99.0.0/16' } });
    const s = await until(c, env, 'spec drift', (x) => (x.drift?.spec ?? 0) > 0);
    expect(
      s.drift?.items?.filter((i) => i.type === 'spec').map((i) => [i.resource, i.field, i.want, i.have]),
    ).toEqual([['vpc', 'cidrBlock', '10.20.0.0/16', '10.99.0.0/16']]);
  });

  test('spec drift is computed against the CompositionRevision the XR uses, then its Composition, then the built-in one', async () => {
    const env = await liveEnvironment(c, 'payments-f');
    await install(c, env);
    await until(c, env, 'Ready', (s) => s.phase === 'Ready');
    const builtIn = (await loadComposition('claim')) as KObject;
    const withVpcBase = (forProvider: Record<string, unknown>): Record<string, unknown> => {
      const spec = structuredClone(builtIn.spec ?? {}) as {
        pipeline: { input?: { resources?: { name: string; base: { spec: { forProvider: object } } }[] } }[];
      };
      for (const step of spec.pipeline)
        for (const res of step.input?.resources ?? [])
          if (res.name === 'vpc')
            res.base.spec.forProvider = { ...res.base.spec.forProvider, ...forProvider };
      return spec;
    };
    const ce = '/apis/apiextensions.crossplane.io/v1';
    await c.admin.request('POST', `${ce}/compositionrevisions`, {
      body: {
        apiVersion: 'apiextensions.crossplane.io/v1',
        kind: 'CompositionRevision',
        metadata: {
          name: 'payments-f-rev',
          labels: { 'crossplane.io/composition-name': 'payments-f-composition' },
        },
        spec: { ...withVpcBase({ enableDnsHostnames: false }), revision: 2 },
      },
    });
    await c.admin.request('POST', `${ce}/compositions`, {
      body: {
        apiVersion: 'apiextensions.crossplane.io/v1',
        kind: 'Composition',
        metadata: { name: 'payments-f-composition' },
        spec: withVpcBase({ enableDnsSupport: false }),
      },
    });
    // Crossplane moves a Manual XR to a revision only when told: here, to the one that turns DNS hostnames off.
    await c.admin.request('PATCH', `/apis/${GROUP}/v1alpha1/xplatformenvironments/${env.xr.metadata?.name}`, {
      body: {
        spec: {
          compositionRef: { name: 'payments-f-composition' },
          compositionRevisionRef: { name: 'payments-f-rev' },
          compositionUpdatePolicy: 'Manual',
        },
      },
      contentType: 'merge',
      query: { fieldManager: 'apiextensions.crossplane.io/composite' },
    });
    const against = (s: {
      drift?: { items?: { type: string; resource: string; field: string; want?: string; have?: string }[] };
    }) =>
      (s.drift?.items ?? [])
        .filter((i) => i.type === 'spec')
        .map((i) => [i.resource, i.field, i.want, i.have]);
    const rev = await until(c, env, 'spec drift against the revision', (s) => against(s).length > 0);
    expect(against(rev)).toEqual([['vpc', 'enableDnsHostnames', 'false', 'true']]);
    const logs = () =>
      (logsOf.get(r) ?? [])
        .filter((l) => l.msg === 'spec drift computed against' && l.key === env.key)
        .map((l) => l.source);
    expect(logs()).toContain('CompositionRevision payments-f-rev');
    // The revision is gone: the Composition it came from.
    await c.admin.request('DELETE', `${ce}/compositionrevisions/payments-f-rev`);
    const comp = await until(
      c,
      env,
      'spec drift against the Composition',
      (s) => JSON.stringify(against(s)) === JSON.stringify([['vpc', 'enableDnsSupport', 'false', 'true']]),
    );
    expect(against(comp)).toEqual([['vpc', 'enableDnsSupport', 'false', 'true']]);
    expect(logs()).toContain('Composition payments-f-composition');
    // Neither exists: the built-in Composition, which the resources were rendered from.
    await c.admin.request('DELETE', `${ce}/compositions/payments-f-composition`);
    await until(c, env, 'no spec drift against the built-in Composition', (s) => against(s).length === 0);
    expect(logs()).toContain('built-in Composition');
    expect(compositionName('claim')).toBe(builtIn.metadata?.name);
  });

  test('a status stays bounded: 50 items, long values cut saying by how much, the whole count; the Event has full values', async () => {
    const env = await liveEnvironment(c, 'payments-g');
    await install(c, env);
    await until(c, env, 'Ready', (s) => s.phase === 'Ready');
    const long = `owner-${'x'.repeat(400)}`;
    // Two tags AWS rewrote on every tagged resource: more drifted fields than a status holds.
    const tagged = env.mrs.filter((m) => {
      const t = (m.status?.atProvider as { tags?: Record<string, string> } | undefined)?.tags;
      return t?.Owner !== undefined && t.CostCenter !== undefined;
    });
    expect(tagged.length * 2).toBeGreaterThan(50);
    await Promise.all(
      tagged.map((m) => {
        const at = m.status?.atProvider as Record<string, unknown>;
        const tags = { ...(at.tags as object), Owner: long, CostCenter: 'elsewhere' };
        return patchStatus(c, m, { atProvider: { ...at, tags, ...(at.tagsAll ? { tagsAll: tags } : {}) } });
      }),
    );
    const s = await until(c, env, 'all drift counted', (x) => x.drift?.count === tagged.length * 2);
    expect(s.drift?.items).toHaveLength(50);
    const have = s.drift?.items?.find((i) => i.field === 'tags.Owner')?.have ?? '';
    expect(have.length).toBeLessThanOrEqual(256);
    expect(have).toMatch(/^owner-x+… \(\d+ more characters\)$/);
    expect(Number(/\((\d+) more/.exec(have)?.[1]) + have.indexOf('…')).toBe(long.length);
    expect(JSON.stringify(s).length).toBeLessThan(40_000);
    // Drift grew as the provider's updates arrived one by one: the last DriftDetected has all of it.
    const detected = await waitFor('DriftDetected with all the drift', async () =>
      (await events(c, 'DriftDetected')).find(
        (e) =>
          e.involvedObject.name === 'payments-g' &&
          e.message.includes(`${tagged.length * 2} drifted field(s)`),
      ),
    );
    expect(detected.message).toContain(`have ${long})`);
    expect(detected.message).toMatch(/; and \d+ more: envstack drift payments-g -n team-payments$/);
    // Stable: the same cut values do not make the controller write again.
    const writes = writesFor(env).length;
    r.controller.enqueue(env.key);
    await new Promise((res) => setTimeout(res, 1500));
    expect(writesFor(env).length).toBe(writes);
  });

  test('every request the controller made was allowed by its own RBAC, and none touched Secrets', () => {
    const mine = c.proxy.requests({ client: 'controller' });
    expect(mine.length).toBeGreaterThan(100);
    expect(mine.filter((q) => q.status === 403).map((q) => `${q.verb} ${q.path}`)).toEqual([]);
    expect(mine.some((q) => q.resource === 'secrets')).toBe(false);
    const kinds = new Set(
      mine.map((q) => `${q.verb} ${q.resource}${q.subresource ? `/${q.subresource}` : ''}`),
    );
    for (const k of [
      'list customresourcedefinitions',
      'watch xplatformenvironments',
      'apply xplatformenvironments/status',
      'create events',
      'patch events',
      'get leases',
      'update leases',
      'watch compositionrevisions',
    ])
      expect(kinds).toContain(k);
  });
});
