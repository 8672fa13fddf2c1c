/**
 * The controller's scenarios on a real etcd + kube-apiserver: the XR and claim CRDs Crossplane would
 * generate (test/support/xr-crd.ts), the real provider-aws and Crossplane CRDs for the kinds used,
 * the controller's own least-privilege RBAC, and a fault-injecting proxy between controller and
 * server. Environments are what our renderer composes for an example claim, applied as Crossplane
 * applies them (server-side apply), then late-initialised and given a status as provider-aws would
 * (src/platform/render/provider-shape.ts).
 */
import { KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { Flavor } from '../../src/platform/compose/flavor.js';
import { API_VERSION, apiNames, compositionName, DEFAULT_GROUP } from '../../src/platform/compose/xrd.js';
import { composedKinds, kindId, kindRefOf, type KindRef } from '../../src/ops/controller/kinds.js';
import { statusCodeOf } from '../../src/ops/controller/errors.js';
import { KubeClient, resourcePath } from '../../src/ops/controller/kube.js';
import { keyOf, type KObject } from '../../src/ops/controller/object.js';
import { controllerRbac, pluralOf } from '../../src/platform/delivery/controller-rbac.js';
import {
  runController,
  type RunControllerOptions,
  type RunningController,
} from '../../src/ops/controller/index.js';
import { claimToXr } from '../../src/platform/render/claim.js';
import { convergeClaim } from '../../src/platform/render/converge.js';
import type { Unstructured } from '../../src/engine/render/fnapi.js';
import { readYamlDocuments } from '../../src/platform/render/service.js';
import { defaultCrdDir } from '../../src/platform/validate/index.js';
import { startFaultProxy, type FaultProxy } from '../support/faultproxy.js';
import { startKube, type Kube } from '../support/kube.js';
import { xrCrds, type CrdObject } from '../support/xr-crd.js';

export const GROUP = DEFAULT_GROUP;
export const NAMESPACE = 'team-payments';
export const LEASE_NAMESPACE = 'envstack-system';
export const CONTROLLER_GROUP = 'envstack:controllers';
export const FIELD_MANAGER = 'envstack-controller';
export const PROVIDER_MANAGER = 'provider-aws';
const COMPOSED_MANAGER = 'apiextensions.crossplane.io/composed';
const COMPOSITE_MANAGER = 'apiextensions.crossplane.io/composite';

/** Who talks to the server: controller replicas (bound to the controller's RBAC) and a team user. */
export const CLIENTS = ['controller', 'replica-a', 'replica-b', 'proc-a', 'proc-b', 'team'] as const;
export type ClientName = (typeof CLIENTS)[number];

export interface LiveCluster {
  flavor: Flavor;
  kube: Kube;
  proxy: FaultProxy;
  /** The administrator, straight to the server (not through the proxy): what tests and "Crossplane" use. */
  admin: KubeClient;
  token(name: ClientName): string;
  /** A client-node KubeConfig through the proxy for NAME. */
  kcFor(name: ClientName): KubeConfig;
  /** A kubeconfig file through the proxy for NAME (for processes and the CLI). */
  kubeconfigFor(name: ClientName): string;
  /** Creates CRDs and waits until they are Established. */
  installCrds(crds: readonly CrdObject[] | readonly KObject[]): Promise<void>;
  /** The real provider (and Crossplane) CRDs for these kinds. */
  providerCrds(kinds: readonly KindRef[]): KObject[];
  close(): Promise<void>;
}

export interface LiveClusterOptions {
  etcdCompactionInterval?: string;
  apiServerArgs?: readonly string[];
  /** Install the provider CRDs of the dev example's kinds at start (default true). */
  providerCrds?: boolean;
  /** Kinds to install CRDs for (default: those of `examples/dev.yaml`). */
  kinds?: readonly KindRef[];
}

const CROSSPLANE_DIR = (): string => join(defaultCrdDir(), 'crossplane-v2.3.4');
const PROVIDER_DIR = (): string => join(defaultCrdDir(), 'provider-aws-v2.6.0');

/** A CRD file of the read-only shared folder. */
function readCrd(path: string): KObject {
  return yaml.load(readFileSync(path, 'utf8')) as KObject;
}

export function providerCrdsFor(kinds: readonly KindRef[]): KObject[] {
  const out = new Map<string, KObject>();
  for (const k of kinds) {
    const file = `${k.group}_${pluralOf(k.kind)}.yaml`;
    const path = [PROVIDER_DIR(), CROSSPLANE_DIR()].map((d) => join(d, file)).find((p) => existsSync(p));
    if (!path) throw new Error(`no CRD for ${kindId(k)} (${file})`);
    out.set(path, readCrd(path));
  }
  return [...out.values()];
}

export const COMPOSITION_CRDS = (): KObject[] =>
  [
    'apiextensions.crossplane.io_compositions.yaml',
    'apiextensions.crossplane.io_compositionrevisions.yaml',
  ].map((f) => readCrd(join(CROSSPLANE_DIR(), f)));

/** The managed-resource kinds an environment uses. */
export function kindsOf(mrs: readonly KObject[]): KindRef[] {
  const seen = new Map<string, KindRef>();
  for (const m of mrs) {
    const k = kindRefOf(m.apiVersion ?? '', m.kind ?? '');
    seen.set(kindId(k), k);
  }
  return [...seen.values()];
}

export async function startLiveCluster(
  flavor: Flavor,
  options: LiveClusterOptions = {},
): Promise<LiveCluster> {
  const tokens = new Map<ClientName, string>(CLIENTS.map((n) => [n, randomBytes(16).toString('hex')]));
  const kube = await startKube({
    users: CLIENTS.map((n) => ({
      token: tokens.get(n) ?? '',
      user: `envstack-${n}`,
      groups: [n === 'team' ? 'envstack:team' : CONTROLLER_GROUP],
    })),
    etcdCompactionInterval: options.etcdCompactionInterval,
    apiServerArgs: options.apiServerArgs,
  });
  try {
    const clients: Record<string, string> = { [kube.adminToken]: 'admin' };
    for (const [n, t] of tokens) clients[t] = n;
    const proxy = await startFaultProxy({
      upstream: kube.server,
      caFile: kube.caFile,
      certFile: kube.caFile,
      keyFile: join(kube.dir, 'pki', 'apiserver.key'),
      dir: kube.dir,
      clients,
    });
    const admin = new KubeClient(kube.kc, { timeoutMs: 60_000 });
    const token = (n: ClientName): string => tokens.get(n) ?? '';
    const installCrds = async (crds: readonly (CrdObject | KObject)[]): Promise<void> => {
      if (crds.length === 0) return;
      const t0 = Date.now();
      const res = kube.kubectl(['create', '-f', '-'], {
        input: crds.map((c) => JSON.stringify(c)).join('\n'),
      });
      if (res.status !== 0 && !/AlreadyExists/.test(res.stderr))
        throw new Error(`cannot create CRDs: ${res.stderr}`);
      const t1 = Date.now();
      const names = crds.map((c) => `crd/${String((c.metadata as { name?: string } | undefined)?.name)}`);
      kube.kubectlOk(['wait', '--for=condition=Established', '--timeout=120s', ...names]);
      if (process.env.ENVSTACK_TEST_TIMING)
        process.stderr.write(
          `${crds.length} CRDs: create ${t1 - t0} ms, established ${Date.now() - t1} ms\n`,
        );
    };
    const c: LiveCluster = {
      flavor,
      kube,
      proxy,
      admin,
      token,
      kcFor: (n) => proxy.kubeConfigFor(token(n), n),
      kubeconfigFor: (n) => proxy.kubeconfigFor(token(n), n),
      installCrds,
      providerCrds: providerCrdsFor,
      close: async () => {
        admin.close();
        await proxy.close();
        await kube.stop();
      },
    };
    for (const ns of [NAMESPACE, LEASE_NAMESPACE])
      await admin.request('POST', '/api/v1/namespaces', {
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      });
    await installRbac(c);
    const kinds = options.kinds ?? kindsOf((await environment(flavor)).mrs);
    await installCrds([
      ...xrCrds(flavor),
      ...COMPOSITION_CRDS(),
      ...(options.providerCrds === false ? [] : providerCrdsFor(kinds)),
    ]);
    return c;
  } catch (err) {
    await kube.stop();
    throw err;
  }
}

/** The controller's ClusterRole and Role (src/platform/delivery/controller-rbac.ts) bound to its group; a team may read its claims. */
async function installRbac(c: LiveCluster): Promise<void> {
  const { clusterRules, namespaceRules } = controllerRbac(c.flavor, GROUP);
  const subjects = [{ kind: 'Group', name: CONTROLLER_GROUP, apiGroup: 'rbac.authorization.k8s.io' }];
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  const post = (path: string, body: object) => c.admin.request('POST', `${rbac}${path}`, { body });
  await post('/clusterroles', { metadata: { name: 'envstack-controller' }, rules: clusterRules });
  await post('/clusterrolebindings', {
    metadata: { name: 'envstack-controller' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'envstack-controller' },
    subjects,
  });
  await post(`/namespaces/${LEASE_NAMESPACE}/roles`, {
    metadata: { name: 'envstack-controller' },
    rules: namespaceRules,
  });
  await post(`/namespaces/${LEASE_NAMESPACE}/rolebindings`, {
    metadata: { name: 'envstack-controller' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'envstack-controller' },
    subjects,
  });
  await post(`/namespaces/${NAMESPACE}/roles`, {
    metadata: { name: 'envstack-team' },
    rules: [
      { apiGroups: [GROUP], resources: ['platformenvironments'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] },
    ],
  });
  await post(`/namespaces/${NAMESPACE}/rolebindings`, {
    metadata: { name: 'envstack-team' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'envstack-team' },
    subjects: [{ kind: 'Group', name: 'envstack:team', apiGroup: 'rbac.authorization.k8s.io' }],
  });
}

const CLAIM = readYamlDocuments(new URL('../../examples/dev.yaml', import.meta.url).pathname)[0];
/**
 * The dev example without its database and serverless parts: 75 resources of 40 kinds, so a test API
 * server installs a third fewer provider CRDs (the slowest part of starting one).
 */
export const SCENARIO_SPEC: Record<string, unknown> = {
  ...(CLAIM.spec ?? {}),
  database: { enabled: false },
  serverless: { enabled: false },
};

export interface Environment {
  flavor: Flavor;
  /** The XR uid it was composed for (undefined: not installed yet). */
  uid?: string;
  claim: Unstructured;
  /** The XR as Crossplane creates it (spec only). */
  xr: KObject;
  /** The XR status Crossplane writes from the render (endpoints, ids, conditions). */
  xrStatus: Record<string, unknown>;
  /** Composed resources as Crossplane applies them (spec, labels, annotations). */
  desired: KObject[];
  /** The same, as the provider leaves them: late-initialised spec, external name and status. */
  mrs: KObject[];
  /** The controller's key of the XR. */
  key: string;
}

const envCache = new Map<string, Environment>();

/**
 * An environment converged by our renderer with the provider model as observed state (what
 * `render --converge` does): the XR, the composed resources, and what the provider reports for them.
 */
export async function environment(
  flavor: Flavor,
  name = 'payments-dev',
  namespace = NAMESPACE,
  claimSpec: Record<string, unknown> = SCENARIO_SPEC,
  /** The XR's uid in the cluster: names the composition derives from it (bucket suffixes) depend on it. */
  uid?: string,
): Promise<Environment> {
  const id = `${flavor}/${namespace}/${name}/${JSON.stringify(claimSpec)}/${uid ?? ''}`;
  const hit = envCache.get(id);
  if (hit) return structuredClone(hit);
  const claim: Unstructured = { ...CLAIM, metadata: { name, namespace }, spec: structuredClone(claimSpec) };
  const base = claimToXr(claim, { flavor });
  if (uid && base.metadata) base.metadata.uid = uid;
  const { result, observed } = await convergeClaim({ claim, flavor, xr: base });
  const xr = claimToXr(claim, { flavor }) as KObject;
  delete xr.metadata?.uid;
  const byName = new Map(
    observed.map((o) => [o.metadata?.annotations?.['crossplane.io/composition-resource-name'], o]),
  );
  const clean = (o: Unstructured, live: Unstructured | undefined): KObject => {
    const { generateName: _g, ownerReferences: _o, ...metadata } = o.metadata ?? {};
    return {
      apiVersion: o.apiVersion,
      kind: o.kind,
      metadata: {
        ...metadata,
        name: live?.metadata?.name ?? metadata.name,
        ...(flavor === 'namespaced' ? { namespace } : {}),
      },
      spec: o.spec,
    } as KObject;
  };
  const desired = result.composed.map((d) =>
    clean(d, byName.get(d.metadata?.annotations?.['crossplane.io/composition-resource-name'])),
  );
  const mrs = desired.map((d) => {
    const o = byName.get(d.metadata?.annotations?.['crossplane.io/composition-resource-name']);
    if (!o) throw new Error(`no observed state for ${d.metadata?.name}`);
    return {
      ...d,
      metadata: {
        ...d.metadata,
        annotations: { ...(d.metadata?.annotations ?? {}), ...(o.metadata?.annotations ?? {}) },
      },
      spec: o.spec,
      status: o.status,
    } as KObject;
  });
  const refs = mrs.map((m) => ({ apiVersion: m.apiVersion, kind: m.kind, name: m.metadata?.name }));
  const revision = `${compositionName(flavor, GROUP)}-0000001`;
  xr.spec =
    flavor === 'claim'
      ? {
          ...xr.spec,
          resourceRefs: refs,
          compositionRevisionRef: { name: revision },
          compositionUpdatePolicy: 'Automatic',
        }
      : {
          ...xr.spec,
          crossplane: {
            ...(xr.spec?.crossplane as object),
            resourceRefs: refs,
            compositionRevisionRef: { name: revision },
            compositionUpdatePolicy: 'Automatic',
          },
        };
  delete xr.status;
  const xrStatus = { ...((result.composite.status ?? {}) as Record<string, unknown>) };
  const env: Environment = {
    flavor,
    uid,
    claim,
    xr,
    xrStatus,
    desired,
    mrs,
    key: flavor === 'namespaced' ? `${namespace}/${name}` : (xr.metadata?.name ?? ''),
  };
  envCache.set(id, structuredClone(env));
  return env;
}

const typeOf = (obj: KObject) => {
  const [group, version] = (obj.apiVersion ?? '').split('/');
  return { group, version, plural: pluralOf(obj.kind ?? '') };
};

export const pathOf = (obj: KObject, sub?: string): string =>
  resourcePath(typeOf(obj), obj.metadata?.namespace, obj.metadata?.name, sub);

const xrPath = (c: LiveCluster, env: Environment, sub?: string): string =>
  resourcePath(
    { group: GROUP, version: API_VERSION, plural: apiNames(c.flavor, GROUP).compositePlural },
    env.xr.metadata?.namespace,
    env.xr.metadata?.name,
    sub,
  );

/** Server-side apply as FIELD_MANAGER (force). */
export async function apply(
  c: LiveCluster,
  obj: KObject,
  fieldManager: string,
  sub?: string,
): Promise<KObject> {
  return c.admin.request<KObject>('PATCH', pathOf(obj, sub), {
    body: obj,
    contentType: 'apply',
    query: { fieldManager, force: true },
  });
}

export async function patchStatus(
  c: LiveCluster,
  obj: KObject,
  status: Record<string, unknown>,
  fieldManager = PROVIDER_MANAGER,
): Promise<void> {
  await c.admin.request('PATCH', pathOf(obj, 'status'), {
    body: { status },
    contentType: 'merge',
    query: { fieldManager },
  });
}

export async function patchSpec(
  c: LiveCluster,
  obj: KObject,
  spec: Record<string, unknown>,
  fieldManager = 'kubectl-edit',
): Promise<void> {
  await c.admin.request('PATCH', pathOf(obj), {
    body: { spec },
    contentType: 'merge',
    query: { fieldManager },
  });
}

async function inBatches<T>(items: readonly T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += n) await Promise.all(items.slice(i, i + n).map(fn));
}

