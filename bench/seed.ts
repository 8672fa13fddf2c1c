/**
 * A seeded etcd for the controller benchmark, made once and reused: writing ~186k managed resources
 * through the API server (create, then the provider's status write) takes ~16 minutes here, while the
 * benchmark itself takes a few. The seeding API server runs without a watch cache: nothing watches it,
 * and with one it spent 1.5-2.2x the CPU per write and slowed as its heap grew (400 environments took 38
 * minutes with it, 40 took 274 s against 53 s without). The seeded data
 * folder is kept in $TMPDIR/envstack-bench-cache (ENVSTACK_BENCH_CACHE_DIR) under a key made of everything that shapes it (the
 * fleet's parameters, the Composition and the rendered templates, the kinds, SEED_FORMAT); each run starts a fresh
 * kube-apiserver on a copy of it.
 */
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadComposition } from '../src/platform/render/service.js';
import { startKubeCluster } from '../src/ops/sandbox/cluster.js';
import type { KObject } from '../src/ops/controller/object.js';
import {
  appliedBody,
  compositeFor,
  compositeStatusFor,
  compositionRevision,
  environments,
  managedFor,
  PROVIDER_MANAGER,
  providerStatus,
  refsFor,
  type Environment,
  type Profile,
  type Template,
} from './fleet.js';
import {
  Api,
  collectionPath,
  composedKinds,
  compositeCrd,
  compositionCrds,
  ensure,
  installControllerRbac,
  installCrds,
  managedCrds,
  pool,
  procCpuSeconds,
  procMemory,
  type ManagedKind,
} from './kube.js';

/** Bump when what a seeded cluster holds changes in a way the key does not see. */
const SEED_FORMAT = 5;
export const XR_PATH = '/apis/platform.envstack.dev/v1alpha1/xplatformenvironments';
export const CONTROLLER_USER = 'envstack-controller';
export const COMPOSITIONS = '/apis/apiextensions.crossplane.io/v1/compositions';
export const REVISIONS = '/apis/apiextensions.crossplane.io/v1/compositionrevisions';
export const LEASE_NAMESPACE = 'envstack-system';
/** Outside the repository: test suites clear node_modules/.cache/envstack. */
const CACHE_ROOT = process.env.ENVSTACK_BENCH_CACHE_DIR ?? join(tmpdir(), 'envstack-bench-cache');

export interface FleetOptions {
  environments: number;
  mix: readonly Profile[];
  namespaces: number;
  concurrency: number;
  log: (msg: string) => void;
}

export interface SeedPoint {
  objects: number;
  apiServerRssMiB: number;
  etcdRssMiB: number;
  seconds: number;
}

export interface Manifest {
  key: string;
  environments: { index: number; uid: string }[];
  resources: number;
  seededAt: string;
  seedSeconds: number;
  /** API-server CPU per write while seeding. */
  apiServerCpuMsPerWrite: number;
  writes: number;
  /** API server and etcd memory as the objects were written: the growth per object. */
  curve: SeedPoint[];
}

export interface Seeded {
  manifest: Manifest;
  templates: Map<Profile, Template>;
  envs: Environment[];
  /** A copy of the seeded etcd data, for this run only. */
  etcdDir: string;
  fromCache: boolean;
}

/**
 * What a seeded fleet depends on: its parameters, the Composition (the controller renders it: a new
 * one would show as spec drift) and the XRD. The templates (rendered objects) are kept with the seed,
 * so a change to how `render --converge` shapes objects does not invalidate it.
 */
function cacheKey(opts: FleetOptions): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ SEED_FORMAT, n: opts.environments, mix: opts.mix, ns: opts.namespaces }));
  h.update(readFileSync(new URL('../compositions/claim.yaml', import.meta.url)));
  h.update(readFileSync(new URL('../xrds/claim.yaml', import.meta.url)));
  return h.digest('hex').slice(0, 16);
}

/**
 * The environments' etcd, from the cache or seeded now, copied to RUN_DIR/etcd, with the templates
 * its objects were made from.
 */
