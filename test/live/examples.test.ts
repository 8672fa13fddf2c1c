// Every example claim, end to end on real Crossplane, both flavors, driven as a user drives it:
// `envstack sandbox up`, `envstack sandbox apply examples/*.yaml`, `envstack sandbox check`, kubectl.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithTools, SANDBOX_TOOLS } from '../support/kube.js';

const repo = new URL('../..', import.meta.url).pathname;
const TOOLS = SANDBOX_TOOLS;
const examples = readdirSync(join(repo, 'examples'))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => join(repo, 'examples', f));

function run(cmd: string, args: string[], timeoutMs: number) {
  const res = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ENVSTACK_NO_SERVER: '1' },
  });
  return { status: res.status ?? -1, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}
const envstack = (args: string[], timeoutMs = 600_000) =>
  run(process.execPath, [join(repo, 'bin', 'envstack.js'), ...args], timeoutMs);

for (const flavor of ['claim', 'namespaced'] as const) {
  describeWithTools(TOOLS, `every example on real Crossplane (${flavor} flavor)`, () => {
    const dir = mkdtempSync(join(tmpdir(), `envstack-examples-${flavor}-`));
    let failed = false;
    afterEach(() => {
      failed ||= expect.getState().assertionCalls !== expect.getState().numPassingAsserts;
    });
    afterAll(() => {
      if (failed) {
        // The control plane's own logs, so a red CI run says why.
        for (const log of ['crossplane.log', 'kube-apiserver.log', 'provider-standin.log', 'controller.log'])
          process.stderr.write(
            `--- ${log} (tail)\n${run('tail', ['-n', '80', join(dir, 'logs', log)], 10_000).stdout}\n`,
          );
      }
      envstack(['sandbox', 'down', '--dir', dir]);
      rmSync(dir, { recursive: true, force: true });
    });

    test('the sandbox comes up', () => {
      const up = envstack(['sandbox', 'up', '--dir', dir, '--flavor', flavor]);
      expect(up.stderr).toMatch(new RegExp(`ready in [\\d.]+ s \\(${flavor} flavor\\)`));
      expect(up.status).toBe(0);
    }, 600_000);

    test(`kubectl apply of all ${examples.length} examples: each becomes Ready`, () => {
      const res = envstack(['sandbox', 'apply', ...examples, '--dir', dir, '--timeout', '900'], 1_500_000);
      process.stderr.write(`[${flavor}] ${res.stdout}`);
      expect(res.stdout.match(/: Ready in /g)?.length ?? 0).toBe(examples.length);
      expect(res.status).toBe(0);
    }, 1_600_000);

    test('what Crossplane composed equals render --converge, resource by resource, for every example', () => {
      const res = envstack(['sandbox', 'check', ...examples, '--dir', dir]);
      expect(res.stdout).toContain(`${examples.length} claims: ${examples.length} equal, 0 differ`);
      expect(res.status).toBe(0);
    }, 600_000);

    test('kubectl get shows every environment Ready in the printer columns', () => {
      const res = run(
        join(repo, '.tools', 'bin', 'kubectl'),
        [
          '--kubeconfig',
          join(dir, 'admin.kubeconfig'),
          'get',
          'platformenvironments',
          '-A',
          '--no-headers',
          '-o',
          'wide',
        ],
        60_000,
      );
      expect(res.status).toBe(0);
      const rows = res.stdout.trim().split('\n');
      expect(rows).toHaveLength(examples.length);
      for (const row of rows) expect(row).toMatch(/\bReady\b/);
    }, 120_000);
  });
}
