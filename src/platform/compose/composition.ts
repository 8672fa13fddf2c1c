import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { JsonObject } from '../../core/json.js';
import type { Flavor } from './flavor.js';
import { celOverXr } from './conditions.js';
import { namingEnvironmentPatches } from './naming.js';
import { elbLogDeliveryEnvironmentPatches } from './components/loadbalancer.js';
import { userDataEnvironmentPatches } from './components/userdata.js';
import { fromXr, mapTransform, regexp, type Patch } from './patches.js';
import { ENV_ACCOUNT, ENV_DR_REGION, ENV_PARTITION, ENV_REGION } from './policy.js';
import { VPC_ARN_STATUS, type ComposedResource, type Stack } from './resource.js';
import { API_VERSION, apiNames, compositionName, DEFAULT_GROUP } from './xrd.js';

/**
 * The registry Crossplane's documentation installs crossplane-contrib packages from (and Crossplane's
 * default registry since 1.20). Crossplane 2 accepts only fully qualified package references, so the
 * Functions name it; the chart can point them at a mirror instead (packageRegistry).
 */
export const CROSSPLANE_CONTRIB_REGISTRY = 'xpkg.crossplane.io';

/** Pinned composition functions, fully qualified: `${registry}/${package}:${version}`. */
export const functions = {
  patchAndTransform: {
    name: 'function-patch-and-transform',
    registry: CROSSPLANE_CONTRIB_REGISTRY,
    package: 'crossplane-contrib/function-patch-and-transform',
    version: 'v0.10.9',
  },
  celFilter: {
    name: 'function-cel-filter',
    registry: CROSSPLANE_CONTRIB_REGISTRY,
    package: 'crossplane-contrib/function-cel-filter',
    version: 'v0.2.0',
  },
  autoReady: {
    name: 'function-auto-ready',
    registry: CROSSPLANE_CONTRIB_REGISTRY,
    package: 'crossplane-contrib/function-auto-ready',
    version: 'v0.7.0',
  },
} as const;

export const ORPHAN_POLICIES = ['Observe', 'Create', 'Update', 'LateInitialize'];

function patchSets(flavor: Flavor): Array<{ name: string; patches: Patch[] }> {
  const tag = (from: string, key: string): Patch => fromXr(from, `spec.forProvider.tags.${key}`);
  return [
    { name: 'provider-config', patches: [fromXr('spec.providerConfigName', 'spec.providerConfigRef.name')] },
    { name: 'region-primary', patches: [fromXr('spec.region', 'spec.forProvider.region')] },
    { name: 'region-dr', patches: [fromXr('spec.dr.region', 'spec.forProvider.region')] },
    {
      name: 'tags',
      patches: [
        fromXr('spec.tags', 'spec.forProvider.tags', undefined, { toFieldPath: 'MergeObjects' }),
        tag('spec.environment', 'Environment'),
        tag('spec.project', 'Project'),
        tag('spec.owner', 'Owner'),
        tag('spec.suffix', 'Suffix'),
      ],
    },
    {
      name: 'data-store',
      patches: [
        flavor === 'claim'
          ? fromXr('spec.deletionPolicy', 'spec.deletionPolicy')
          : fromXr('spec.deletionPolicy', 'spec.managementPolicies', [
              mapTransform({ Delete: ['*'], Orphan: ORPHAN_POLICIES }),
            ]),
      ],
    },
  ];
}

function environmentPatches(): Patch[] {
  const arnPart = (group: number) => regexp('^arn:([^:]+):[^:]*:[^:]*:([0-9]{12}):', group);
  return [
    ...namingEnvironmentPatches(),
    fromXr('spec.region', ENV_REGION),
    fromXr('spec.dr.region', ENV_DR_REGION),
    fromXr(VPC_ARN_STATUS, ENV_PARTITION, [arnPart(1)]),
    fromXr(VPC_ARN_STATUS, ENV_ACCOUNT, [arnPart(2)]),
    ...userDataEnvironmentPatches(),
    ...elbLogDeliveryEnvironmentPatches(),
  ];
}

