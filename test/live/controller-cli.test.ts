// `envstack status` and `envstack drift` through real kubeconfigs against a real kube-apiserver: a
// team that may read only its claims sees the same facts as the claim's status (Crossplane copies
// the XR's status to the claim; a small stand-in does that here), and `kubectl get` shows them in
// the printer columns of the CRDs Crossplane generates from our XRD.
import { jest } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import type { RunningController } from '../../src/ops/controller/index.js';
import { resourcePath } from '../../src/ops/controller/kube.js';
import type { KObject } from '../../src/ops/controller/object.js';
import {
  install,
  liveEnvironment,
  mrNamed,
  patchStatus,
  startController,
  startLiveCluster,
  until,
  waitFor,
  GROUP,
  NAMESPACE,
  type Environment,
  type LiveCluster,
  type Status,
} from '../controller/harness.js';
import { describeKube } from '../support/kube.js';

jest.setTimeout(240_000);

const OWNED = ['phase', 'componentsReady', 'components', 'drift', 'blockingError', 'observedGeneration'];
const claimPath = (name: string, sub?: string) =>
  resourcePath({ group: GROUP, version: 'v1alpha1', plural: 'platformenvironments' }, NAMESPACE, name, sub);

function envstack(args: string[], kubeconfig: string) {
  const res = spawnSync('bin/envstack', args, {
    cwd: process.cwd(),
    env: { ...process.env, KUBECONFIG: kubeconfig, NODE_OPTIONS: '', ENVSTACK_NO_SERVER: '1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describeKube('envstack status and drift on a real API server', () => {
  let c: LiveCluster;
  let r: RunningController;
  let team: string;
  let admin: string;
  let copying = true;
  let copier: Promise<void> | undefined;

  /** Crossplane's claim syncer, reduced to what matters here: the XR's status copied to the claim. */
  async function copyStatus(envs: Environment[]): Promise<void> {
    while (copying) {
      for (const env of envs) {
        try {
          const xr = await c.admin.request<KObject>(
            'GET',
            resourcePath(
              { group: GROUP, version: 'v1alpha1', plural: 'xplatformenvironments' },
              undefined,
              env.xr.metadata?.name,
            ),
          );
          const claim = await c.admin.request<KObject>('GET', claimPath(env.claim.metadata?.name ?? ''));
          const want: Record<string, unknown> = {};
          for (const f of OWNED) want[f] = (xr.status as Record<string, unknown> | undefined)?.[f] ?? null;
          const have = claim.status ?? {};
          if (OWNED.some((f) => JSON.stringify(have[f] ?? null) !== JSON.stringify(want[f])))
            await c.admin.request('PATCH', claimPath(env.claim.metadata?.name ?? '', 'status'), {
              body: { status: want },
              contentType: 'merge',
              query: { fieldManager: 'apiextensions.crossplane.io/claim' },
            });
        } catch {
          // not there yet
        }
      }
      await new Promise((res) => setTimeout(res, 300));
    }
  }
  const envs: Environment[] = [];
  const cleanups: (() => void)[] = [];
  const afterThis = (fn: () => void): void => void cleanups.push(fn);
  afterEach(() => {
    for (const fn of cleanups.splice(0)) fn();
  });
  const claimStatus = async (env: Environment): Promise<Status> =>
    ((await c.admin.request<KObject>('GET', claimPath(env.claim.metadata?.name ?? ''))).status ??
      {}) as Status;
  const copied = (env: Environment, pred: (s: Status) => boolean) =>
    waitFor('the claim shows it', async () => {
      const s = await claimStatus(env);
      return pred(s) ? s : undefined;
    });

  beforeAll(async () => {
    c = await startLiveCluster('claim');
    team = c.kube.kubeconfigFor(c.token('team'), 'team');
    admin = c.kube.kubeconfig;
    r = await startController(c, 'controller');
    copier = copyStatus(envs);
  }, 300_000);
  afterAll(async () => {
    copying = false;
    await copier;
    await r?.stop();
    await c?.close();
  });

  test('status and drift print the facts of the claim status; kubectl get shows them in the printer columns', async () => {
    const env = await liveEnvironment(c, 'payments-cli');
    envs.push(env);
    await install(c, env);
    await until(c, env, 'Ready', (s) => s.phase === 'Ready');
    const vpc = mrNamed(env, 'vpc');
    await patchStatus(c, vpc, {
      atProvider: { ...(vpc.status?.atProvider as object), cidrBlock: '10.21.0.0/16' },
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'Unavailable',
          message: 'VPC vpc-1 is pending',
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    });
    const s = await copied(env, (x) => x.phase === 'Degraded' && x.drift?.count === 1);
    const total = env.mrs.length;
    // The team may read its claim, not the cluster-scoped XR: what it sees is the claim's status.
    expect(
      c.kube.kubectl(['auth', 'can-i', 'get', 'xplatformenvironments'], { kubeconfig: team }).stdout.trim(),
    ).toBe('no');
    const status = envstack(['status', 'payments-cli', '-n', NAMESPACE], team);
    expect(status.stderr).toBe('');
    expect(status.status).toBe(0);
    const lines = status.stdout.split('\n');
    expect(lines[0]).toBe(
      `${NAMESPACE}/payments-cli  phase: ${s.phase}  ready: ${s.componentsReady}  drift: ${s.drift?.count}`,
    );
    expect(s.componentsReady).toBe(`${total - 1}/${total}`);
    for (const [k, v] of Object.entries(s.components ?? {}))
      expect(lines.some((l) => new RegExp(`^ {2}${k} +[█░]{20} {2}${v.ready}/${v.total}$`).test(l))).toBe(
        true,
      );
    expect(status.stdout).toContain(
      `blocking: ${s.blockingError?.kind} ${s.blockingError?.resource} (${s.blockingError?.reason})`,
    );
    expect(status.stdout).toContain(`  ${s.blockingError?.message}`);
    const drift = envstack(['drift', 'payments-cli', '-n', NAMESPACE], team);
    expect(drift.status).toBe(0);
    const rows = drift.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s{2,}/));
    expect(rows[0]).toEqual(['RESOURCE', 'KIND', 'TYPE', 'FIELD', 'WANT', 'HAVE', 'SINCE']);
    const item = s.drift?.items?.[0];
    expect(rows[1].slice(0, 6)).toEqual([
      item?.resource,
      item?.kind,
      item?.type,
      item?.field,
      item?.want,
      item?.have,
    ]);
    expect(rows[1].slice(0, 6)).toEqual(['vpc', 'VPC', 'cloud', 'cidrBlock', '10.20.0.0/16', '10.21.0.0/16']);
    // The printer columns Crossplane generates from the XRD, on the claim and on the XR.
    const get = c.kube.kubectlOk(['get', 'platformenvironments', '-n', NAMESPACE, 'payments-cli'], {
      kubeconfig: team,
    });
    const [head, row] = get
      .trim()
      .split('\n')
      .map((l) => l.split(/\s{2,}/));
    expect(head).toEqual([
      'NAME',
      'PHASE',
      'COMPONENTS',
      'DRIFT',
      'ENDPOINT',
      'SYNCED',
      'READY',
      'CONNECTION-SECRET',
      'AGE',
    ]);
    expect(row.slice(0, 4)).toEqual(['payments-cli', 'Degraded', `${total - 1}/${total}`, '1']);
    const xrGet = c.kube.kubectlOk(['get', 'xplatformenvironments', env.xr.metadata?.name ?? '']);
    const [xh, xrow] = xrGet
      .trim()
      .split('\n')
      .map((l) => l.split(/\s{2,}/));
    expect(xh.slice(0, 4)).toEqual(['NAME', 'PHASE', 'COMPONENTS', 'DRIFT']);
    expect(xrow.slice(1, 4)).toEqual(['Degraded', `${total - 1}/${total}`, '1']);
    expect(xh).toEqual(expect.arrayContaining(['SYNCED', 'READY', 'COMPOSITION', 'AGE']));
    await patchStatus(c, vpc, vpc.status ?? {});
    await copied(env, (x) => x.phase === 'Ready' && x.drift?.count === 0);
  });

  test('status --watch shows progress until the environment is Ready, then exits', async () => {
    const env = await liveEnvironment(c, 'payments-watch');
    envs.push(env);
    await install(c, env, env.mrs, false);
    await copied(env, (s) => s.phase === 'Provisioning' && s.componentsReady === `0/${env.mrs.length}`);
    const child = spawn('bin/envstack', ['status', 'payments-watch', '-n', NAMESPACE, '--watch'], {
      cwd: process.cwd(),
      env: { ...process.env, KUBECONFIG: team, NODE_OPTIONS: '', ENVSTACK_NO_SERVER: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    afterThis(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    await waitFor('first print', () => out.includes('phase: Provisioning'), 90_000);
    // The provider reports the resources one batch after another.
    const third = Math.ceil(env.mrs.length / 3);
    for (let i = 0; i < env.mrs.length; i += third) {
      await Promise.all(env.mrs.slice(i, i + third).map((m) => patchStatus(c, m, m.status ?? {})));
      await copied(
        env,
        (s) => s.componentsReady === `${Math.min(i + third, env.mrs.length)}/${env.mrs.length}`,
      );
    }
    expect(
      await Promise.race([exited, new Promise((res) => setTimeout(() => res('still running'), 60_000))]),
    ).toBe(0);
    expect(err).toBe('');
    const heads = out.split('\n').filter((l) => l.startsWith(`${NAMESPACE}/payments-watch`));
    expect(heads[0]).toContain('phase: Provisioning');
    expect(heads.at(-1)).toBe(
      `${NAMESPACE}/payments-watch  phase: Ready  ready: ${env.mrs.length}/${env.mrs.length}  drift: 0`,
    );
    expect(heads.length).toBeGreaterThanOrEqual(3);
    const readies = heads.map((h) => Number(/ready: (\d+)\//.exec(h)?.[1]));
    expect([...readies].sort((a, b) => a - b)).toEqual(readies);
  });

  test('drift beyond what the status holds: the whole list from the live resources, or a note for those who cannot read them', async () => {
    const env = await liveEnvironment(c, 'payments-big');
    envs.push(env);
    await install(c, env);
    await until(c, env, 'Ready', (s) => s.phase === 'Ready');
    // Two tags AWS rewrote on every tagged resource: more drifted fields than a status holds.
    const tagged = env.mrs.filter((m) => {
      const t = (m.status?.atProvider as { tags?: Record<string, string> } | undefined)?.tags;
      return t?.Owner !== undefined && t.CostCenter !== undefined;
    });
    const long = `someone-${'y'.repeat(300)}`;
    await Promise.all(
      tagged.map((m) => {
        const at = m.status?.atProvider as Record<string, unknown>;
        const tags = { ...(at.tags as object), Owner: long, CostCenter: 'elsewhere' };
        return patchStatus(c, m, { atProvider: { ...at, tags, ...(at.tagsAll ? { tagsAll: tags } : {}) } });
      }),
    );
    const total = tagged.length * 2;
    const s = await copied(env, (x) => x.drift?.count === total);
    expect(s.drift?.items?.length).toBe(50);
    const full = envstack(['drift', 'payments-big', '-n', NAMESPACE], admin);
    expect(full.status).toBe(0);
    const table = full.stdout.split('\n\n')[0].split('\n');
    expect(table).toHaveLength(total + 1);
    expect(full.stdout).toContain(`tags.Owner have: ${long}`);
    expect(full.stdout).toContain(`(computed from the live resources: the status holds 50 of ${total})`);
    const limited = envstack(['drift', 'payments-big', '-n', NAMESPACE], team);
    expect(limited.status).toBe(0);
    expect(limited.stdout.split('\n\n')[0].split('\n')).toHaveLength(51);
    expect(limited.stdout).toContain(`(the status holds 50 of ${total} drifted fields`);
    const status = envstack(['status', 'payments-big', '-n', NAMESPACE], team);
    expect(status.stdout).toContain(`(${total - 50} not in the status)`);
  });

  test('a claim not bound yet says so', async () => {
    await c.admin.request('POST', claimPath(''), {
      body: {
        apiVersion: `${GROUP}/v1alpha1`,
        kind: 'PlatformEnvironment',
        metadata: { name: 'unbound', namespace: NAMESPACE },
        spec: { project: 'new', environment: 'dev', owner: 'x', region: 'eu-west-1' },
      },
    });
    const res = envstack(['status', 'unbound', '-n', NAMESPACE], team);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('not bound to a composite resource yet');
  });
});