export async function seededEtcd(
  opts: FleetOptions,
  makeTemplates: () => Promise<Map<Profile, Template>>,
  runDir: string,
  useCache: boolean,
): Promise<Seeded> {
  const key = cacheKey(opts);
  const cached = join(CACHE_ROOT, `bench-fleet-${key}`);
  const envs = environments(opts.environments, opts.mix, opts.namespaces);
  let fromCache = useCache && existsSync(join(cached, 'manifest.json'));
  if (!fromCache) {
    const templates = await makeTemplates();
    const seedDir = `${cached}.seeding-${process.pid}`;
    rmSync(seedDir, { recursive: true, force: true });
    const manifest = await seed(opts, templates, envs, seedDir, key);
    writeFileSync(join(seedDir, 'templates.json'), JSON.stringify([...templates.values()]));
    writeFileSync(join(seedDir, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
    for (const f of ['pki', 'logs', 'pids']) rmSync(join(seedDir, f), { recursive: true, force: true });
    if (useCache) {
      rmSync(cached, { recursive: true, force: true });
      renameSync(seedDir, cached);
    } else {
      cpSync(join(seedDir, 'etcd'), join(runDir, 'etcd'), { recursive: true });
      rmSync(seedDir, { recursive: true, force: true });
      fromCache = false;
      return {
        manifest,
        templates,
        envs: withUids(envs, manifest),
        etcdDir: join(runDir, 'etcd'),
        fromCache,
      };
    }
  }
  const manifest = JSON.parse(readFileSync(join(cached, 'manifest.json'), 'utf8')) as Manifest;
  const list = JSON.parse(readFileSync(join(cached, 'templates.json'), 'utf8')) as Template[];
  const templates = new Map(list.map((t) => [t.profile, t]));
  const t0 = Date.now();
  cpSync(join(cached, 'etcd'), join(runDir, 'etcd'), { recursive: true });
  opts.log(`copied the seeded etcd (${key}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { manifest, templates, envs: withUids(envs, manifest), etcdDir: join(runDir, 'etcd'), fromCache };
}

function withUids(envs: Environment[], manifest: Manifest): Environment[] {
  const uids = new Map(manifest.environments.map((e) => [e.index, e.uid]));
  for (const e of envs) e.uid = uids.get(e.index);
  return envs;
}

/** The managed-resource kinds of the templates: what the fleet holds. */
export function templateKinds(templates: Map<Profile, Template>): ManagedKind[] {
  return composedKinds([...templates.values()].flatMap((t) => JSON.parse(t.mrsText) as KObject[]));
}

export function kindIndex(kinds: readonly ManagedKind[]): Map<string, ManagedKind> {
  return new Map(kinds.map((k) => [`${k.group}/${k.kind}`, k]));
}

export function pathOf(index: Map<string, ManagedKind>, mr: KObject): string {
  const k = index.get(`${(mr.apiVersion ?? '').split('/')[0]}/${mr.kind}`);
  if (!k) throw new Error(`no kind for ${mr.apiVersion} ${mr.kind}`);
  return `${collectionPath(k)}/${mr.metadata?.name}`;
}

async function seed(
  opts: FleetOptions,
  templates: Map<Profile, Template>,
  envs: Environment[],
  dir: string,
  key: string,
): Promise<Manifest> {
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const total = envs.reduce((n, e) => n + (templates.get(e.profile)?.count ?? 0), 0);
  opts.log(`seeding ${envs.length} environments, ${total} managed resources, into ${dir} (once; cached)`);
  const cluster = await startKubeCluster({
    dir,
    readyTimeoutMs: 120_000,
    apiServerArgs: ['--watch-cache=false'],
  });
  const api = new Api(cluster.server, cluster.caFile, cluster.adminToken, opts.concurrency);
  const apiPid = cluster.supervisor.get('kube-apiserver')?.pid ?? 0;
  const etcdPid = cluster.supervisor.get('etcd')?.pid ?? 0;
  const curve: SeedPoint[] = [];
  const point = (objects: number) =>
    curve.push({
      objects,
      apiServerRssMiB: round(procMemory(apiPid)?.rssMiB ?? 0),
      etcdRssMiB: round(procMemory(etcdPid)?.rssMiB ?? 0),
      seconds: round((Date.now() - started) / 1000),
    });
  try {
    const kinds = templateKinds(templates);
    await installCrds(api, [...managedCrds(kinds), compositeCrd('xrds/claim.yaml')]);
    const namespaces = new Set([LEASE_NAMESPACE, ...envs.map((e) => e.namespace)]);
    for (const ns of namespaces) await api.json('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    const revision = compositionRevision(await loadComposition('claim')).metadata?.name ?? '';
    point(0);
    const index = kindIndex(kinds);
    const cpu0 = procCpuSeconds(apiPid) ?? 0;
    const writes0 = api.requests;
    let done = 0;
    let objects = 0;
    await pool(envs, 4, async (env) => {
      const t = templates.get(env.profile);
      if (!t) throw new Error(`no template for ${env.profile}`);
      // Crossplane: the XR (bound to its claim) with its composed resources' references.
      const xr = await api.json('POST', XR_PATH, compositeFor(t, env, refsFor(t, env), revision));
      env.uid = xr.metadata?.uid;
      await Promise.all(
        managedFor(t, env).map(async (mr) => {
          const path = pathOf(index, mr);
          const collection = path.slice(0, path.lastIndexOf('/'));
          // Crossplane creates the composed resource; the provider then reports what AWS holds.
          await api.json(
            'POST',
            `${collection}?fieldManager=${encodeURIComponent('apiextensions.crossplane.io/composed')}`,
            appliedBody(mr),
          );
          await api.json(
            'PATCH',
            `${path}/status?fieldManager=${PROVIDER_MANAGER}`,
            { status: providerStatus(mr) },
            'application/merge-patch+json',
          );
        }),
      );
      // Crossplane: the XR's status from its ToComposite patches, and Ready.
      await api.json(
        'PATCH',
        `${XR_PATH}/${env.xrName}/status?fieldManager=${encodeURIComponent('apiextensions.crossplane.io/composite')}`,
        { status: compositeStatusFor(t, env) },
        'application/merge-patch+json',
      );
      done += 1;
      objects += t.count;
      if (done % 50 === 0 || done === envs.length) {
        point(objects);
        const s = (Date.now() - started) / 1000;
        opts.log(
          `  ${done}/${envs.length} environments, ${objects} objects, ${s.toFixed(0)} s, API server ${curve[curve.length - 1].apiServerRssMiB} MiB`,
        );
      }
    });
    const writes = api.requests - writes0;
    const cpu = (procCpuSeconds(apiPid) ?? 0) - cpu0;
    return {
      key,
      environments: envs.map((e) => ({ index: e.index, uid: e.uid ?? '' })),
      resources: total,
      seededAt: new Date().toISOString(),
      seedSeconds: round((Date.now() - started) / 1000),
      apiServerCpuMsPerWrite: round((cpu * 1000) / writes),
      writes,
      curve,
    };
  } finally {
    api.close();
    await cluster.stop();
  }
}

/**
 * What is not per environment, set up on every run (so a change to the controller's RBAC needs no
 * new seed): the controller's ClusterRole and Role, Crossplane's Composition CRDs, the Composition
 * and the revision every XR references.
 */
export async function setUpCluster(api: Api, composition: KObject): Promise<void> {
  await installControllerRbac(api, CONTROLLER_USER, LEASE_NAMESPACE);
  await installCrds(api, compositionCrds());
  await ensure(api, COMPOSITIONS, composition);
  await ensure(api, REVISIONS, compositionRevision(composition));
}

export const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;

export function dirSizeMiB(path: string): number {
  try {
    return statSync(path).size / (1024 * 1024);
  } catch {
    return 0;
  }
}