function ptResource(r: ComposedResource, flavor: Flavor): JsonObject {
  const base = structuredClone(r.base);
  const spec = base.spec as JsonObject;
  if ('forProvider' in spec) {
    spec.providerConfigRef =
      flavor === 'claim' ? { name: 'default' } : { kind: 'ClusterProviderConfig', name: 'default' };
  }
  return {
    name: r.name,
    base,
    patches: r.patches,
    ...(r.readinessChecks ? { readinessChecks: r.readinessChecks } : {}),
    ...(r.connectionDetails ? { connectionDetails: r.connectionDetails } : {}),
  };
}

/**
 * One cel-filter entry per distinct condition, naming every resource that shares it: function-cel-filter
 * compiles each expression on every reconcile, so fewer, shared expressions keep it cheap.
 * Names are matched as anchored regular expressions; ours are [a-z0-9-] only, so an alternation is exact.
 */
function filtersByCondition(
  optional: readonly ComposedResource[],
): Array<{ name: string; expression: string }> {
  const groups = new Map<string, string[]>();
  for (const r of optional) {
    if (!/^[a-z0-9-]+$/.test(r.name)) throw new Error(`resource name ${r.name} would need regexp escaping`);
    const names = groups.get(r.when as string) ?? [];
    names.push(r.name);
    groups.set(r.when as string, names);
  }
  return [...groups.entries()].map(([when, names]) => ({
    name: names.length === 1 ? names[0] : `(${names.join('|')})`,
    expression: celOverXr(when),
  }));
}

/**
 * function-cel-filter v0.2.0 adds every filter's name and expression to its logger once per filter for
 * each desired resource, so one step's cost grows with the square of its filter count (103 filters
 * over ~330 resources took ~7 s a reconcile on real Crossplane). Steps of a few filters each keep that
 * linear; the result is the same, since a resource is dropped when any filter matching it is false.
 */
export const FILTERS_PER_STEP = 10;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface CompositionProps {
  flavor: Flavor;
  stack: Stack;
  group?: string;
}

export class PlatformComposition extends Construct {
  readonly resources: readonly ComposedResource[];

  constructor(scope: Construct, id: string, props: CompositionProps) {
    super(scope, id);
    const { flavor, stack } = props;
    const group = props.group ?? DEFAULT_GROUP;
    const names = apiNames(flavor, group);
    this.resources = stack.resources;
    const optional = stack.resources.filter((r) => r.when);
    new ApiObject(this, 'composition', {
      apiVersion: 'apiextensions.crossplane.io/v1',
      kind: 'Composition',
      metadata: {
        name: compositionName(flavor, group),
        labels: { 'envstack.dev/flavor': flavor, 'envstack.dev/provider': 'aws' },
      },
      spec: {
        compositeTypeRef: { apiVersion: `${group}/${API_VERSION}`, kind: names.compositeKind },
        ...(flavor === 'claim' ? { writeConnectionSecretsToNamespace: 'crossplane-system' } : {}),
        mode: 'Pipeline',
        pipeline: [
          {
            step: 'compose',
            functionRef: { name: functions.patchAndTransform.name },
            input: {
              apiVersion: 'pt.fn.crossplane.io/v1beta1',
              kind: 'Resources',
              environment: { patches: environmentPatches() },
              patchSets: patchSets(flavor),
              resources: stack.resources.map((r) => ptResource(r, flavor)),
            },
          },
          ...chunks(filtersByCondition(optional), FILTERS_PER_STEP).map((filters, i, all) => ({
            step: all.length === 1 ? 'drop-disabled' : `drop-disabled-${i + 1}`,
            functionRef: { name: functions.celFilter.name },
            input: { apiVersion: 'cel.fn.crossplane.io/v1beta1', kind: 'Filters', filters },
          })),
          { step: 'ready-when-observed-ready', functionRef: { name: functions.autoReady.name } },
        ],
      },
    });
  }
}

export function functionObjects(): JsonObject[] {
  return Object.values(functions).map((f) => ({
    apiVersion: 'pkg.crossplane.io/v1',
    kind: 'Function',
    metadata: { name: f.name },
    spec: { package: `${f.registry}/${f.package}:${f.version}` },
  }));
}
