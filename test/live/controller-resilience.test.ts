// Resilience on a real kube-apiserver: the controller started before the provider CRDs exist,
// CRDs deleted and re-created, watch expiry through etcd compaction (the watch cache is off so a
// resumed watch reads etcd), and what only a double could do before — dropped connections, 429,
// 500 — injected by a proxy in front of the real server.
import { jest } from '@jest/globals';
import type { RunningController } from '../../src/ops/controller/index.js';
import { kindRefOf } from '../../src/ops/controller/kinds.js';
import {
  events,
  install,
  installMr,
  kindsOf,
  liveEnvironment,
  logsOf,
  metric,
  metricSum,
  mrNamed,
  patchSpec,
  patchStatus,
  providerCrdsFor,
  startController,
  startLiveCluster,
  statusWrites,
  until,
  waitFor,
  type Environment,
  type LiveCluster,
} from '../controller/harness.js';
import { describeKube } from '../support/kube.js';

jest.setTimeout(240_000);

const conditions = (ready: boolean, message: string) => [
  ready
    ? { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: '2026-01-01T00:00:00Z' }
    : {
        type: 'Ready',
        status: 'False',
        reason: 'Unavailable',
        message,
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
  { type: 'Synced', status: 'True', reason: 'ReconcileSuccess', lastTransitionTime: '2026-01-01T00:00:00Z' },
];

describeKube('controller resilience on a real API server', () => {
  let c: LiveCluster;
  let env: Environment;
  const running: RunningController[] = [];
  const start = async (extra: Parameters<typeof startController>[2] = {}) => {
    const r = await startController(c, 'controller', extra);
    running.push(r);
    await waitFor('leader', () => r.elector?.isLeader, 60_000);
    return r;
  };
  beforeAll(async () => {
    c = await startLiveCluster('claim', {
      providerCrds: false,
      etcdCompactionInterval: '2s',
      apiServerArgs: ['--watch-cache=false'],
    });
  }, 300_000);
  afterEach(async () => {
    c.proxy.clearFaults();
    for (const r of running.splice(0)) await r.stop();
    // What a test made fail is healthy again for the next one.
    if (env)
      for (const name of ['subnet-public-a', 'subnet-public-b', 'vpc'])
        await patchStatus(c, mrNamed(env, name), { conditions: conditions(true, '') });
  });
  afterAll(async () => c?.close());

  test('started before the provider CRDs exist: kinds are watched as their CRDs appear, and let go when one is deleted', async () => {
    env = await liveEnvironment(c, 'payments-r');
    const r = await start();
    await waitFor(
      'ready with no managed kinds',
      async () => (await fetch(`${r.health.url}/readyz`)).status === 200,
    );
    expect(await metric(r, 'envstack_controller_managed_kinds ')).toEqual([
      'envstack_controller_managed_kinds 0',
    ]);
    // The provider is installed now: its CRDs, then Crossplane composes.
    const kinds = kindsOf(env.mrs);
    await c.installCrds(providerCrdsFor(kinds));
    await install(c, env);
    const s = await until(
      c,
      env,
      'Ready',
      (x) => x.phase === 'Ready' && x.componentsReady === `${env.mrs.length}/${env.mrs.length}`,
      120_000,
    );
    expect(s.drift?.count).toBe(0);
    expect(await metric(r, 'envstack_controller_managed_kinds ')).toEqual([
      `envstack_controller_managed_kinds ${kinds.length}`,
    ]);
    // A CRD removed (and with it its resources): the controller stops watching the kind.
    const flowLogs = env.mrs.filter((m) => m.kind === 'FlowLog');
    expect(flowLogs.length).toBeGreaterThan(0);
    const crd = providerCrdsFor([kindRefOf(flowLogs[0].apiVersion ?? '', 'FlowLog')]);
    const crdName = String((crd[0].metadata as { name: string }).name);
    await c.admin.request('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}`);
    const rest = env.mrs.length - flowLogs.length;
    await until(
      c,
      env,
      'FlowLogs no longer expected',
      (x) => x.componentsReady === `${rest}/${rest}` && x.phase === 'Ready',
      120_000,
    );
    expect(
      (logsOf.get(r) ?? []).some(
        (l) => l.msg === 'kind no longer served: stopped watching it' && String(l.kind).endsWith('/FlowLog'),
      ),
    ).toBe(true);
    // And back, once the API server has finished deleting it: the CRD again, the resources again.
    await waitFor(
      'the CRD gone',
      async () =>
        (await c.admin
          .request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}`)
          .then(
            () => false,
            (err: { code?: number }) => err.code === 404,
          )) || undefined,
      120_000,
    );
    await c.installCrds(crd);
    for (const m of flowLogs) await installMr(c, env, m);
    await until(
      c,
      env,
      'FlowLogs counted again',
      (x) => x.componentsReady === `${env.mrs.length}/${env.mrs.length}`,
      120_000,
    );
    expect(
      (logsOf.get(r) ?? []).some(
        (l) => l.msg === 'kind served: watching it' && String(l.kind).endsWith('/FlowLog'),
      ),
    ).toBe(true);
  });

  test('what the informer lists is trimmed like what it watches', async () => {
    const vpc = mrNamed(env, 'vpc');
    await patchSpec(c, vpc, { initProvider: { instanceTenancy: 'default' }, managementPolicies: ['*'] });
    await c.admin.request('PATCH', `/apis/ec2.aws.upbound.io/v1beta1/vpcs/${vpc.metadata?.name}`, {
      body: {
        metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(2000) } },
      },
      contentType: 'merge',
      query: { fieldManager: 'kubectl' },
    });
    const r = await start();
    await waitFor('synced', () => r.controller.synced);
    const informer = r.controller.informers.find((i) => i.type.kind === 'VPC');
    const listed = informer?.get(vpc.metadata?.name ?? '');
    expect(listed).toBeDefined();
    expect(Object.keys(listed?.spec ?? {})).toEqual(['forProvider']);
    expect(listed?.metadata?.managedFields).toBeUndefined();
    expect(Object.keys(listed?.metadata?.annotations ?? {}).sort()).toEqual([
      'crossplane.io/composition-resource-name',
      'crossplane.io/external-name',
    ]);
    // A watched update goes through the same transform.
    await patchSpec(c, vpc, { initProvider: { instanceTenancy: 'dedicated' } });
    await waitFor(
      'the update seen',
      () =>
        (informer?.get(vpc.metadata?.name ?? '')?.metadata?.resourceVersion ?? '') !==
        listed?.metadata?.resourceVersion,
    );
    expect(Object.keys(informer?.get(vpc.metadata?.name ?? '')?.spec ?? {})).toEqual(['forProvider']);
  });

  test('dropped connections, 429 and 500: watches restart, lists and writes are retried, nothing is missed', async () => {
    // The first lists are refused: 429 with Retry-After, then 500.
    c.proxy.inject({
      client: 'controller',
      verb: 'list',
      resource: 'xplatformenvironments',
      status: 429,
      retryAfterSeconds: 1,
      times: 2,
    });
    c.proxy.inject({ client: 'controller', verb: 'list', resource: 'subnets', status: 500, times: 2 });
    const r = await start();
    await waitFor('synced', () => r.controller.synced, 60_000);
    expect(
      c.proxy.requests({
        client: 'controller',
        verb: 'list',
        resource: 'xplatformenvironments',
        status: 429,
      }),
    ).toHaveLength(2);
    expect(
      await metricSum(r, 'envstack_controller_informer_restarts_total{resource="xplatformenvironments"}'),
    ).toBeGreaterThanOrEqual(2);
    const subnet = mrNamed(env, 'subnet-public-a');
    // Connection resets on every watch: the informers restart and see the change made meanwhile.
    const watched = kindsOf(env.mrs).length + 1;
    await waitFor('every watch open', () => c.proxy.openWatches >= watched);
    expect(c.proxy.dropWatches()).toBeGreaterThanOrEqual(watched);
    await patchStatus(c, subnet, { conditions: conditions(false, 'gone missing') });
    await until(c, env, 'Degraded after the resets', (s) => s.blockingError?.message === 'gone missing');
    // A status write answered 500 twice is retried with backoff.
    c.proxy.inject({ client: 'controller', verb: 'apply', subresource: 'status', status: 500, times: 2 });
    const before = statusWrites(c, 'controller').length;
    await patchStatus(c, subnet, { conditions: conditions(true, '') });
    await until(c, env, 'Ready after the retries', (s) => s.phase === 'Ready');
    expect(
      statusWrites(c, 'controller')
        .slice(before)
        .map((w) => w.status),
    ).toEqual([500, 500, 200]);
    await waitFor('watches reopened', () => c.proxy.openWatches >= kindsOf(env.mrs).length + 1);
  });

  test('watch expiry: etcd compacted while the watches were down → 410 → relist, and the last state wins', async () => {
    const r = await start();
    await until(c, env, 'Ready', (s) => s.phase === 'Ready');
    const subnet = mrNamed(env, 'subnet-public-b');
    await waitFor('every watch open', () => c.proxy.openWatches >= kindsOf(env.mrs).length + 1);
    // Watches cannot be re-established for a while; the resources change and etcd compacts meanwhile.
    c.proxy.inject({ client: 'controller', verb: 'watch', status: 500 });
    c.proxy.dropWatches();
    for (const m of ['one', 'two', 'three'])
      await patchStatus(c, subnet, { conditions: conditions(false, m) });
    await new Promise((res) => setTimeout(res, 6000));
    const relistsBefore = await metricSum(r, 'envstack_controller_informer_relists_total');
    c.proxy.clearFaults();
    const s = await until(c, env, 'the last state', (x) => x.blockingError?.message === 'three', 60_000);
    expect(s.phase).toBe('Degraded');
    expect(await metricSum(r, 'envstack_controller_informer_relists_total')).toBeGreaterThan(relistsBefore);
    expect(c.proxy.requests({ client: 'controller', verb: 'watch', status: 200 }).length).toBeGreaterThan(0);
    expect(
      (logsOf.get(r) ?? []).some(
        (l) => l.msg === 'watch expired, relisting' || String(l.reason ?? '').includes('410'),
      ),
    ).toBe(true);
    await patchStatus(c, subnet, { conditions: conditions(true, '') });
    await until(c, env, 'Ready again', (x) => x.phase === 'Ready');
  });

  test('latency on every request: the controller still converges, and a request past its deadline is retried', async () => {
    c.proxy.inject({ client: 'controller', latencyMs: 300 });
    const r = await start({ requestTimeoutMs: 5000 });
    const vpc = mrNamed(env, 'vpc');
    await patchStatus(c, vpc, { conditions: conditions(false, 'slow world') });
    await until(c, env, 'Degraded', (s) => s.blockingError?.message === 'slow world');
    c.proxy.clearFaults();
    c.proxy.inject({ client: 'controller', verb: 'apply', subresource: 'status', hang: true, times: 1 });
    await patchStatus(c, vpc, { conditions: conditions(true, '') });
    await until(c, env, 'Ready after a hung write', (s) => s.phase === 'Ready', 60_000);
    expect(
      (logsOf.get(r) ?? []).some(
        (l) => l.msg === 'reconcile failed' && String(l.error).includes('no answer within'),
      ),
    ).toBe(true);
  });

  test('Events are recorded after the status write, off the worker: an Event call in flight holds up no other environment', async () => {
    const other = await liveEnvironment(c, 'payments-s');
    await install(c, other);
    await start({ workers: 1 });
    await until(c, env, 'Ready', (s) => s.phase === 'Ready');
    await until(c, other, 'the other Ready', (s) => s.phase === 'Ready');
    // Every Event call is slow to answer.
    c.proxy.inject({ client: 'controller', verb: ['create', 'patch'], resource: 'events', latencyMs: 8000 });
    const eventsBefore = c.proxy.requests({ client: 'controller', resource: 'events' }).length;
    await patchStatus(c, mrNamed(env, 'subnet-public-a'), { conditions: conditions(false, 'first blocked') });
    await until(c, env, 'Degraded', (s) => s.blockingError?.message === 'first blocked');
    const eventCall = await waitFor('its Event call', () =>
      c.proxy.requests({ client: 'controller', resource: 'events' }).at(eventsBefore),
    );
    const writesBefore = statusWrites(c, 'controller').length;
    await patchStatus(c, mrNamed(other, 'subnet-public-a'), {
      conditions: conditions(false, 'second blocked'),
    });
    await until(c, other, 'the other Degraded', (s) => s.blockingError?.message === 'second blocked');
    // The one worker wrote the other environment's status while the first Event call was unanswered.
    const write = statusWrites(c, 'controller')
      .slice(writesBefore)
      .find((w) => w.name === other.xr.metadata?.name);
    expect(write).toBeDefined();
    expect(write?.startedAt).toBeLessThan(eventCall.endedAt ?? Number.POSITIVE_INFINITY);
    // Both Events are recorded all the same.
    await waitFor('both Blocked events', async () => {
      const messages = (await events(c, 'Blocked')).map((e) => e.message);
      return (
        messages.some((m) => m.endsWith('first blocked')) &&
        messages.some((m) => m.endsWith('second blocked'))
      );
    });
    await patchStatus(c, mrNamed(other, 'subnet-public-a'), { conditions: conditions(true, '') });
  });
});
