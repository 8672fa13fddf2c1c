import { Controller } from '../../src/controller/controller.js';
import { compositionRenderer } from '../../src/controller/desired.js';
import {
  environment,
  install,
  resourceTypes,
  startCluster,
  statusOf,
  statusWrites,
  waitFor,
  type Cluster,
} from './harness.js';

let c: Cluster;
let controller: Controller | undefined;

afterEach(async () => {
  await controller?.stop();
  controller = undefined;
  await c?.close();
});

test('an environment whose resources are all ready becomes Ready, written once', async () => {
  c = await startCluster('claim');
  const env = await environment('claim');
  await install(c, env);
  controller = new Controller({
    kubeConfig: c.kc,
    flavor: 'claim',
    resources: resourceTypes('claim'),
    renderDesired: await compositionRenderer('claim'),
  });
  await controller.start();
  await controller.waitForSync();
  controller.startWorkers();
  const status = await waitFor('status', () => (statusOf(c, env).phase ? statusOf(c, env) : undefined));
  expect(status).toMatchObject({ phase: 'Ready', componentsReady: `${env.mrs.length}/${env.mrs.length}` });
  expect(status.drift).toEqual({ count: 0, spec: 0, cloud: 0, items: [] });
  expect(statusWrites(c)).toBe(1);
  for (const xr of controller.informers) expect(xr.hasSynced).toBe(true);
  expect(await controller.reconcile(env.xr.metadata?.name ?? '')).toBe('unchanged');
  expect(statusWrites(c)).toBe(1);
});
