/**
 * `npm run bench`, last step: the live path on real Crossplane, timed. The sandbox (src/ops/sandbox) runs a
 * real etcd + kube-apiserver v1.37.2, Crossplane core v2.2.1 out of cluster with the real composition
 * functions, the provider stand-in playing provider-aws and AWS, and the envstack controller, with the
 * chart installed. The bench applies the prod-dr claim with kubectl and measures:
 *
 * - from `kubectl apply` to every managed resource existing (their number equals what
 *   `envstack render --converge` predicts for the live XR), to all of them Ready, and from all Ready to
 *   the claim Ready (its Ready condition and the controller's status.phase), polling every 250 ms;
 * - whether the XR's `Responsive` condition (Crossplane's circuit breaker) ever turned False;
 * - one XR reconcile's duration in Crossplane's own metrics (controller_runtime_reconcile_time_seconds
 *   of the composite/ controller) during creation and for reconciles of the finished environment
 *   (triggered by annotating the XR), and every function call's (function_run_function_seconds);
 * - VmRSS and VmHWM of the API server, etcd, Crossplane core and the controller, idle with the stack
 *   installed and after the environment is Ready; the CRDs installed;
 * - API server memory on plain clusters with only the provider CRDs our Compositions use against every
 *   provider-aws CRD (bench/live-crds.ts; heavy: ENVSTACK_BENCH_ALL_CRDS=0 skips it);
 * - when one reconcile takes more than 10 s or a function call nears its deadline: the same
 *   environment split into one nested composite per component (bench/live-nested.ts), measured the
 *   same way (ENVSTACK_BENCH_NESTED=1 forces it, 0 skips it).
 *
 * Knobs: ENVSTACK_BENCH_CLAIM (examples/prod-dr.yaml), ENVSTACK_BENCH_TOUCHES (3 reconciles of the
 * finished environment), ENVSTACK_BENCH_TIMEOUT_S (300: apply to claim Ready), ENVSTACK_BENCH_BUDGET_S
 * (600: the whole bench; later phases shrink or are skipped to stay within it), ENVSTACK_BENCH_CB_BURST
 * / _CB_REFILL / _CB_COOLDOWN (Crossplane's circuit breaker; its defaults otherwise),
 * ENVSTACK_BENCH_RECORD (1: merge the figures into bench/results.json under live.*).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { promisify } from 'node:util';
import { CustomObjectsApi } from '@kubernetes/client-node';
import jsYaml from 'js-yaml';
import { API_VERSION, apiNames, DEFAULT_GROUP } from '../src/platform/compose/xrd.js';
import { convergeClaim } from '../src/platform/render/converge.js';
import type { JsonObject, Unstructured } from '../src/engine/render/fnapi.js';
import { cloneJson } from '../src/engine/render/unstructured.js';
import { checkClaim } from '../src/ops/sandbox/check.js';
import { apiGet } from '../src/ops/sandbox/cluster.js';
import { managedKinds, providerCrdFiles, startSandbox, type Sandbox } from '../src/ops/sandbox/sandbox.js';
import { sleep } from '../src/ops/sandbox/supervisor.js';
import { tool } from '../src/ops/sandbox/tools.js';
import { procMemory, type ProcMemory } from './kube.js';
import { allProviderCrdFiles, crdMemory, type CrdMemory } from './live-crds.js';
import { runNested, type NestedResult } from './live-nested.js';
import {
  conditionOf,
  countsOf,
  expectedOf,
  isProviderKind,
  isTrue,
  kindKey,
  MrPoller,
  type Condition,
  type KindCount,
} from './live-poll.js';
import { MetricsSampler, parseProm, type Observations } from './live-prom.js';
import { record, type BenchEntry } from './stats.js';

const execFileAsync = promisify(execFile);
const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const optionalNumber = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
const cfg = {
  claimFile: env('ENVSTACK_BENCH_CLAIM', 'examples/prod-dr.yaml'),
  allCrds: env('ENVSTACK_BENCH_ALL_CRDS', '1') !== '0',
  nested: env('ENVSTACK_BENCH_NESTED', 'auto'),
  record: env('ENVSTACK_BENCH_RECORD', '1') !== '0',
  touches: Number(env('ENVSTACK_BENCH_TOUCHES', '3')),
  timeoutS: Number(env('ENVSTACK_BENCH_TIMEOUT_S', '300')),
  /** The whole bench's time budget: later phases shrink or are skipped to stay within it. */
  budgetS: Number(env('ENVSTACK_BENCH_BUDGET_S', '600')),
  pollMs: 250,
  circuitBreaker: {
    burst: optionalNumber('ENVSTACK_BENCH_CB_BURST'),
    refillRate: optionalNumber('ENVSTACK_BENCH_CB_REFILL'),
    cooldown: process.env.ENVSTACK_BENCH_CB_COOLDOWN,
  },
};
const FLAVOR = 'claim';
const GROUP = DEFAULT_GROUP;
const NAMES = apiNames(FLAVOR, GROUP);
const XR_CONTROLLER = `composite/${NAMES.xrdName}`;
const CLAIM_CONTROLLER = `claim/${NAMES.xrdName}`;
/** The goals of issue 13. */
const GOALS = { applyToAllMrsS: 30, readyToClaimReadyS: 10, reconcileS: 10 };
/**
 * The per-call deadline of Crossplane 1.x's function runner (runFunctionTimeout, 10 s; the claim flavor
 * supports Crossplane >= 1.17). Crossplane 2.2.1 has no per-call deadline: the calls share the XR
 * reconcile's 2-minute timeout.
 */
