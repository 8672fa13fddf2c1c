/**
 * The alternative issue 13 asks for when one reconcile of prod-dr takes more than 10 s or a function
 * call nears its deadline: the environment split into nested composites, one per component, measured
 * on the same sandbox the same way. It is built here from the synthesized Composition, which stays as
 * it is: per component an XRD (the PlatformEnvironment schema under a bench group, no claim), a
 * Composition with only that component's resources and only the filters that name them, and one XR
 * with the live prod-dr XR's spec.
 *
 * What a real nested design would hand down from the parent, the bench seeds: each component XR gets
 * the prod-dr XR's status.ids and status.endpoints while it is still paused, so resources gated on
 * other components' values, and values read from them, resolve as they do in the single XR. The
 * component XRs are then unpaused together and timed like the claim. Usages whose two ends are in
 * different components (5 for prod-dr) cannot resolve between sibling XRs, so "all Ready" here counts
 * the provider's managed resources.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CustomObjectsApi } from '@kubernetes/client-node';
import jsYaml from 'js-yaml';
import { COMPONENT_LABEL } from '../src/platform/compose/names.js';
import type { JsonObject, Unstructured } from '../src/engine/render/fnapi.js';
import { loadComposition } from '../src/platform/render/service.js';
import { cloneJson, isObject } from '../src/engine/render/unstructured.js';
import { managedKinds, type Sandbox } from '../src/ops/sandbox/sandbox.js';
import { sleep } from '../src/ops/sandbox/supervisor.js';
import { PACKAGE_ROOT, tool } from '../src/ops/sandbox/tools.js';
import { procMemory } from './kube.js';
import {
  conditionOf,
  countsOf,
  expectedOf,
  isProviderKind,
  kindKey,
  MrPoller,
  type Condition,
  type KindCount,
} from './live-poll.js';
import type { MetricsSampler, Observations } from './live-prom.js';
import type { BenchEntry } from './stats.js';

const execFileAsync = promisify(execFile);
export const NESTED_GROUP = 'nested.bench.envstack.dev';
const VERSION = 'v1alpha1';
const PAUSED = 'crossplane.io/paused';
const TOUCH = 'bench.envstack.dev/touch';

export interface SingleFigures {
  applyToAllMrsS?: number;
  applyToProviderReadyS?: number;
  reconcileMedianS: number;
  reconcileMaxS: number;
  functionMaxS: number;
}

export interface NestedOptions {
  log: (msg: string) => void;
  timeoutS: number;
  /** Seconds of the bench's budget left: the run stops polling early and skips touches to stay in it. */
  remainingS: () => number;
  touches: number;
  pollMs: number;
  /** What the converged render predicts for the single XR (every composed resource). */
  predicted: readonly Unstructured[];
  sampler: MetricsSampler;
  single: SingleFigures;
  reconcileGoalS: number;
}

export interface NestedResult {
  entries: Record<string, BenchEntry>;
  table: [string, string, string][];
}

interface Part {
  component: string;
  kind: string;
  plural: string;
  xrdName: string;
  composition: string;
  xrName: string;
  controller: string;
  resources: number;
  filters: number;
}

const sec = (v: number | undefined) => (v === undefined ? 'not reached' : `${round(v, 2)} s`);
const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

function stats(xs: readonly number[]): { median: number; min: number; max: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return { median: 0, min: 0, max: 0, mean: 0 };
  const mid = s.length >> 1;
  return {
    median: round(s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2),
    min: round(s[0]),
    max: round(s[s.length - 1]),
    mean: round(s.reduce((a, b) => a + b, 0) / s.length),
  };
}

interface Step {
  step?: string;
  functionRef?: { name?: string };
  input?: JsonObject;
}

