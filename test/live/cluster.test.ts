// The real etcd + kube-apiserver the live suites run against: it starts, serves, enforces RBAC and
// stops without leaving a process behind, even when the process that started it is killed.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alive, sleep } from '../../src/ops/sandbox/supervisor.js';
import { describeKube, startKube, type Kube } from '../support/kube.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));

describeKube('real kube-apiserver', () => {
  let kube: Kube;
  beforeAll(async () => {
    kube = await startKube({ users: [{ token: 'nobody-token', user: 'nobody' }] });
  }, 120_000);
  afterAll(async () => kube?.stop());

  test('answers /readyz and kubectl as the administrator', () => {
    const out = kube.kubectlOk(['get', 'namespace', 'default', '-o', 'jsonpath={.metadata.name}']);
    expect(out).toBe('default');
    expect(kube.kubectlOk(['version', '-o', 'json'])).toContain('"gitVersion": "v1.37.2"');
  });

  test('enforces RBAC for a user without bindings', () => {
    const kc = kube.kubeconfigFor('nobody-token', 'nobody');
    const res = kube.kubectl(['get', 'configmaps', '-n', 'default'], { kubeconfig: kc });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/forbidden/i);
    expect(kube.kubectl(['auth', 'can-i', 'list', 'configmaps'], { kubeconfig: kc }).stdout.trim()).toBe(
      'no',
    );
  });

  test('rejects a Lease renewTime without microseconds, as any cluster does', () => {
    const lease = (time: string) =>
      JSON.stringify({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: `probe-${time.length}`, namespace: 'default' },
        spec: { holderIdentity: 'x', renewTime: time },
      });
    const bad = kube.kubectl(['create', '-f', '-'], { input: lease('2026-01-01T00:00:00.123Z') });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/2006-01-02T15:04:05.000000Z07:00/);
    const good = kube.kubectl(['create', '-f', '-'], { input: lease('2026-01-01T00:00:00.123000Z') });
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
  });
});

describeKube('real kube-apiserver lifecycle', () => {
  test('stop() ends etcd and kube-apiserver and removes the temporary folder', async () => {
    const kube = await startKube();
    const pids = ['etcd', 'kube-apiserver'].map((n) => kube.supervisor.get(n)?.pid ?? 0);
    expect(pids.every((p) => p > 0 && alive(p))).toBe(true);
    await kube.stop();
    expect(pids.some((p) => alive(p))).toBe(false);
    expect(existsSync(kube.dir)).toBe(false);
  }, 120_000);

  test('a killed parent leaves no process behind', async () => {
    // A child Node process starts a cluster, prints the pids, and is then SIGKILLed: no cleanup code runs.
    const script = `
      import { startKubeCluster } from ${JSON.stringify(join(repo, 'src/ops/sandbox/cluster.ts'))};
      const c = await startKubeCluster();
      console.log(JSON.stringify({ dir: c.dir, pids: ['etcd', 'kube-apiserver'].map((n) => c.supervisor.get(n).pid) }));
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      child.once('exit', (code) => reject(new Error(`child exited ${code} before starting: ${out}`)));
    });
    const { pids, dir } = JSON.parse(line) as { pids: number[]; dir: string };
    expect(pids.every((p) => alive(p))).toBe(true);
    child.kill('SIGKILL');
    const deadline = Date.now() + 15_000;
    while (pids.some((p) => alive(p)) && Date.now() < deadline) await sleep(200);
    expect(pids.filter((p) => alive(p))).toEqual([]);
    expect(readFileSync(join(dir, 'logs', 'kube-apiserver.log'), 'utf8').length).toBeGreaterThan(0);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
