/**
 * Controller benchmark on a real etcd + kube-apiserver (src/ops/sandbox/cluster.ts) with the real
 * provider-aws CRDs: ENVSTACK_BENCH_ENVS environments (1000) of mixed profiles, each with the managed
 * resources our Composition renders for it as the provider reports them (bench/fleet.ts), seeded once
 * and cached (bench/seed.ts). The controller runs in its own process, compiled as the image runs it
 * (bench/controller-process.mjs over dist/: `npm run build`), as its own least-privilege user, with spec drift and cloud drift on and lists paged at 500.
 *
 * Phases: start-up until every environment has its complete status (first full status); churn, where
 * ENVSTACK_BENCH_CHURN_PERCENT (1) % of the managed resources change status per minute and
 * ENVSTACK_BENCH_CLAIM_EDITS (10) claims are edited per minute, each visible change timed from the
 * request that makes it to the status write the bench sees on its watch; then an idle window longer
 * than two resync periods, where every request the controller makes is counted (audit log).
 *
 * Other knobs: ENVSTACK_BENCH_MIX (dev:4,staging:3,prod:2,prod-dr:1), ENVSTACK_BENCH_NAMESPACES (50),
 * ENVSTACK_BENCH_PAGE_SIZE (500), ENVSTACK_BENCH_SPEC_DRIFT (1), ENVSTACK_BENCH_WORKERS (4),
 * ENVSTACK_BENCH_CHURN_S (120), ENVSTACK_BENCH_RESYNC_S (30), ENVSTACK_BENCH_IDLE_S (70),
 * ENVSTACK_BENCH_VISIBLE (0.5: the share of status changes that change an environment's status),
 * ENVSTACK_BENCH_CONCURRENCY (32 requests in flight while seeding), ENVSTACK_BENCH_CACHE (1),
 * ENVSTACK_BENCH_HEAP_MIB (0: the controller's --max-old-space-size; 792 is what Node picks under the
 * chart's 1536Mi limit),
 * ENVSTACK_BENCH_LEADER_ELECTION (1; its Lease renewals are counted apart
 * from idle writes), ENVSTACK_BENCH_WATCH_CACHE (1; 0 runs kube-apiserver with --watch-cache=false),
 * ENVSTACK_BENCH_APISERVER_GOMEMLIMIT (this machine's memory less 4 GiB), ENVSTACK_BENCH_CPU_PROF (a folder: the controller's CPU profile),
 * ENVSTACK_BENCH_HEAP_SNAPSHOT (a folder: a heap snapshot of the controller at its first full status),
 * ENVSTACK_BENCH_RECORD (1: merge the figures into bench/results.json), ENVSTACK_BENCH_RECORD_AS
 * (controller: the prefix of the result names), ENVSTACK_BENCH_SEED_ONLY (1: seed
 * the cache and stop), ENVSTACK_BENCH_TRACE (a file: every change and when its status was seen),
 * ENVSTACK_BENCH_KEEP (1: keep the run's folder with the audit log).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { KObject } from '../src/ops/controller/object.js';
import { defaultFunctions, render } from '../src/engine/render/index.js';
import type { Unstructured } from '../src/engine/render/fnapi.js';
import { loadComposition } from '../src/platform/render/service.js';
import { startKubeCluster } from '../src/ops/sandbox/cluster.js';
import {
  drifted,
  driftField,
  makeTemplate,
  managedFor,
  managedOne,
  parseMix,
  PROFILES,
  PROVIDER_MANAGER,
  readyConditions,
  resourceOf,
  type Environment,
  type Profile,
  type Template,
} from './fleet.js';
import {
  Api,
  auditPolicy,
  collectionPath,
  pool,
  procCpuSeconds,
  procMemory,
  readAudit,
  WRITE_VERBS,
  type AuditEntry,
} from './kube.js';
import {
  CONTROLLER_USER,
  dirSizeMiB,
  kindIndex,
  LEASE_NAMESPACE,
  pathOf,
  round,
  seededEtcd,
  setUpCluster,
  templateKinds,
  XR_PATH,
} from './seed.js';
import { record, type BenchEntry } from './stats.js';

const env = (name: string, fallback: string): string => process.env[name] ?? fallback;
const num = (name: string, fallback: number): number => Number(env(name, String(fallback)));
const flag = (name: string, fallback: boolean): boolean => env(name, fallback ? '1' : '0') !== '0';

const cfg = {
  environments: num('ENVSTACK_BENCH_ENVS', 1000),
  mix: parseMix(env('ENVSTACK_BENCH_MIX', 'dev:4,staging:3,prod:2,prod-dr:1')),
  namespaces: num('ENVSTACK_BENCH_NAMESPACES', 50),
  pageSize: num('ENVSTACK_BENCH_PAGE_SIZE', 500),
  specDrift: flag('ENVSTACK_BENCH_SPEC_DRIFT', true),
  workers: num('ENVSTACK_BENCH_WORKERS', 4),
  churnPercent: num('ENVSTACK_BENCH_CHURN_PERCENT', 1),
  claimEditsPerMin: num('ENVSTACK_BENCH_CLAIM_EDITS', 10),
  churnS: num('ENVSTACK_BENCH_CHURN_S', 120),
  resyncS: num('ENVSTACK_BENCH_RESYNC_S', 30),
  idleS: num('ENVSTACK_BENCH_IDLE_S', 70),
  visible: num('ENVSTACK_BENCH_VISIBLE', 0.5),
  concurrency: num('ENVSTACK_BENCH_CONCURRENCY', 32),
  cache: flag('ENVSTACK_BENCH_CACHE', true),
  leaderElection: flag('ENVSTACK_BENCH_LEADER_ELECTION', true),
  /** kube-apiserver's watch cache (0: --watch-cache=false, lists and watches served from etcd). */
  watchCache: flag('ENVSTACK_BENCH_WATCH_CACHE', true),
  /**
   * kube-apiserver's GOMEMLIMIT: with its watch cache, 1,000 environments need ~19 GiB, and without a
   * limit its heap outgrows a 24 GiB machine. Default: this machine's memory less 4 GiB.
   */
  apiServerMemLimit: env(
    'ENVSTACK_BENCH_APISERVER_GOMEMLIMIT',
    `${Math.max(1, Math.floor(totalmem() / 2 ** 30) - 4)}GiB`,
  ),
  cpuProf: process.env.ENVSTACK_BENCH_CPU_PROF,
  heapSnapshot: process.env.ENVSTACK_BENCH_HEAP_SNAPSHOT,
  /** The controller's V8 old-space cap in MiB (0: V8's own, sized from this host's memory). */
  heapCapMiB: num('ENVSTACK_BENCH_HEAP_MIB', 0),
  record: flag('ENVSTACK_BENCH_RECORD', flag('BENCH_RECORD', true)),
  /** The results' name prefix (controller.peak-rss, …): another keeps a second setup beside the first. */
  recordAs: env('ENVSTACK_BENCH_RECORD_AS', 'controller'),
  /** A file: one line per injected change and per status seen (for finding where latency goes). */
  trace: process.env.ENVSTACK_BENCH_TRACE,
};
if (cfg.idleS <= 2 * cfg.resyncS)
  throw new Error(
    `the idle window (${cfg.idleS} s) must be longer than two resync periods (${cfg.resyncS} s)`,
  );