/** A composed resource as Crossplane applies it, then as the provider late-initialises it and reports it. */
export async function installMr(
  c: LiveCluster,
  env: Environment,
  m: KObject,
  withStatus = true,
): Promise<void> {
  const d = env.desired.find((x) => x.metadata?.name === m.metadata?.name) ?? m;
  await apply(
    c,
    { apiVersion: d.apiVersion, kind: d.kind, metadata: d.metadata, spec: d.spec },
    COMPOSED_MANAGER,
  );
  if (!withStatus) return;
  const ext = m.metadata?.annotations?.['crossplane.io/external-name'];
  await c.admin.request('PATCH', pathOf(m), {
    body: {
      metadata: { annotations: ext ? { 'crossplane.io/external-name': ext } : {} },
      spec: { forProvider: (m.spec as { forProvider?: object } | undefined)?.forProvider ?? {} },
    },
    contentType: 'merge',
    query: { fieldManager: PROVIDER_MANAGER },
  });
  if (m.status) await patchStatus(c, m, m.status);
}

/** Puts an environment into the cluster: the claim, the XR (and the status Crossplane writes), its resources. */
export async function install(
  c: LiveCluster,
  env: Environment,
  mrs: KObject[] = env.mrs,
  withStatus = true,
): Promise<void> {
  const names = new Set(mrs.map((m) => m.metadata?.name));
  if (!env.uid) await createComposite(c, env);
  await inBatches(
    env.mrs.filter((m) => names.has(m.metadata?.name)),
    8,
    (m) => installMr(c, env, m, withStatus),
  );
}

