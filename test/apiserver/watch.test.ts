import { makeInformer, Watch, type KubernetesObject } from '@kubernetes/client-node';
import { asObj, GROUP, startHarness, VERSION, waitFor, widget, type Harness } from './fixtures.js';

const ns = { group: GROUP, version: VERSION, namespace: 'default', plural: 'widgets' };
const path = `/apis/${GROUP}/${VERSION}/namespaces/default/widgets`;

interface Seen {
  type: string;
  object: { code?: number; reason?: string; metadata?: { name?: string; resourceVersion?: string } };
}

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ bookmarkIntervalMs: 0 });
});
afterEach(async () => {
  await h.server.close();
});

async function startWatch(query: Record<string, string | number | boolean | undefined>) {
  const events: Seen[] = [];
  let ended: { err: unknown } | undefined;
  const controller = await new Watch(h.kc).watch(
    path,
    query,
    (type, object) => events.push({ type, object: object as Seen['object'] }),
    (err) => (ended = { err }),
  );
  return { events, ended: () => ended, stop: () => controller.abort() };
}

function listWidgets(): Promise<{ metadata?: { resourceVersion?: string }; items: KubernetesObject[] }> {
  return h.custom.listNamespacedCustomObject(ns);
}

test('a watch from a list resourceVersion streams only later ADDED, MODIFIED and DELETED events', async () => {
  await h.custom.createNamespacedCustomObject({ ...ns, body: widget('before') });
  const list = await listWidgets();
  const w = await startWatch({ resourceVersion: list.metadata?.resourceVersion });
  await h.custom.createNamespacedCustomObject({ ...ns, body: widget('a', { size: 1 }) });
  const modified = asObj(
    await h.custom.replaceNamespacedCustomObject({ ...ns, name: 'a', body: widget('a', { size: 2 }) }),
  );
  await h.custom.deleteNamespacedCustomObject({ ...ns, name: 'a' });
  await waitFor(() => w.events.length === 3, 'three events');
  w.stop();
  expect(w.events.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual([
    'ADDED a',
    'MODIFIED a',
    'DELETED a',
  ]);
  expect(w.events[1].object.metadata?.resourceVersion).toBe(modified.metadata.resourceVersion);
  const rvs = w.events.map((e) => Number(e.object.metadata?.resourceVersion));
  expect(rvs).toEqual([...rvs].sort((x, y) => x - y));

  const resumed = await startWatch({ resourceVersion: modified.metadata.resourceVersion });
  await waitFor(() => resumed.events.length === 1, 'replayed delete');
  resumed.stop();
  expect(resumed.events.map((e) => e.type)).toEqual(['DELETED']);
});

test('a watch without resourceVersion starts with ADDED for every existing object', async () => {
  await h.custom.createNamespacedCustomObject({ ...ns, body: widget('a') });
  await h.custom.createNamespacedCustomObject({ ...ns, body: widget('b') });
  const w = await startWatch({});
  await waitFor(() => w.events.length === 2, 'synthetic adds');
  w.stop();
  expect(w.events.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual(['ADDED a', 'ADDED b']);
});

test('a label-selected watch sees an object leave the selection as DELETED', async () => {
  const created = asObj(
    await h.custom.createNamespacedCustomObject({
      ...ns,
      body: widget('a', {}, { labels: { tier: 'web' } }),
    }),
  );
  const w = await startWatch({
    resourceVersion: created.metadata.resourceVersion,
    labelSelector: 'tier=web',
  });
  await h.custom.replaceNamespacedCustomObject({
    ...ns,
    name: 'a',
    body: widget('a', {}, { labels: { tier: 'db' } }),
  });
  await waitFor(() => w.events.length === 1, 'leave event');
  w.stop();
  expect(w.events[0]).toMatchObject({ type: 'DELETED', object: { metadata: { name: 'a' } } });
});

test('bookmarks arrive only when asked for and carry just the resourceVersion', async () => {
  await h.custom.createNamespacedCustomObject({ ...ns, body: widget('a') });
  const rv = h.server.resourceVersion;
  const withBookmarks = await startWatch({ resourceVersion: rv, allowWatchBookmarks: true });
  const without = await startWatch({ resourceVersion: rv });
  h.server.sendBookmarks();
  await waitFor(() => withBookmarks.events.length === 1, 'bookmark');
  await h.custom.createNamespacedCustomObject({ ...ns, body: widget('b') });
  await waitFor(() => without.events.length === 1, 'add after bookmark');
  withBookmarks.stop();
  without.stop();
  expect(withBookmarks.events[0]).toEqual({
    type: 'BOOKMARK',
    object: { apiVersion: `${GROUP}/${VERSION}`, kind: 'Widget', metadata: { resourceVersion: rv } },
  });
  expect(without.events.map((e) => e.type)).toEqual(['ADDED']);
});

test('periodic bookmarks are sent on the configured interval', async () => {
  await h.server.close();
  h = await startHarness({ bookmarkIntervalMs: 20 });
  const w = await startWatch({ resourceVersion: h.server.resourceVersion, allowWatchBookmarks: true });
  await waitFor(() => w.events.filter((e) => e.type === 'BOOKMARK').length >= 2, 'two bookmarks');
  w.stop();
});

test('a watch from a compacted resourceVersion gets HTTP 200 with one ERROR 410 Expired event, then the stream ends', async () => {
  const created = asObj(await h.custom.createNamespacedCustomObject({ ...ns, body: widget('a') }));
  await h.custom.createNamespacedCustomObject({ ...ns, body: widget('b') });
  h.server.compact();

  const raw = await fetch(
    `${h.server.url}${path}?watch=true&resourceVersion=${created.metadata.resourceVersion}`,
  );
  expect(raw.status).toBe(200);
  const lines = (await raw.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Seen);
  expect(lines).toEqual([
    {
      type: 'ERROR',
      object: expect.objectContaining({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 }),
    },
  ]);

  const w = await startWatch({ resourceVersion: created.metadata.resourceVersion });
  await waitFor(() => w.ended() !== undefined, 'stream end');
  expect(w.events.map((e) => `${e.type} ${e.object.code}`)).toEqual(['ERROR 410']);
  expect(w.ended()?.err).toBeNull();
});

test('a bounded history window expires old starting points without explicit compaction', async () => {
  await h.server.close();
  h = await startHarness({ historyWindow: 2, bookmarkIntervalMs: 0 });
  const first = asObj(await h.custom.createNamespacedCustomObject({ ...ns, body: widget('a') }));
  for (const name of ['b', 'c', 'd'])
    await h.custom.createNamespacedCustomObject({ ...ns, body: widget(name) });
  const w = await startWatch({ resourceVersion: first.metadata.resourceVersion });
  await waitFor(() => w.ended() !== undefined, 'stream end');
  expect(w.events[0].object).toMatchObject({ code: 410, reason: 'Expired' });
});

test('timeoutSeconds ends the stream cleanly', async () => {
  const w = await startWatch({ resourceVersion: h.server.resourceVersion, timeoutSeconds: 1 });
  await waitFor(() => w.ended() !== undefined, 'timeout end', 5000);
  expect(w.ended()?.err).toBeNull();
  expect(h.server.openWatches).toBe(0);
});

describe('informer (makeInformer / ListWatch)', () => {
  function informer() {
    const inf = makeInformer<KubernetesObject>(h.kc, path, listWidgets);
    const names = () =>
      inf
        .list('default')
        .map((o) => o.metadata?.name)
        .sort();
    const deleted: string[] = [];
    const errors: unknown[] = [];
    inf.on('delete', (o) => deleted.push(o.metadata?.name ?? ''));
    inf.on('error', (e) => errors.push(e));
    return { inf, names, deleted, errors };
  }
  const lists = () => h.server.requests({ verb: 'list', resource: 'widgets' }).length;
  const watches = () => h.server.requests({ verb: 'watch', resource: 'widgets' });

  test('after a cleanly ended stream it re-watches from its last resourceVersion without relisting', async () => {
    await h.custom.createNamespacedCustomObject({ ...ns, body: widget('a') });
    const { inf, names } = informer();
    await inf.start();
    await waitFor(() => h.server.openWatches === 1, 'first watch');
    const b = asObj(await h.custom.createNamespacedCustomObject({ ...ns, body: widget('b') }));
    await waitFor(() => names().length === 2, 'b in cache');
    expect(h.server.dropWatches('end')).toBe(1);
    await waitFor(() => watches().length === 2 && h.server.openWatches === 1, 'second watch');
    await h.custom.createNamespacedCustomObject({ ...ns, body: widget('c') });
    await waitFor(() => names().length === 3, 'c in cache');
    await inf.stop();
    expect(lists()).toBe(1);
    expect(watches()[1].query.resourceVersion).toBe(b.metadata.resourceVersion);
  });

  test('after 410 Expired it clears its resourceVersion, relists and reports objects deleted meanwhile', async () => {
    await h.custom.createNamespacedCustomObject({ ...ns, body: widget('a') });
    const b = asObj(await h.custom.createNamespacedCustomObject({ ...ns, body: widget('b') }));
    const { inf, names, deleted } = informer();
    await inf.start();
    await waitFor(() => h.server.openWatches === 1, 'first watch');
    h.server.addLatency({ verb: 'watch', ms: 300, times: 1 });
    h.server.dropWatches('end');
    await h.custom.deleteNamespacedCustomObject({ ...ns, name: 'a' });
    h.server.compact();
    await waitFor(() => lists() === 2 && h.server.openWatches === 1, 'relist and new watch');
    await waitFor(() => deleted.length === 1, 'delete handler');
    await inf.stop();
    expect(deleted).toEqual(['a']);
    expect(names()).toEqual(['b']);
    expect(watches().map((w) => w.query.resourceVersion)).toEqual([
      b.metadata.resourceVersion,
      b.metadata.resourceVersion,
      h.server.resourceVersion,
    ]);
  });

  test('an injected 410 on the watch also makes it relist', async () => {
    const { inf } = informer();
    await inf.start();
    await waitFor(() => h.server.openWatches === 1, 'first watch');
    h.server.injectFault({ verb: 'watch', status: 410 });
    h.server.dropWatches('end');
    await waitFor(() => lists() === 2 && h.server.openWatches === 1, 'relist');
    await inf.stop();
  });

  test('a reset connection is reported as an error and the informer stops', async () => {
    const { inf, errors } = informer();
    await inf.start();
    await waitFor(() => h.server.openWatches === 1, 'first watch');
    h.server.dropWatches('destroy');
    await waitFor(() => errors.length === 1, 'error callback');
    expect(String((errors[0] as Error).message)).toContain('Premature close');
    expect(h.server.openWatches).toBe(0);
    expect(watches()).toHaveLength(1);
    await inf.stop();
  });

  test('start() after an error resumes from the last resourceVersion (no relist); stop() reports an AbortError', async () => {
    const { inf, names, errors } = informer();
    await inf.start();
    await waitFor(() => h.server.openWatches === 1, 'first watch');
    const rv = h.server.resourceVersion;
    h.server.dropWatches('destroy');
    await waitFor(() => errors.length === 1, 'error callback');
    await h.custom.createNamespacedCustomObject({ ...ns, body: widget('missed') });
    await inf.start();
    await waitFor(() => names().includes('missed'), 'replayed add');
    expect(lists()).toBe(1);
    expect(watches()[1].query.resourceVersion).toBe(rv);
    await inf.stop();
    await waitFor(() => errors.length === 2, 'abort reported');
    expect(errors[1]).toMatchObject({ name: 'AbortError' });
  });

  test('a non-200 answer to the watch (injected 500) is reported as an error and the informer stops', async () => {
    const { inf, errors } = informer();
    await inf.start();
    await waitFor(() => h.server.openWatches === 1, 'first watch');
    h.server.injectFault({ verb: 'watch', status: 500 });
    h.server.dropWatches('end');
    await waitFor(() => errors.length === 1, 'error callback');
    expect(errors[0]).toMatchObject({ statusCode: 500 });
    expect(h.server.openWatches).toBe(0);
    await inf.stop();
  });
});
