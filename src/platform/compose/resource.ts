/**
 * One composed resource: a provider-aws kind, its literal forProvider, and what P&T patches in.
 * Builders in components/ declare resources with `Stack.add`, which reads like the AWS resource.
 */
import type { JsonObject } from '../../core/json.js';
import { catalogEntry, providerApiVersion, type Flavor } from './flavor.js';
import { externalNamePath, namePatch, type NameSpec } from './naming.js';
import {
  fromXr,
  mapTransform,
  patchSet,
  toXr,
  type ConnectionDetail,
  type Patch,
  type ReadinessCheck,
  type Transform,
} from './patches.js';
import { profileTable, type Profile } from '../api/profiles.js';
import { observedTokens, type Templated } from './policy.js';

/** XR status field the VPC's ARN is copied to; account id and partition are read from it. */
export const VPC_ARN_STATUS = 'status.ids.vpcArn';

/** A CEL test that a dotted path exists, checking each level (CEL's has() errors on a missing parent). */
export function celHas(path: string): string {
  const parts = path.split('.');
  const checks: string[] = [];
  for (let i = parts[0] === 'spec' ? 2 : 1; i <= parts.length; i++)
    checks.push(`has(${parts.slice(0, i).join('.')})`);
  return checks.join(' && ');
}

/** True when the claim's boolean `path`, or else the profile's default, is true (a bool, as cel-filter requires). */
export function celEnabled<K extends keyof Profile>(path: string, key: K): string {
  return `${celEffective(path, key)} == true`;
}

/** The claim's value of `path` if set, else the profile's: a CEL expression. */
export function celEffective<K extends keyof Profile>(path: string, key: K): string {
  const table = profileTable(key);
  const lit = (v: unknown) => (typeof v === 'string' ? `'${v}'` : String(v));
  const map = `{${Object.entries(table)
    .map(([env, v]) => `'${env}': ${lit(v)}`)
    .join(', ')}}[spec.environment]`;
  return `(${celHas(path)} ? ${path} : ${map})`;
}

export const RESOURCE_LABEL = 'envstack.dev/resource';
export const COMPONENT_LABEL = 'envstack.dev/component';
/**
 * The region a resource lives in, by role (`primary` or `dr`): on every regional resource, from its
 * placement. With DR on the same tiers exist in two regions, so a selector that matches a group
 * (subnets of a tier) must carry it too, or the primary ALB could be given subnets of the DR VPC.
 */
export const REGION_ROLE_LABEL = 'envstack.dev/region-role';

export const components = [
  'network',
  'security',
  'encryption',
  'storage',
  'database',
  'compute',
  'loadbalancer',
  'bastion',
  'serverless',
  'dynamodb',
  'observability',
  'compliance',
  'dr',
] as const;
export type Component = (typeof components)[number];

/** Where a resource lives: the claim's region, the DR region, or nowhere (IAM is global). */
export type Placement = 'primary' | 'dr' | 'global';