/**
 * The claim and its XR as Crossplane creates them, and the XR status it writes; ENV is composed
 * again for the uid the server gave the XR (what the composition derives names from).
 */
export async function createComposite(c: LiveCluster, env: Environment): Promise<void> {
  if (c.flavor === 'claim') {
    const claimType = { group: GROUP, version: API_VERSION, plural: 'platformenvironments' };
    await c.admin.request(
      'PATCH',
      resourcePath(claimType, env.claim.metadata?.namespace, env.claim.metadata?.name),
      {
        body: {
          apiVersion: `${GROUP}/${API_VERSION}`,
          kind: 'PlatformEnvironment',
          metadata: { name: env.claim.metadata?.name, namespace: env.claim.metadata?.namespace },
          spec: {
            ...(env.claim.spec ?? {}),
            resourceRef: { apiVersion: env.xr.apiVersion, kind: env.xr.kind, name: env.xr.metadata?.name },
          },
        },
        contentType: 'apply',
        query: { fieldManager: 'apiextensions.crossplane.io/claim', force: true },
      },
    );
  }
  const created = await c.admin.request<KObject>('PATCH', xrPath(c, env), {
    body: env.xr,
    contentType: 'apply',
    query: { fieldManager: COMPOSITE_MANAGER, force: true },
  });
  const uid = created.metadata?.uid;
  if (uid && uid !== env.uid) {
    const name = env.claim.metadata?.name ?? '';
    const again = await environment(c.flavor, name, env.claim.metadata?.namespace, env.claim.spec ?? {}, uid);
    Object.assign(env, again);
    // Crossplane records the composed resources on the XR once it has composed them.
    await c.admin.request('PATCH', xrPath(c, env), {
      body: env.xr,
      contentType: 'apply',
      query: { fieldManager: COMPOSITE_MANAGER, force: true },
    });
  }
  await c.admin.request('PATCH', xrPath(c, env, 'status'), {
    body: {
      apiVersion: env.xr.apiVersion,
      kind: env.xr.kind,
      metadata: { name: env.xr.metadata?.name, namespace: env.xr.metadata?.namespace },
      status: env.xrStatus,
    },
    contentType: 'apply',
    query: { fieldManager: COMPOSITE_MANAGER, force: true },
  });
}

