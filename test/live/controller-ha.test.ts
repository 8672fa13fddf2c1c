// High availability on a real kube-apiserver: Lease-based leader election between replicas (in
// process and as processes), failover, a hung renew, readiness, SIGTERM in the middle of a write.
import { jest } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import type { RunningController } from '../../src/ops/controller/index.js';
import {
  events,
  install,
  liveEnvironment,
  logsOf,
  mrNamed,
  patchStatus,
  startController,
  startLiveCluster,
  statusWrites,
  until,
  waitFor,
  LEASE_MS,
  LEASE_NAMESPACE,
  RETRY_MS,
  type ClientName,
  type Environment,
  type LiveCluster,
} from '../controller/harness.js';
import { describeKube } from '../support/kube.js';

jest.setTimeout(180_000);

interface Lease {
  spec?: { holderIdentity?: string; renewTime?: string; acquireTime?: string; leaseTransitions?: number };
}

const unready = (message: string) => [
  {
    type: 'Ready',
    status: 'False',
    reason: 'Unavailable',
    message,
    lastTransitionTime: '2026-03-01T00:00:00Z',
  },
  { type: 'Synced', status: 'True', reason: 'ReconcileSuccess', lastTransitionTime: '2026-03-01T00:00:00Z' },
];

describeKube('controller HA on a real API server', () => {
  let c: LiveCluster;
  let env: Environment;
  const running: RunningController[] = [];
  const children: ChildProcess[] = [];
  const lease = () =>
    c.admin.request<Lease>(
      'GET',
      `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases/envstack-controller`,
    );
  const readyz = async (r: RunningController) => {
    const res = await fetch(`${r.health.url}/readyz`);
    return { status: res.status, body: (await res.text()).trim() };
  };
  const start = async (name: ClientName) => {
    const r = await startController(c, name);
    running.push(r);
    return r;
  };
  const stop = async (r: RunningController) => {
    running.splice(running.indexOf(r), 1);
    await r.stop();
  };
  const logTime = (r: RunningController, msg: string): number | undefined =>
    (logsOf.get(r) ?? []).find((l) => l.msg === msg)?.t as number | undefined;

  beforeAll(async () => {
    c = await startLiveCluster('claim');
    env = await liveEnvironment(c, 'payments-ha');
    await install(c, env);
  }, 300_000);
  afterEach(async () => {
    c.proxy.clearFaults();
    for (const r of running.splice(0)) await r.stop();
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
      }
  });
  afterAll(async () => c?.close());

  test('two replicas: the leader holds a valid Lease, only it writes, the standby is ready; it steps down and the other takes over', async () => {
    const a = await start('replica-a');
    await waitFor('a leads', () => a.elector?.isLeader);
    const held = await lease();
    expect(held.spec?.holderIdentity).toBe('replica-a');
    // MicroTime, as the API server requires of a Lease: six fraction digits.
    expect(held.spec?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(held.spec?.acquireTime).toMatch(/\.\d{6}Z$/);
    const b = await start('replica-b');
    await until(c, env, 'Ready', (s) => s.phase === 'Ready');
    await waitFor('b synced and standing by', async () => (await readyz(b)).status === 200);
    expect(await readyz(a)).toEqual({ status: 200, body: 'ok' });
    await patchStatus(c, mrNamed(env, 'subnet-public-a'), { conditions: unready('first') });
    await until(c, env, 'Degraded', (s) => s.blockingError?.message === 'first');
    await waitFor('Blocked event', async () =>
      (await events(c, 'Blocked')).find((e) => e.message.endsWith('first')),
    );
    expect(b.elector?.isLeader).toBe(false);
    expect(statusWrites(c, 'replica-a').length).toBeGreaterThan(0);
    expect(statusWrites(c, 'replica-b')).toEqual([]);
    expect(c.proxy.requests({ client: 'replica-b', verb: ['create', 'patch'], resource: 'events' })).toEqual(
      [],
    );
    const mine = await events(c);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((e) => e.reportingInstance === 'replica-a')).toBe(true);
    // Graceful: a releases the Lease, b need not wait for it to expire.
    const released = Date.now();
    await stop(a);
    expect((logsOf.get(a) ?? []).map((l) => l.msg)).toContain('released lease');
    expect((await lease()).spec?.holderIdentity).not.toBe('replica-a');
    await waitFor('b leads', () => b.elector?.isLeader, LEASE_MS + 5000);
    expect(Date.now() - released).toBeLessThan(LEASE_MS);
    await patchStatus(c, mrNamed(env, 'subnet-public-a'), { conditions: unready('second') });
    await until(c, env, 'b wrote', (s) => s.blockingError?.message === 'second');
    expect(statusWrites(c, 'replica-b', 200).length).toBeGreaterThan(0);
  });

  test('a hung renew: the leader steps down at its renew deadline, before another may lead, and writes nothing after', async () => {
    const a = await start('replica-a');
    await waitFor('a leads', () => a.elector?.isLeader);
    const b = await start('replica-b');
    await waitFor('b standing by', async () => (await readyz(b)).status === 200);
    // Every Lease call of a hangs from now on: its renewals never come back.
    const hungAt = Date.now();
    c.proxy.inject({ client: 'replica-a', resource: 'leases', hang: true });
    await waitFor('b leads', () => b.elector?.isLeader, LEASE_MS * 3);
    const lost = logTime(a, 'lost leadership');
    const became = logTime(b, 'became leader');
    expect(lost).toBeDefined();
    expect(became).toBeDefined();
    // Never two leaders: a stopped leading before b started.
    expect(lost ?? Infinity).toBeLessThan(became ?? 0);
    expect((lost ?? 0) - hungAt).toBeLessThan(LEASE_MS);
    expect(a.elector?.isLeader).toBe(false);
    // a writes nothing once it has stepped down, though a change arrives for it to see.
    await patchStatus(c, mrNamed(env, 'subnet-public-a'), { conditions: unready('while a is cut off') });
    await until(c, env, 'b wrote', (s) => s.blockingError?.message === 'while a is cut off');
    expect(statusWrites(c, 'replica-a').filter((w) => w.startedAt > (lost ?? 0))).toEqual([]);
    expect(
      c.proxy.requests({ client: 'replica-a', resource: 'events' }).filter((q) => q.startedAt > (lost ?? 0)),
    ).toEqual([]);
    // Neither leading nor able to see who is: not ready. Once the Lease answers again: a standby, ready.
    await waitFor('a not ready', async () => (await readyz(a)).status === 503, LEASE_MS * 2);
    expect((await readyz(a)).body).toBe('leader election failing: neither leading nor standing by');
    c.proxy.clearFaults();
    await waitFor('a ready as standby', async () => (await readyz(a)).status === 200, LEASE_MS * 2);
    expect(a.elector?.isLeader).toBe(false);
    await patchStatus(c, mrNamed(env, 'subnet-public-a'), { conditions: unready('fine again') });
    await until(c, env, 'b wrote again', (s) => s.blockingError?.message === 'fine again');
  });

  describe('as processes', () => {
    function spawnController(identity: ClientName): {
      child: ChildProcess;
      lines: Record<string, unknown>[];
    } {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/controller/run-controller.ts'], {
        cwd: process.cwd(),
        env: {
          ...process.env,
          KUBECONFIG: c.kubeconfigFor(identity),
          ENVSTACK_IDENTITY: identity,
          NODE_OPTIONS: '',
        },
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

    test('SIGTERM during a status write: the write completes, the Lease is released, exit code 0', async () => {
      const p = spawnController('proc-a');
      await waitFor('a leads', () => p.lines.some((l) => l.msg === 'became leader'), 90_000);
      await patchStatus(c, mrNamed(env, 'subnet-public-a'), { conditions: unready('before the signal') });
      await until(c, env, 'a wrote', (s) => s.blockingError?.message === 'before the signal');
      expect(p.lines.every((l) => typeof l.msg === 'string' && typeof l.level === 'string')).toBe(true);
      c.proxy.inject({ client: 'proc-a', verb: 'apply', subresource: 'status', latencyMs: 2000 });
      await patchStatus(c, mrNamed(env, 'subnet-public-a'), { conditions: unready('slow') });
      const inFlight = await waitFor('a write in flight', () =>
        statusWrites(c, 'proc-a').find((w) => w.status === undefined),
      );
      const exited = new Promise<number | null>((resolve) => p.child.once('exit', (code) => resolve(code)));
      p.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(inFlight.status).toBe(200);
      expect(
        (await until(c, env, 'the write landed', (s) => s.blockingError?.message === 'slow')).phase,
      ).toBe('Degraded');
      expect((await lease()).spec?.holderIdentity ?? '').toBe('');
      expect(p.lines.map((l) => l.msg)).toEqual(
        expect.arrayContaining(['signal received', 'workers stopped', 'released lease', 'stopped']),
      );
    });

    test('a crashed leader is replaced within a lease duration', async () => {
      const a = spawnController('proc-a');
      await waitFor('a leads', () => a.lines.some((l) => l.msg === 'became leader'), 90_000);
      const b = spawnController('proc-b');
      await waitFor('b up', () => b.lines.some((l) => l.msg === 'listening'), 90_000);
      await waitFor('b standing by', async () => {
        const url = b.lines.find((l) => l.msg === 'listening')?.url;
        return typeof url === 'string' && (await fetch(`${url}/readyz`)).status === 200;
      });
      const exited = new Promise((resolve) => a.child.once('exit', resolve));
      a.child.kill('SIGKILL');
      await exited;
      const killed = Date.now();
      await waitFor('b leads', () => b.lines.some((l) => l.msg === 'became leader'), LEASE_MS + 10_000);
      // The Lease expires a lease duration after b last saw it renewed; b retries every retry period.
      expect(Date.now() - killed).toBeLessThan(LEASE_MS + 2 * RETRY_MS + 3000);
      expect((await lease()).spec?.holderIdentity).toBe('proc-b');
      await patchStatus(c, mrNamed(env, 'subnet-public-a'), { conditions: unready('after failover') });
      await until(c, env, 'b writes', (s) => s.blockingError?.message === 'after failover');
      expect(statusWrites(c, 'proc-b', 200).length).toBeGreaterThan(0);
    });
  });
});