export interface ResourceProps {
  name: string;
  service: string;
  kind: string;
  forProvider?: JsonObject;
  /** How the AWS name is given: the external-name annotation, a forProvider parameter, or a Name tag. */
  awsName?: NameSpec & { via: 'external-name' | 'tag' | { parameter: string } };
  placement?: Placement;
  patches?: Patch[];
  /** A CEL condition over the XR (`spec.…`); false drops the resource (function-cel-filter). */
  when?: string;
  /** Data stores are orphaned instead of deleted when the claim asks for it. */
  dataStore?: boolean;
  readinessChecks?: ReadinessCheck[];
  connectionDetails?: ConnectionDetail[];
  /** Documents with render-time values (policies, ARNs): see policy.ts. */
  templates?: Templated[];
  /** ToCompositeFieldPath: observed field → XR status field. */
  status?: Record<string, string>;
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

export interface ComposedResource {
  name: string;
  component: Component;
  apiVersion: string;
  kind: string;
  placement: Placement;
  when?: string;
  base: JsonObject;
  patches: Patch[];
  readinessChecks?: ReadinessCheck[];
  connectionDetails?: ConnectionDetail[];
}

/** A selector for a sibling in the same composite: controller ref plus the sibling's resource label. */
export function sibling(name: string): JsonObject {
  return { matchControllerRef: true, matchLabels: { [RESOURCE_LABEL]: name } };
}

/**
 * A selector for every sibling carrying `labels` in the region of `placement`. Use it for selectors that
 * match a group; `Stack.add` refuses a group selector that is not scoped to the resource's own region.
 */
export function siblingsIn(
  placement: Exclude<Placement, 'global'>,
  labels: Record<string, string>,
): JsonObject {
  return { matchControllerRef: true, matchLabels: { ...labels, [REGION_ROLE_LABEL]: placement } };
}

/** Selectors under `obj` that match by other labels than a single sibling's resource label. */
function groupSelectors(obj: unknown, path: string): Array<[string, Record<string, string>]> {
  if (Array.isArray(obj)) return obj.flatMap((v, i) => groupSelectors(v, `${path}[${i}]`));
  if (obj === null || typeof obj !== 'object') return [];
  return Object.entries(obj).flatMap(([k, v]): Array<[string, Record<string, string>]> => {
    const p = `${path}.${k}`;
    if (/Selector$/.test(k) && v && typeof v === 'object' && 'matchLabels' in v) {
      const labels = (v as { matchLabels: Record<string, string> }).matchLabels;
      return RESOURCE_LABEL in labels ? [] : [[p, labels]];
    }
    return groupSelectors(v, p);
  });
}

/** A profile default for `to`, overridden by the claim's `claimPath` when set. */
export function profileDefault<K extends keyof Profile>(
  key: K,
  claimPath: string,
  to: string,
  transforms: Transform[] = [],
): Patch[] {
  const table = profileTable(key) as Record<string, unknown>;
  return [
    fromXr('spec.environment', to, [mapTransform(table), ...transforms]),
    fromXr(claimPath, to, transforms.length ? transforms : undefined),
  ];
}

/** Names of the siblings a resource's selectors point at. */
export function referencedNames(obj: unknown): string[] {
  if (Array.isArray(obj)) return obj.flatMap(referencedNames);
  if (obj === null || typeof obj !== 'object') return [];
  return Object.entries(obj).flatMap(([k, v]) => {
    if (
      (/Selector$/.test(k) || k === 'resourceSelector') &&
      v &&
      typeof v === 'object' &&
      'matchLabels' in v
    ) {
      const label = (v as { matchLabels: Record<string, string> }).matchLabels[RESOURCE_LABEL];
      return label ? [label] : [];
    }
    return referencedNames(v);
  });
}

export class Stack {
  readonly resources: ComposedResource[] = [];

  constructor(readonly flavor: Flavor) {}

  add(component: Component, props: ResourceProps): ComposedResource {
    if (this.resources.some((r) => r.name === props.name))
      throw new Error(`duplicate resource name ${props.name}`);
    const entry = catalogEntry(props.service, props.kind, this.flavor);
    const placement = props.placement ?? (entry.region ? 'primary' : 'global');
    for (const [path, labels] of groupSelectors(props.forProvider, 'forProvider'))
      if (labels[REGION_ROLE_LABEL] !== placement)
        throw new Error(
          `${props.name}: ${path} matches a group of siblings; scope it to the ${placement} region with siblingsIn()`,
        );
    const forProvider: JsonObject = { ...(props.forProvider ?? {}) };
    if (entry.tags) forProvider.tags = { ManagedBy: 'envstack', ...((forProvider.tags as JsonObject) ?? {}) };

    const patches: Patch[] = [patchSet('provider-config')];
    if (placement !== 'global')
      patches.push(patchSet(placement === 'primary' ? 'region-primary' : 'region-dr'));
    if (entry.tags) patches.push(patchSet('tags'));
    if (props.dataStore) patches.push(patchSet('data-store'));
    if (props.awsName) {
      const { via } = props.awsName;
      const to =
        via === 'external-name'
          ? externalNamePath
          : via === 'tag'
            ? 'spec.forProvider.tags.Name'
            : `spec.forProvider.${via.parameter}`;
      if (via === 'tag' && !entry.tags)
        throw new Error(`${props.name}: ${props.kind} takes no tags to carry a Name`);
      patches.push(namePatch(props.awsName, to));
    }
    if (entry.tags && props.awsName?.via !== 'tag') {
      patches.push(
        namePatch({ part: props.awsName?.part ?? props.name, limit: 'tag' }, 'spec.forProvider.tags.Name'),
      );
    }
    patches.push(...(props.patches ?? []));
    for (const t of props.templates ?? []) patches.push(t.patch);
    const needsObserved = (props.templates ?? []).some((t) =>
      t.tokens.some((k) => observedTokens.includes(k)),
    );
    const conditions = [props.when, needsObserved ? celHas(VPC_ARN_STATUS) : undefined].filter(
      (c): c is string => Boolean(c),
    );
    const when = conditions.length > 1 ? conditions.map((c) => `(${c})`).join(' && ') : conditions[0];
    for (const [to, from] of Object.entries(props.status ?? {})) patches.push(toXr(from, to));

    const base: JsonObject = {
      apiVersion: providerApiVersion(props.service, props.kind, this.flavor),
      kind: props.kind,
      metadata: {
        labels: {
          [RESOURCE_LABEL]: props.name,
          [COMPONENT_LABEL]: component,
          ...(placement !== 'global' ? { [REGION_ROLE_LABEL]: placement } : {}),
          ...(props.metadata?.labels ?? {}),
        },
        ...(props.metadata?.annotations ? { annotations: props.metadata.annotations } : {}),
      },
      spec: { forProvider },
    };
    const resource: ComposedResource = {
      name: props.name,
      component,
      apiVersion: base.apiVersion as string,
      kind: props.kind,
      placement,
      ...(when ? { when } : {}),
      base,
      patches,
      ...(props.readinessChecks ? { readinessChecks: props.readinessChecks } : {}),
      ...(props.connectionDetails ? { connectionDetails: props.connectionDetails } : {}),
    };
    this.resources.push(resource);
    return resource;
  }

