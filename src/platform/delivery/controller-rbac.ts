/**
 * The controller's least-privilege RBAC as data (the Helm chart renders it): read composites,
 * managed resources, CRDs (to follow providers installed later) and Compositions and their revisions
 * (spec drift), write composite status, record Events, hold a Lease. Nothing on Secrets.
 */
import type { Flavor } from '../compose/flavor.js';
import { buildStack } from '../compose/components/index.js';
import { apiNames, DEFAULT_GROUP } from '../compose/names.js';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface RbacRules {
  /** ClusterRole: composites and managed resources live cluster-wide (or in any namespace). */
  clusterRules: PolicyRule[];
  /** Role in the controller's namespace: its Lease. */
  namespaceRules: PolicyRule[];
}

/** What the controller does with its Lease (RBAC grants it; the chart's FlowSchema prioritises it). */
export const LEASE_RULE: PolicyRule = {
  apiGroups: ['coordination.k8s.io'],
  resources: ['leases'],
  verbs: ['get', 'create', 'update'],
};

/** The plural Kubernetes (and upjet's CRD generator) gives a kind: verified against provider-aws's CRDs. */
export function pluralOf(kind: string): string {
  const k = kind.toLowerCase();
  if (/(options|settings|insights|controls|preferences)$/.test(k)) return k;
  if (/sis$/.test(k)) return k.replace(/sis$/, 'ses');
  if (/[^aeiou]y$/.test(k)) return k.replace(/y$/, 'ies');
  if (/(s|x|z|ch|sh)$/.test(k)) return `${k}es`;
  return `${k}s`;
}

const READ = ['get', 'list', 'watch'];

export function controllerRbac(flavor: Flavor, group = DEFAULT_GROUP): RbacRules {
  const names = apiNames(flavor, group);
  const byGroup = new Map<string, Set<string>>();
  for (const r of buildStack(flavor).resources) {
    const g = r.apiVersion.split('/')[0];
    const set = byGroup.get(g) ?? new Set<string>();
    set.add(pluralOf(r.kind));
    byGroup.set(g, set);
  }
  const managed: PolicyRule[] = [...byGroup.keys()].sort().map((g) => ({
    apiGroups: [g],
    resources: [...(byGroup.get(g) ?? [])].sort(),
    verbs: READ,
  }));
  return {
    clusterRules: [
      { apiGroups: [names.group], resources: [names.compositePlural], verbs: READ },
      {
        apiGroups: [names.group],
        resources: [`${names.compositePlural}/status`],
        verbs: ['get', 'patch', 'update'],
      },
      ...managed,
      // Which managed-resource kinds exist: a provider installed or upgraded later is followed.
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: READ },
      // Spec drift is computed against the CompositionRevision an XR uses.
      {
        apiGroups: ['apiextensions.crossplane.io'],
        resources: ['compositionrevisions', 'compositions'],
        verbs: READ,
      },
      // Events go where their object is: the claim's (or namespaced XR's) namespace.
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    ],
    namespaceRules: [LEASE_RULE],
  };
}

/** Whether a request (as the API server authorizes it) is allowed by the rules. */
export function allows(
  rules: readonly PolicyRule[],
  request: { verb: string; group: string; resource: string; subresource?: string; name?: string },
): boolean {
  const resource = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
  return rules.some(
    (r) =>
      (r.apiGroups.includes(request.group) || r.apiGroups.includes('*')) &&
      (r.resources.includes(resource) || r.resources.includes('*')) &&
      (r.verbs.includes(request.verb) || r.verbs.includes('*')) &&
      (!r.resourceNames || (request.name !== undefined && r.resourceNames.includes(request.name))),
  );
}
