import { KubernetesObjectApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { apiError, asObj, GADGET, GROUP, startHarness, VERSION, widget, type Harness } from './fixtures.js';

const ns = { group: GROUP, version: VERSION, namespace: 'default', plural: 'widgets' };
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.server.close();
});

async function getJson(path: string): Promise<Record<string, unknown>> {
  const res = await fetch(h.server.url + path);
  return (await res.json()) as Record<string, unknown>;
}

describe('discovery', () => {
  test('serves /api, /apis, /api/v1 and group versions with namespaced flag, verbs and status', async () => {
    expect(await getJson('/api')).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await getJson('/apis')) as { groups: { name: string }[] };
    expect(groups.groups.map((g) => g.name)).toEqual(
      expect.arrayContaining([GROUP, 'coordination.k8s.io', 'events.k8s.io']),
    );
    const core = (await getJson('/api/v1')) as { resources: { name: string; namespaced: boolean }[] };
    expect(core.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'namespaces', namespaced: false }),
        expect.objectContaining({ name: 'events', namespaced: true }),
      ]),
    );
    const list = (await getJson(`/apis/${GROUP}/${VERSION}`)) as Record<string, unknown>;
    expect(list).toMatchObject({ kind: 'APIResourceList', groupVersion: `${GROUP}/${VERSION}` });
    expect(list.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'widgets',
          kind: 'Widget',
          namespaced: true,
          verbs: expect.arrayContaining(['watch', 'patch']),
        }),
        expect.objectContaining({ name: 'widgets/status', verbs: ['get', 'patch', 'update'] }),
        expect.objectContaining({ name: 'gadgets', namespaced: false }),
      ]),
    );
  });

  test('KubernetesObjectApi resolves paths through discovery', async () => {
    const client = KubernetesObjectApi.makeApiClient(h.kc);
    await client.create({ apiVersion: `${GROUP}/${VERSION}`, kind: 'Gadget', metadata: { name: 'g1' } });
    const read = await client.read({
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'Gadget',
      metadata: { name: 'g1' },
    });
    expect(read.metadata?.name).toBe('g1');
    expect(h.server.requests({ verb: 'discovery' }).map((r) => r.path)).toContain(
      `/apis/${GROUP}/${VERSION}`,
    );
    expect(h.server.requests({ verb: 'create', resource: 'gadgets' })[0].path).toBe(
      `/apis/${GROUP}/${VERSION}/gadgets`,
    );
  });
});

describe('create and get', () => {
  test('create fills uid, creationTimestamp, generation and resourceVersion; duplicates are 409 AlreadyExists', async () => {
    const created = asObj(
      await h.custom.createNamespacedCustomObject({ ...ns, body: widget('a', { size: 1 }) }),
    );
    expect(created.metadata).toMatchObject({ name: 'a', namespace: 'default', generation: 1 });
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0);
    const dup = await apiError(h.custom.createNamespacedCustomObject({ ...ns, body: widget('a') }));
    expect(dup.code).toBe(409);
    expect(dup.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'AlreadyExists',
      code: 409,
      message: `widgets.${GROUP} "a" already exists`,
      details: { name: 'a', group: GROUP, kind: 'widgets' },
    });
  });

  test('generateName produces a unique name with the prefix', async () => {
    const body = { ...widget(''), metadata: { generateName: 'w-' } };
    const a = asObj(await h.custom.createNamespacedCustomObject({ ...ns, body }));
    const b = asObj(await h.custom.createNamespacedCustomObject({ ...ns, body }));
    expect(a.metadata.name).toMatch(/^w-[a-z0-9]{5}$/);
    expect(a.metadata.name).not.toBe(b.metadata.name);
  });

  test('get of a missing object is a 404 NotFound Status', async () => {
    const err = await apiError(h.custom.getNamespacedCustomObject({ ...ns, name: 'nope' }));
    expect(err.code).toBe(404);
    expect(err.body).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: `widgets.${GROUP} "nope" not found`,
    });
  });

  test('creating in a namespace that does not exist is 404', async () => {
    const err = await apiError(
      h.custom.createNamespacedCustomObject({ ...ns, namespace: 'ghost', body: widget('a') }),
    );
    expect(err.code).toBe(404);
    expect(err.body.message).toBe('namespaces "ghost" not found');
  });

  test('status in a create body is dropped when the kind has a status subresource', async () => {
    const created = asObj(
      await h.custom.createNamespacedCustomObject({
        ...ns,
        body: { ...widget('a'), status: { ready: true } },
      }),
    );
    expect(created.status).toBeUndefined();
  });
});