/** Per component: its XRD, its Composition, and what they hold. */
async function splitStack(
  xrName: string,
): Promise<{ parts: Part[]; objects: JsonObject[]; comps: JsonObject[] }> {
  const composition = cloneJson(await loadComposition('claim'));
  const xrd = jsYaml.load(readFileSync(join(PACKAGE_ROOT, 'xrds', 'claim.yaml'), 'utf8')) as JsonObject;
  const pipeline = ((composition.spec as JsonObject).pipeline ?? []) as Step[];
  const compose = pipeline.find((s) => s.functionRef?.name === 'function-patch-and-transform');
  const filterSteps = pipeline.filter((s) => s.functionRef?.name === 'function-cel-filter');
  const resources = ((compose?.input?.resources ?? []) as JsonObject[]).filter(isObject);
  const filters = (
    filterSteps.flatMap((s) => s.input?.filters ?? []) as { name: string; expression: string }[]
  ).map((f) => ({
    ...f,
    re: new RegExp(`^${f.name}$`),
  }));
  const componentOf = (r: JsonObject) =>
    String(((r.base as Unstructured | undefined)?.metadata?.labels ?? {})[COMPONENT_LABEL] ?? 'none');
  const components = [...new Set(resources.map(componentOf))];
  const parts: Part[] = [];
  const objects: JsonObject[] = [];
  const comps: JsonObject[] = [];
  for (const component of components) {
    const kind = `XNested${pascal(component)}`;
    const plural = `${kind.toLowerCase()}s`;
    const mine = resources.filter((r) => componentOf(r) === component);
    const names = mine.map((r) => String(r.name));
    const myFilters = filters.filter((f) => names.some((n) => f.re.test(n)));
    const part: Part = {
      component,
      kind,
      plural,
      xrdName: `${plural}.${NESTED_GROUP}`,
      composition: `nested-${component}`,
      xrName: `${xrName}-${component}`.slice(0, 63),
      controller: `composite/${plural}.${NESTED_GROUP}`,
      resources: mine.length,
      filters: myFilters.length,
    };
    parts.push(part);
    const d = cloneJson(xrd);
    const dspec = d.spec as JsonObject;
    delete dspec.claimNames;
    dspec.group = NESTED_GROUP;
    dspec.names = { kind, plural, categories: ['envstack-bench'] };
    dspec.defaultCompositionRef = { name: part.composition };
    d.metadata = { name: part.xrdName };
    objects.push(d);
    const c = cloneJson(composition);
    c.metadata = { name: part.composition };
    const cspec = c.spec as JsonObject;
    cspec.compositeTypeRef = { apiVersion: `${NESTED_GROUP}/${VERSION}`, kind };
    const firstFilter = filterSteps[0];
    cspec.pipeline = pipeline
      .map((s): Step | undefined => {
        if (s === compose) return { ...s, input: { ...(s.input ?? {}), resources: mine } };
        if (filterSteps.includes(s)) {
          // One step per component: its few filters.
          if (s !== firstFilter || !myFilters.length) return undefined;
          return {
            ...s,
            step: 'drop-disabled',
            input: {
              ...(s.input ?? {}),
              filters: myFilters.map((f) => ({ name: f.name, expression: f.expression })),
            },
          };
        }
        return s;
      })
      .filter((s): s is Step => s !== undefined) as unknown as JsonObject[];
    comps.push(c);
  }
  return { parts, objects, comps };
}