// The controller runs compiled: dist/ must hold what src/ says (npm run bench builds it first).
{
  const built = statSync('dist/ops/controller/controller.js', { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const newest = readdirSync('src', { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile() && f.name.endsWith('.ts'))
    .reduce((m, f) => Math.max(m, statSync(join(f.parentPath, f.name)).mtimeMs), 0);
  if (built < newest)
    throw new Error('dist/ is missing or older than src/: run npm run build (npm run bench does)');
}

/** A change is given up on (and counted at this latency) after this long. */
const TIMEOUT_MS = 30_000;
/** An environment whose claim was edited gets no injected change for this long (its drift is in flux). */
const EDIT_SETTLE_MS = 20_000;
/** Log retentions a claim edit switches between (values CloudWatch Logs accepts). */
const RETENTIONS = [7, 14, 30, 60, 90, 365];
const started = Date.now();
const log = (msg: string) =>
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MERGE = 'application/merge-patch+json';
const utcSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

// ---------------------------------------------------------------------------------------------
// The fleet and the cluster.

const tpl = (e: Environment): Template => {
  const t = templates.get(e.profile);
  if (!t) throw new Error(`no template for ${e.profile}`);
  return t;
};

const runDir = mkdtempSync(join(tmpdir(), 'envstack-bench-controller-'));
const seeded = await seededEtcd(
  {
    environments: cfg.environments,
    mix: cfg.mix,
    namespaces: cfg.namespaces,
    concurrency: cfg.concurrency,
    log,
  },
  async () => {
    const made = new Map<Profile, Template>();
    for (const p of PROFILES) if (cfg.mix.includes(p)) made.set(p, await makeTemplate(p));
    return made;
  },
  runDir,
  cfg.cache,
);
const templates = seeded.templates;
log(
  `templates: ${[...templates.values()].map((t) => `${t.profile} ${t.count} resources`).join(', ')} (converged renders)`,
);
if (process.env.ENVSTACK_BENCH_SEED_ONLY === '1') {
  log(`seeded: ${JSON.stringify({ ...seeded.manifest, environments: seeded.manifest.environments.length })}`);
  rmSync(runDir, { recursive: true, force: true });
  process.exit(0);
}
const envs = seeded.envs;
const resources = seeded.manifest.resources;
log(
  `${envs.length} environments, ${resources} managed resources (${seeded.fromCache ? 'cached' : 'seeded now'})`,
);

const controllerToken = randomBytes(24).toString('hex');
const auditDir = join(runDir, 'audit');
mkdirSync(auditDir, { recursive: true });
const auditLog = join(auditDir, 'audit.log');
writeFileSync(join(auditDir, 'policy.yaml'), auditPolicy(CONTROLLER_USER));
const cluster = await startKubeCluster({
  dir: runDir,
  readyTimeoutMs: 300_000,
  // In a group of service accounts, as the chart's ServiceAccount is: the same API priority level.
  users: [
    {
      token: controllerToken,
      user: CONTROLLER_USER,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${LEASE_NAMESPACE}`],
    },
  ],
  apiServerArgs: [
    `--audit-policy-file=${join(auditDir, 'policy.yaml')}`,
    `--audit-log-path=${auditLog}`,
    '--audit-log-format=json',
    '--audit-log-mode=batch',
    '--audit-log-batch-max-wait=1s',
    ...(cfg.watchCache ? [] : ['--watch-cache=false']),
  ],
  apiServerEnv: { GOMEMLIMIT: cfg.apiServerMemLimit },
});
const api = new Api(cluster.server, cluster.caFile, cluster.adminToken, cfg.concurrency);
const apiPid = cluster.supervisor.get('kube-apiserver')?.pid ?? 0;
const etcdPid = cluster.supervisor.get('etcd')?.pid ?? 0;
const kinds = templateKinds(templates);
const index = kindIndex(kinds);
const composition = (await loadComposition('claim')) as Unstructured;
const functions = defaultFunctions();

interface Memory {
  rssMiB: number;
  hwmMiB: number;
}
const memoryOf = (pid: number): Memory => {
  const m = procMemory(pid);
  return { rssMiB: round(m?.rssMiB ?? 0, 1), hwmMiB: round(m?.hwmMiB ?? 0, 1) };
};

interface ControllerSample {
  mem: { rssMiB: number; heapUsedMiB: number; heapTotalMiB: number; externalMiB: number };
  cpuS: number;
  at: number;
}
interface ControllerExit {
  peakRssKiB: number;
  rssKiB: number;
  peak: { heapUsedMiB: number; heapTotalMiB: number; externalMiB: number; rssMiB: number };
  cpuS: number;
}

let exitCode = 0;
try {
  await setUpCluster(api, composition as KObject);
  const figures = await run();
  const entries = Object.fromEntries(
    Object.entries(entriesOf(figures)).map(([k, v]) => [k.replace(/^controller\./, `${cfg.recordAs}.`), v]),
  );
  if (cfg.record) record(new URL('./results.json', import.meta.url).pathname, entries);
  for (const [name, e] of Object.entries(entries)) console.log(JSON.stringify({ name, ...e }));
} catch (err) {
  exitCode = 1;
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.stderr.write(`${cluster.logs(20)}\n`);
} finally {
  api.close();
  await cluster.stop();
  if (process.env.ENVSTACK_BENCH_KEEP === '1') log(`kept ${runDir} (audit log, API server logs)`);
  else rmSync(runDir, { recursive: true, force: true });
}
process.exit(exitCode);

// ---------------------------------------------------------------------------------------------

interface Figures {
  firstFullMs: number;
  firstWriteMs: number;
  controller: { peakRssMiB: number; finalRssMiB: number; peakHeapUsedMiB: number; peakHeapTotalMiB: number };
  controllerAt: Record<string, { rssMiB: number; heapUsedMiB: number }>;
  controllerCpuS: Record<string, number>;
  latencies: Sample[];
  timeouts: number;
  churn: { mrChanges: number; visible: number; claimEdits: number; followUpWrites: number; lagMs: number };
  steadyRps: { total: number; byRequest: Record<string, number>; windowS: number };
  startupRequests: Record<string, number>;
  counters: Record<string, Record<string, unknown>>;
  idle: { writes: number; leaseWrites: number; requests: number; windowS: number; xrEvents: number };
  apiServer: Record<string, Memory>;
  etcd: Record<string, Memory>;
  etcdDbMiB: number;
  apiServerCpuS: Record<string, number>;
  bytesPerObject: number;
}

interface Sample {
  kind: 'drift' | 'drift-revert' | 'sync' | 'sync-revert' | 'edit';
  ms: number;
}

interface Expectation {
  kind: Sample['kind'];
  t0: number;
  test: (status: Record<string, unknown>) => boolean;
  resolve: () => void;
}

interface Injection {
  mr: KObject;
  kind: 'drift' | 'sync';
  field?: string;
  original?: string | number | boolean;
  token: string;
  at: number;
  observed: boolean;
}

async function run(): Promise<Figures> {
  const apiServer: Record<string, Memory> = {};
  const etcd: Record<string, Memory> = {};
  const apiServerCpuS: Record<string, number> = {};
  const mark = (phase: string) => {
    apiServer[phase] = memoryOf(apiPid);
    etcd[phase] = memoryOf(etcdPid);
    apiServerCpuS[phase] = round(procCpuSeconds(apiPid) ?? 0, 1);
  };
  log(`API server up; warming its watch caches`);
  await warmWatchCaches();
  mark('ready');
  const bytesPerObject = await averageObjectSize();
  log(
    `API server ${apiServer.ready.rssMiB} MiB, etcd ${etcd.ready.rssMiB} MiB; ~${Math.round(bytesPerObject)} bytes per managed resource as served`,
  );

  // The bench's own view of every XR, from a watch: what a user would see.
  const byName = new Map(envs.map((e) => [e.xrName, e]));
  const statuses = new Map<string, Record<string, unknown>>();
  const expectations = new Map<string, Expectation[]>();
  let xrEvents = 0;
  const list = await api.json<{ metadata: { resourceVersion: string }; items: KObject[] }>('GET', XR_PATH);
  for (const xr of list.items) statuses.set(xr.metadata?.name ?? '', xr.status ?? {});
  const abort = new AbortController();
  let onStatus: ((name: string) => void) | undefined;
  const watching = api.watch(
    XR_PATH,
    list.metadata.resourceVersion,
    (type, xr) => {
      const name = xr.metadata?.name ?? '';
      if (type === 'DELETED') return;
      xrEvents += 1;
      const status = xr.status ?? {};
      statuses.set(name, status);
      const pending = expectations.get(name);
      if (pending) {
        const left = pending.filter((x) => {
          if (!x.test(status)) return true;
          x.resolve();
          return false;
        });
        if (left.length) expectations.set(name, left);
        else expectations.delete(name);
      }
      onStatus?.(name);
    },
    abort.signal,
  );

  // ------------------------------------------------------------------ start-up
  const expected = (e: Environment) => tpl(e).count;
  const complete = (e: Environment) => {
    const s = statuses.get(e.xrName);
    return typeof s?.phase === 'string' && s.componentsReady === `${expected(e)}/${expected(e)}`;
  };
  const completeOrWrong = (e: Environment) => {
    const s = statuses.get(e.xrName);
    return typeof s?.phase === 'string' && typeof s.componentsReady === 'string';
  };
  let firstWriteAt = 0;
  let done = 0;
  const waitingFor = new Set(envs.map((e) => e.xrName));
  let allDone: () => void = () => undefined;
  const allComplete = new Promise<void>((resolve) => (allDone = resolve));
  onStatus = (name) => {
    const e = byName.get(name);
    if (!e || !waitingFor.has(name) || !completeOrWrong(e)) return;
    firstWriteAt ||= Date.now();
    waitingFor.delete(name);
    done += 1;
    if (waitingFor.size === 0) allDone();
  };

  const controllerEnv: NodeJS.ProcessEnv = {
    ...process.env,
    KUBECONFIG: cluster.kubeconfigFor(controllerToken, CONTROLLER_USER),
    ENVSTACK_PAGE_SIZE: String(cfg.pageSize),
    ENVSTACK_SPEC_DRIFT: cfg.specDrift ? '1' : '0',
    ENVSTACK_RESYNC_MS: String(cfg.resyncS * 1000),
    ENVSTACK_WORKERS: String(cfg.workers),
    ENVSTACK_LEADER_ELECTION: cfg.leaderElection ? '1' : '0',
    ENVSTACK_LEASE_NAMESPACE: LEASE_NAMESPACE,
  };
  delete controllerEnv.NODE_OPTIONS;
  const nodeArgs = [
    ...(cfg.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cfg.cpuProf}`] : []),
    ...(cfg.heapSnapshot ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${cfg.heapSnapshot}`] : []),
    ...(cfg.heapCapMiB > 0 ? [`--max-old-space-size=${cfg.heapCapMiB}`] : []),
    'bench/controller-process.mjs',
  ];
  const cpu0 = procCpuSeconds(apiPid) ?? 0;
  const t0 = Date.now();
  const child = spawn(process.execPath, nodeArgs, {
    env: controllerEnv,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const samples: ControllerSample[] = [];
  let metricsUrl = '';
  let exit: ControllerExit | undefined;
  let buffered = '';
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      const parsed = JSON.parse(line) as Partial<ControllerSample & ControllerExit & { listening: string }>;
      if (parsed.listening) metricsUrl = parsed.listening;
      else if (parsed.mem) samples.push(parsed as ControllerSample);
      else if (parsed.peakRssKiB !== undefined) exit = parsed as ControllerExit;
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const controllerNow = () => samples[samples.length - 1];
  const at = (label: string) => {
    const s = controllerNow();
    return s ? { [label]: { rssMiB: round(s.mem.rssMiB, 1), heapUsedMiB: round(s.mem.heapUsedMiB, 1) } } : {};
  };
  const controllerAt: Figures['controllerAt'] = {};
  const controllerCpuS: Record<string, number> = {};

  try {
    const progress = setInterval(() => {
      const s = controllerNow();
      log(
        `  ${done}/${envs.length} environments have a status; controller ${s ? `${Math.round(s.mem.rssMiB)} MiB RSS, ${Math.round(s.mem.heapUsedMiB)} MiB heap, ${s.cpuS.toFixed(1)} CPU s` : 'starting'}`,
      );
    }, 10_000);
    const deadline = sleep(15 * 60_000).then(() => 'timeout' as const);
    const outcome = await Promise.race([
      allComplete.then(() => 'ok' as const),
      exited.then(() => 'exit' as const),
      deadline,
    ]);
    clearInterval(progress);
    if (outcome === 'exit') throw new Error(`the controller exited with ${child.exitCode} during start-up`);
    if (outcome === 'timeout')
      throw new Error(`only ${done}/${envs.length} environments got a status in 15 min`);
    const firstFullMs = Date.now() - t0;
    const firstWriteMs = firstWriteAt - t0;
    mark('first-full-status');
    const m0: ControllerCounters = { reconciles: {}, reconcileSeconds: 0, statusWrites: 0, events: 0 };
    const mFirst = await scrape(metricsUrl);
    Object.assign(controllerAt, at('firstFullStatus'));
    if (cfg.heapSnapshot) {
      child.kill('SIGUSR2');
      log(`heap snapshot requested into ${cfg.heapSnapshot}`);
    }
    controllerCpuS.firstFullStatus = round(controllerNow()?.cpuS ?? 0, 1);
    apiServerCpuS.startup = round((procCpuSeconds(apiPid) ?? 0) - cpu0, 1);
    log(
      `first full status after ${(firstFullMs / 1000).toFixed(1)} s (first write at ${(firstWriteMs / 1000).toFixed(1)} s)`,
    );
    const wrong = envs.filter((e) => {
      const s = statuses.get(e.xrName) ?? {};
      const drift = (s.drift ?? {}) as { count?: number };
      return !complete(e) || s.phase !== 'Ready' || drift.count !== 0;
    });
    if (wrong.length) {
      const show = wrong.slice(0, 3).map((e) => ({ name: e.xrName, status: statuses.get(e.xrName) }));
      throw new Error(
        `${wrong.length} environments are not Ready without drift after their first status: ${JSON.stringify(show).slice(0, 3000)}`,
      );
    }
    const startupRequests = countBy(readAudit(auditLog).filter((a) => a.at <= Date.now()));

    // ---------------------------------------------------------------- churn
    onStatus = undefined;
    await sleep(10_000);
    Object.assign(controllerAt, at('churnStart'));
    const mChurn0 = await scrape(metricsUrl);
    const churnStart = Date.now();
    const cpuChurn0 = procCpuSeconds(apiPid) ?? 0;
    const churn = await runChurn(expectations, statuses);
    const churnEnd = Date.now();
    apiServerCpuS.churn = round((procCpuSeconds(apiPid) ?? 0) - cpuChurn0, 1);
    mark('churn');
    const mChurn1 = await scrape(metricsUrl);
    Object.assign(controllerAt, at('churnEnd'));
    controllerCpuS.churn = round((controllerNow()?.cpuS ?? 0) - (controllerCpuS.firstFullStatus ?? 0), 1);

    // ---------------------------------------------------------------- idle
    await sleep(5_000);
    const mIdle0 = await scrape(metricsUrl);
    const idleStart = Date.now();
    const xrEvents0 = xrEvents;
    log(`idle for ${cfg.idleS} s (resync every ${cfg.resyncS} s)`);
    await sleep(cfg.idleS * 1000);
    const idleEnd = Date.now();
    const idleXrEvents = xrEvents - xrEvents0;
    const mIdle = await scrape(metricsUrl);
    Object.assign(controllerAt, at('idleEnd'));
    mark('idle');
    // The audit backend writes in batches: give it time to flush the window.
    await sleep(2_500);
    const audit = readAudit(auditLog);
    const inWindow = (a: AuditEntry, from: number, to: number) => a.at >= from && a.at < to;
    const idle = audit.filter((a) => inWindow(a, idleStart, idleEnd));
    const steadyFrom = churnStart + 10_000;
    const steady = audit.filter((a) => inWindow(a, steadyFrom, churnEnd));
    const windowS = (churnEnd - steadyFrom) / 1000;
    const byRequest = Object.fromEntries(
      Object.entries(countBy(steady)).map(([k, n]) => [k, round(n / windowS, 2)]),
    );

    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) throw new Error(`controller exited with ${code}`);
    abort.abort();
    await watching.catch(() => undefined);
    mark('end');
    if (!exit) throw new Error('the controller did not report its memory');
    const last = exit;
    return {
      firstFullMs,
      firstWriteMs,
      controller: {
        peakRssMiB: last.peakRssKiB / 1024,
        finalRssMiB: last.rssKiB / 1024,
        peakHeapUsedMiB: last.peak.heapUsedMiB,
        peakHeapTotalMiB: last.peak.heapTotalMiB,
      },
      controllerAt,
      controllerCpuS: { ...controllerCpuS, total: round(last.cpuS, 1) },
      latencies: churn.samples,
      timeouts: churn.timeouts,
      churn: {
        mrChanges: churn.mrChanges,
        visible: churn.visible,
        claimEdits: churn.edits,
        followUpWrites: churn.followUps,
        lagMs: churn.lagMs,
      },
      steadyRps: { total: round(steady.length / windowS, 2), byRequest, windowS: round(windowS, 1) },
      startupRequests,
      counters: {
        startup: delta(m0, mFirst),
        churn: delta(mChurn0, mChurn1),
        idle: delta(mIdle0, mIdle),
      },
      idle: {
        writes: idle.filter((a) => WRITE_VERBS.has(a.verb) && a.resource !== 'leases').length,
        leaseWrites: idle.filter((a) => WRITE_VERBS.has(a.verb) && a.resource === 'leases').length,
        requests: idle.length,
        windowS: round((idleEnd - idleStart) / 1000, 1),
        xrEvents: idleXrEvents,
      },
      apiServer,
      etcd,
      etcdDbMiB: round(dirSizeMiB(join(seeded.etcdDir, 'member', 'snap', 'db')), 1),
      apiServerCpuS,
      bytesPerObject,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    abort.abort();
  }
}

interface ControllerCounters {
  reconciles: Record<string, number>;
  reconcileSeconds: number;
  statusWrites: number;
  events: number;
}

/** The controller's own Prometheus counters (reconciles by result, their total time, writes, Events). */
async function scrape(url: string): Promise<ControllerCounters> {
  const out: ControllerCounters = { reconciles: {}, reconcileSeconds: 0, statusWrites: 0, events: 0 };
  if (!url) return out;
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const line of text.split('\n')) {
      const m = /^(\w+)(?:\{([^}]*)\})? ([\d.e+-]+)$/.exec(line);
      if (!m) continue;
      const [, name, labels = '', value] = m;
      const v = Number(value);
      if (name === 'envstack_controller_reconcile_total') {
        const result = /result="([^"]+)"/.exec(labels)?.[1] ?? '';
        out.reconciles[result] = (out.reconciles[result] ?? 0) + v;
      } else if (name === 'envstack_controller_reconcile_duration_seconds_sum') out.reconcileSeconds += v;
      else if (name === 'envstack_controller_status_writes_total') out.statusWrites += v;
      else if (name === 'envstack_controller_events_total') out.events += v;
    }
  } catch {
    // the metrics are a diagnostic: their absence is no failure
  }
  return out;
}

function delta(a: ControllerCounters, b: ControllerCounters): Record<string, unknown> {
  const reconciles = Object.fromEntries(
    Object.entries(b.reconciles).map(([k, v]) => [k, Math.round(v - (a.reconciles[k] ?? 0))]),
  );
  const n = Object.values(reconciles).reduce((x, y) => x + y, 0);
  return {
    reconciles,
    reconcileMeanMs: n ? round(((b.reconcileSeconds - a.reconcileSeconds) * 1000) / n, 1) : 0,
    statusWrites: Math.round(b.statusWrites - a.statusWrites),
    events: Math.round(b.events - a.events),
  };
}

function countBy(entries: readonly AuditEntry[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of entries) {
    const key = `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

/**
 * A fresh API server creates a kind's storage and watch cache on first use; a long-running one has
 * them. One small list per kind, then wait until the watch caches report their initialization.
 */
async function warmWatchCaches(): Promise<void> {
  const plurals = [...kinds.map((k) => k.plural), 'xplatformenvironments'];
  // A fresh server filling ~80 watch caches from etcd at once can drop a connection: try again.
  const touch = async (path: string): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await api.json('GET', `${path}?limit=1`);
        return;
      } catch (err) {
        if (attempt >= 8) throw err;
        log(`warming ${path}: ${err instanceof Error ? err.message : String(err)}; trying again`);
        await sleep(1000 * 2 ** Math.min(attempt, 4));
      }
    }
  };
  await Promise.all([...kinds.map((k) => collectionPath(k)), XR_PATH].map(touch));
  if (!cfg.watchCache) return;
  const deadline = Date.now() + 300_000;
  for (;;) {
    const res = await api.send('GET', '/metrics');
    const ready = new Set<string>();
    for (const line of res.body.split('\n')) {
      const m = /^apiserver_watch_cache_initializations_total\{[^}]*resource="([^"]+)"[^}]*\} (\d+)/.exec(
        line,
      );
      if (m && Number(m[2]) > 0) ready.add(m[1]);
    }
    const missing = plurals.filter((p) => !ready.has(p));
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      log(`watch caches not reported ready for ${missing.join(', ')}; going on`);
      return;
    }
    await sleep(1000);
  }
}