describe('list', () => {
  beforeEach(async () => {
    for (const [name, tier] of [
      ['a', 'web'],
      ['b', 'db'],
      ['c', 'web'],
    ]) {
      await h.custom.createNamespacedCustomObject({ ...ns, body: widget(name, {}, { labels: { tier } }) });
    }
  });

  test('carries the current resourceVersion in ListMeta and filters by label and field selectors', async () => {
    const all = (await h.custom.listNamespacedCustomObject(ns)) as {
      metadata: { resourceVersion: string };
      items: unknown[];
      kind: string;
    };
    expect(all.kind).toBe('WidgetList');
    expect(all.metadata.resourceVersion).toBe(h.server.resourceVersion);
    expect(all.items).toHaveLength(3);
    const web = (await h.custom.listNamespacedCustomObject({ ...ns, labelSelector: 'tier in (web)' })) as {
      items: unknown[];
    };
    expect(web.items.map((i) => asObj(i).metadata.name)).toEqual(['a', 'c']);
    const notWeb = (await h.custom.listNamespacedCustomObject({ ...ns, labelSelector: 'tier!=web' })) as {
      items: unknown[];
    };
    expect(notWeb.items.map((i) => asObj(i).metadata.name)).toEqual(['b']);
    const byName = (await h.custom.listClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'widgets',
      fieldSelector: 'metadata.name=b,metadata.namespace=default',
    })) as { items: unknown[] };
    expect(byName.items.map((i) => asObj(i).metadata.name)).toEqual(['b']);
    const bad = await apiError(h.custom.listNamespacedCustomObject({ ...ns, fieldSelector: 'spec.size=1' }));
    expect(bad.code).toBe(400);
  });

  test('limit and continue page through the list', async () => {
    const first = (await h.custom.listNamespacedCustomObject({ ...ns, limit: 2 })) as {
      metadata: { continue?: string; remainingItemCount?: number };
      items: unknown[];
    };
    expect(first.items).toHaveLength(2);
    expect(first.metadata.remainingItemCount).toBe(1);
    const second = (await h.custom.listNamespacedCustomObject({
      ...ns,
      limit: 2,
      _continue: first.metadata.continue,
    })) as {
      metadata: { continue?: string };
      items: unknown[];
    };
    expect(second.items.map((i) => asObj(i).metadata.name)).toEqual(['c']);
    expect(second.metadata.continue).toBeUndefined();
  });

  test('an expired continue token is 410 Expired', async () => {
    const first = (await h.custom.listNamespacedCustomObject({ ...ns, limit: 1 })) as {
      metadata: { continue: string };
    };
    await h.custom.createNamespacedCustomObject({ ...ns, body: widget('d') });
    h.server.compact();
    const err = await apiError(
      h.custom.listNamespacedCustomObject({ ...ns, limit: 1, _continue: first.metadata.continue }),
    );
    expect(err.code).toBe(410);
    expect(err.body).toMatchObject({ reason: 'Expired', code: 410 });
  });
});

