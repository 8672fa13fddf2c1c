// The controller's scenarios on a real kube-apiserver in the namespaced flavor (Crossplane v2: the
// PlatformEnvironment is the XR, its Crossplane fields under spec.crossplane, its resources namespaced).
import { jest } from '@jest/globals';
import type { RunningController } from '../../src/ops/controller/index.js';
import {
  events,
  install,
  liveEnvironment,
  metric,
  mrNamed,
  patchSpec,
  patchStatus,
  startController,
  startLiveCluster,
  statusWrites,
  until,
  waitFor,
  type LiveCluster,
} from '../controller/harness.js';
import { describeKube } from '../support/kube.js';

jest.setTimeout(180_000);

describeKube('controller on a real API server (namespaced flavor)', () => {
  let c: LiveCluster;
  let r: RunningController;
  beforeAll(async () => {
    c = await startLiveCluster('namespaced');
    r = await startController(c, 'controller');
    await waitFor('leader', () => r.elector?.isLeader);
  }, 300_000);
  afterAll(async () => {
    await r?.stop();
    await c?.close();
  });

  test('all ready → Ready; Synced=False under Ready=True → Degraded and an Event on the XR; recovered', async () => {
    const env = await liveEnvironment(c, 'payments-a');
    await install(c, env);
    const s = await until(c, env, 'Ready', (x) => x.phase === 'Ready');
    expect(s.componentsReady).toBe(`${env.mrs.length}/${env.mrs.length}`);
    expect(s.drift).toEqual({ count: 0, spec: 0, cloud: 0, items: [] });
    expect(env.mrs.every((m) => m.metadata?.namespace === 'team-payments')).toBe(true);
    const writes = () =>
      statusWrites(c).filter((w) => w.name === 'payments-a' && w.namespace === 'team-payments').length;
    await waitFor('the Ready write recorded', () => writes() > 0);
    const w0 = writes();
    const message = 'update failed: UnauthorizedOperation: You are not authorized';
    const subnet = mrNamed(env, 'subnet-private-a');
    await patchStatus(c, subnet, {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: '2026-01-01T00:00:00Z' },
        {
          type: 'Synced',
          status: 'False',
          reason: 'ReconcileError',
          message,
          lastTransitionTime: '2026-02-01T00:00:00Z',
        },
      ],
    });
    const degraded = await until(c, env, 'Degraded', (x) => x.phase === 'Degraded');
    expect(degraded.blockingError).toMatchObject({ resource: 'subnet-private-a', kind: 'Subnet', message });
    const blocked = await waitFor('Blocked', async () => (await events(c, 'Blocked'))[0]);
    expect(blocked.involvedObject).toMatchObject({
      kind: 'PlatformEnvironment',
      name: 'payments-a',
      namespace: 'team-payments',
    });
    expect(blocked.involvedObject.uid).toBeTruthy();
    await patchStatus(c, subnet, {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: '2026-01-01T00:00:00Z' },
        {
          type: 'Synced',
          status: 'True',
          reason: 'ReconcileSuccess',
          lastTransitionTime: '2026-02-02T00:00:00Z',
        },
      ],
    });
    await until(c, env, 'Ready again', (x) => x.phase === 'Ready');
    expect(writes()).toBe(w0 + 2);
  });

  test('cloud drift and spec drift on namespaced resources', async () => {
    const env = await liveEnvironment(c, 'payments-b');
    await install(c, env);
    await until(c, env, 'Ready', (x) => x.phase === 'Ready');
    const vpc = mrNamed(env, 'vpc');
    const healthy = vpc.status?.atProvider as Record<string, unknown>;
    await patchStatus(c, vpc, { atProvider: { ...healthy, enableDnsHostnames: false } });
    const cloud = await until(c, env, 'cloud drift', (x) => (x.drift?.cloud ?? 0) > 0);
    expect(cloud.drift?.items?.map((i) => [i.resource, i.type, i.field, i.want, i.have])).toEqual([
      ['vpc', 'cloud', 'enableDnsHostnames', 'true', 'false'],
    ]);
    expect(await metric(r, 'envstack_drifted_resources{')).toEqual([
      'envstack_drifted_resources{kind="VPC"} 1',
    ]);
    await patchStatus(c, vpc, { atProvider: healthy });
    await until(c, env, 'no drift', (x) => x.drift?.count === 0);
    await patchSpec(c, vpc, { forProvider: { cidrBlock: '10.99.0.0/16' } });
    const spec = await until(c, env, 'spec drift', (x) => (x.drift?.spec ?? 0) > 0);
    expect(
      spec.drift?.items?.filter((i) => i.type === 'spec').map((i) => [i.resource, i.field, i.want, i.have]),
    ).toEqual([['vpc', 'cidrBlock', '10.20.0.0/16', '10.99.0.0/16']]);
    expect(c.proxy.requests({ client: 'controller', status: 403 })).toEqual([]);
  });
});