/**
 * An environment created in the cluster: claim and XR first (as Crossplane creates them), then
 * composed for the XR's uid. Its resources are not installed yet (`install`).
 */
export async function liveEnvironment(
  c: LiveCluster,
  name: string,
  spec: Record<string, unknown> = SCENARIO_SPEC,
  namespace = NAMESPACE,
): Promise<Environment> {
  const claim: Unstructured = { ...CLAIM, metadata: { name, namespace }, spec: structuredClone(spec) };
  const xr = claimToXr(claim, { flavor: c.flavor }) as KObject;
  delete xr.metadata?.uid;
  const env: Environment = {
    flavor: c.flavor,
    claim,
    xr,
    xrStatus: {},
    desired: [],
    mrs: [],
    key: c.flavor === 'namespaced' ? `${namespace}/${name}` : (xr.metadata?.name ?? ''),
  };
  await createComposite(c, env);
  return env;
}

export async function deleteMr(c: LiveCluster, m: KObject): Promise<void> {
  try {
    await c.admin.request('DELETE', pathOf(m));
  } catch (err) {
    if (statusCodeOf(err) !== 404) throw err;
  }
}

export async function xrOf(c: LiveCluster, env: Environment): Promise<KObject> {
  return c.admin.request<KObject>('GET', xrPath(c, env));
}