const FUNCTION_DEADLINE_S = 10;
const XR_RECONCILE_TIMEOUT_S = 120;
const NEAR_DEADLINE = 0.8;
const PROCESSES = ['kube-apiserver', 'etcd', 'crossplane', 'controller'] as const;
const OTHER_PROCESSES = [
  'provider-standin',
  'function-patch-and-transform',
  'function-cel-filter',
  'function-auto-ready',
] as const;
const TOUCH_ANNOTATION = 'bench.envstack.dev/touch';
/** What the CRD comparison takes on a quiet 2-core machine (two clusters, 78 and 635 CRDs). */
const CRD_PHASE_S = 130;
/** The least time the nested-composites run is worth starting with. */
const NESTED_MIN_S = 150;

const started = performance.now();
/** Seconds of the budget left, less what the CRD comparison at the end needs. */
const remainingS = () => cfg.budgetS - (performance.now() - started) / 1000 - (cfg.allCrds ? CRD_PHASE_S : 0);
const loadAvgAtStart = loadavg()[0];
const log = (msg: string) =>
  process.stderr.write(`[live ${((performance.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

function readClaim(file: string): Unstructured {
  const [doc] = jsYaml.loadAll(readFileSync(file, 'utf8')) as Unstructured[];
  return doc;
}

/** What `checkClaim` hands `convergeClaim`: the live XR without status or server metadata. */
function strippedXr(xr: Unstructured): Unstructured {
  const out = cloneJson(xr);
  delete out.status;
  const meta = (out.metadata ?? {}) as JsonObject;
  for (const k of ['resourceVersion', 'managedFields', 'creationTimestamp', 'generation', 'finalizers'])
    delete meta[k];
  return out;
}

interface Prediction {
  composed: Unstructured[];
  byKind: Map<string, number>;
}

/** `envstack render --converge` of the claim: for the live XR when given, as checkClaim does. */
async function predict(claim: Unstructured, xr?: Unstructured): Promise<Prediction> {
  const { result } = await convergeClaim({
    claim,
    flavor: FLAVOR,
    group: GROUP,
    ...(xr ? { xr: strippedXr(xr) } : {}),
  });
  const byKind = new Map<string, number>();
  for (const r of result.composed) {
    const k = kindKey(r.apiVersion ?? '', r.kind ?? '');
    byKind.set(k, (byKind.get(k) ?? 0) + 1);
  }
  return { composed: result.composed, byKind };
}

type Memory = Record<string, ProcMemory | undefined>;
function memory(sb: Sandbox): Memory {
  const out: Memory = {};
  for (const name of [...PROCESSES, ...OTHER_PROCESSES]) {
    const pid = sb.kube.supervisor.get(name)?.pid;
    out[name] = pid === undefined ? undefined : procMemory(pid);
  }
  return out;
}

/** Write requests the API server has served, by resource (and subresource): apiserver_request_total. */
async function apiWrites(sb: Sandbox): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  try {
    const res = await apiGet(sb.kube.server, sb.kube.caFile, sb.kube.adminToken, '/metrics', 20_000);
    for (const m of parseProm(res.body, ['apiserver_request_total'])) {
      if (m.name !== 'apiserver_request_total') continue;
      if (!['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE'].includes(m.labels.verb ?? '')) continue;
      const key = `${m.labels.resource ?? ''}${m.labels.subresource ? `/${m.labels.subresource}` : ''}`;
      out.set(key, (out.get(key) ?? 0) + m.value);
    }
  } catch {
    // the figures are a diagnostic only
  }
  return out;
}

async function kubectlAsync(sb: Sandbox, args: readonly string[]): Promise<string> {
  const { stdout } = await execFileAsync(tool('kubectl'), ['--kubeconfig', sb.kube.kubeconfig, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}

// ---------------------------------------------------------------------------------------------
// The run: kubectl apply, then poll the claim, the XR and every managed-resource kind.

interface Snapshot {
  /** Seconds since kubectl apply started, when this poll's answers were all in. */
  t: number;
  pollMs: number;
  kinds: Map<string, KindCount>;
  claimReady: boolean;
  phase?: string;
  responsive?: Condition;
}

interface RunResult {
  snapshots: Snapshot[];
  xr?: Unstructured;
  timedOut: boolean;
  responsiveFalse: { atS: number; message?: string; reason?: string }[];
}

async function runClaim(
  sb: Sandbox,
  claim: Unstructured,
  pre: Prediction,
  timeoutS: number,
): Promise<RunResult> {
  const api = sb.kc.makeApiClient(CustomObjectsApi);
  const namespace = claim.metadata?.namespace ?? 'default';
  const name = claim.metadata?.name ?? '';
  const want = expectedOf(pre.byKind);
  const poller = new MrPoller(api, managedKinds(FLAVOR), pre.byKind);
  const snapshots: Snapshot[] = [];
  const responsiveFalse: RunResult['responsiveFalse'] = [];
  let lastResponsive = 'True';
  let xr: Unstructured | undefined;
  let kinds = new Map<string, KindCount>();

  sb.kubectl(['create', 'namespace', namespace]);
  const t0 = performance.now();
  sb.kubectl(['apply', '-f', '-'], JSON.stringify(claim));
  log(`applied ${cfg.claimFile} (kubectl apply took ${((performance.now() - t0) / 1000).toFixed(2)} s)`);
  const deadline = t0 + timeoutS * 1000;
  let timedOut = true;
  while (performance.now() < deadline) {
    const pollStart = performance.now();
    const live = (await api
      .getNamespacedCustomObject({
        group: GROUP,
        version: API_VERSION,
        namespace,
        plural: 'platformenvironments',
        name,
      })
      .catch(() => undefined)) as Unstructured | undefined;
    const ref = (live?.spec as { resourceRef?: { name?: string } } | undefined)?.resourceRef?.name;
    if (ref) {
      const [x, k] = await Promise.all([
        api
          .getClusterCustomObject({
            group: GROUP,
            version: API_VERSION,
            plural: NAMES.compositePlural,
            name: ref,
          })
          .catch(() => undefined) as Promise<Unstructured | undefined>,
        poller.poll(`crossplane.io/composite=${ref}`),
      ]);
      if (x) xr = x;
      kinds = k;
    }
    const end = performance.now();
    const responsive = conditionOf(xr, 'Responsive');
    const snap: Snapshot = {
      t: (end - t0) / 1000,
      pollMs: end - pollStart,
      kinds,
      claimReady: isTrue(live, 'Ready'),
      phase: (live?.status as { phase?: string } | undefined)?.phase,
      responsive,
    };
    snapshots.push(snap);
    if (responsive && responsive.status !== lastResponsive) {
      if (responsive.status === 'False') {
        responsiveFalse.push({
          atS: round(snap.t, 2),
          message: responsive.message,
          reason: responsive.reason,
        });
        log(
          `XR Responsive=False at ${snap.t.toFixed(1)} s: ${responsive.message ?? responsive.reason ?? ''}`,
        );
      } else log(`XR Responsive=${responsive.status} again at ${snap.t.toFixed(1)} s`);
      lastResponsive = responsive.status;
    }
    const c = countsOf(kinds);
    if (snapshots.length % 20 === 0)
      log(
        `${c.n}/${want} composed, ${c.ready} Ready; claim Ready=${snap.claimReady} phase=${snap.phase ?? '-'}`,
      );
    if (c.n === want && c.ready === want && snap.claimReady && snap.phase === 'Ready') {
      timedOut = false;
      break;
    }
    await sleep(Math.max(0, cfg.pollMs - (performance.now() - pollStart)));
  }
  return { snapshots, xr, timedOut, responsiveFalse };
}

interface Timeline {
  allMrsS?: number;
  allReadyS?: number;
  providerReadyS?: number;
  claimReadyS?: number;
  /** The first time the claim was Ready at all (it can be, before resources gated on others appear). */
  firstClaimReadyS?: number;
  firstMrS?: number;
  polls: number;
  pollMsMedian: number;
  pollMsMax: number;
}

function timeline(snapshots: readonly Snapshot[], predicted: ReadonlyMap<string, number>): Timeline {
  const want = expectedOf(predicted);
  const wantProvider = expectedOf(predicted, isProviderKind);
  const allMrs = snapshots.find((s) => countsOf(s.kinds).n === want);
  const allReady = snapshots.find((s) => {
    const c = countsOf(s.kinds);
    return c.n === want && c.ready === want;
  });
  const providerReady = snapshots.find((s) => {
    const c = countsOf(s.kinds, isProviderKind);
    return c.n === wantProvider && c.ready === wantProvider;
  });
  const claimReady = allReady
    ? snapshots.find((s) => s.t >= allReady.t && s.claimReady && s.phase === 'Ready')
    : undefined;
  const polls = snapshots.map((s) => s.pollMs).sort((a, b) => a - b);
  return {
    allMrsS: allMrs?.t,
    allReadyS: allReady?.t,
    providerReadyS: providerReady?.t,
    claimReadyS: claimReady?.t,
    firstClaimReadyS: snapshots.find((s) => s.claimReady && s.phase === 'Ready')?.t,
    firstMrS: snapshots.find((s) => countsOf(s.kinds).n > 0)?.t,
    polls: snapshots.length,
    pollMsMedian: polls[polls.length >> 1] ?? 0,
    pollMsMax: polls[polls.length - 1] ?? 0,
  };
}

/** Reconciles of the finished environment: annotate the XR, wait for the composite controller to run. */
async function touchReconciles(
  sb: Sandbox,
  sampler: MetricsSampler,
  xrName: string,
  /** True once the durations so far settle what the bench needs to know (and time is short). */
  enough: (durations: readonly number[]) => boolean = () => false,
): Promise<{ durations: number[]; batched: number }> {
  const durations: number[] = [];
  let batched = 0;
  for (let i = 1; i <= cfg.touches && remainingS() > 40 && !enough(durations); i++) {
    // Let anything still queued finish first, so that the next observation is the touch's own.
    const quietBy = performance.now() + 15_000;
    for (let stable = 0, prev = -1; stable < 3000 && performance.now() < quietBy; stable += 500) {
      await sleep(500);
      const now = sampler.reconciles.count(XR_CONTROLLER);
      if (now !== prev) {
        stable = -500;
        prev = now;
      }
    }
    const count = sampler.reconciles.count(XR_CONTROLLER);
    const sum = sampler.reconciles.sum(XR_CONTROLLER);
    await kubectlAsync(sb, [
      'annotate',
      NAMES.compositePlural,
      xrName,
      `${TOUCH_ANNOTATION}=${Date.now()}`,
      '--overwrite',
    ]);
    const deadline = performance.now() + 180_000;
    while (sampler.reconciles.count(XR_CONTROLLER) === count && performance.now() < deadline)
      await sleep(100);
    await sleep(1000);
    const dCount = sampler.reconciles.count(XR_CONTROLLER) - count;
    if (dCount <= 0) {
      log(`touch ${i}: no reconcile within 180 s`);
      continue;
    }
    const d = (sampler.reconciles.sum(XR_CONTROLLER) - sum) / dCount;
    if (dCount > 1) batched++;
    durations.push(d);
    log(`touch ${i}: ${dCount} reconcile(s), ${d.toFixed(2)} s each`);
  }
  return { durations, batched };
}

// ---------------------------------------------------------------------------------------------
// Results.

function stats(xs: readonly number[]): { mean: number; median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return { mean: 0, median: 0, min: 0, max: 0 };
  const mid = s.length >> 1;
  return {
    mean: round(s.reduce((a, b) => a + b, 0) / s.length),
    median: round(s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2),
    min: round(s[0]),
    max: round(s[s.length - 1]),
  };
}

function observationSummary(o: Observations): Record<string, number> {
  return {
    count: o.count,
    exact: o.exact,
    meanS: o.count ? round(o.sum / o.count) : 0,
    maxS: stats(o.durations).max,
    maxAtMostS: o.maxAtMost === Infinity ? -1 : o.maxAtMost,
  };
}

function entry(value: number, unit: string, extra: Record<string, unknown> = {}): BenchEntry {
  return { median: round(value), min: round(value), max: round(value), unit, runs: 1, ...extra };
}

function fromSamples(samples: readonly number[], unit: string, extra: Record<string, unknown>): BenchEntry {
  const st = stats(samples);
  return { median: st.median, min: st.min, max: st.max, unit, runs: samples.length, mean: st.mean, ...extra };
}

const memOf = (m: Memory, name: string) => ({
  rssMiB: round(m[name]?.rssMiB ?? 0, 1),
  hwmMiB: round(m[name]?.hwmMiB ?? 0, 1),
});
const seconds = (v: number | undefined) => (v === undefined ? '-' : `${round(v, 2)} s`);

async function main(): Promise<void> {
  const claim = readClaim(cfg.claimFile);
  const kinds = managedKinds(FLAVOR);
  log(`predicting ${cfg.claimFile} with envstack render --converge`);
  const pre = await predict(claim);
  log(`${pre.composed.length} composed resources predicted across ${pre.byKind.size} kinds`);
  const cb = Object.fromEntries(Object.entries(cfg.circuitBreaker).filter(([, v]) => v !== undefined));
  const sb = await startSandbox({ flavor: FLAVOR, tiedToParent: true, circuitBreaker: cb, progress: log });
  const entries: Record<string, BenchEntry> = {};
  const table: [string, string, string][] = [];
  let composedLive = 0;
  try {
    const sampler = new MetricsSampler(sb.crossplane.metricsUrl);
    await sleep(5000);
    const idle = memory(sb);
    const crdNames = sb
      .kubectl(['get', 'crd', '--no-headers'])
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => l.split(/\s+/)[0]);
    await sampler.baseline();
    const writesBefore = await apiWrites(sb);
    sampler.start(250);
    // Leave room for the reconciles of the finished environment and, when needed, the nested run.
    const runTimeoutS = Math.max(120, Math.min(cfg.timeoutS, remainingS() - 150));
    const run = await runClaim(sb, claim, pre, runTimeoutS);
    if (run.timedOut) log(`not Ready within ${runTimeoutS} s:\n${sb.logs(15)}`);
    const writesAfter = await apiWrites(sb);
    const writes = [...writesAfter]
      .map(([k, v]): [string, number] => [k, v - (writesBefore.get(k) ?? 0)])
      .filter(([, v]) => v > 0)
      .sort((a, b) => b[1] - a[1]);
    const creation = sampler.reconciles.observed(XR_CONTROLLER);
    const creationClaim = sampler.reconciles.observed(CLAIM_CONTROLLER);
    const creationFunctions = new Map(
      sampler.functions.keys().map((k) => [k, sampler.functions.observed(k)]),
    );
    const breakerCreation = sampler.breaker(XR_CONTROLLER);
    const predicted = run.xr ? await predict(claim, run.xr) : pre;
    const check = await checkClaim(sb.kc, FLAVOR, claim);
    composedLive = check.live;
    const tl = timeline(run.snapshots, predicted.byKind);
    log(
      `all MRs at ${seconds(tl.allMrsS)}, all Ready at ${seconds(tl.allReadyS)}, claim Ready at ${seconds(tl.claimReadyS)}; ` +
        `${check.live}/${check.predicted} composed, equal to render --converge: ${check.equal}`,
    );

    sampler.reconciles.mark();
    sampler.functions.mark();
    const xrName = run.xr?.metadata?.name;
    // Once one reconcile is over 10 s the nested run is due: keep the time it needs.
    const enough = (ds: readonly number[]) =>
      cfg.nested !== '0' && ds.some((d) => d > GOALS.reconcileS) && remainingS() < NESTED_MIN_S + 45;
    const touches = xrName
      ? await touchReconciles(sb, sampler, xrName, enough)
      : { durations: [], batched: 0 };
    const steadyFunctions = new Map(sampler.functions.keys().map((k) => [k, sampler.functions.observed(k)]));
    const loaded = memory(sb);
    const logBytes = (name: string) => {
      const f = join(sb.kube.supervisor.logsDir, `${name}.log`);
      return existsSync(f) ? statSync(f).size : 0;
    };
    const functionLogs = Object.fromEntries([...creationFunctions.keys()].map((fn) => [fn, logBytes(fn)]));
    const crdsInstalled = sb
      .kubectl(['get', 'crd', '--no-headers'])
      .split('\n')
      .filter((l) => l.trim()).length;
    const xrAfter = xrName
      ? ((await sb.kc
          .makeApiClient(CustomObjectsApi)
          .getClusterCustomObject({
            group: GROUP,
            version: API_VERSION,
            plural: NAMES.compositePlural,
            name: xrName,
          })
          .catch(() => undefined)) as Unstructured | undefined)
      : undefined;
    const responsiveAfter = conditionOf(xrAfter, 'Responsive');
    const breaker = sampler.breaker(XR_CONTROLLER);

    // One reconcile over 10 s, or a function call near its deadline: measure nested composites.
    const functionMax = Math.max(
      0,
      ...[...creationFunctions.values(), ...steadyFunctions.values()].flatMap((o) => o.durations),
    );
    const steady = stats(touches.durations);
    const trigger = {
      reconcileOver10s: steady.max > GOALS.reconcileS,
      functionNearDeadline: functionMax >= NEAR_DEADLINE * FUNCTION_DEADLINE_S,
    };
    let nested: NestedResult | undefined;
    const wantNested =
      run.xr !== undefined &&
      (cfg.nested === '1' ||
        (cfg.nested !== '0' && (trigger.reconcileOver10s || trigger.functionNearDeadline)));
    if (wantNested && remainingS() < NESTED_MIN_S) {
      log(`nested composites skipped: ${Math.round(remainingS())} s of the budget left`);
      entries['live.nested.skipped'] = entry(1, 'bool', {
        trigger,
        remainingS: Math.round(remainingS()),
        note: `triggered but skipped to stay within ENVSTACK_BENCH_BUDGET_S=${cfg.budgetS}`,
      });
    } else if (wantNested && run.xr) {
      log(`measuring nested composites per component (${JSON.stringify(trigger)})`);
      nested = await runNested(sb, run.xr, {
        log,
        timeoutS: Math.min(cfg.timeoutS, 300),
        remainingS,
        touches: cfg.touches,
        pollMs: cfg.pollMs,
        predicted: predicted.composed,
        sampler,
        reconcileGoalS: GOALS.reconcileS,
        single: {
          applyToAllMrsS: tl.allMrsS,
          applyToProviderReadyS: tl.providerReadyS,
          reconcileMedianS: steady.median,
          reconcileMaxS: steady.max,
          functionMaxS: functionMax,
        },
      }).catch((err: unknown) => {
        log(`nested composites could not be measured: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      });
    }
    await sampler.stop();

    // -------------------------------------------------------------------------------------------
    const setup = {
      server: 'kube-apiserver v1.37.2 + etcd v3.7.3 (src/ops/sandbox)',
      crossplane: 'core v2.2.1 out of cluster, realtime compositions',
      functions: [
        'function-patch-and-transform v0.10.9',
        'function-cel-filter v0.2.0',
        'function-auto-ready v0.7.0',
      ],
      provider: 'provider stand-in (src/ops/sandbox/standin.ts)',
      flavor: FLAVOR,
      claim: cfg.claimFile,
      composedResources: check.live,
      predicted: check.predicted,
      equalToRender: check.equal,
      differences: check.differences.slice(0, 5),
      circuitBreaker: { burst: 100, refillRate: 1, cooldown: '5m', ...cb },
      pollMs: cfg.pollMs,
      cpus: cpus().length,
      loadAvg1mAtStart: round(loadAvgAtStart, 2),
      loadAvg1mAfterRun: round(loadavg()[0], 2),
      timedOut: run.timedOut,
    };
    const resolution = {
      polls: tl.polls,
      pollMsMedian: round(tl.pollMsMedian, 1),
      pollMsMax: round(tl.pollMsMax, 1),
    };
    const orTimeout = (v: number | undefined) => v ?? runTimeoutS;
    const readyToClaim =
      tl.claimReadyS !== undefined && tl.allReadyS !== undefined ? tl.claimReadyS - tl.allReadyS : undefined;
    const responsiveThroughout = run.responsiveFalse.length === 0 && responsiveAfter?.status !== 'False';
    entries['live.prod-dr.apply-to-all-mrs'] = entry(orTimeout(tl.allMrsS), 's', {
      goal: `< ${GOALS.applyToAllMrsS} s`,
      met: tl.allMrsS !== undefined && tl.allMrsS < GOALS.applyToAllMrsS,
      timedOut: tl.allMrsS === undefined,
      firstMrS: tl.firstMrS === undefined ? null : round(tl.firstMrS, 2),
      ...resolution,
      setup,
      note: 'kubectl apply to the number of composed MRs equal to render --converge for the live XR',
    });
    entries['live.prod-dr.apply-to-all-ready'] = entry(orTimeout(tl.allReadyS), 's', {
      timedOut: tl.allReadyS === undefined,
      providerMrsReadyS: tl.providerReadyS === undefined ? null : round(tl.providerReadyS, 2),
      note: 'kubectl apply to every composed resource Ready=True, the set complete',
    });
    entries['live.prod-dr.ready-to-claim-ready'] = entry(readyToClaim ?? runTimeoutS, 's', {
      goal: `< ${GOALS.readyToClaimReadyS} s`,
      met: readyToClaim !== undefined && readyToClaim < GOALS.readyToClaimReadyS,
      timedOut: readyToClaim === undefined,
      applyToClaimReadyS: tl.claimReadyS === undefined ? null : round(tl.claimReadyS, 2),
      firstClaimReadyS: tl.firstClaimReadyS === undefined ? null : round(tl.firstClaimReadyS, 2),
      note: "all composed resources Ready to the claim's Ready=True with the controller's status.phase Ready",
    });
    entries['live.prod-dr.responsive'] = entry(responsiveThroughout ? 1 : 0, 'bool', {
      goal: 'Responsive=True throughout (1)',
      met: responsiveThroughout,
      responsiveFalse: run.responsiveFalse,
      responsiveAtEnd: responsiveAfter
        ? `${responsiveAfter.status} ${responsiveAfter.message ?? ''}`.trim()
        : null,
      breakerOpens: breaker.opens,
      breakerEvents: breaker.events,
      breakerEventsDuringCreation: breakerCreation.events,
      note: "the XR's Responsive condition polled every 250 ms; counters from circuit_breaker_*_total",
    });
    entries['live.prod-dr.api-writes'] = entry(
      writes.reduce((a, [, v]) => a + v, 0),
      'requests',
      {
        byResource: Object.fromEntries(writes.slice(0, 15)),
        note: 'write requests (POST/PUT/PATCH/APPLY/DELETE) from kubectl apply to the claim Ready: apiserver_request_total',
      },
    );
    entries['live.prod-dr.xr-reconcile'] = fromSamples(touches.durations, 's', {
      goal: `< ${GOALS.reconcileS} s`,
      met: touches.durations.length > 0 && steady.max <= GOALS.reconcileS,
      batched: touches.batched,
      composedResources: check.live,
      metric: `controller_runtime_reconcile_time_seconds{controller="${XR_CONTROLLER}"}`,
      functions: Object.fromEntries([...steadyFunctions].map(([k, o]) => [k, observationSummary(o)])),
      reconcileTimeoutS: XR_RECONCILE_TIMEOUT_S,
      nestedTrigger: trigger,
      note: 'reconciles of the finished environment, each triggered by annotating the XR (sum/count deltas)',
    });
    entries['live.prod-dr.xr-reconcile.creation'] = fromSamples(creation.durations, 's', {
      ...observationSummary(creation),
      claimController: observationSummary(creationClaim),
      note: 'every composite reconcile from kubectl apply to the claim Ready; maxAtMostS: histogram bucket bound',
    });
    for (const [fn, o] of creationFunctions) {
      const s = steadyFunctions.get(fn);
      entries[`live.prod-dr.function-run.${fn}`] = fromSamples(o.durations, 's', {
        ...observationSummary(o),
        steady: s ? observationSummary(s) : null,
        logMiB: round((functionLogs[fn] ?? 0) / 2 ** 20, 1),
        deadlineS: FUNCTION_DEADLINE_S,
        crossplane2DeadlineS: XR_RECONCILE_TIMEOUT_S,
        note: 'function_run_function_seconds during creation; deadline: Crossplane 1.x runFunctionTimeout',
      });
    }
    for (const p of PROCESSES) {
      const now = memOf(loaded, p);
      const before = memOf(idle, p);
      entries[`live.memory.${p}.rss`] = entry(now.rssMiB, 'MiB', {
        idleRssMiB: before.rssMiB,
        note: 'VmRSS after prod-dr is Ready and reconciled; idle: the stack installed, no claim yet',
      });
      entries[`live.memory.${p}.hwm`] = entry(now.hwmMiB, 'MiB', {
        idleHwmMiB: before.hwmMiB,
        note: 'VmHWM',
      });
    }
    entries['live.memory.others'] = entry(0, 'MiB', {
      processes: Object.fromEntries(OTHER_PROCESSES.map((p) => [p, memOf(loaded, p)])),
      note: 'VmRSS and VmHWM of the stand-in and the functions (the value is unused)',
    });
    const family = (suffix: string) => crdNames.filter((n) => n.endsWith(suffix)).length;
    entries['live.crds.installed'] = entry(crdsInstalled, 'CRDs', {
      provider: family('.upbound.io'),
      crossplane: family('.crossplane.io'),
      envstack: family(`.${GROUP}`),
      providerFiles: providerCrdFiles(FLAVOR).length,
      managedKinds: kinds.length,
      note: 'kubectl get crd --no-headers | wc -l in the sandbox with the stack installed',
    });
    const fnRows = [...creationFunctions].map(([fn, o]): [string, string, string] => [
      `  ${fn} call`,
      `mean ${o.count ? round(o.sum / o.count) : 0} s, max ${stats(o.durations).max} s (${o.count} calls)`,
      `goal < ${NEAR_DEADLINE * FUNCTION_DEADLINE_S} s`,
    ]);
    table.push(
      ['apply → all MRs exist', seconds(tl.allMrsS), `goal < ${GOALS.applyToAllMrsS} s`],
      ['apply → all MRs Ready', seconds(tl.allReadyS), ''],
      ['all Ready → claim Ready', seconds(readyToClaim), `goal < ${GOALS.readyToClaimReadyS} s`],
      [
        'XR Responsive throughout',
        responsiveThroughout
          ? 'yes'
          : `no (${run.responsiveFalse[0]?.message ?? responsiveAfter?.message ?? ''})`,
        'goal yes',
      ],
      ['breaker opens / events', `${breaker.opens} / ${JSON.stringify(breaker.events)}`, 'goal 0 opens'],
      [
        'one XR reconcile (finished env)',
        `median ${steady.median} s, max ${steady.max} s (${touches.durations.length})`,
        `goal < ${GOALS.reconcileS} s`,
      ],
      [
        'XR reconciles during creation',
        `mean ${creation.count ? round(creation.sum / creation.count) : 0} s, max ${stats(creation.durations).max} s (${creation.count})`,
        '',
      ],
      ...fnRows,
      ...PROCESSES.map((p): [string, string, string] => [
        `${p} RSS / HWM`,
        `${memOf(loaded, p).rssMiB} / ${memOf(loaded, p).hwmMiB} MiB (idle RSS ${memOf(idle, p).rssMiB})`,
        '',
      ]),
      ['CRDs installed', String(crdsInstalled), ''],
      ['equal to render --converge', `${check.equal} (${check.live}/${check.predicted})`, 'goal true'],
    );
    if (nested) {
      Object.assign(entries, nested.entries);
      table.push(...nested.table);
    }
  } finally {
    await sb.stop();
  }

  if (cfg.allCrds) {
    const ours = await crdMemory('ours', providerCrdFiles(FLAVOR), { log });
    const all = await crdMemory('all', allProviderCrdFiles(), { log });
    const one = (m: CrdMemory, note: string) =>
      entry(m.rssMiB, 'MiB', {
        crds: m.crds,
        files: m.files,
        hwmMiB: round(m.hwmMiB, 1),
        etcdRssMiB: round(m.etcdRssMiB, 1),
        applyS: round(m.applyS, 1),
        settleS: m.settleS,
        note,
      });
    entries['live.crds.apiserver-rss.ours'] = one(
      ours,
      'plain cluster: only the provider CRDs our Compositions use',
    );
    entries['live.crds.apiserver-rss.all'] = one(all, 'plain cluster: every provider-aws v2.6.0 CRD');
    entries['live.crds.apiserver-rss.saved'] = entry(all.rssMiB - ours.rssMiB, 'MiB', {
      ratio: round(all.rssMiB / ours.rssMiB, 2),
      note: 'API server RSS with every provider CRD minus with ours only',
    });
    table.push(
      ['API server RSS, our CRDs only', `${round(ours.rssMiB, 1)} MiB (${ours.crds} CRDs)`, ''],
      ['API server RSS, all provider CRDs', `${round(all.rssMiB, 1)} MiB (${all.crds} CRDs)`, ''],
    );
  }

  if (cfg.record) {
    // This run's live.* figures replace the last run's: a phase skipped now leaves no old figures.
    const file = new URL('./results.json', import.meta.url).pathname;
    if (existsSync(file)) {
      const current = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      // Without the CRD comparison this run, the last one's figures stay.
      const stale = (k: string) =>
        k.startsWith('live.') && (cfg.allCrds || !k.startsWith('live.crds.apiserver-rss.'));
      const kept = Object.fromEntries(Object.entries(current).filter(([k]) => !stale(k)));
      writeFileSync(file, `${JSON.stringify(kept, null, 2)}\n`);
    }
    record(file, entries);
  }
  const width = Math.max(...table.map(([a]) => a.length));
  console.log(`\nlive bench: ${cfg.claimFile} (${FLAVOR} flavor), ${composedLive} composed resources`);
  for (const [a, b, goal] of table) console.log(`${a.padEnd(width)}  ${b}${goal ? `   (${goal})` : ''}`);
  log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

await main();