  /**
   * Deletion order: `by` is deleted before `of` can be (the KMS key outlives its users, the subnet
   * group outlives the database). A ClusterUsage for cluster-scoped MRs, a Usage for namespaced ones.
   */
  usage(of: ComposedResource, by: ComposedResource, when?: string): ComposedResource {
    const name = `usage-${by.name}-uses-${of.name}`;
    const ref = (r: ComposedResource) => ({
      apiVersion: r.apiVersion,
      kind: r.kind,
      resourceSelector: { matchControllerRef: true, matchLabels: { [RESOURCE_LABEL]: r.name } },
    });
    const conditions = [when, of.when, by.when].filter((c): c is string => Boolean(c));
    const resource: ComposedResource = {
      name,
      component: by.component,
      apiVersion: 'protection.crossplane.io/v1beta1',
      kind: this.flavor === 'claim' ? 'ClusterUsage' : 'Usage',
      placement: 'global',
      ...(conditions.length ? { when: [...new Set(conditions)].map((c) => `(${c})`).join(' && ') } : {}),
      base: {
        apiVersion: 'protection.crossplane.io/v1beta1',
        kind: this.flavor === 'claim' ? 'ClusterUsage' : 'Usage',
        metadata: { labels: { [RESOURCE_LABEL]: name, [COMPONENT_LABEL]: by.component } },
        spec: { replayDeletion: true, of: ref(of), by: ref(by) },
      },
      patches: [],
    };
    this.resources.push(resource);
    return resource;
  }

  /**
   * A resource can only exist when every sibling it selects exists: its condition becomes its own
   * `when` AND the conditions of what it references, transitively. This makes dangling selectors
   * impossible whichever optional components a claim switches off.
   */
  resolveConditions(): void {
    const byName = new Map(this.resources.map((r) => [r.name, r]));
    const resolved = new Map<string, string[]>();
    const visit = (r: ComposedResource, path: string[]): string[] => {
      const done = resolved.get(r.name);
      if (done) return done;
      if (path.includes(r.name)) throw new Error(`reference cycle: ${[...path, r.name].join(' → ')}`);
      const own = r.when ? [r.when] : [];
      const inherited = referencedNames(r.base).flatMap((n) => {
        const target = byName.get(n);
        if (!target) throw new Error(`${r.name} selects "${n}", which no component composes`);
        return visit(target, [...path, r.name]);
      });
      const all = [...new Set([...own, ...inherited])];
      resolved.set(r.name, all);
      return all;
    };
    for (const r of this.resources) {
      const conditions = visit(r, []);
      if (conditions.length === 0) continue;
      r.when = conditions.length === 1 ? conditions[0] : conditions.map((c) => `(${c})`).join(' && ');
    }
  }

  get(name: string): ComposedResource {
    const r = this.resources.find((x) => x.name === name);
    if (!r) throw new Error(`no composed resource named ${name}`);
    return r;
  }
}
