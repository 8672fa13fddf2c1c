/**
 * The controller's view of one environment, computed from the XR, its live managed resources and
 * (optionally) what the composition renders for it now. Pure and deterministic: the same inputs give
 * a deep-equal status, so an unchanged environment is never written.
 */
import type { PlatformEnvironmentStatus } from '../../platform/api/schema.js';
import {
  COMPONENT_LABEL,
  components as componentOrder,
  RESOURCE_LABEL,
} from '../../platform/compose/names.js';
import { diffLeaves, type LeafDiff } from './drift.js';
import { normalizeMessage } from './events.js';
import { conditionOf, isObject, shareEqualValues, type KMeta, type KObject } from './object.js';
import { Interned, internDeep, internOptional } from './trim.js';

const COMPOSITION_RESOURCE_ANNOTATION = 'crossplane.io/composition-resource-name';
export const COMPOSITE_LABEL = 'crossplane.io/composite';
const UNKNOWN_COMPONENT = 'other';
/** Items kept in status; `count` always tells the whole number (count - items.length were left out). */
export const MAX_DRIFT_ITEMS = 50;
/** Longest want/have/field kept in a status drift item; longer ones end with how much was cut. */
export const MAX_VALUE_LENGTH = 256;
/** Longest blocking-error message kept in status. */
export const MAX_MESSAGE_LENGTH = 1024;

export interface StatusLimits {
  maxItems: number;
  maxValueLength: number;
  maxMessageLength: number;
}

export const STATUS_LIMITS: StatusLimits = {
  maxItems: MAX_DRIFT_ITEMS,
  maxValueLength: MAX_VALUE_LENGTH,
  maxMessageLength: MAX_MESSAGE_LENGTH,
};

/** No caps: what `envstack drift` shows when the status had to leave something out. */
export const NO_LIMITS: StatusLimits = {
  maxItems: Number.POSITIVE_INFINITY,
  maxValueLength: Number.POSITIVE_INFINITY,
  maxMessageLength: Number.POSITIVE_INFINITY,
};

const TRUNCATED = /… \(\d+ more characters\)$/;

/** A string cut to `max` characters, saying how many were left out; stable for the same input. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  const cut = Math.max(0, max - 24);
  return `${value.slice(0, cut)}… (${value.length - cut} more characters)`;
}

/** Whether a status string was cut by `truncate`. */
export const isTruncated = (value: string | undefined): boolean =>
  value !== undefined && TRUNCATED.test(value);

export type ControllerStatus = Required<
  Pick<PlatformEnvironmentStatus, 'phase' | 'componentsReady' | 'components' | 'drift'>
> &
  Pick<PlatformEnvironmentStatus, 'observedGeneration' | 'blockingError'>;
export type BlockingError = NonNullable<PlatformEnvironmentStatus['blockingError']>;
export type DriftItem = NonNullable<NonNullable<PlatformEnvironmentStatus['drift']>['items']>[number];

/** The status fields this controller owns (it never writes endpoints or ids). */
export const OWNED_FIELDS = [
  'phase',
  'observedGeneration',
  'componentsReady',
  'components',
  'blockingError',
  'drift',
] as const;

export function resourceName(obj: KObject): string {
  return (
    obj.metadata?.annotations?.[COMPOSITION_RESOURCE_ANNOTATION] ??
    obj.metadata?.labels?.[RESOURCE_LABEL] ??
    obj.metadata?.name ??
    ''
  );
}

function componentRank(component: string): number {
  const i = (componentOrder as readonly string[]).indexOf(component);
  return i < 0 ? componentOrder.length : i;
}

