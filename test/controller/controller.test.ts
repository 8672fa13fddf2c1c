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
  // The write's response may still be on its way to the controller when the server shows the status.
  const key = env.xr.metadata?.name ?? '';
  await waitFor('cache holds the write', () => controller?.informers[0].get(key)?.status?.phase);
  expect(await controller.reconcile(key)).toBe('unchanged');
  expect(statusWrites(c)).toBe(1);
});

test('readyz waits for the informers; healthz and metrics answer', async () => {
  c = await startCluster('claim');
  c.server.injectFault({ verb: 'list', resource: 'xplatformenvironments', status: 500, times: 1_000_000 });
  const { runController } = await import('../../src/controller/index.js');
  const r = await runController({
    kubeConfig: c.kc,
    resources: resourceTypes('claim'),
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    handleSignals: false,
    leaderElection: false,
    log: () => undefined,
  });
  try {
    await waitFor(
      'a failed list',
      () => c.server.requests({ verb: 'list', resource: 'xplatformenvironments' }).length > 0,
    );
    expect((await fetch(`${r.health.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${r.health.url}/healthz`)).status).toBe(200);
    c.server.clearFaults();
    await waitFor('ready', async () => (await fetch(`${r.health.url}/readyz`)).status === 200);
    const metrics = await (await fetch(`${r.health.url}/metrics`)).text();
    expect(metrics).toMatch(
      /envstack_controller_informer_restarts_total\{resource="xplatformenvironments"\} [1-9]/,
    );
    expect(metrics).toContain('envstack_controller_queue_depth');
    expect(metrics).toContain('# TYPE envstack_controller_reconcile_duration_seconds histogram');
  } finally {
    await r.stop();
  }
});
