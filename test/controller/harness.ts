import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { buildStack } from '../../src/compose/components/index.js';
import type { Flavor } from '../../src/compose/flavor.js';
import { API_VERSION, apiNames, DEFAULT_GROUP } from '../../src/compose/xrd.js';
import { pluralOf } from '../../src/controller/rbac.js';
import { isObject, type KObject } from '../../src/controller/object.js';
import type { ResourceType } from '../../src/controller/informer.js';
import { claimToXr } from '../../src/render/claim.js';
import { render, defaultFunctions } from '../../src/render/index.js';
import type { Unstructured } from '../../src/render/fnapi.js';
import { loadComposition, readYamlDocuments } from '../../src/render/service.js';
import {
  kubeConfigFor,
  startFakeApiServer,
  type FakeApiServer,
  type FakeApiServerOptions,
  type KubeObject,
  type ResourceKind,
} from '../support/apiserver/index.js';

export const GROUP = DEFAULT_GROUP;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function managedKinds(flavor: Flavor): ResourceKind[] {
  const seen = new Map<string, ResourceKind>();
  for (const r of buildStack(flavor).resources) {
    const [group, version] = r.apiVersion.split('/');
    seen.set(`${r.apiVersion}/${r.kind}`, {
      group,
      version,
      kind: r.kind,
      plural: pluralOf(r.kind),
      namespaced: flavor === 'namespaced',
      statusSubresource: true,
    });
  }
  return [...seen.values()];
}

export function resourceTypes(flavor: Flavor): ResourceType[] {
  return managedKinds(flavor).map(({ group, version, kind, plural, namespaced }) => ({
    group,
    version,
    kind,
    plural,
    namespaced,
  }));
}

export function apiKinds(flavor: Flavor): ResourceKind[] {
  const names = apiNames(flavor, GROUP);
  const xr: ResourceKind = {
    group: GROUP,
    version: API_VERSION,
    kind: names.compositeKind,
    plural: names.compositePlural,
    namespaced: flavor === 'namespaced',
    statusSubresource: true,
  };
  const claim: ResourceKind = {
    group: GROUP,
    version: API_VERSION,
    kind: 'PlatformEnvironment',
    plural: 'platformenvironments',
    namespaced: true,
    statusSubresource: true,
  };
  return flavor === 'claim' ? [xr, claim, ...managedKinds(flavor)] : [xr, ...managedKinds(flavor)];
}

export interface Cluster {
  flavor: Flavor;
  server: FakeApiServer;
  kc: KubeConfig;
  custom: CustomObjectsApi;
  close(): Promise<void>;
}

export async function startCluster(
  flavor: Flavor = 'claim',
  options: FakeApiServerOptions = {},
): Promise<Cluster> {
  const server = await startFakeApiServer({
    kinds: apiKinds(flavor),
    namespaces: ['default', 'team-payments', 'envstack-system'],
    ...options,
  });
  const kc = kubeConfigFor(server);
  return { flavor, server, kc, custom: kc.makeApiClient(CustomObjectsApi), close: () => server.close() };
}

const CLAIM = readYamlDocuments(new URL('../../examples/dev.yaml', import.meta.url).pathname)[0];

export interface Environment {
  claim: Unstructured;
  xr: KObject;
  mrs: KObject[];
}