export function compareComponents(a: string, b: string): number {
  return componentRank(a) - componentRank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Whether the controller watches a kind; others cannot be seen, so they are not expected. */
export type Tracked = (apiVersion: string, kind: string) => boolean;

interface Entry {
  name: string;
  kind: string;
  component: string;
  live?: KObject;
  desired?: KObject;
}

function refsOf(xr: KObject): { apiVersion?: string; kind?: string; name?: string }[] {
  const spec = isObject(xr.spec) ? xr.spec : {};
  const crossplane = isObject(spec.crossplane) ? spec.crossplane : {};
  const refs = Array.isArray(spec.resourceRefs)
    ? spec.resourceRefs
    : Array.isArray(crossplane.resourceRefs)
      ? crossplane.resourceRefs
      : [];
  return refs.filter(isObject) as { apiVersion?: string; kind?: string; name?: string }[];
}

/** Every resource the environment should have: live ones, rendered ones, and ones the XR references. */
function entriesOf(
  xr: KObject,
  mrs: readonly KObject[],
  desired: readonly KObject[] | undefined,
  tracked: Tracked,
): Entry[] {
  const byName = new Map<string, Entry>();
  const componentOf = (o: KObject): string | undefined => o.metadata?.labels?.[COMPONENT_LABEL];
  for (const d of desired ?? []) {
    if (!tracked(d.apiVersion ?? '', d.kind ?? '')) continue;
    const name = resourceName(d);
    byName.set(name, {
      name,
      kind: d.kind ?? '',
      component: componentOf(d) ?? UNKNOWN_COMPONENT,
      desired: d,
    });
  }
  const liveByRef = new Set<string>();
  for (const mr of mrs) {
    const name = resourceName(mr);
    liveByRef.add(`${mr.apiVersion}/${mr.kind}/${mr.metadata?.name}`);
    const entry = byName.get(name);
    if (entry) {
      entry.live = mr;
      entry.component = componentOf(mr) ?? entry.component;
    } else {
      byName.set(name, {
        name,
        kind: mr.kind ?? '',
        component: componentOf(mr) ?? UNKNOWN_COMPONENT,
        live: mr,
      });
    }
  }
  // The render is the authority on what is expected; without it, the XR's references are.
  for (const ref of desired ? [] : refsOf(xr)) {
    if (!tracked(ref.apiVersion ?? '', ref.kind ?? '')) continue;
    if (!ref.name || liveByRef.has(`${ref.apiVersion}/${ref.kind}/${ref.name}`)) continue;
    // A referenced resource that is gone: known only by its object name until it reappears.
    byName.set(`${ref.kind}/${ref.name}`, {
      name: ref.name,
      kind: ref.kind ?? '',
      component: UNKNOWN_COMPONENT,
    });
  }
  return [...byName.values()].sort(
    (a, b) => compareComponents(a.component, b.component) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

const isTrue = (mr: KObject, type: string): boolean => conditionOf(mr, type)?.status === 'True';

/** The condition that says this resource is failing, if any: Synced, then the last async call, then Ready. */
function failingCondition(mr: KObject) {
  const synced = conditionOf(mr, 'Synced');
  if (synced?.status === 'False') return synced;
  const async = conditionOf(mr, 'LastAsyncOperation');
  if (async?.status === 'False') return async;
  const ready = conditionOf(mr, 'Ready');
  if (ready?.status === 'False' && ready.reason !== 'Creating' && ready.reason !== 'Deleting') return ready;
  return undefined;
}

function blockingErrorOf(
  xr: KObject,
  entries: Entry[],
  now: Date,
  limits: StatusLimits,
  previous?: BlockingError,
): BlockingError | undefined {
  const pick = (resource: string, kind: string, cond: NonNullable<ReturnType<typeof conditionOf>>) => {
    const reason = cond.reason;
    const same = previous && previous.resource === resource && previous.reason === reason;
    const since = cond.lastTransitionTime ?? (same ? previous.since : undefined) ?? now.toISOString();
    // Without the request id and time a provider puts in each retry's message: one failure, one status.
    const message = normalizeMessage(cond.message ?? '') || reason || `${cond.type} is False`;
    return {
      resource,
      kind,
      ...(reason ? { reason } : {}),
      message: truncate(message, limits.maxMessageLength),
      since,
    };
  };
  for (const e of entries) {
    const cond = e.live && failingCondition(e.live);
    if (cond) return pick(e.name, e.kind, cond);
  }
  const xrSynced = conditionOf(xr, 'Synced');
  if (xrSynced?.status === 'False') return pick(xr.metadata?.name ?? '', xr.kind ?? '', xrSynced);
  return undefined;
}

const CLOUD_SKIP = /(Ref|Refs|Selector|SecretRef)$/;

type Found = { e: Entry; type: 'spec' | 'cloud'; d: LeafDiff };

/**
 * The drift of one live resource, remembered per live object: informer objects are replaced on
 * every change and a cached render returns the same desired objects, so an environment whose
 * resources did not change is not compared again leaf by leaf.
 */
export type DriftMemo = WeakMap<
  KObject,
  { desired: KObject | undefined; hasDesired: boolean; found: Omit<Found, 'e'>[] }
>;

/** A memo for `ComputeInput.memo`. */
export const driftMemo = (): DriftMemo => new WeakMap();

function driftOfEntry(e: Entry & { live: KObject }, hasDesired: boolean): Omit<Found, 'e'>[] {
  const out: Omit<Found, 'e'>[] = [];
  const liveFp = forProvider(e.live);
  const desiredFp = e.desired ? forProvider(e.desired) : undefined;
  if (desiredFp) {
    for (const d of diffLeaves(desiredFp, liveFp, { requireHave: false })) out.push({ type: 'spec', d });
  }
  if (hasDesired && !desiredFp) return out;
  const atProvider =
    isObject(e.live.status) && isObject(e.live.status.atProvider) ? e.live.status.atProvider : undefined;
  if (!atProvider) return out;
  // The fields the composition sets, at the values Kubernetes holds now.
  const scope = desiredFp ? restrictTo(liveFp, desiredFp) : liveFp;
  for (const d of diffLeaves(scope, atProvider, { requireHave: true, skipKey: (k) => CLOUD_SKIP.test(k) }))
    out.push({ type: 'cloud', d });
  return out;
}

const NO_DRIFT: Omit<Found, 'e'>[] = [];

function driftOf(entries: Entry[], hasDesired: boolean, memo?: DriftMemo): Found[] {
  const out: Found[] = [];
  for (const e of entries) {
    const live = e.live;
    if (!live) continue;
    const held = memo?.get(live);
    let found = held && held.desired === e.desired && held.hasDesired === hasDesired ? held.found : undefined;
    if (!found) {
      const own = driftOfEntry({ ...e, live }, hasDesired);
      // Most resources have none: they share one empty list.
      found = own.length > 0 ? own : NO_DRIFT;
      memo?.set(live, { desired: e.desired, hasDesired, found });
    }
    for (const f of found) out.push({ e, ...f });
  }
  return out;
}

function forProvider(o: KObject): Record<string, unknown> {
  const spec = isObject(o.spec) ? o.spec : {};
  return isObject(spec.forProvider) ? spec.forProvider : {};
}

function restrictTo(value: Record<string, unknown>, shape: Record<string, unknown>): Record<string, unknown> {
  if (value === shape) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!(k in shape)) continue;
    const s = shape[k];
    out[k] = isObject(v) && isObject(s) ? restrictTo(v, s) : v;
  }
  return out;
}

export interface ComputeInput {
  xr: KObject;
  mrs: readonly KObject[];
  /** What the composition renders now; without it there is no spec drift and cloud drift covers all of forProvider. */
  desired?: readonly KObject[];
  now: Date;
  /** The status last written, for `since` stamps. */
  previous?: Partial<ControllerStatus>;
  tracked?: Tracked;
  /** Caps on what goes into the status (default STATUS_LIMITS). */
  limits?: StatusLimits;
  /** Remembers each live resource's drift while it and its desired object stay the same objects. */
  memo?: DriftMemo;
}

export function computeStatus({
  xr,
  mrs,
  desired,
  now,
  previous,
  tracked,
  limits = STATUS_LIMITS,
  memo,
}: ComputeInput): ControllerStatus {
  const entries = entriesOf(xr, mrs, desired, tracked ?? (() => true));
  const components: Record<string, { ready: number; total: number }> = {};
  let ready = 0;
  let missingOrPending = false;
  let degraded = false;
  for (const e of entries) {
    const c = (components[e.component] ??= { ready: 0, total: 0 });
    c.total += 1;
    const isReady = e.live !== undefined && isTrue(e.live, 'Ready');
    if (isReady) {
      c.ready += 1;
      ready += 1;
    } else missingOrPending = true;
    if (e.live && failingCondition(e.live)) degraded = true;
  }
  const blockingError = blockingErrorOf(xr, entries, now, limits, previous?.blockingError);
  if (blockingError) degraded = true;

  const previousSince = new Map<string, string>();
  for (const item of previous?.drift?.items ?? [])
    previousSince.set(`${item.type}\0${item.resource}\0${item.field}`, item.since);
  const found = driftOf(entries, desired !== undefined, memo);
  const cap = (v: string): string => truncate(v, limits.maxValueLength);
  const items: DriftItem[] = found.map(({ e, type, d }) => {
    const field = cap(d.field);
    return {
      resource: e.name,
      kind: e.kind,
      type,
      field,
      ...(d.want !== undefined ? { want: cap(d.want) } : {}),
      ...(d.have !== undefined ? { have: cap(d.have) } : {}),
      since: previousSince.get(`${type}\0${e.name}\0${field}`) ?? now.toISOString(),
    };
  });
  const specCount = items.filter((i) => i.type === 'spec').length;

  const phase: ControllerStatus['phase'] = xr.metadata?.deletionTimestamp
    ? 'Deleting'
    : degraded
      ? 'Degraded'
      : missingOrPending || entries.length === 0
        ? 'Provisioning'
        : 'Ready';
  const sortedComponents: Record<string, { ready: number; total: number }> = {};
  for (const k of Object.keys(components).sort(compareComponents)) sortedComponents[k] = components[k];
  const generation = xr.metadata?.generation;
  return {
    phase,
    ...(typeof generation === 'number' ? { observedGeneration: generation } : {}),
    componentsReady: `${ready}/${entries.length}`,
    components: sortedComponents,
    ...(blockingError ? { blockingError } : {}),
    drift: {
      count: items.length,
      spec: specCount,
      cloud: items.length - specCount,
      items: items.slice(0, limits.maxItems),
    },
  };
}

const byName = new WeakMap<readonly KObject[], Map<string, KObject>>();

function byResourceName(observed: readonly KObject[]): Map<string, KObject> {
  let map = byName.get(observed);
  if (!map) {
    map = new Map(observed.map((o) => [resourceName(o), o]));
    byName.set(observed, map);
  }
  return map;
}

/** Label and annotation maps of rendered objects: the same few for every environment. */
const renderedMaps = new Interned<Record<string, string>>(10_000);
const sharedMap = (map: Record<string, string>): Record<string, string> =>
  renderedMaps.get(JSON.stringify(map), map);

/** `values` (made by shareEqualValues from `twins`) as `twins` itself when they hold the same. */
function sameOrOwn(values: Record<string, unknown>, twins: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(values);
  if (keys.length !== Object.keys(twins).length) return values;
  return keys.every((k) => values[k] === twins[k]) ? twins : values;
}

/**
 * What the status computation reads of a rendered object: its kind, its names and component, and
 * spec.forProvider. A cached render keeps only this; a forProvider that equals the live resource's
 * (no spec drift: the usual case) is held as that same object, and otherwise each value that does.
 */
export function trimDesired(d: KObject, observed: readonly KObject[] = []): KObject {
  const m = d.metadata ?? {};
  const labels: Record<string, string> = {};
  for (const l of [RESOURCE_LABEL, COMPONENT_LABEL]) if (m.labels?.[l] !== undefined) labels[l] = m.labels[l];
  const resource = m.annotations?.[COMPOSITION_RESOURCE_ANNOTATION];
  const spec = isObject(d.spec) ? d.spec : {};
  let fp = isObject(spec.forProvider) ? spec.forProvider : undefined;
  const live = resource === undefined ? undefined : byResourceName(observed).get(resource);
  const liveFp = live ? forProvider(live) : undefined;
  if (fp && liveFp) fp = sameOrOwn(shareEqualValues(fp, liveFp), liveFp);
  if (fp && fp !== liveFp) fp = internDeep(fp);
  // By assignment: a literal of spreads would get a hidden class of its own (see trimManaged).
  const metadata: KMeta = {};
  if (m.name !== undefined) metadata.name = m.name;
  if (Object.keys(labels).length) metadata.labels = sharedMap(labels);
  if (resource !== undefined)
    metadata.annotations = sharedMap({ [COMPOSITION_RESOURCE_ANNOTATION]: resource });
  return {
    apiVersion: internOptional(d.apiVersion),
    kind: internOptional(d.kind),
    metadata,
    spec: fp ? { forProvider: fp } : {},
  };
}

/** The owned fields of a status as found on the XR, for comparison with a computed one. */
export function ownedStatus(xr: KObject): Partial<ControllerStatus> {
  const status = isObject(xr.status) ? xr.status : {};
  const out: Record<string, unknown> = {};
  for (const f of OWNED_FIELDS) {
    const v = status[f];
    // An emptied object reads as absent: what a server leaves behind when a removed field's leaves go.
    if (v !== undefined && v !== null && !(isObject(v) && Object.keys(v).length === 0)) out[f] = v;
  }
  return out as Partial<ControllerStatus>;
}

export function statusEquals(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
