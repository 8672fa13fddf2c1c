import {
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { apiError, asObj, GROUP, startHarness, VERSION, widget, type Harness, type Obj } from './fixtures.js';

const ns = { group: GROUP, version: VERSION, namespace: 'default', plural: 'widgets' };
const ssa = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.server.close();
});

function apply(name: string, body: unknown, fieldManager: string, force?: boolean): Promise<Obj> {
  return h.custom.patchNamespacedCustomObject({ ...ns, name, body, fieldManager, force }, ssa).then(asObj);
}

const entry = (obj: Obj, manager: string, subresource?: string) =>
  obj.metadata.managedFields?.find((e) => e.manager === manager && e.subresource === subresource);

test('apply creates the object and records managedFields for the manager', async () => {
  const created = await apply(
    'a',
    widget('a', { size: 1, color: 'red' }, { labels: { team: 'x' } }),
    'envstack',
  );
  expect(created.metadata.generation).toBe(1);
  expect(created.metadata.managedFields).toEqual([
    {
      manager: 'envstack',
      operation: 'Apply',
      apiVersion: `${GROUP}/${VERSION}`,
      time: expect.stringMatching(/Z$/),
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } }, 'f:spec': { 'f:size': {}, 'f:color': {} } },
    },
  ]);
  expect(h.server.requests({ verb: 'patch' })[0]).toMatchObject({
    contentType: 'application/apply-patch+yaml',
    fieldManager: 'envstack',
  });
});

test('apply without fieldManager is rejected', async () => {
  const err = await apiError(
    h.custom.patchNamespacedCustomObject({ ...ns, name: 'a', body: widget('a') }, ssa),
  );
  expect(err.code).toBe(422);
});

test('another manager changing an owned field gets 409 unless it forces, which moves ownership', async () => {
  await apply('a', widget('a', { size: 1, color: 'red' }), 'envstack');
  const err = await apiError(apply('a', widget('a', { size: 2 }), 'intruder'));
  expect(err.code).toBe(409);
  expect(err.body).toMatchObject({
    kind: 'Status',
    reason: 'Conflict',
    message: `Apply failed with 1 conflict: conflict with "envstack" using ${GROUP}/${VERSION}: .spec.size`,
    details: { causes: [{ type: 'FieldManagerConflict', field: '.spec.size' }] },
  });
  const unchanged = asObj(await h.custom.getNamespacedCustomObject({ ...ns, name: 'a' }));
  expect(unchanged.spec).toEqual({ size: 1, color: 'red' });

  const forced = await apply('a', widget('a', { size: 2 }), 'intruder', true);
  expect(forced.spec).toEqual({ size: 2, color: 'red' });
  expect(entry(forced, 'envstack')?.fieldsV1).toEqual({ 'f:spec': { 'f:color': {} } });
  expect(entry(forced, 'intruder')?.fieldsV1).toEqual({ 'f:spec': { 'f:size': {} } });
});

test('applying the same value shares ownership without conflict', async () => {
  await apply('a', widget('a', { size: 1 }), 'one');
  const shared = await apply('a', widget('a', { size: 1 }), 'two');
  expect(entry(shared, 'one')?.fieldsV1).toEqual({ 'f:spec': { 'f:size': {} } });
  expect(entry(shared, 'two')?.fieldsV1).toEqual({ 'f:spec': { 'f:size': {} } });
});

test('a field dropped from the next apply is removed unless another manager owns it', async () => {
  await apply('a', widget('a', { size: 1, color: 'red', shape: 'round' }), 'envstack');
  await apply('a', widget('a', { shape: 'round' }), 'other');
  const next = await apply('a', widget('a', { size: 1 }), 'envstack');
  expect(next.spec).toEqual({ size: 1, shape: 'round' });
});

test('an Update by a different manager takes ownership, so a later apply of that field conflicts', async () => {
  await apply('a', widget('a', { size: 1 }), 'envstack');
  const edited = asObj(
    await h.custom.patchNamespacedCustomObject(
      { ...ns, name: 'a', body: { spec: { size: 5 } }, fieldManager: 'kubectl-edit' },
      mergePatch,
    ),
  );
  expect(entry(edited, 'kubectl-edit')).toMatchObject({
    operation: 'Update',
    fieldsV1: { 'f:spec': { 'f:size': {} } },
  });
  expect(entry(edited, 'envstack')).toBeUndefined();
  const err = await apiError(apply('a', widget('a', { size: 1 }), 'envstack'));
  expect(err.code).toBe(409);
  expect(err.body.message).toContain('conflict with "kubectl-edit"');
});

test('apply to /status writes only status and records a status subresource entry', async () => {
  await apply('a', widget('a', { size: 1 }), 'envstack');
  const body = { ...widget('a', { size: 100 }), status: { conditions: [{ type: 'Ready', status: 'True' }] } };
  const after = asObj(
    await h.custom.patchNamespacedCustomObjectStatus(
      { ...ns, name: 'a', body, fieldManager: 'envstack-status', force: true },
      ssa,
    ),
  );
  expect(after.spec).toEqual({ size: 1 });
  expect(after.status).toEqual({ conditions: [{ type: 'Ready', status: 'True' }] });
  expect(after.metadata.generation).toBe(1);
  expect(entry(after, 'envstack-status', 'status')).toMatchObject({
    operation: 'Apply',
    subresource: 'status',
    fieldsV1: { 'f:status': { 'f:conditions': {} } },
  });
  expect(
    h.server.requests({ verb: 'patch', subresource: 'status', fieldManager: 'envstack-status' }),
  ).toHaveLength(1);
});

test('apply to the main resource ignores status when the kind has a status subresource', async () => {
  const obj = await apply('a', { ...widget('a', { size: 1 }), status: { ready: true } }, 'envstack');
  expect(obj.status).toBeUndefined();
  expect(JSON.stringify(obj.metadata.managedFields)).not.toContain('f:status');
});

test('KubernetesObjectApi.patch with the ServerSideApply strategy works end to end', async () => {
  const client = KubernetesObjectApi.makeApiClient(h.kc);
  const spec: KubernetesObject = widget('k', { size: 3 });
  const applied = await client.patch(
    spec,
    undefined,
    undefined,
    'envstack',
    true,
    PatchStrategy.ServerSideApply,
  );
  expect(applied.metadata?.managedFields?.[0]).toMatchObject({ manager: 'envstack', operation: 'Apply' });
  expect(applied.metadata?.namespace).toBe('default');
});