/** The mean size of a managed resource as the API server serves it, weighted by how many of each kind there are. */
async function averageObjectSize(): Promise<number> {
  const counts = new Map<string, number>();
  for (const t of templates.values()) {
    const n = envs.filter((e) => e.profile === t.profile).length;
    for (const mr of JSON.parse(t.mrsText) as KObject[]) {
      const k = `${(mr.apiVersion ?? '').split('/')[0]}/${mr.kind}`;
      counts.set(k, (counts.get(k) ?? 0) + n);
    }
  }
  let bytes = 0;
  let objects = 0;
  for (const k of kinds) {
    const page = await api.json<{ items: KObject[] }>('GET', `${collectionPath(k)}?limit=20`);
    if (!page.items.length) continue;
    const mean = page.items.reduce((n, o) => n + JSON.stringify(o).length, 0) / page.items.length;
    const n = counts.get(`${k.group}/${k.kind}`) ?? 0;
    bytes += mean * n;
    objects += n;
  }
  return objects ? bytes / objects : 0;
}

// ---------------------------------------------------------------------------------------------
// Churn.

interface ChurnResult {
  samples: Sample[];
  timeouts: number;
  mrChanges: number;
  visible: number;
  edits: number;
  followUps: number;
  lagMs: number;
}

async function runChurn(
  expectations: Map<string, Expectation[]>,
  statuses: Map<string, Record<string, unknown>>,
): Promise<ChurnResult> {
  const perMinute = (resources * cfg.churnPercent) / 100;
  log(
    `churn for ${cfg.churnS} s: ${Math.round(perMinute)} managed-resource status changes and ${cfg.claimEditsPerMin} claim edits per minute`,
  );
  const samples: Sample[] = [];
  let timeouts = 0;
  let seq = 0;
  let mrChanges = 0;
  let visible = 0;
  let edits = 0;
  let followUps = 0;
  let maxLag = 0;
  const injections = new Map<string, Injection>();
  const editedAt = new Map<string, number>();
  /** The log retention an edit last set, by XR. */
  const retentions = new Map<string, number>();
  /** forProvider / atProvider values of edited environments' resources, by object name. */
  const overrides = new Map<
    string,
    Map<string, { forProvider: Record<string, unknown>; atProvider?: Record<string, unknown> }>
  >();
  const requests = new Set<Promise<void>>();
  const waiting: Promise<void>[] = [];
  let failed: unknown;
  const fail = (err: unknown): void => {
    failed ??= err;
  };
  const trace = (fields: Record<string, unknown>) => {
    if (cfg.trace) appendFileSync(cfg.trace, `${JSON.stringify({ at: Date.now(), ...fields })}\n`);
  };

  /** Waits for the bench's watch to show a status that passes TEST; the clock starts now. */
  /** Returns what to call once the change's own request has returned (for the trace). */
  const expect = (
    e: Environment,
    kind: Sample['kind'],
    test: Expectation['test'],
    token: string,
  ): (() => void) => {
    const t0 = performance.now();
    trace({ event: 'change', kind, env: e.xrName, token });
    waiting.push(
      new Promise<void>((resolve) => {
        let settled = false;
        const exp: Expectation = {
          kind,
          t0,
          test,
          resolve: () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            const ms = performance.now() - t0;
            samples.push({ kind, ms });
            trace({ event: 'seen', kind, env: e.xrName, token, ms: Math.round(ms) });
            resolve();
          },
        };
        const timer = setTimeout(() => {
          if (settled) return;
          settled = true;
          timeouts += 1;
          samples.push({ kind, ms: TIMEOUT_MS });
          trace({ event: 'timeout', kind, env: e.xrName, token });
          const list = expectations.get(e.xrName)?.filter((x) => x !== exp);
          if (list?.length) expectations.set(e.xrName, list);
          else expectations.delete(e.xrName);
          resolve();
        }, TIMEOUT_MS);
        const list = expectations.get(e.xrName) ?? [];
        list.push(exp);
        expectations.set(e.xrName, list);
      }),
    );
    return () => trace({ event: 'sent', kind, env: e.xrName, token, ms: Math.round(performance.now() - t0) });
  };

  const withOverrides = (e: Environment, mr: KObject): KObject => {
    const x = overrides.get(e.xrName)?.get(mr.metadata?.name ?? '');
    if (!x) return mr;
    return {
      ...mr,
      spec: { ...mr.spec, forProvider: { ...(mr.spec?.forProvider ?? {}), ...x.forProvider } },
      status: { ...mr.status, atProvider: { ...(mr.status?.atProvider ?? {}), ...x.atProvider } },
    };
  };
  const statusPatch = (mr: KObject, status: Record<string, unknown>) =>
    api.json('PATCH', `${pathOf(index, mr)}/status?fieldManager=${PROVIDER_MANAGER}`, { status }, MERGE);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

  const driftItem = (status: Record<string, unknown>, resource: string, field: string) => {
    const drift = (status.drift ?? {}) as { items?: { type: string; resource: string; field: string }[] };
    return (drift.items ?? []).some(
      (i) => i.type === 'cloud' && i.resource === resource && i.field === field,
    );
  };
  const blockedBy = (status: Record<string, unknown>, token: string) => {
    const b = status.blockingError as { message?: string } | undefined;
    return typeof b?.message === 'string' && b.message.includes(token);
  };

  /** One managed resource's status changes, as a provider would write it. */
  const mrChange = async (): Promise<void> => {
    const e = pick(envs);
    const t = tpl(e);
    const now = Date.now();
    const quiet = now - (editedAt.get(e.xrName) ?? 0) > EDIT_SETTLE_MS;
    const injected = injections.get(e.xrName);
    mrChanges += 1;
    if (injected && injected.observed && now - injected.at > 5_000) {
      // The provider reports the resource healthy again / someone undoes the console change.
      visible += 1;
      injections.delete(e.xrName);
      const resource = resourceOf(injected.mr);
      if (injected.kind === 'drift' && injected.field) {
        const field = injected.field;
        const sent = expect(e, 'drift-revert', (s) => !driftItem(s, resource, field), injected.token);
        await statusPatch(injected.mr, { atProvider: { [field]: injected.original } });
        sent();
        return;
      }
      const sent = expect(e, 'sync-revert', (s) => !blockedBy(s, injected.token), injected.token);
      await statusPatch(injected.mr, { conditions: readyConditions() });
      sent();
      return;
    }
    const i = Math.floor(Math.random() * t.count);
    const mr = withOverrides(e, managedOne(t, e, i));
    if (!injected && quiet && Math.random() < cfg.visible) {
      visible += 1;
      const token = `bench-${++seq}`;
      const resource = resourceOf(mr);
      const field = driftField(mr, t.desiredKeys[i]);
      if (field && Math.random() < 0.5) {
        // Someone changes the resource in the console: cloud drift.
        const inj: Injection = {
          mr,
          kind: 'drift',
          field: field.field,
          original: field.value,
          token,
          at: now,
          observed: false,
        };
        injections.set(e.xrName, inj);
        const sent = expect(e, 'drift', (s) => (inj.observed = driftItem(s, resource, field.field)), token);
        await statusPatch(mr, { atProvider: { [field.field]: drifted(field.value, seq) } });
        sent();
        return;
      }
      // The provider cannot update the resource: a blocking error.
      const inj: Injection = { mr, kind: 'sync', token, at: now, observed: false };
      injections.set(e.xrName, inj);
      const sent = expect(e, 'sync', (s) => (inj.observed = blockedBy(s, token)), token);
      await statusPatch(mr, {
        conditions: [
          readyConditions()[0],
          {
            type: 'Synced',
            status: 'False',
            reason: 'ReconcileError',
            message: `update failed: async update failed: failed to update the resource: [{0 updating ${resource}: operation error: StatusCode: 400, api error InvalidParameterValue (${token})}]`,
            lastTransitionTime: utcSeconds(now),
            observedGeneration: 1,
          },
        ],
      });
      sent();
      return;
    }
    // A status write that changes nothing the controller reports: the provider's periodic
    // observation moved Synced's transition time.
    if (injected && injected.mr.metadata?.name === mr.metadata?.name) return;
    await statusPatch(mr, { conditions: readyConditions(utcSeconds(now)) });
  };

  /** A claim edit as Crossplane propagates it: the XR's spec, then the composed resources, then the provider. */
  const claimEdit = async (): Promise<void> => {
    const now = Date.now();
    const candidates = envs.filter(
      (e) => !injections.has(e.xrName) && now - (editedAt.get(e.xrName) ?? 0) > EDIT_SETTLE_MS,
    );
    if (!candidates.length) return;
    const e = pick(candidates);
    edits += 1;
    editedAt.set(e.xrName, now);
    const value = `edit-${++seq}`;
    const generation = Number(statuses.get(e.xrName)?.observedGeneration ?? 1);
    const sent = expect(e, 'edit', (s) => Number(s.observedGeneration ?? 0) > generation, value);
    // Every other edit changes a tag (every taggable resource follows), the others the log retention
    // (the log groups follow).
    // Each edit changes the spec (an edit that sets what is there changes no generation to wait for).
    const retention = RETENTIONS.filter((d) => d !== retentions.get(e.xrName))[seq % (RETENTIONS.length - 1)];
    const spec =
      edits % 2 === 0 ? { tags: { BenchEdit: value } } : { observability: { logRetentionDays: retention } };
    if (edits % 2 !== 0) retentions.set(e.xrName, retention);
    const xr = await api.json<KObject>(
      'PATCH',
      `${XR_PATH}/${e.xrName}?fieldManager=${encodeURIComponent('apiextensions.crossplane.io/claim')}`,
      { spec },
      MERGE,
    );
    sent();
    // Crossplane renders the composition again and applies, one by one, what changed.
    await sleep(500);
    const current = managedFor(tpl(e), e).map((mr) => withOverrides(e, mr));
    const byResource = new Map(current.map((m) => [resourceOf(m), m]));
    const desired = render({
      composite: xr as Unstructured,
      composition,
      observed: current as Unstructured[],
      functions,
    }).composed as KObject[];
    const changed: { mr: KObject; forProvider: Record<string, unknown> }[] = [];
    for (const d of desired) {
      const mr = byResource.get(resourceOf(d));
      if (!mr) continue;
      const want = (d.spec?.forProvider ?? {}) as Record<string, unknown>;
      const have = (mr.spec?.forProvider ?? {}) as Record<string, unknown>;
      const diff = Object.fromEntries(
        Object.entries(want).filter(([k, v]) => !isDeepStrictEqual(v, have[k])),
      );
      if (Object.keys(diff).length) changed.push({ mr, forProvider: diff });
    }
    const o = overrides.get(e.xrName) ?? new Map();
    overrides.set(e.xrName, o);
    await pool(changed, 2, async ({ mr, forProvider }) => {
      followUps += 1;
      await api.json(
        'PATCH',
        `${pathOf(index, mr)}?fieldManager=${encodeURIComponent('apiextensions.crossplane.io/composed')}`,
        { spec: { forProvider } },
        MERGE,
      );
      const name = mr.metadata?.name ?? '';
      o.set(name, { ...o.get(name), forProvider: { ...o.get(name)?.forProvider, ...forProvider } });
    });
    // The provider applies each change in AWS and reports it.
    await sleep(1_000);
    await pool(changed, 4, async ({ mr, forProvider }) => {
      const at = (mr.status?.atProvider ?? {}) as Record<string, unknown>;
      const atProvider: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(forProvider)) if (k in at) atProvider[k] = v;
      if ('tags' in atProvider && 'tagsAll' in at) atProvider.tagsAll = atProvider.tags;
      if (!Object.keys(atProvider).length) return;
      followUps += 1;
      await statusPatch(mr, { atProvider });
      const entry = o.get(mr.metadata?.name ?? '');
      if (entry) entry.atProvider = { ...entry.atProvider, ...atProvider };
    });
  };

  const start = performance.now();
  const end = start + cfg.churnS * 1000;
  let fired = 0;
  let editsFired = 0;
  const maxInFlight = 32;
  while (performance.now() < end && failed === undefined) {
    const elapsed = performance.now() - start;
    const mrDue = Math.floor((elapsed / 60_000) * perMinute);
    const editDue = Math.floor((elapsed / 60_000) * cfg.claimEditsPerMin);
    while (fired < mrDue && requests.size < maxInFlight) {
      fired += 1;
      const p = mrChange().catch(fail);
      requests.add(p);
      void p.finally(() => requests.delete(p));
    }
    while (editsFired < editDue) {
      editsFired += 1;
      waiting.push(claimEdit().catch(fail));
    }
    if (fired < mrDue) maxLag = Math.max(maxLag, ((mrDue - fired) / perMinute) * 60_000);
    await sleep(10);
  }
  log(`churn over: ${fired} status changes, ${editsFired} claim edits; waiting for the last statuses`);
  await Promise.all([...requests]);
  await Promise.all(waiting);
  if (failed !== undefined) throw failed;
  return { samples, timeouts, mrChanges, visible, edits, followUps, lagMs: Math.round(maxLag) };
}

