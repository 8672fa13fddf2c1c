/**
 * Where the controller's memory goes, per environment, without a cluster: the informer cache of
 * trimmed managed resources (as `trimManaged` keeps them) and the cached desired state (one render
 * per environment, as the cached renderer keeps it: `trimDesired`). Run with `node --expose-gc --import tsx
 * bench/controller-memory.ts`; ENVSTACK_BENCH_ENVS (200) environments of the benchmark's mix.
 */
import { trimManaged } from '../src/ops/controller/trim.js';
import { trimDesired } from '../src/ops/controller/status.js';
import type { KObject } from '../src/ops/controller/object.js';
import { defaultFunctions, render } from '../src/engine/render/index.js';
import type { Unstructured } from '../src/engine/render/fnapi.js';
import { loadComposition } from '../src/platform/render/service.js';
import { compositeStatusFor, environments, makeTemplate, managedFor, parseMix, PROFILES } from './fleet.js';
import { claimToXr } from '../src/platform/render/claim.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / (1024 * 1024);
};

const count = Number(process.env.ENVSTACK_BENCH_ENVS ?? 200);
const mix = parseMix(process.env.ENVSTACK_BENCH_MIX ?? 'dev:4,staging:3,prod:2,prod-dr:1');
const templates = new Map(await Promise.all(PROFILES.map(async (p) => [p, await makeTemplate(p)] as const)));
const composition = (await loadComposition('claim')) as Unstructured;
const functions = defaultFunctions();
const envs = environments(count, mix, 50);
envs.forEach((e, i) => (e.uid = `00000000-0000-4000-a000-${String(i).padStart(12, '0')}`));

const base = heap();
const cache: KObject[][] = [];
let objects = 0;
let jsonBytes = 0;
for (const e of envs) {
  const t = templates.get(e.profile);
  if (!t) continue;
  // What the informer holds: each object parsed from the server's JSON, then trimmed.
  const mrs = managedFor(t, e).map((o) => {
    const served = JSON.parse(JSON.stringify(o)) as KObject;
    jsonBytes += JSON.stringify(trimManaged(served)).length;
    return trimManaged(served);
  });
  objects += mrs.length;
  cache.push(mrs);
}
const afterCache = heap();
const desired: KObject[][] = [];
let renderMs = 0;
for (const [i, e] of envs.entries()) {
  const t = templates.get(e.profile);
  if (!t) continue;
  const xr = claimToXr(t.claim, { flavor: 'claim' }) as KObject;
  xr.status = compositeStatusFor(t, e);
  const t0 = performance.now();
  const out = render({
    composite: xr as Unstructured,
    composition,
    observed: cache[i] as Unstructured[],
    functions,
  }).composed as KObject[];
  renderMs += performance.now() - t0;
  // As the controller's render cache keeps it.
  desired.push(out.map((o) => trimDesired(o, cache[i])));
}
const afterDesired = heap();
// Warm: the same renders again (the pipeline's per-Composition caches are filled now).
let warmMs = 0;
for (const [i, e] of envs.entries()) {
  const t = templates.get(e.profile);
  if (!t) continue;
  const xr = claimToXr(t.claim, { flavor: 'claim' }) as KObject;
  xr.status = compositeStatusFor(t, e);
  const t0 = performance.now();
  render({ composite: xr as Unstructured, composition, observed: cache[i] as Unstructured[], functions });
  warmMs += performance.now() - t0;
}
const MiB = (n: number) => Math.round(n * 10) / 10;
console.log(
  JSON.stringify({
    environments: envs.length,
    objects,
    informerCacheMiB: MiB(afterCache - base),
    informerBytesPerObject: Math.round(((afterCache - base) * 1024 * 1024) / objects),
    trimmedJsonBytesPerObject: Math.round(jsonBytes / objects),
    desiredCacheMiB: MiB(afterDesired - afterCache),
    desiredBytesPerEnvironment: Math.round(((afterDesired - afterCache) * 1024 * 1024) / envs.length),
    renderMsPerEnvironment: Math.round((renderMs / envs.length) * 10) / 10,
    warmRenderMsPerEnvironment: Math.round((warmMs / envs.length) * 10) / 10,
    perThousandEnvironmentsMiB: MiB(((afterDesired - base) * 1000) / envs.length),
  }),
);
void cache.length;
void desired.length;
