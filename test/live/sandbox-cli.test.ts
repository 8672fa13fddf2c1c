// `envstack sandbox up|apply|check|down` as a user runs them: separate processes, a state folder, the
// control plane left running between commands and nothing left running after `down`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive } from '../../src/ops/sandbox/supervisor.js';
import { describeWithTools } from '../support/kube.js';

const repo = new URL('../..', import.meta.url).pathname;
const TOOLS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kubectl',
  'helm',
  'crossplane-core',
  'function-patch-and-transform',
];

function envstack(args: string[], timeoutMs = 300_000) {
  const res = spawnSync(process.execPath, [join(repo, 'bin', 'envstack.js'), ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, ENVSTACK_NO_SERVER: '1' },
  });
  return { status: res.status ?? -1, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

function pids(dir: string): number[] {
  const folder = join(dir, 'pids');
  try {
    return readdirSync(folder).map((f) => Number(readFileSync(join(folder, f), 'utf8').trim()));
  } catch {
    return [];
  }
}

describeWithTools(TOOLS, 'envstack sandbox (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'envstack-sandbox-cli-'));
  let started: number[] = [];
  afterAll(() => {
    envstack(['sandbox', 'down', '--dir', dir]);
    for (const p of started) if (alive(p)) process.kill(p, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('up starts everything in the background and prints the kubeconfig export line', () => {
    const up = envstack(['sandbox', 'up', '--dir', dir]);
    expect(up.stderr).toMatch(/sandbox: ready in [\d.]+ s/);
    expect(up.status).toBe(0);
    expect(up.stdout).toContain(`export KUBECONFIG=${join(dir, 'admin.kubeconfig')}`);
    started = pids(dir);
    expect(started.length).toBeGreaterThanOrEqual(8);
    expect(started.every((p) => alive(p))).toBe(true);
    const again = envstack(['sandbox', 'up', '--dir', dir]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('already running');
  }, 300_000);

  test('apply refuses a claim the API server rejects, naming the field', () => {
    const bad = join(dir, 'bad.yaml');
    const claim = readFileSync(join(repo, 'examples', 'dev.yaml'), 'utf8').replace(
      '10.20.0.0/16',
      '10.20.0.0/33',
    );
    writeFileSync(bad, claim);
    const res = envstack(['sandbox', 'apply', bad, '--dir', dir]);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/spec\.network\.cidr/);
  });

  test('check reports a claim that was never applied as differing, with the summary line', () => {
    const res = envstack(['sandbox', 'check', join(repo, 'examples', 'minimal.yaml'), '--dir', dir]);
    expect(res.status).toBe(1);
    expect(res.stdout).toMatch(/differs/);
    expect(res.stdout.trim().split('\n').at(-1)).toBe('1 claims: 0 equal, 1 differ');
  });

  test('down stops every process', () => {
    const res = envstack(['sandbox', 'down', '--dir', dir]);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^stopped .*kube-apiserver.*etcd/);
    expect(started.filter((p) => alive(p))).toEqual([]);
    const after = envstack(['sandbox', 'apply', join(repo, 'examples', 'dev.yaml'), '--dir', dir]);
    expect(after.status).toBe(2);
    expect(after.stderr).toContain('no sandbox is running');
  }, 60_000);
});