describe('update, patch and delete', () => {
  test('PUT with a stale resourceVersion is 409 Conflict; with the current one it bumps resourceVersion', async () => {
    const created = asObj(
      await h.custom.createNamespacedCustomObject({ ...ns, body: widget('a', { size: 1 }) }),
    );
    const updated = asObj(
      await h.custom.replaceNamespacedCustomObject({
        ...ns,
        name: 'a',
        body: { ...created, spec: { size: 2 } },
      }),
    );
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(
      Number(created.metadata.resourceVersion),
    );
    const stale = await apiError(
      h.custom.replaceNamespacedCustomObject({ ...ns, name: 'a', body: { ...created, spec: { size: 3 } } }),
    );
    expect(stale.code).toBe(409);
    expect(stale.body).toMatchObject({
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on widgets.${GROUP} "a": the object has been modified; please apply your changes to the latest version and try again`,
    });
  });

  test('generation changes with spec only, not with metadata or status', async () => {
    const created = asObj(
      await h.custom.createNamespacedCustomObject({ ...ns, body: widget('a', { size: 1 }) }),
    );
    const labelled = asObj(
      await h.custom.patchNamespacedCustomObject(
        { ...ns, name: 'a', body: { metadata: { labels: { x: 'y' } } } },
        mergePatch,
      ),
    );
    expect(labelled.metadata.generation).toBe(1);
    expect(labelled.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
    const statused = asObj(
      await h.custom.patchNamespacedCustomObjectStatus(
        { ...ns, name: 'a', body: { status: { ready: true } } },
        mergePatch,
      ),
    );
    expect(statused.metadata.generation).toBe(1);
    const specced = asObj(
      await h.custom.patchNamespacedCustomObject(
        { ...ns, name: 'a', body: { spec: { size: 2 } } },
        mergePatch,
      ),
    );
    expect(specced.metadata.generation).toBe(2);
  });

  test('merge patch on /status changes only status; writes to the main resource ignore status', async () => {
    await h.custom.createNamespacedCustomObject({ ...ns, body: widget('a', { size: 1 }) });
    const viaStatus = asObj(
      await h.custom.patchNamespacedCustomObjectStatus(
        {
          ...ns,
          name: 'a',
          body: { spec: { size: 99 }, metadata: { labels: { x: 'y' } }, status: { ready: true } },
        },
        mergePatch,
      ),
    );
    expect(viaStatus.spec).toEqual({ size: 1 });
    expect(viaStatus.metadata.labels).toBeUndefined();
    expect(viaStatus.status).toEqual({ ready: true });
    const viaMain = asObj(
      await h.custom.patchNamespacedCustomObject(
        { ...ns, name: 'a', body: { spec: { size: 2 }, status: { ready: false } } },
        mergePatch,
      ),
    );
    expect(viaMain.spec).toEqual({ size: 2 });
    expect(viaMain.status).toEqual({ ready: true });
  });

  test('a kind without a status subresource treats status as ordinary content', async () => {
    const gadgets = { group: GROUP, version: VERSION, plural: GADGET.plural };
    await h.custom.createClusterCustomObject({
      ...gadgets,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'Gadget', metadata: { name: 'g' }, status: { s: 1 } },
    });
    const patched = asObj(
      await h.custom.patchClusterCustomObject(
        { ...gadgets, name: 'g', body: { status: { s: 2 } } },
        mergePatch,
      ),
    );
    expect(patched.status).toEqual({ s: 2 });
    expect(patched.metadata.generation).toBe(2);
    expect(patched.metadata.namespace).toBeUndefined();
    const err = await apiError(h.custom.getClusterCustomObjectStatus({ ...gadgets, name: 'g' }));
    expect(err.code).toBe(404);
  });

  test('a write that changes nothing keeps the resourceVersion', async () => {
    const created = asObj(
      await h.custom.createNamespacedCustomObject({ ...ns, body: widget('a', { size: 1 }) }),
    );
    const same = asObj(
      await h.custom.patchNamespacedCustomObject(
        { ...ns, name: 'a', body: { spec: { size: 1 } } },
        mergePatch,
      ),
    );
    expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  test('JSON patch is supported; strategic merge patch on a custom resource is 415', async () => {
    await h.custom.createNamespacedCustomObject({ ...ns, body: widget('a', { size: 1 }) });
    const patched = asObj(
      await h.custom.patchNamespacedCustomObject({
        ...ns,
        name: 'a',
        body: [{ op: 'replace', path: '/spec/size', value: 5 }],
      }),
    );
    expect(patched.spec).toEqual({ size: 5 });
    const smp = await apiError(
      h.custom.patchNamespacedCustomObject(
        { ...ns, name: 'a', body: { spec: { size: 6 } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      ),
    );
    expect(smp.code).toBe(415);
    expect(smp.body.reason).toBe('UnsupportedMediaType');
  });

  test('delete removes the object; with finalizers it only sets deletionTimestamp until they are removed', async () => {
    await h.custom.createNamespacedCustomObject({ ...ns, body: widget('plain') });
    await h.custom.deleteNamespacedCustomObject({ ...ns, name: 'plain' });
    expect((await apiError(h.custom.getNamespacedCustomObject({ ...ns, name: 'plain' }))).code).toBe(404);

    await h.custom.createNamespacedCustomObject({
      ...ns,
      body: widget('fin', {}, { finalizers: ['envstack.io/cleanup'] }),
    });
    const deleting = asObj(await h.custom.deleteNamespacedCustomObject({ ...ns, name: 'fin' }));
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    expect(
      asObj(await h.custom.getNamespacedCustomObject({ ...ns, name: 'fin' })).metadata.deletionTimestamp,
    ).toBeDefined();
    await h.custom.patchNamespacedCustomObject(
      { ...ns, name: 'fin', body: { metadata: { finalizers: null } } },
      mergePatch,
    );
    expect((await apiError(h.custom.getNamespacedCustomObject({ ...ns, name: 'fin' }))).code).toBe(404);
  });
});

describe('status subresource PUT and deletecollection', () => {
  test('PUT /status writes status only and honours resourceVersion', async () => {
    const created = asObj(
      await h.custom.createNamespacedCustomObject({ ...ns, body: widget('a', { size: 1 }) }),
    );
    const body = { ...created, spec: { size: 9 }, status: { phase: 'Ready' } };
    const updated = asObj(await h.custom.replaceNamespacedCustomObjectStatus({ ...ns, name: 'a', body }));
    expect(updated.spec).toEqual({ size: 1 });
    expect(updated.status).toEqual({ phase: 'Ready' });
    const stale = await apiError(h.custom.replaceNamespacedCustomObjectStatus({ ...ns, name: 'a', body }));
    expect(stale.code).toBe(409);
  });

  test('DELETE on a collection removes the selected objects', async () => {
    await h.custom.createNamespacedCustomObject({ ...ns, body: widget('a', {}, { labels: { x: '1' } }) });
    await h.custom.createNamespacedCustomObject({ ...ns, body: widget('b') });
    await h.custom.deleteCollectionNamespacedCustomObject({ ...ns, labelSelector: 'x=1' });
    expect(h.server.objects(GROUP, 'widgets').map((o) => o.metadata.name)).toEqual(['b']);
  });
});
