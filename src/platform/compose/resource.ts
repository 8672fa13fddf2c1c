/**
 * One composed resource: a provider-aws kind, its literal forProvider, and what P&T patches in.
 * Components (constructs, see components/index.ts) declare resources with `StackComponent.add`,
 * which reads like the AWS resource.
 */
import { Construct, type IConstruct } from 'constructs';
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
import { all, and, celHas } from './conditions.js';
import { observedTokens, type Templated } from './policy.js';
import { COMPONENT_LABEL, REGION_ROLE_LABEL, RESOURCE_LABEL, type Component } from './names.js';

/** XR status field the VPC's ARN is copied to; account id and partition are read from it. */
export const VPC_ARN_STATUS = 'status.ids.vpcArn';

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

/** The construct that holds one composed resource; the tree's order is the Composition's order. */
class ResourceNode extends Construct {
  constructor(
    scope: Construct,
    readonly resource: ComposedResource,
  ) {
    super(scope, resource.name);
  }
}

/**
 * The root of an environment's construct tree. Components are constructs under it; the composed
 * resources are its leaves, listed in tree order (depth first, children in the order they were
 * added), so a resource added later to an earlier component still lands inside that component.
 */
export class Stack extends Construct {
  /** The stack `scope` belongs to. */
  static of(scope: IConstruct): Stack {
    const root = scope.node.root;
    if (!(root instanceof Stack)) throw new Error(`${scope.node.path} is not in a Stack`);
    return root;
  }

  private readonly byName = new Map<string, ComposedResource>();

  constructor(readonly flavor: Flavor) {
    // A root construct has no scope.
    super(undefined as unknown as Construct, '');
  }

  /** Every composed resource, in the order the Composition declares them. */
  get resources(): ComposedResource[] {
    return this.node
      .findAll()
      .filter((c): c is ResourceNode => c instanceof ResourceNode)
      .map((n) => n.resource);
  }

  /** Declares a resource of `component` under `scope` (the stack itself when omitted). */
  add(component: Component, props: ResourceProps, scope: Construct = this): ComposedResource {
    if (this.byName.has(props.name)) throw new Error(`duplicate resource name ${props.name}`);
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
    const when = and(props.when, needsObserved ? celHas(VPC_ARN_STATUS) : undefined);
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
    this.attach(resource, scope);
    return resource;
  }

  private attach(resource: ComposedResource, scope: Construct): void {
    this.byName.set(resource.name, resource);
    new ResourceNode(scope, resource);
  }

  /**
   * Deletion order: `by` is deleted before `of` can be (the KMS key outlives its users, the subnet
   * group outlives the database). A ClusterUsage for cluster-scoped MRs, a Usage for namespaced ones.
   */
  usage(
    of: ComposedResource,
    by: ComposedResource,
    when?: string,
    scope: Construct = this,
  ): ComposedResource {
    const name = `usage-${by.name}-uses-${of.name}`;
    const ref = (r: ComposedResource) => ({
      apiVersion: r.apiVersion,
      kind: r.kind,
      resourceSelector: { matchControllerRef: true, matchLabels: { [RESOURCE_LABEL]: r.name } },
    });
    const condition = all(...new Set([when, of.when, by.when]));
    const resource: ComposedResource = {
      name,
      component: by.component,
      apiVersion: 'protection.crossplane.io/v1beta1',
      kind: this.flavor === 'claim' ? 'ClusterUsage' : 'Usage',
      placement: 'global',
      ...(condition ? { when: condition } : {}),
      base: {
        apiVersion: 'protection.crossplane.io/v1beta1',
        kind: this.flavor === 'claim' ? 'ClusterUsage' : 'Usage',
        metadata: { labels: { [RESOURCE_LABEL]: name, [COMPONENT_LABEL]: by.component } },
        spec: { replayDeletion: true, of: ref(of), by: ref(by) },
      },
      patches: [],
    };
    this.attach(resource, scope);
    return resource;
  }

  /**
   * A resource can only exist when every sibling it selects exists: its condition becomes its own
   * `when` AND the conditions of what it references, transitively. This makes dangling selectors
   * impossible whichever optional components a claim switches off.
   */
  resolveConditions(): void {
    const byName = this.byName;
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
      if (conditions.length > 0) r.when = and(...conditions);
    }
  }

  get(name: string): ComposedResource {
    const r = this.byName.get(name);
    if (!r) throw new Error(`no composed resource named ${name}`);
    return r;
  }
}

/**
 * One component of the environment (network, database, …) as a construct: the resources it declares
 * carry its component label and sit under it in the tree. A component's constructor takes the
 * handles of the components it depends on, so the order they are built in is the order of the
 * Composition, checked by the compiler.
 */
export class StackComponent extends Construct {
  /** The component `scope` belongs to: itself or its nearest enclosing component. */
  static of(scope: IConstruct): StackComponent {
    const found = [...scope.node.scopes].reverse().find((c) => c instanceof StackComponent);
    if (!found) throw new Error(`${scope.node.path} is not inside a component`);
    return found as StackComponent;
  }

  readonly stack: Stack;

  constructor(
    scope: Construct,
    id: string,
    readonly component: Component,
  ) {
    super(scope, id);
    this.stack = Stack.of(scope);
  }

  /** Declares a resource of this component under `scope` (this component when omitted). */
  add(props: ResourceProps, scope: Construct = this): ComposedResource {
    return this.stack.add(this.component, props, scope);
  }

  /** A Usage (see `Stack.usage`) declared in this component. */
  usage(of: ComposedResource, by: ComposedResource, when?: string): ComposedResource {
    return this.stack.usage(of, by, when, this);
  }
}
