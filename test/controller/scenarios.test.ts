import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinationV1Api } from '@kubernetes/client-node';
import {
  runController,
  type RunControllerOptions,
  type RunningController,
} from '../../src/controller/index.js';
import type { KObject } from '../../src/controller/object.js';
import { kubeConfigYaml } from '../support/apiserver/index.js';
import {
  environment,
  events,
  install,
  installMr,
  patchSpec,
  patchStatus,
  resourceTypes,
  startCluster,
  statusOf,
  statusWrites,
  waitFor,
  type Cluster,
  type Environment,
} from './harness.js';

let c: Cluster;
const running: RunningController[] = [];
const children: ChildProcess[] = [];
const tmpDirs: string[] = [];

afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
  await c?.close();
});

const logs: Record<string, unknown>[] = [];

async function start(extra: Partial<RunControllerOptions> = {}): Promise<RunningController> {
  const r = await runController({
    kubeConfig: c.kc,
    flavor: c.flavor,
    resources: resourceTypes(c.flavor),
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    handleSignals: false,
    leaseNamespace: 'envstack-system',
    leaseDurationMs: 3000,
    renewDeadlineMs: 2000,
    retryPeriodMs: 100,
    log: (level, msg, fields) => logs.push({ level, msg, ...fields }),
    ...extra,
  });
  running.push(r);
  return r;
}

type Status = {
  phase?: string;
  componentsReady?: string;
  blockingError?: { resource: string; kind: string; message: string; reason?: string };
  drift?: {
    count: number;
    spec?: number;
    cloud?: number;
    items?: { resource: string; type: string; field: string; want?: string; have?: string; since: string }[];
  };
  components?: Record<string, { ready: number; total: number }>;
};
const status = (env: Environment): Status => statusOf(c, env) as Status;
const until = (env: Environment, what: string, pred: (s: Status) => boolean) =>
  waitFor(what, () => (pred(status(env)) ? status(env) : undefined));

function mrNamed(env: Environment, resource: string): KObject {
  const found = env.mrs.find(
    (m) => m.metadata?.annotations?.['crossplane.io/composition-resource-name'] === resource,
  );
  if (!found) throw new Error(`no ${resource}`);
  return found;
}