export interface Status {
  phase?: string;
  componentsReady?: string;
  observedGeneration?: number;
  blockingError?: { resource: string; kind: string; message: string; reason?: string; since?: string };
  drift?: {
    count: number;
    spec?: number;
    cloud?: number;
    items?: {
      resource: string;
      kind: string;
      type: string;
      field: string;
      want?: string;
      have?: string;
      since: string;
    }[];
  };
  components?: Record<string, { ready: number; total: number }>;
  [key: string]: unknown;
}

export async function statusOf(c: LiveCluster, env: Environment): Promise<Status> {
  return ((await xrOf(c, env)).status ?? {}) as Status;
}

/** Polls PROBE (sync or async) every 50 ms until it returns something other than undefined/false. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const until = (
  c: LiveCluster,
  env: Environment,
  what: string,
  pred: (s: Status) => boolean,
  timeoutMs?: number,
) =>
  waitFor(
    what,
    async () => {
      const s = await statusOf(c, env);
      return pred(s) ? s : undefined;
    },
    timeoutMs,
  );

export interface KEvent {
  metadata: { name: string; namespace: string };
  reason: string;
  message: string;
  type: string;
  count?: number;
  lastTimestamp?: string;
  series?: { count: number; lastObservedTime: string };
  reportingInstance?: string;
  involvedObject: Record<string, string>;
}

export async function events(c: LiveCluster, reason?: string, namespace = NAMESPACE): Promise<KEvent[]> {
  const list = await c.admin.request<{ items: KEvent[] }>('GET', `/api/v1/namespaces/${namespace}/events`);
  return list.items.filter((e) => e.metadata.name !== '' && (!reason || e.reason === reason));
}

/** Status writes by the controller, as the proxy saw them (by client when given). */
export function statusWrites(c: LiveCluster, client?: ClientName, status?: number) {
  return c.proxy.requests({
    verb: 'apply',
    subresource: 'status',
    fieldManager: FIELD_MANAGER,
    ...(client ? { client } : {}),
    ...(status !== undefined ? { status } : {}),
  });
}

