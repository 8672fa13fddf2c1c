/**
 * Controller benchmark: BENCH_ENVIRONMENTS environments (default 1000) of BENCH_RESOURCES managed
 * resources each (default 150) in the fake API server; the controller runs as a separate process.
 * Measures its peak RSS, the time until every environment has a complete status, the latency from
 * one managed-resource change to its environment's status write, and status writes per minute idle.
 * BENCH_CONTROLLER_RUNS (default 1), BENCH_LATENCY_SAMPLES (default 100), BENCH_IDLE_SECONDS (default 30).
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStack } from '../src/compose/components/index.js';
import { components } from '../src/compose/resource.js';
import { pluralOf } from '../src/controller/rbac.js';
import {
  kubeConfigFor,
  kubeConfigYaml,
  startFakeApiServer,
  type ResourceKind,
} from '../test/support/apiserver/index.js';
import { record, summarize, type BenchEntry } from './stats.js';

const ENVIRONMENTS = Number(process.env.BENCH_ENVIRONMENTS ?? 1000);
const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 150);
const RUNS = Number(process.env.BENCH_CONTROLLER_RUNS ?? 1);
const SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 100);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
const GROUP = 'platform.envstack.dev';
const FIELD_MANAGER = 'envstack-controller';

const managed: ResourceKind[] = [];
for (const r of buildStack('claim').resources) {
  const [group, version] = r.apiVersion.split('/');
  if (managed.some((k) => k.group === group && k.kind === r.kind)) continue;
  // Without a status subresource the seeded objects keep their status, which makes seeding 150k objects cheap.
  managed.push({ group, version, kind: r.kind, plural: pluralOf(r.kind), namespaced: false });
}
const xrKind: ResourceKind = {
  group: GROUP,
  version: 'v1alpha1',
  kind: 'XPlatformEnvironment',
  plural: 'xplatformenvironments',
  namespaced: false,
  statusSubresource: true,
};

const conditions = (ready: boolean) => [
  ready
    ? { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: '2026-01-01T00:00:00Z' }
    : {
        type: 'Ready',
        status: 'False',
        reason: 'Unavailable',
        message: 'bench flip',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
  { type: 'Synced', status: 'True', reason: 'ReconcileSuccess', lastTransitionTime: '2026-01-01T00:00:00Z' },
];

function mrName(env: number, i: number): string {
  return `env-${env}-r${i}`;
}

async function runOnce(): Promise<Record<string, number>> {
  const server = await startFakeApiServer({ kinds: [xrKind, ...managed], historyWindow: 20_000 });
  const dir = mkdtempSync(join(tmpdir(), 'envstack-bench-controller-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeConfigYaml(server));
  for (let e = 0; e < ENVIRONMENTS; e++) {
    const refs = [];
    for (let i = 0; i < RESOURCES; i++) {
      const kind = managed[i % managed.length];
      const name = mrName(e, i);
      const forProvider = {
        region: 'eu-west-1',
        cidrBlock: `10.${e % 250}.${i % 250}.0/24`,
        port: 5432,
        enabled: true,
        securityGroupIds: ['sg-1', 'sg-2'],
        tags: { Name: name, Project: `p${e}`, ManagedBy: 'envstack', Environment: 'prod' },
      };
      server.seed({
        apiVersion: `${kind.group}/${kind.version}`,
        kind: kind.kind,
        metadata: {
          name,
          labels: {
            'crossplane.io/composite': `env-${e}`,
            'envstack.dev/resource': `r${i}`,
            'envstack.dev/component': components[i % components.length],
          },
          annotations: { 'crossplane.io/composition-resource-name': `r${i}` },
        },
        spec: { forProvider, providerConfigRef: { name: 'default' } },
        status: {
          atProvider: { ...forProvider, id: `id-${name}`, arn: `arn:aws:x::1:${name}` },
          conditions: conditions(true),
        },
      });
      refs.push({ apiVersion: `${kind.group}/${kind.version}`, kind: kind.kind, name });
    }
    server.seed({
      apiVersion: `${GROUP}/v1alpha1`,
      kind: 'XPlatformEnvironment',
      metadata: { name: `env-${e}` },
      spec: {
        resourceRefs: refs,
        claimRef: {
          apiVersion: `${GROUP}/v1alpha1`,
          kind: 'PlatformEnvironment',
          name: `env-${e}`,
          namespace: 'default',
        },
      },
    });
  }
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/controller-process.ts'], {
    env: {
      ...process.env,
      KUBECONFIG: kubeconfig,
      ENVSTACK_PAGE_SIZE: process.env.BENCH_PAGE_SIZE ?? String(ENVIRONMENTS * RESOURCES),
      NODE_OPTIONS: '--max-old-space-size=4096',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    // Workers start once every informer has synced, so each environment's first write is its complete status.
    // Polling the request log (not the objects) keeps the fake server's event loop free for the controller.
    const written = () =>
      new Set(
        server
          .requests({ verb: 'patch', subresource: 'status', fieldManager: FIELD_MANAGER })
          .filter((q) => q.status === 200)
          .map((q) => q.name),
      );
    while (written().size < ENVIRONMENTS) {
      if (child.exitCode !== null) throw new Error(`controller exited with ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const firstFull = Date.now() - started;
    const writes = server.requests({ verb: 'patch', subresource: 'status', fieldManager: FIELD_MANAGER });
    const firstWrite = writes[0].time.getTime() - started;
    const notReady = server
      .objects(GROUP, 'xplatformenvironments')
      .filter((x) => (x.status as { phase?: string } | undefined)?.phase !== 'Ready').length;
    if (notReady > 0) throw new Error(`${notReady} environments are not Ready after their first write`);

    const custom = kubeConfigFor(server).makeApiClient(CustomObjectsApi);
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    // Steady state: let the first full pass (and the test server's own garbage) settle before sampling.
    await new Promise((r) => setTimeout(r, 5_000));
    const latencies: number[] = [];
    for (let s = 0; s < SAMPLES; s++) {
      const e = (s * 7919) % ENVIRONMENTS;
      const i = (s * 31) % RESOURCES;
      const kind = managed[i % managed.length];
      const flip = async (ready: boolean): Promise<number> => {
        const t0 = new Date();
        await custom.patchClusterCustomObject(
          {
            group: kind.group,
            version: kind.version,
            plural: kind.plural,
            name: mrName(e, i),
            body: { status: { conditions: conditions(ready) } },
          },
          merge,
        );
        for (;;) {
          const write = server
            .requests({ verb: 'patch', subresource: 'status', fieldManager: FIELD_MANAGER, name: `env-${e}` })
            .find((q) => q.time >= t0 && q.status === 200);
          if (write) return write.time.getTime() - t0.getTime();
          await new Promise((r) => setTimeout(r, 5));
        }
      };
      latencies.push(await flip(false));
      latencies.push(await flip(true));
    }
    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];

    server.clearRequests();
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const idleWrites = server.requests({
      verb: 'patch',
      subresource: 'status',
      fieldManager: FIELD_MANAGER,
    }).length;

    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) throw new Error(`controller exited with ${code}`);
    const peak = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
      peakRssKiB?: number;
      rssKiB?: number;
    };
    return {
      peakRss: (peak.peakRssKiB ?? 0) / 1024,
      finalRss: (peak.rssKiB ?? 0) / 1024,
      firstFull,
      firstWrite,
      p50: pct(50),
      p99: pct(99),
      idleWritesPerMinute: (idleWrites * 60) / IDLE_SECONDS,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const runs: Record<string, number>[] = [];
for (let r = 0; r < RUNS; r++) runs.push(await runOnce());
const size = { environments: ENVIRONMENTS, resources: ENVIRONMENTS * RESOURCES };
const entry = (key: string, unit: string, scale = 1): BenchEntry =>
  summarize(
    runs.map((x) => x[key] / scale),
    unit,
    size,
  );
const entries: Record<string, BenchEntry> = {
  'controller.peak-rss': {
    ...entry('peakRss', 'MiB'),
    // RSS at shutdown, after the idle period: the steady state.
    finalMedianMiB: summarize(
      runs.map((x) => x.finalRss),
      'MiB',
    ).median,
  },
  'controller.first-full-status': {
    ...entry('firstFull', 's', 1000),
    // Process start, discovery, the initial list of every kind and cache sync: before the first write.
    syncMedianMs: summarize(
      runs.map((x) => x.firstWrite),
      'ms',
    ).median,
  },
  'controller.latency-p50': entry('p50', 'ms'),
  'controller.latency-p99': entry('p99', 'ms'),
  'controller.idle-writes': entry('idleWritesPerMinute', 'writes/min'),
};
if (process.env.BENCH_RECORD !== '0') record(new URL('./results.json', import.meta.url).pathname, entries);
for (const [name, e] of Object.entries(entries)) console.log(JSON.stringify({ name, ...e }));
