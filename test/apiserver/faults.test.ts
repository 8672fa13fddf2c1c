import {
  CoordinationV1Api,
  CoreV1Api,
  EventsV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { kubeConfigYaml } from '../support/apiserver/index.js';
import { apiError, asObj, GROUP, startHarness, VERSION, widget, type Harness } from './fixtures.js';

const ns = { group: GROUP, version: VERSION, namespace: 'default', plural: 'widgets' };
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await h.custom.createNamespacedCustomObject({ ...ns, body: widget('a', { size: 1 }) });
});
afterEach(async () => {
  await h.server.close();
});

const statusPatch = (fieldManager = 'envstack') =>
  h.custom.patchNamespacedCustomObjectStatus(
    { ...ns, name: 'a', body: { status: { ready: true } }, fieldManager },
    mergePatch,
  );

describe('fault injection', () => {
  test('429 carries Retry-After and a TooManyRequests Status, for the next N matching requests only', async () => {
    h.server.injectFault({
      verb: 'patch',
      subresource: 'status',
      status: 429,
      retryAfterSeconds: 7,
      times: 2,
    });
    await h.custom.getNamespacedCustomObject({ ...ns, name: 'a' });
    for (let i = 0; i < 2; i++) {
      const err = await apiError(statusPatch());
      expect(err.code).toBe(429);
      expect(err.headers['retry-after']).toBe('7');
      expect(err.body).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        reason: 'TooManyRequests',
        code: 429,
        details: { retryAfterSeconds: 7 },
      });
    }
    expect(asObj(await statusPatch()).status).toEqual({ ready: true });
    expect(h.server.requests({ verb: 'patch' }).map((r) => [r.status, r.injected ?? false])).toEqual([
      [429, true],
      [429, true],
      [200, false],
    ]);
  });

  test('500 is an InternalError Status; 409 is the optimistic-concurrency Conflict Status', async () => {
    h.server.injectFault({ verb: 'get', status: 500, message: 'etcdserver: leader changed' });
    const internal = await apiError(h.custom.getNamespacedCustomObject({ ...ns, name: 'a' }));
    expect(internal.code).toBe(500);
    expect(internal.body).toMatchObject({
      reason: 'InternalError',
      message: 'Internal error occurred: etcdserver: leader changed',
    });

    h.server.injectFault({ verb: 'update', resource: 'widgets', status: 409 });
    const current = asObj(await h.custom.getNamespacedCustomObject({ ...ns, name: 'a' }));
    const conflict = await apiError(
      h.custom.replaceNamespacedCustomObject({ ...ns, name: 'a', body: current }),
    );
    expect(conflict.code).toBe(409);
    expect(conflict.body).toMatchObject({ reason: 'Conflict', details: { name: 'a', kind: 'widgets' } });
  });

  test('410 on a non-watch request is an HTTP 410 Expired Status', async () => {
    h.server.injectFault({ verb: 'list', status: 410 });
    const err = await apiError(h.custom.listNamespacedCustomObject(ns));
    expect(err.code).toBe(410);
    expect(err.body).toMatchObject({ reason: 'Expired', code: 410 });
  });

  test('a predicate selects requests, e.g. by field manager', async () => {
    h.server.injectFault({ status: 500, predicate: (r) => r.fieldManager === 'flaky' });
    expect((await apiError(statusPatch('flaky'))).code).toBe(500);
    await statusPatch('steady');
  });

  test('latency delays only matching requests', async () => {
    h.server.addLatency({ verb: 'get', ms: 300, times: 1 });
    const order: string[] = [];
    const slow = h.custom.getNamespacedCustomObject({ ...ns, name: 'a' }).then(() => order.push('get'));
    await new Promise((r) => setTimeout(r, 20));
    await h.custom.listNamespacedCustomObject(ns).then(() => order.push('list'));
    await slow;
    expect(order).toEqual(['list', 'get']);
  });

  test('the request log tells who wrote status and how', async () => {
    h.server.clearRequests();
    await statusPatch('envstack');
    await statusPatch('envstack');
    await h.custom.patchNamespacedCustomObject(
      { ...ns, name: 'a', body: { spec: { size: 2 } }, fieldManager: 'kubectl' },
      mergePatch,
    );
    const statusWrites = h.server.requests({
      verb: ['patch', 'update'],
      subresource: 'status',
      fieldManager: 'envstack',
    });
    expect(statusWrites).toHaveLength(2);
    expect(statusWrites[0]).toMatchObject({
      method: 'PATCH',
      path: `/apis/${GROUP}/${VERSION}/namespaces/default/widgets/a/status`,
      contentType: 'application/merge-patch+json',
      resource: 'widgets',
      namespace: 'default',
      name: 'a',
      status: 200,
    });
    expect(h.server.requests({ subresource: '', verb: 'patch' }).map((r) => r.fieldManager)).toEqual([
      'kubectl',
    ]);
  });
});