export const mrNamed = (env: Environment, resource: string): KObject => {
  const found = env.mrs.find(
    (m) => m.metadata?.annotations?.['crossplane.io/composition-resource-name'] === resource,
  );
  if (!found) throw new Error(`no ${resource}`);
  return found;
};

/** Lease timings for tests: short, with room for a loaded machine (two shared cores). */
export const LEASE_MS = 6000;
export const RENEW_MS = 4000;
export const RETRY_MS = 500;

export const logsOf = new WeakMap<RunningController, Record<string, unknown>[]>();

/** The controller in-process as NAME through the proxy, with leader election on and short timings. */
export async function startController(
  c: LiveCluster,
  name: ClientName,
  extra: Partial<RunControllerOptions> = {},
): Promise<RunningController> {
  const lines: Record<string, unknown>[] = [];
  const r = await runController({
    kubeConfig: c.kcFor(name),
    flavor: c.flavor,
    identity: name,
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    handleSignals: false,
    leaseNamespace: LEASE_NAMESPACE,
    leaseDurationMs: LEASE_MS,
    renewDeadlineMs: RENEW_MS,
    retryPeriodMs: RETRY_MS,
    log: (level, msg, fields) => lines.push({ t: Date.now(), level, msg, ...fields }),
    ...extra,
  });
  logsOf.set(r, lines);
  return r;
}

export async function metric(r: RunningController, prefix: string): Promise<string[]> {
  const text = await (await fetch(`${r.health.url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(prefix));
}

export const metricSum = async (r: RunningController, prefix: string): Promise<number> =>
  (await metric(r, prefix)).map((l) => Number(l.split(' ').pop())).reduce((a, b) => a + b, 0);

export const keyOfXr = (env: Environment): string => keyOf(env.xr);

export { composedKinds };