/** Readiness and atProvider a healthy provider would report for a composed resource. */
export function healthyStatus(mr: KObject): Record<string, unknown> {
  const forProvider = isObject(mr.spec) && isObject(mr.spec.forProvider) ? mr.spec.forProvider : {};
  const atProvider: Record<string, unknown> = {
    id: `id-${mr.metadata?.name}`,
    arn: `arn:aws:x:eu-west-1:123456789012:${mr.metadata?.name}`,
  };
  for (const [k, v] of Object.entries(forProvider)) if (!/(Ref|Refs|Selector)$/.test(k)) atProvider[k] = v;
  if (mr.kind === 'VPC') atProvider.arn = 'arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1';
  return {
    atProvider,
    conditions: [
      { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: '2026-01-01T00:00:00Z' },
      {
        type: 'Synced',
        status: 'True',
        reason: 'ReconcileSuccess',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
  };
}

/**
 * An environment as Crossplane would leave it once converged: the XR for the dev example claim and
 * the composed resources our renderer produces, rendered again with the healthy resources as observed
 * state until nothing changes (so status-dependent patches have resolved).
 */
export async function environment(
  flavor: Flavor,
  name = 'payments-dev',
  namespace = 'team-payments',
): Promise<Environment> {
  const claim: Unstructured = { ...CLAIM, metadata: { name, namespace } };
  const composition = await loadComposition(flavor, GROUP);
  const xr = claimToXr(claim, { flavor }) as KObject;
  let live: KObject[] = [];
  for (let i = 0; i < 4; i++) {
    const out = render({
      composite: xr as Unstructured,
      composition,
      observed: live as Unstructured[],
      functions: defaultFunctions(),
    });
    if (out.composite.status) xr.status = { ...(xr.status ?? {}), ...out.composite.status };
    live = out.composed.map((c) => {
      const m = c as KObject;
      const resource = m.metadata?.annotations?.['crossplane.io/composition-resource-name'] ?? '';
      const { generateName: _g, ownerReferences: _o, ...metadata } = m.metadata ?? {};
      const obj: KObject = {
        ...m,
        metadata: {
          ...metadata,
          name: `${xr.metadata?.name}-${resource}`,
          ...(flavor === 'namespaced' ? { namespace } : {}),
        },
      };
      return { ...obj, status: healthyStatus(obj) };
    });
  }
  const refs = live.map((m) => ({ apiVersion: m.apiVersion, kind: m.kind, name: m.metadata?.name }));
  xr.spec =
    flavor === 'claim'
      ? { ...xr.spec, resourceRefs: refs }
      : { ...xr.spec, crossplane: { ...(xr.spec?.crossplane as object), resourceRefs: refs } };
  delete xr.status;
  return { claim, xr, mrs: live };
}

const split = (apiVersion = ''): [string, string] => {
  const [g, v] = apiVersion.split('/');
  return [g, v];
};

export async function patchStatus(
  c: Cluster,
  obj: KObject,
  status: Record<string, unknown>,
  fieldManager = 'provider-aws',
): Promise<void> {
  const [group, version] = split(obj.apiVersion);
  const plural = pluralOf(obj.kind ?? '');
  const name = obj.metadata?.name ?? '';
  const ns = obj.metadata?.namespace;
  const body = { status };
  if (ns)
    await c.custom.patchNamespacedCustomObjectStatus(
      { group, version, plural, name, namespace: ns, body, fieldManager },
      mergePatch,
    );
  else
    await c.custom.patchClusterCustomObjectStatus(
      { group, version, plural, name, body, fieldManager },
      mergePatch,
    );
}

export async function patchSpec(
  c: Cluster,
  obj: KObject,
  spec: Record<string, unknown>,
  fieldManager = 'kubectl-edit',
): Promise<void> {
  const [group, version] = split(obj.apiVersion);
  const plural = pluralOf(obj.kind ?? '');
  const name = obj.metadata?.name ?? '';
  const ns = obj.metadata?.namespace;
  const body = { spec };
  if (ns)
    await c.custom.patchNamespacedCustomObject(
      { group, version, plural, name, namespace: ns, body, fieldManager },
      mergePatch,
    );
  else
    await c.custom.patchClusterCustomObject({ group, version, plural, name, body, fieldManager }, mergePatch);
}

/** Puts an environment into the fake cluster: XR and claim by seeding, MR statuses through the API. */
export async function install(c: Cluster, env: Environment, mrs: KObject[] = env.mrs): Promise<void> {
  c.server.seed(env.xr as KubeObject);
  if (c.flavor === 'claim')
    c.server.seed({
      ...(env.claim as KubeObject),
      spec: {
        ...(env.claim.spec ?? {}),
        resourceRef: { apiVersion: env.xr.apiVersion, kind: env.xr.kind, name: env.xr.metadata?.name },
      },
    });
  for (const m of mrs) await installMr(c, m);
}

export async function installMr(c: Cluster, m: KObject): Promise<void> {
  const { status, ...rest } = m;
  c.server.seed(rest as KubeObject);
  if (status) await patchStatus(c, m, status);
}

export function xrOf(c: Cluster, env: Environment): KObject | undefined {
  const names = apiNames(c.flavor, GROUP);
  return c.server
    .objects(GROUP, names.compositePlural, env.xr.metadata?.namespace)
    .find((o) => o.metadata.name === env.xr.metadata?.name) as KObject | undefined;
}

export function statusOf(c: Cluster, env: Environment): Record<string, unknown> {
  return (xrOf(c, env)?.status ?? {}) as Record<string, unknown>;
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function events(c: Cluster, reason?: string): KubeObject[] {
  return c.server.objects('', 'events').filter((e) => !reason || e.reason === reason);
}

export function statusWrites(c: Cluster): number {
  return c.server.requests({ verb: 'patch', subresource: 'status', fieldManager: 'envstack-controller' })
    .length;
}