export async function runNested(sb: Sandbox, xr: Unstructured, opts: NestedOptions): Promise<NestedResult> {
  const { log, sampler } = opts;
  const kubectl = async (args: readonly string[], input?: string): Promise<string> => {
    const p = execFileAsync(tool('kubectl'), ['--kubeconfig', sb.kube.kubeconfig, ...args], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    if (input !== undefined) p.child.stdin?.end(input);
    return (await p).stdout;
  };
  const xrName = xr.metadata?.name ?? 'prod-dr';
  const { parts, objects, comps } = await splitStack(xrName);
  log(
    `nested: ${parts.length} component composites: ` +
      parts.map((p) => `${p.component} (${p.resources} templates, ${p.filters} filters)`).join(', '),
  );
  await kubectl(
    ['apply', '--server-side', '--field-manager=envstack-bench', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  );
  await kubectl([
    'wait',
    '--for=condition=Established',
    `--timeout=${Math.max(60, Math.round(opts.remainingS() - 90))}s`,
    ...parts.map((p) => `compositeresourcedefinition/${p.xrdName}`),
  ]);
  await kubectl(
    ['apply', '--server-side', '--field-manager=envstack-bench', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: comps }),
  );

  // The component XRs, paused, with the single XR's spec and what the parent would hand down.
  const spec = cloneJson((xr.spec ?? {}) as JsonObject);
  for (const k of [
    'resourceRefs',
    'claimRef',
    'compositionRef',
    'compositionRevisionRef',
    'compositionSelector',
    'writeConnectionSecretToRef',
    'publishConnectionDetailsTo',
  ])
    delete spec[k];
  const status = xr.status ?? {};
  const seed = { status: { ids: status.ids ?? {}, endpoints: status.endpoints ?? {} } };
  const children = parts.map((p) => ({
    apiVersion: `${NESTED_GROUP}/${VERSION}`,
    kind: p.kind,
    metadata: { name: p.xrName, annotations: { [PAUSED]: 'true' } },
    spec: { ...spec, compositionRef: { name: p.composition } },
  }));
  // Crossplane starts each component's controller once its XRD is Established; give it a moment.
  await sleep(3000);
  await kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: children }));
  await Promise.all(
    parts.map((p) =>
      kubectl([
        'patch',
        p.plural,
        p.xrName,
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify(seed),
      ]),
    ),
  );
  await sleep(2000);

  // Expected: what the single XR composes, by kind (the split changes names, not what exists).
  const expected = new Map<string, number>();
  for (const r of opts.predicted) {
    const k = kindKey(r.apiVersion ?? '', r.kind ?? '');
    expected.set(k, (expected.get(k) ?? 0) + 1);
  }
  const wantAll = expectedOf(expected);
  const wantProvider = expectedOf(expected, isProviderKind);
  const api = sb.kc.makeApiClient(CustomObjectsApi);
  const poller = new MrPoller(api, managedKinds('claim'), expected);
  const selector = `crossplane.io/composite in (${parts.map((p) => p.xrName).join(',')})`;
  sampler.reconciles.mark();
  sampler.functions.mark();

  log('nested: unpausing the component XRs');
  const t0 = performance.now();
  await Promise.all(parts.map((p) => kubectl(['annotate', p.plural, p.xrName, `${PAUSED}-`])));
  const snapshots: { t: number; kinds: Map<string, KindCount> }[] = [];
  const responsiveFalse: { component: string; atS: number; message?: string }[] = [];
  const lastResponsive = new Map<string, string>();
  const deadline = t0 + Math.max(60, Math.min(opts.timeoutS, opts.remainingS() - 60)) * 1000;
  let timedOut = true;
  let allAt: number | undefined;
  while (performance.now() < deadline) {
    const pollStart = performance.now();
    const [kinds, xrs] = await Promise.all([
      poller.poll(selector),
      Promise.all(
        parts.map(
          (p) =>
            api
              .getClusterCustomObject({
                group: NESTED_GROUP,
                version: VERSION,
                plural: p.plural,
                name: p.xrName,
              })
              .catch(() => undefined) as Promise<Unstructured | undefined>,
        ),
      ),
    ]);
    const t = (performance.now() - t0) / 1000;
    snapshots.push({ t, kinds });
    parts.forEach((p, i) => {
      const r: Condition | undefined = conditionOf(xrs[i], 'Responsive');
      if (r && r.status !== (lastResponsive.get(p.component) ?? 'True') && r.status === 'False') {
        responsiveFalse.push({ component: p.component, atS: t, message: r.message });
        log(`nested: ${p.component} Responsive=False at ${t.toFixed(1)} s: ${r.message ?? ''}`);
      }
      if (r) lastResponsive.set(p.component, r.status);
    });
    const all = countsOf(kinds);
    const provider = countsOf(kinds, isProviderKind);
    if (snapshots.length % 20 === 0)
      log(`nested: ${all.n}/${wantAll} composed, ${provider.ready}/${wantProvider} provider MRs Ready`);
    if (all.n === wantAll && provider.n === wantProvider && provider.ready === wantProvider) {
      timedOut = false;
      break;
    }
    // Every resource exists: give readiness (the stand-in's pace, as for the single XR) a minute more.
    allAt ??= all.n === wantAll ? performance.now() : undefined;
    if (allAt !== undefined && performance.now() - allAt > 60_000) break;
    await sleep(Math.max(0, opts.pollMs - (performance.now() - pollStart)));
  }
  const allMrsS = snapshots.find((s) => countsOf(s.kinds).n === wantAll)?.t;
  const providerReadyS = snapshots.find((s) => {
    const c = countsOf(s.kinds, isProviderKind);
    return c.n === wantProvider && c.ready === wantProvider;
  })?.t;
  const last = snapshots[snapshots.length - 1]?.kinds ?? new Map<string, KindCount>();
  const polledS = snapshots[snapshots.length - 1]?.t ?? 0;
  const usages = countsOf(last, (k) => !isProviderKind(k));
  log(
    `nested: all MRs at ${allMrsS?.toFixed(1) ?? '-'} s, provider MRs Ready at ${providerReadyS?.toFixed(1) ?? '-'} s` +
      `${timedOut ? ' (timed out)' : ''}; Usages Ready ${usages.ready}/${usages.n}`,
  );
  const creation = new Map(parts.map((p) => [p.component, sampler.reconciles.observed(p.controller)]));
  const creationFunctions = new Map(sampler.functions.keys().map((k) => [k, sampler.functions.observed(k)]));

  // Reconciles of the finished environment: touch every component XR at once.
  sampler.reconciles.mark();
  sampler.functions.mark();
  const perChild = new Map<string, number[]>(parts.map((p) => [p.component, []]));
  const passes: number[] = [];
  const passMax: number[] = [];
  for (let i = 1; i <= Math.min(opts.touches, 2) && opts.remainingS() > (i === 1 ? 25 : 45); i++) {
    const quietBy = performance.now() + 15_000;
    for (let stable = 0, prev = ''; stable < 3000 && performance.now() < quietBy; stable += 500) {
      await sleep(500);
      const now = parts.map((p) => sampler.reconciles.count(p.controller)).join(',');
      if (now !== prev) {
        stable = -500;
        prev = now;
      }
    }
    const before = parts.map((p) => ({
      count: sampler.reconciles.count(p.controller),
      sum: sampler.reconciles.sum(p.controller),
    }));
    const start = performance.now();
    await Promise.all(
      parts.map((p) => kubectl(['annotate', p.plural, p.xrName, `${TOUCH}=${Date.now()}`, '--overwrite'])),
    );
    const until = performance.now() + 180_000;
    while (
      parts.some((p, j) => sampler.reconciles.count(p.controller) === before[j].count) &&
      performance.now() < until
    )
      await sleep(100);
    const pass = (performance.now() - start) / 1000;
    await sleep(1000);
    const these: number[] = [];
    parts.forEach((p, j) => {
      const dc = sampler.reconciles.count(p.controller) - before[j].count;
      if (dc <= 0) return;
      const d = (sampler.reconciles.sum(p.controller) - before[j].sum) / dc;
      perChild.get(p.component)?.push(d);
      these.push(d);
    });
    passes.push(pass);
    passMax.push(Math.max(0, ...these));
    log(
      `nested touch ${i}: every component reconciled within ${pass.toFixed(2)} s; longest ${Math.max(0, ...these).toFixed(2)} s`,
    );
  }
  const steadyFunctions = new Map(sampler.functions.keys().map((k) => [k, sampler.functions.observed(k)]));
  const breakers = parts.map((p) => ({ component: p.component, ...sampler.breaker(p.controller) }));
  const opens = breakers.reduce((a, b) => a + b.opens, 0);
  const api2 = procMemory(sb.kube.supervisor.get('kube-apiserver')?.pid ?? -1);
  const core = procMemory(sb.kube.supervisor.get('crossplane')?.pid ?? -1);

  const summary = (o: Observations) => ({
    count: o.count,
    meanS: o.count ? round(o.sum / o.count) : 0,
    maxS: stats(o.durations).max,
  });
  const creationMax = Math.max(0, ...[...creation.values()].flatMap((o) => o.durations));
  const fnMax = Math.max(
    0,
    ...[...creationFunctions.values(), ...steadyFunctions.values()].flatMap((o) => o.durations),
  );
  const steadyMax = stats(passMax);
  const passStats = stats(passes);
  const setup = {
    components: parts.map((p) => ({ component: p.component, templates: p.resources, filters: p.filters })),
    group: NESTED_GROUP,
    seeded: 'status.ids and status.endpoints of the single XR, as a parent would hand them down',
    composedResources: wantAll,
  };
  const wins = {
    reconcileUnderGoal: steadyMax.max <= opts.reconcileGoalS,
    passFasterThanSingle: passStats.median < opts.single.reconcileMedianS,
    applyToAllMrsNoWorse:
      allMrsS !== undefined &&
      (opts.single.applyToAllMrsS === undefined || allMrsS <= opts.single.applyToAllMrsS),
  };
  const verdict = wins.reconcileUnderGoal && wins.passFasterThanSingle && wins.applyToAllMrsNoWorse;
  const one = (value: number, unit: string, extra: Record<string, unknown> = {}): BenchEntry => ({
    median: round(value),
    min: round(value),
    max: round(value),
    unit,
    runs: 1,
    ...extra,
  });
  const entries: Record<string, BenchEntry> = {
    'live.nested.apply-to-all-mrs': one(allMrsS ?? polledS, 's', {
      single: opts.single.applyToAllMrsS ?? null,
      timedOut: allMrsS === undefined,
      setup,
      note: 'unpausing the component XRs to every composed resource existing (same count as the single XR)',
    }),
    'live.nested.apply-to-provider-ready': one(providerReadyS ?? polledS, 's', {
      timedOut: providerReadyS === undefined,
      single: opts.single.applyToProviderReadyS ?? null,
      usagesReady: `${usages.ready}/${usages.n}`,
      note: "to every provider MR Ready (Usages across components can't resolve between sibling XRs)",
    }),
    'live.nested.xr-reconcile': {
      ...stats(passMax),
      unit: 's',
      runs: passMax.length,
      single: { medianS: opts.single.reconcileMedianS, maxS: opts.single.reconcileMaxS },
      passS: passStats,
      perComponent: Object.fromEntries([...perChild].map(([c, xs]) => [c, stats(xs)])),
      note: 'per touch of every component XR at once: the longest component reconcile; passS = until all reconciled',
    },
    'live.nested.xr-reconcile.creation': one(creationMax, 's', {
      perComponent: Object.fromEntries([...creation].map(([c, o]) => [c, summary(o)])),
      note: 'the longest component reconcile from unpause to all provider MRs Ready',
    }),
    'live.nested.function-run.max': one(fnMax, 's', {
      single: opts.single.functionMaxS,
      creation: Object.fromEntries([...creationFunctions].map(([f, o]) => [f, summary(o)])),
      steady: Object.fromEntries([...steadyFunctions].map(([f, o]) => [f, summary(o)])),
      note: 'the longest function call across the component XRs',
    }),
    'live.nested.responsive': one(responsiveFalse.length ? 0 : 1, 'bool', {
      breakerOpens: opens,
      responsiveFalse,
      breakers: breakers.filter((b) => b.opens > 0 || (b.events.Dropped ?? 0) > 0),
    }),
    'live.nested.verdict': one(verdict ? 1 : 0, 'bool', {
      ...wins,
      memoryAfterMiB: { kubeApiserver: round(api2?.rssMiB ?? 0, 1), crossplane: round(core?.rssMiB ?? 0, 1) },
      note: '1: nested composites win on every criterion (measured only; the Compositions are unchanged)',
    }),
  };
  const table: [string, string, string][] = [
    [
      'nested: apply → all MRs exist',
      `${round(allMrsS ?? polledS, 2)} s`,
      `single ${sec(opts.single.applyToAllMrsS)}`,
    ],
    [
      'nested: apply → provider MRs Ready',
      `${round(providerReadyS ?? polledS, 2)} s`,
      `single ${sec(opts.single.applyToProviderReadyS)}`,
    ],
    [
      'nested: longest component reconcile',
      `median ${steadyMax.median} s, max ${steadyMax.max} s; all reconciled in ${passStats.median} s`,
      `single ${opts.single.reconcileMedianS} s`,
    ],
    ['nested: longest function call', `${round(fnMax)} s`, `single ${round(opts.single.functionMaxS)} s`],
    ['nested: breaker opens', String(opens), 'goal 0'],
    ['nested wins', verdict ? 'yes' : `no (${JSON.stringify(wins)})`, ''],
  ];
  return { entries, table };
}
