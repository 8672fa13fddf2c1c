/**
 * Which of the kinds the controller wants the cluster serves, now: from the CustomResourceDefinitions
 * (watched, so a provider installed or upgraded later is noticed at once) or, where the controller may
 * not read CRDs, from API discovery (polled, and re-run when an XR references a kind not watched).
 */
import type { Flavor } from '../../platform/compose/flavor.js';
import { buildStack } from '../../platform/compose/components/index.js';
import type { ResourceType } from './informer.js';
import { statusCodeOf } from './errors.js';
import type { KubeClient } from './kube.js';
import { isObject, type KObject } from './object.js';
import { pluralOf } from '../../platform/delivery/controller-rbac.js';

export interface KindRef {
  group: string;
  version: string;
  kind: string;
}

export const kindId = (k: KindRef): string => `${k.group}/${k.version}/${k.kind}`;

export function kindRefOf(apiVersion: string, kind: string): KindRef {
  const i = apiVersion.indexOf('/');
  return i < 0
    ? { group: '', version: apiVersion, kind }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1), kind };
}

export const CRD_TYPE: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  namespaced: false,
};

/** Crossplane's Composition and CompositionRevision: spec drift is computed against them. */
export const COMPOSITION_KINDS: readonly KindRef[] = [
  { group: 'apiextensions.crossplane.io', version: 'v1', kind: 'CompositionRevision' },
  { group: 'apiextensions.crossplane.io', version: 'v1', kind: 'Composition' },
];

/** Every managed-resource kind the stack of a flavor composes. */
export function composedKinds(flavor: Flavor): KindRef[] {
  const seen = new Map<string, KindRef>();
  for (const r of buildStack(flavor).resources) {
    const k = kindRefOf(r.apiVersion, r.kind);
    seen.set(kindId(k), k);
  }
  return [...seen.values()];
}

/** A CRD cut to what decides what it serves. */
export function trimCrd(crd: KObject): KObject {
  const spec = isObject(crd.spec) ? crd.spec : {};
  const names = isObject(spec.names) ? spec.names : {};
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObject) : [];
  const status = isObject(crd.status) ? crd.status : {};
  return {
    apiVersion: crd.apiVersion,
    kind: crd.kind,
    metadata: {
      name: crd.metadata?.name,
      resourceVersion: crd.metadata?.resourceVersion,
      ...(crd.metadata?.deletionTimestamp ? { deletionTimestamp: crd.metadata.deletionTimestamp } : {}),
    },
    spec: {
      group: spec.group,
      scope: spec.scope,
      names: { kind: names.kind, plural: names.plural },
      versions: versions.map((v) => ({ name: v.name, served: v.served })),
    },
    status: { conditions: Array.isArray(status.conditions) ? status.conditions : [] },
  };
}

/** The wanted kinds the given CRDs serve (Established, the version served, not being deleted). */
export function servedByCrds(crds: readonly KObject[], wanted: readonly KindRef[]): ResourceType[] {
  const byGroupKind = new Map<string, KObject>();
  for (const crd of crds) {
    const spec = isObject(crd.spec) ? crd.spec : {};
    const names = isObject(spec.names) ? spec.names : {};
    byGroupKind.set(`${String(spec.group)}/${String(names.kind)}`, crd);
  }
  const out: ResourceType[] = [];
  for (const w of wanted) {
    const crd = byGroupKind.get(`${w.group}/${w.kind}`);
    if (!crd || crd.metadata?.deletionTimestamp) continue;
    const spec = isObject(crd.spec) ? crd.spec : {};
    const names = isObject(spec.names) ? spec.names : {};
    const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObject) : [];
    if (!versions.some((v) => v.name === w.version && v.served === true)) continue;
    const conditions =
      isObject(crd.status) && Array.isArray(crd.status.conditions) ? crd.status.conditions : [];
    if (!conditions.some((c) => isObject(c) && c.type === 'Established' && c.status === 'True')) continue;
    out.push({
      group: w.group,
      version: w.version,
      kind: w.kind,
      plural: typeof names.plural === 'string' ? names.plural : pluralOf(w.kind),
      namespaced: spec.scope === 'Namespaced',
    });
  }
  return out;
}

interface ApiResourceList {
  resources?: { name?: string; kind?: string; namespaced?: boolean }[];
}

/**
 * The wanted kinds API discovery shows. A group-version that cannot be read for another reason than
 * 404 keeps what `previous` said of it, so a passing error does not stop informers.
 */
export async function servedByDiscovery(
  client: KubeClient,
  wanted: readonly KindRef[],
  previous: readonly ResourceType[] = [],
  timeoutMs = 10_000,
): Promise<{ served: ResourceType[]; errors: string[] }> {
  const byGv = new Map<string, KindRef[]>();
  for (const w of wanted) {
    const gv = w.group ? `${w.group}/${w.version}` : w.version;
    byGv.set(gv, [...(byGv.get(gv) ?? []), w]);
  }
  const served: ResourceType[] = [];
  const errors: string[] = [];
  await Promise.all(
    [...byGv].map(async ([gv, kinds]) => {
      try {
        const list = await client.request<ApiResourceList>(
          'GET',
          gv.includes('/') ? `/apis/${gv}` : `/api/${gv}`,
          {
            timeoutMs,
          },
        );
        for (const k of kinds) {
          const r = (list.resources ?? []).find((x) => x.kind === k.kind && x.name && !x.name.includes('/'));
          if (r?.name) served.push({ ...k, plural: r.name, namespaced: r.namespaced === true });
        }
      } catch (err) {
        if (statusCodeOf(err) === 404) return;
        errors.push(`${gv}: ${err instanceof Error ? err.message : String(err)}`);
        for (const k of kinds) {
          const was = previous.find((p) => kindId(p) === kindId(k));
          if (was) served.push(was);
        }
      }
    }),
  );
  return { served, errors };
}