describe('built-in kinds', () => {
  test('Leases support create, optimistic update and list through CoordinationV1Api', async () => {
    const leases = h.kc.makeApiClient(CoordinationV1Api);
    const created = await leases.createNamespacedLease({
      namespace: 'default',
      body: {
        metadata: { name: 'envstack-leader' },
        spec: { holderIdentity: 'pod-1', leaseDurationSeconds: 15 },
      },
    });
    expect(created.metadata?.resourceVersion).toBeDefined();
    // client-node serialises a Date with milliseconds; a Lease's MicroTime needs microseconds, and a
    // real API server refuses it (test/live/controller-double.test.ts checks the same against one).
    const millis = await apiError(
      leases.replaceNamespacedLease({
        name: 'envstack-leader',
        namespace: 'default',
        body: { ...created, spec: { ...created.spec, holderIdentity: 'pod-1', renewTime: new Date() } },
      }),
    );
    expect(millis.code).toBe(400);
    const renewed = await leases.replaceNamespacedLease({
      name: 'envstack-leader',
      namespace: 'default',
      body: { ...created, spec: { ...created.spec, holderIdentity: 'pod-1', leaseDurationSeconds: 20 } },
    });
    expect(renewed.spec?.holderIdentity).toBe('pod-1');
    const stolen = await apiError(
      leases.replaceNamespacedLease({
        name: 'envstack-leader',
        namespace: 'default',
        body: { ...created, spec: { ...created.spec, holderIdentity: 'pod-2' } },
      }),
    );
    expect(stolen.code).toBe(409);
    const list = await leases.listNamespacedLease({ namespace: 'default' });
    expect(list.items.map((l) => l.spec?.holderIdentity)).toEqual(['pod-1']);
  });

  test('core v1 and events.k8s.io/v1 Events can be created and listed', async () => {
    const core = h.kc.makeApiClient(CoreV1Api);
    await core.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { generateName: 'a.' },
        involvedObject: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'Widget',
          name: 'a',
          namespace: 'default',
        },
        reason: 'Ready',
        message: 'widget is ready',
        type: 'Normal',
      },
    });
    const coreList = await core.listNamespacedEvent({ namespace: 'default' });
    expect(coreList.items.map((e) => e.reason)).toEqual(['Ready']);

    const events = h.kc.makeApiClient(EventsV1Api);
    await events.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { name: 'a.1' },
        eventTime: new Date(),
        reason: 'Blocked',
        action: 'Reconcile',
        reportingController: 'envstack.io/controller',
        reportingInstance: 'pod-1',
        regarding: { apiVersion: `${GROUP}/${VERSION}`, kind: 'Widget', name: 'a', namespace: 'default' },
        type: 'Warning',
      },
    });
    const list = await events.listNamespacedEvent({ namespace: 'default' });
    expect(list.items.map((e) => e.reason)).toEqual(['Blocked']);
  });

  test('Namespaces are cluster-scoped and make namespaced creates possible', async () => {
    const core = h.kc.makeApiClient(CoreV1Api);
    const created = await core.createNamespace({ body: { metadata: { name: 'team-a' } } });
    expect(created.status?.phase).toBe('Active');
    await h.custom.createNamespacedCustomObject({ ...ns, namespace: 'team-a', body: widget('w') });
    expect(h.server.objects(GROUP, 'widgets', 'team-a').map((o) => o.metadata.name)).toEqual(['w']);
  });
});

test('kubeConfigYaml is a loadable kubeconfig for a subprocess', async () => {
  const kc = new KubeConfig();
  kc.loadFromString(kubeConfigYaml(h.server));
  expect(kc.getCurrentCluster()).toMatchObject({ server: h.server.url, skipTLSVerify: true });
  expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('default');
  const core = kc.makeApiClient(CoreV1Api);
  const namespaces = await core.listNamespace();
  expect(namespaces.items.map((n) => n.metadata?.name)).toEqual(['default']);
});
