// The test double of the API server (test/support/apiserver) is no longer the controller's ground
// truth: only the controller benchmark still starts it. What the controller relies on is checked
// here against the real kube-apiserver — the same requests to both, the same answers.
import { jest } from '@jest/globals';
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { KubeClient, statusCodeOf, type ApiError } from '../../src/controller/kube.js';
import type { KObject } from '../../src/controller/object.js';
import { kubeConfigFor, startFakeApiServer, type FakeApiServer } from '../support/apiserver/index.js';
import { describeKube, startKube, type Kube } from '../support/kube.js';

jest.setTimeout(120_000);

const WIDGETS = '/apis/test.envstack.dev/v1/namespaces/default/widgets';

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.test.envstack.dev' },
  spec: {
    group: 'test.envstack.dev',
    scope: 'Namespaced',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
};

type Step = [string, number, ...unknown[]];

/** The same conversation with a server; the answers, reduced to what the controller reads. */
async function conversation(kc: KubeConfig): Promise<Step[]> {
  const c = new KubeClient(kc);
  const out: Step[] = [];
  const call = async (
    name: string,
    method: string,
    path: string,
    opts: Parameters<KubeClient['request']>[2] = {},
  ) => {
    try {
      const body = await c.request<KObject>(method, path, opts);
      return { code: 200, body };
    } catch (err) {
      const code = statusCodeOf(err) ?? -1;
      const body = (err as ApiError).body as { kind?: string; reason?: string; code?: number } | undefined;
      out.push([name, code, body?.kind, body?.reason, body?.code]);
      return { code, body: undefined };
    }
  };
  const widget = (name: string) => ({
    apiVersion: 'test.envstack.dev/v1',
    kind: 'Widget',
    metadata: { name, namespace: 'default' },
    spec: { a: 1 },
  });
  const created = await call('create', 'POST', WIDGETS, { body: widget('w1') });
  out.push([
    'create',
    created.code,
    created.body?.metadata?.generation,
    typeof created.body?.metadata?.resourceVersion,
  ]);
  await call('create again', 'POST', WIDGETS, { body: widget('w1') });
  await call('get missing', 'GET', `${WIDGETS}/nope`);
  const status = await call('status', 'PATCH', `${WIDGETS}/w1/status`, {
    body: { status: { phase: 'x' }, spec: { a: 99 } },
    contentType: 'merge',
    query: { fieldManager: 'provider' },
  });
  out.push([
    'status write changes only status',
    status.code,
    status.body?.metadata?.generation,
    status.body?.spec,
    status.body?.status,
  ]);
  const main = await call('main', 'PATCH', `${WIDGETS}/w1`, {
    body: { spec: { a: 2 }, status: { phase: 'y' } },
    contentType: 'merge',
    query: { fieldManager: 'kubectl' },
  });
  out.push([
    'main write ignores status',
    main.code,
    main.body?.metadata?.generation,
    main.body?.spec,
    main.body?.status,
  ]);
  const apply = (manager: string, owner: string, force: boolean) =>
    call(`apply ${manager} force=${force}`, 'PATCH', `${WIDGETS}/w1/status`, {
      body: {
        apiVersion: 'test.envstack.dev/v1',
        kind: 'Widget',
        metadata: { name: 'w1', namespace: 'default' },
        status: { owner },
      },
      contentType: 'apply',
      query: { fieldManager: manager, ...(force ? { force: true } : {}) },
    });
  const a = await apply('envstack-controller', 'a', false);
  out.push(['apply', a.code, a.body?.status]);
  await apply('someone-else', 'b', false);
  const forced = await apply('someone-else', 'b', true);
  out.push(['apply forced', forced.code, forced.body?.status]);
  const managers = (
    forced.body?.metadata?.managedFields as
      { manager: string; subresource?: string; operation: string }[] | undefined
  )
    ?.map((m) => `${m.manager}/${m.operation}/${m.subresource ?? ''}`)
    .sort();
  // The double does not track ownership of a map itself ("." in FieldsV1, which the creator keeps):
  // compared are the entries of the managers that wrote fields through the API with a field manager.
  out.push(['managed fields', 200, managers?.filter((m) => !m.startsWith('unknown/'))]);
  const stale = await call('get', 'GET', `${WIDGETS}/w1`);
  await call('stale update', 'PUT', `${WIDGETS}/w1`, {
    body: { ...stale.body, metadata: { ...stale.body?.metadata, resourceVersion: '1' } },
  });
  await call('create w2', 'POST', WIDGETS, { body: widget('w2') });
  const page1 = await c.request<{
    metadata: { continue?: string; resourceVersion?: string };
    items: KObject[];
  }>('GET', WIDGETS, {
    query: { limit: 1 },
  });
  const page2 = await c.request<{ metadata: { continue?: string }; items: KObject[] }>('GET', WIDGETS, {
    query: { limit: 1, continue: page1.metadata.continue },
  });
  out.push([
    'pages',
    200,
    page1.items.length,
    Boolean(page1.metadata.continue),
    page2.items.length,
    page2.metadata.continue ?? '',
  ]);
  // A watch from the list's resourceVersion sees what changes after it, and nothing before.
  const seen: string[] = [];
  const watching = await new Watch(kc).watch(
    WIDGETS,
    { resourceVersion: page1.metadata.resourceVersion, allowWatchBookmarks: false },
    (type: string, obj: KObject) =>
      seen.push(`${type} ${obj.metadata?.name} ${JSON.stringify(obj.status ?? {})}`),
    () => undefined,
  );
  await call('status w2', 'PATCH', `${WIDGETS}/w2/status`, {
    body: { status: { phase: 'z' } },
    contentType: 'merge',
  });
  const deadline = Date.now() + 10_000;
  while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  watching.abort();
  out.push(['watch', 200, seen]);
  // A Lease's times are MicroTime: three fraction digits are refused, six accepted.
  const lease = (name: string, time: string) => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: 'default' },
    spec: { holderIdentity: 'x', leaseDurationSeconds: 15, renewTime: time, acquireTime: time },
  });
  const leases = '/apis/coordination.k8s.io/v1/namespaces/default/leases';
  await call('lease millis', 'POST', leases, { body: lease('l1', '2026-01-01T00:00:00.123Z') });
  const micro = await call('lease micros', 'POST', leases, {
    body: lease('l2', '2026-01-01T00:00:00.123000Z'),
  });
  out.push(['lease micros', micro.code, (micro.body?.spec as { renewTime?: string } | undefined)?.renewTime]);
  c.close();
  return out;
}

describeKube('the API server test double answers as the real one', () => {
  let kube: Kube;
  let fake: FakeApiServer;
  beforeAll(async () => {
    kube = await startKube();
    kube.kubectlOk(['create', '-f', '-'], { input: JSON.stringify(CRD) });
    kube.kubectlOk(['wait', '--for=condition=Established', 'crd/widgets.test.envstack.dev']);
    fake = await startFakeApiServer({
      kinds: [
        {
          group: 'test.envstack.dev',
          version: 'v1',
          kind: 'Widget',
          plural: 'widgets',
          namespaced: true,
          statusSubresource: true,
        },
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await fake?.close();
    await kube?.stop();
  });

  test('the same requests get the same answers', async () => {
    const real = await conversation(kube.kc);
    const double = await conversation(kubeConfigFor(fake));
    expect(real).toContainEqual(['lease millis', 400, 'Status', 'BadRequest', 400]);
    expect(real).toContainEqual(['create again', 409, 'Status', 'AlreadyExists', 409]);
    expect(real).toContainEqual(['apply someone-else force=false', 409, 'Status', 'Conflict', 409]);
    expect(double).toEqual(real);
  });
});