// ---------------------------------------------------------------------------------------------
// Results.

function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function entriesOf(f: Figures): Record<string, BenchEntry> {
  const setup = {
    server: 'kube-apiserver',
    serverVersion: 'v1.37.2',
    apiServerWatchCache: cfg.watchCache,
    /** Go's soft memory limit for kube-apiserver. */
    goMemLimit: cfg.apiServerMemLimit,
    environments: envs.length,
    resources,
    mix: Object.fromEntries(PROFILES.map((p) => [p, envs.filter((e) => e.profile === p).length])),
    bytesPerObject: Math.round(f.bytesPerObject),
    pageSize: cfg.pageSize,
    specDrift: cfg.specDrift,
    cloudDrift: true,
    workers: cfg.workers,
    churnPerMin: Math.round((resources * cfg.churnPercent) / 100),
    claimEditsPerMin: cfg.claimEditsPerMin,
    heapCapMiB: cfg.heapCapMiB || null,
  };
  const one = (value: number, unit: string, extra: Record<string, unknown> = {}): BenchEntry => ({
    median: round(value),
    min: round(value),
    max: round(value),
    unit,
    runs: 1,
    ...setup,
    ...extra,
  });
  const all = f.latencies.map((s) => s.ms).sort((a, b) => a - b);
  const ofKind = (k: Sample['kind'] | Sample['kind'][]) =>
    f.latencies
      .filter((s) => (Array.isArray(k) ? k.includes(s.kind) : s.kind === k))
      .map((s) => s.ms)
      .sort((a, b) => a - b);
  const latencyExtra = {
    samples: all.length,
    timeouts: f.timeouts,
    timeoutMs: TIMEOUT_MS,
    byChange: Object.fromEntries(
      (['sync', 'sync-revert', 'drift', 'drift-revert', 'edit'] as const).map((k) => {
        const xs = ofKind(k);
        return [
          k,
          { samples: xs.length, p50: round(percentile(xs, 50), 1), p99: round(percentile(xs, 99), 1) },
        ];
      }),
    ),
    note: 'from the request that changes a managed resource (or the XR) to the status write arriving on a watch',
  };
  const churnS = cfg.churnS;
  return {
    'controller.peak-rss': one(f.controller.peakRssMiB, 'MiB', {
      finalMedianMiB: round(f.controller.finalRssMiB, 1),
      at: f.controllerAt,
    }),
    'controller.peak-heap': one(f.controller.peakHeapUsedMiB, 'MiB', {
      peakHeapTotalMiB: round(f.controller.peakHeapTotalMiB, 1),
      note: 'V8 heap used, sampled every second',
    }),
    'controller.first-full-status': one(f.firstFullMs / 1000, 's', {
      syncMedianMs: f.firstWriteMs,
      controllerCpuS: f.controllerCpuS.firstFullStatus,
      apiServerCpuS: f.apiServerCpuS.startup,
      requests: f.startupRequests,
      controller: f.counters.startup,
      note: 'process start to every environment holding its complete status; syncMedianMs: to the first status write',
    }),
    'controller.latency-p50': one(percentile(all, 50), 'ms', latencyExtra),
    'controller.latency-p99': one(percentile(all, 99), 'ms', latencyExtra),
    'controller.api-rps': one(f.steadyRps.total, 'requests/s', {
      windowS: f.steadyRps.windowS,
      byRequest: f.steadyRps.byRequest,
      churnS,
      controllerCpuS: f.controllerCpuS.churn,
      apiServerCpuS: f.apiServerCpuS.churn,
      churn: f.churn,
      controller: f.counters.churn,
      note: "the controller's requests during churn, from the API server's audit log",
    }),
    'controller.idle-writes': one((f.idle.writes * 60) / f.idle.windowS, 'writes/min', {
      idleWindowS: f.idle.windowS,
      resyncS: cfg.resyncS,
      requests: f.idle.requests,
      leaderElection: cfg.leaderElection,
      leaseRenewals: f.idle.leaseWrites,
      xrStatusEvents: f.idle.xrEvents,
      note: 'writes other than Lease renewals: status patches, Events',
      controller: f.counters.idle,
    }),
    'controller.apiserver-rss': one(f.apiServer['first-full-status'].rssMiB, 'MiB', {
      hwmMiB: f.apiServer.end.hwmMiB,
      phases: f.apiServer,
      etcdRssMiB: f.etcd['first-full-status'].rssMiB,
      etcdHwmMiB: f.etcd.end.hwmMiB,
      etcdPhases: f.etcd,
      etcdDbMiB: f.etcdDbMiB,
      seedCurve: seeded.manifest.curve,
      seedApiServerCpuMsPerWrite: seeded.manifest.apiServerCpuMsPerWrite,
      note: 'kube-apiserver VmRSS once every environment has its status (phases: VmRSS/VmHWM at each phase); etcd alongside',
    }),
  };
}