async function metric(r: RunningController, name: string): Promise<string[]> {
  const text = await (await fetch(`${r.health.url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name));
}

describe.each(['claim', 'namespaced'] as const)('%s flavor', (flavor) => {
  let env: Environment;
  beforeEach(async () => {
    c = await startCluster(flavor);
    env = await environment(flavor);
  });

  test('all ready → Ready; a Synced=False under Ready=True → Degraded with the provider message, then recovered', async () => {
    await install(c, env);
    const r = await start();
    await until(env, 'Ready', (s) => s.phase === 'Ready');
    expect(status(env).componentsReady).toBe(`${env.mrs.length}/${env.mrs.length}`);
    const subnet = mrNamed(env, 'subnet-private-a');
    const message =
      'update failed: operation error EC2: ModifySubnetAttribute, UnauthorizedOperation: You are not authorized';
    await patchStatus(c, subnet, {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Available' },
        {
          type: 'Synced',
          status: 'False',
          reason: 'ReconcileError',
          message,
          lastTransitionTime: '2026-02-01T00:00:00Z',
        },
      ],
    });
    const degraded = await until(env, 'Degraded', (s) => s.phase === 'Degraded');
    expect(degraded.componentsReady).toBe(`${env.mrs.length}/${env.mrs.length}`);
    expect(degraded.blockingError).toMatchObject({
      resource: 'subnet-private-a',
      kind: 'Subnet',
      reason: 'ReconcileError',
      message,
    });
    const blocked = await waitFor('Blocked event', () => events(c, 'Blocked')[0]);
    expect(blocked.message).toContain(message);
    const involved = blocked.involvedObject as { kind: string; name: string; namespace: string };
    expect(involved).toMatchObject(
      flavor === 'claim'
        ? { kind: 'PlatformEnvironment', name: 'payments-dev', namespace: 'team-payments' }
        : { kind: 'PlatformEnvironment', name: 'payments-dev', namespace: 'team-payments' },
    );
    await patchStatus(c, subnet, {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Available' },
        { type: 'Synced', status: 'True', reason: 'ReconcileSuccess' },
      ],
    });
    const back = await until(env, 'Ready again', (s) => s.phase === 'Ready');
    expect(back.blockingError ?? {}).toEqual({});
    await waitFor('Unblocked event', () => events(c, 'Unblocked')[0]);
    expect(await metric(r, 'envstack_environments{phase="Ready"}')).toEqual([
      'envstack_environments{phase="Ready"} 1',
    ]);
  });

  test('missing resources → Provisioning with counts; no write while nothing changes', async () => {
    const present = env.mrs.filter((m) => m.kind !== 'RouteTableAssociation');
    const missing = env.mrs.length - present.length;
    expect(missing).toBeGreaterThan(0);
    await install(c, env, present);
    const r = await start();
    const s = await until(env, 'Provisioning', (x) => x.phase === 'Provisioning');
    expect(s.componentsReady).toBe(`${present.length}/${env.mrs.length}`);
    expect(s.components?.network.total).toBeGreaterThan(s.components?.network.ready ?? 0);
    const key = flavor === 'claim' ? (env.xr.metadata?.name ?? '') : `team-payments/${env.xr.metadata?.name}`;
    await waitFor(
      'cache holds the write',
      () => r.controller.informers[0].get(key)?.status?.phase === 'Provisioning',
    );
    const writes = statusWrites(c);
    const unchanged = async () =>
      (await metric(r, 'envstack_controller_reconcile_total{result="unchanged"}'))
        .map((l) => Number(l.split(' ')[1]))
        .reduce((x, y) => x + y, 0);
    const before = await unchanged();
    // Events that change nothing the status depends on: a spec field outside forProvider, a requeue.
    await patchSpec(c, present[0], { deletionPolicy: 'Orphan' });
    r.controller.enqueue(key);
    await waitFor('reconciled again', async () => (await unchanged()) >= before + 2);
    expect(statusWrites(c)).toBe(writes);
    for (const m of env.mrs.filter((x) => !present.includes(x))) await installMr(c, m);
    await until(env, 'Ready', (x) => x.phase === 'Ready');
  });

  test('cloud drift appears → listed with field paths and an Event; cleared → removed and an Event', async () => {
    await install(c, env);
    const r = await start();
    await until(env, 'Ready', (s) => s.phase === 'Ready');
    const vpc = mrNamed(env, 'vpc');
    const healthy = vpc.status?.atProvider as Record<string, unknown>;
    await patchStatus(c, vpc, {
      atProvider: {
        ...healthy,
        enableDnsHostnames: false,
        tags: { ...(healthy.tags as object), Owner: 'someone-else' },
      },
    });
    const drifted = await until(env, 'drift', (s) => (s.drift?.count ?? 0) > 0);
    expect(drifted.drift?.items?.map((i) => [i.resource, i.type, i.field, i.want, i.have])).toEqual([
      ['vpc', 'cloud', 'enableDnsHostnames', 'true', 'false'],
      ['vpc', 'cloud', 'tags.Owner', 'team-payments', 'someone-else'],
    ]);
    expect(drifted.drift).toMatchObject({ count: 2, cloud: 2, spec: 0 });
    const detected = await waitFor('DriftDetected', () => events(c, 'DriftDetected')[0]);
    expect(detected.message).toContain('vpc.enableDnsHostnames');
    expect(await metric(r, 'envstack_drifted_resources{')).toEqual([
      `envstack_drifted_resources{environment="${flavor === 'claim' ? env.xr.metadata?.name : `team-payments/${env.xr.metadata?.name}`}",kind="VPC"} 1`,
    ]);
    await patchStatus(c, vpc, { atProvider: healthy });
    const cleared = await until(env, 'no drift', (s) => s.drift?.count === 0);
    expect(cleared.drift?.items).toEqual([]);
    await waitFor('DriftCleared', () => events(c, 'DriftCleared')[0]);
    expect(await metric(r, 'envstack_drifted_resources{')).toEqual([]);
  });

  test('a managed resource edited by hand → spec drift against the render', async () => {
    await install(c, env);
    await start();
    await until(env, 'Ready', (s) => s.phase === 'Ready');
    const vpc = mrNamed(env, 'vpc');
    await patchSpec(c, vpc, { forProvider: { cidrBlock: '10.99.0.0/16' } });
    const s = await until(env, 'spec drift', (x) => (x.drift?.spec ?? 0) > 0);
    expect(s.drift?.items).toContainEqual(
      expect.objectContaining({
        resource: 'vpc',
        type: 'spec',
        field: 'cidrBlock',
        want: '10.20.0.0/16',
        have: '10.99.0.0/16',
      }),
    );
  });
});

describe('resilience', () => {
  let env: Environment;
  beforeEach(async () => {
    c = await startCluster('claim', { historyWindow: 50 });
    env = await environment('claim');
    await install(c, env);
  });

  test('dropped watches and 410 Gone: the controller relists and misses no update', async () => {
    const r = await start({ leaderElection: false });
    await until(env, 'Ready', (s) => s.phase === 'Ready');
    const subnet = mrNamed(env, 'subnet-public-a');
    // Connection resets: client-node's watch reports an error; the informer must restart itself.
    c.server.dropWatches('destroy');
    await patchStatus(c, subnet, {
      conditions: [{ type: 'Ready', status: 'False', reason: 'Unavailable', message: 'gone missing' }],
    });
    await until(env, 'Degraded after reset', (s) => s.blockingError?.message === 'gone missing');
    // History compacted while streams end: resuming from the last resourceVersion is 410, a relist must follow.
    c.server.compact();
    c.server.dropWatches('end');
    await patchStatus(c, subnet, {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Available' },
        { type: 'Synced', status: 'True' },
      ],
    });
    await until(env, 'Ready after 410', (s) => s.phase === 'Ready');
    const restarts = await metric(r, 'envstack_controller_informer_restarts_total{');
    const relists = await metric(r, 'envstack_controller_informer_relists_total{');
    expect(restarts.some((l) => !l.endsWith(' 0'))).toBe(true);
    expect(relists.some((l) => !l.endsWith(' 0'))).toBe(true);
    await waitFor('watches reopened', () => c.server.openWatches >= resourceTypes('claim').length + 1);
  });

  test('an injected 500 on the status write is retried with backoff', async () => {
    c.server.injectFault({ verb: 'patch', subresource: 'status', status: 500, times: 2 });
    await start({ leaderElection: false });
    await until(env, 'Ready', (s) => s.phase === 'Ready');
    const writes = c.server.requests({
      verb: 'patch',
      subresource: 'status',
      fieldManager: 'envstack-controller',
    });
    expect(writes.map((w) => w.status)).toEqual([500, 500, 200]);
  });

  test('two replicas: only the leader writes; when it steps down the other takes over', async () => {
    const a = await start({ identity: 'replica-a' });
    await waitFor('a leads', () => a.elector?.isLeader);
    const b = await start({ identity: 'replica-b' });
    await until(env, 'Ready', (s) => s.phase === 'Ready');
    const subnet = mrNamed(env, 'subnet-public-a');
    await patchStatus(c, subnet, {
      conditions: [{ type: 'Ready', status: 'False', reason: 'Unavailable', message: 'first' }],
    });
    await until(env, 'Degraded', (s) => s.blockingError?.message === 'first');
    expect(b.elector?.isLeader).toBe(false);
    const writesBy = async (r: RunningController) =>
      Number((await metric(r, 'envstack_controller_status_writes_total'))[0]?.split(' ')[1] ?? 0);
    expect(await writesBy(b)).toBe(0);
    expect(await writesBy(a)).toBe(statusWrites(c));
    expect(events(c).every((e) => e.reportingInstance === 'replica-a')).toBe(true);
    await a.stop();
    running.splice(running.indexOf(a), 1);
    await waitFor('b leads', () => b.elector?.isLeader, 3000 + 2000);
    await patchStatus(c, subnet, {
      conditions: [{ type: 'Ready', status: 'False', reason: 'Unavailable', message: 'second' }],
    });
    await until(env, 'b wrote', (s) => s.blockingError?.message === 'second');
    expect(await writesBy(b)).toBeGreaterThan(0);
  });
});

describe('as a process', () => {
  let env: Environment;
  let kubeconfig: string;
  beforeEach(async () => {
    c = await startCluster('claim');
    env = await environment('claim');
    await install(c, env);
    const dir = mkdtempSync(join(tmpdir(), 'envstack-controller-'));
    tmpDirs.push(dir);
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeConfigYaml(c.server));
  });

  function spawnController(identity: string): { child: ChildProcess; lines: Record<string, unknown>[] } {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/controller/run-controller.ts'], {
      cwd: process.cwd(),
      env: { ...process.env, KUBECONFIG: kubeconfig, ENVSTACK_IDENTITY: identity, NODE_OPTIONS: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    const lines: Record<string, unknown>[] = [];
    let buffer = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const p of parts) {
        try {
          lines.push(JSON.parse(p) as Record<string, unknown>);
        } catch {
          lines.push({ level: 'raw', msg: p });
        }
      }
    });
    return { child, lines };
  }

  const lease = async () =>
    c.kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: 'envstack-controller', namespace: 'envstack-system' });

  test('SIGTERM mid-reconcile: the write in flight completes, the lease is released, exit code 0', async () => {
    const p = spawnController('proc-a');
    await until(env, 'Ready', (s) => s.phase === 'Ready');
    expect(p.lines.every((l) => typeof l.msg === 'string' && typeof l.level === 'string')).toBe(true);
    c.server.addLatency({ verb: 'patch', subresource: 'status', ms: 1500 });
    await patchStatus(c, mrNamed(env, 'vpc'), {
      conditions: [{ type: 'Ready', status: 'False', reason: 'Unavailable', message: 'slow' }],
    });
    await waitFor(
      'write in flight',
      () =>
        c.server.requests({ verb: 'patch', subresource: 'status', fieldManager: 'envstack-controller' })
          .length === 2,
    );
    const exited = new Promise<number | null>((resolve) => p.child.once('exit', (code) => resolve(code)));
    p.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const writes = c.server.requests({
      verb: 'patch',
      subresource: 'status',
      fieldManager: 'envstack-controller',
    });
    expect(writes.map((w) => w.status)).toEqual([200, 200]);
    expect(status(env).blockingError?.message).toBe('slow');
    expect((await lease()).spec?.holderIdentity ?? '').toBe('');
    expect(p.lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['signal received', 'released lease', 'stopped']),
    );
  });

  test('a crashed leader is replaced within a lease duration', async () => {
    const a = spawnController('proc-a');
    await waitFor('a leads', () => a.lines.some((l) => l.msg === 'became leader'));
    const b = spawnController('proc-b');
    await waitFor('b up', () => b.lines.some((l) => l.msg === 'listening'));
    await until(env, 'Ready', (s) => s.phase === 'Ready');
    const exited = new Promise((resolve) => a.child.once('exit', resolve));
    a.child.kill('SIGKILL');
    await exited;
    // Within one lease duration (3s) of the last renewal, plus a retry period and scheduling slack.
    await waitFor('b leads', () => b.lines.some((l) => l.msg === 'became leader'), 3000 + 2000);
    expect((await lease()).spec?.holderIdentity).toBe('proc-b');
    await patchStatus(c, mrNamed(env, 'vpc'), {
      conditions: [{ type: 'Ready', status: 'False', reason: 'Unavailable', message: 'after failover' }],
    });
    await until(env, 'b writes', (s) => s.blockingError?.message === 'after failover');
  });
});
