/** What the composition renders for an XR now, given the live managed resources as observed state. */
import { createHash } from 'node:crypto';
import type { Flavor } from '../../platform/compose/flavor.js';
import { defaultFunctions, render } from '../../engine/index.js';
import type { Unstructured } from '../../core/json.js';
import { loadComposition } from '../../platform/render/service.js';
import { conditionOf, isObject, type KObject } from './object.js';
import { OWNED_FIELDS } from './status.js';

export interface RenderContext {
  /** The Composition to render with (from the XR's CompositionRevision); the built-in one when absent. */
  composition?: KObject;
  /** Identifies `composition` (name and resourceVersion) for caching. */
  compositionKey?: string;
}

/**
 * What a render's composed resources can depend on in the observed managed resources: only which
 * ones exist (`identity`: names, external names), or also their status (`status`: readiness,
 * `status.atProvider`).
 */
export type ObservedReads = 'identity' | 'status';

export type RenderDesired = ((
  xr: KObject,
  observed: readonly KObject[],
  context?: RenderContext,
) => readonly KObject[] | undefined) & {
  /** What the composed resources of a render with this context read of the observed ones; default `status`. */
  observedReads?: (context?: RenderContext) => ObservedReads;
};

export interface CachedRendererOptions {
  /** A render is reused while its inputs are unchanged, at most this long. */
  maxAgeMs?: number;
  clock?: () => number;
  /**
   * What is kept of each rendered object (default: all of it), given the observed resources the
   * render was made with. The cache holds one render per environment for as long as the controller
   * runs: keep only what its callers read.
   */
  keep?: (obj: KObject, observed: readonly KObject[]) => KObject;
}

const digests = new WeakMap<KObject, string>();

const hash = (text: string): string => createHash('sha1').update(text).digest('base64url');

/**
 * What a render reads of an observed resource: its name, readiness, external name and everything
 * it reports in status.atProvider (ToCompositeFieldPath patches read ids, ARNs and endpoints there).
 * Informer objects are replaced on every change, so the digest is kept per object.
 */
function observedDigest(o: KObject): string {
  let d = digests.get(o);
  if (d === undefined) {
    const status = isObject(o.status) ? o.status : {};
    d = hash(
      JSON.stringify([
        o.apiVersion,
        o.kind,
        o.metadata?.name,
        o.metadata?.annotations?.['crossplane.io/composition-resource-name'],
        o.metadata?.annotations?.['crossplane.io/external-name'],
        conditionOf(o, 'Ready')?.status,
        status.atProvider ?? null,
      ]),
    );
    digests.set(o, d);
  }
  return d;
}

/**
 * Which observed resource this is: all that a render whose composed resources read no status reads
 * of it. Cheap enough to make on each render lookup, so nothing is kept per object.
 */
function identityDigest(o: KObject): string {
  return JSON.stringify([
    o.apiVersion,
    o.kind,
    o.metadata?.namespace ?? null,
    o.metadata?.name,
    o.metadata?.annotations?.['crossplane.io/composition-resource-name'],
    o.metadata?.annotations?.['crossplane.io/external-name'],
  ]);
}

/** The XR inputs of a render besides its spec (the generation covers that): labels, annotations, status. */
function compositeDigest(xr: KObject): string {
  const status = isObject(xr.status) ? { ...xr.status } : {};
  // The controller's own fields are outputs, not inputs: writing them must not invalidate the render.
  for (const f of OWNED_FIELDS) delete status[f];
  return hash(
    JSON.stringify([xr.metadata?.labels ?? null, xr.metadata?.annotations ?? null, stable(status)]),
  );
}

function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = stable(v[k]);
  return out;
}

/**
 * A render costs tens of milliseconds per environment, while MR events arrive by the thousand. The
 * cache key holds everything the render reads: the XR's generation, labels, annotations and status
 * (less the controller's own fields), the Composition used, and a digest of each observed resource:
 * its identity, and its readiness and status.atProvider unless the renderer says (`observedReads`)
 * that the composed resources of this Composition cannot depend on them.
 */
export function cachedRenderer(inner: RenderDesired, options: CachedRendererOptions = {}): RenderDesired {
  const cache = new Map<string, { key: string; at: number; desired: readonly KObject[] | undefined }>();
  const clock = options.clock ?? Date.now;
  const maxAge = options.maxAgeMs ?? 5 * 60_000;
  const keep = options.keep;
  return (xr, observed, context) => {
    const id = xr.metadata?.uid ?? `${xr.metadata?.namespace ?? ''}/${xr.metadata?.name ?? ''}`;
    const reads = inner.observedReads?.(context) ?? 'status';
    const digest = reads === 'identity' ? identityDigest : observedDigest;
    const observedKey = hash(observed.map(digest).sort().join(','));
    const key = [
      reads,
      xr.metadata?.generation ?? '',
      compositeDigest(xr),
      context?.compositionKey ?? (context?.composition ? '?' : 'built-in'),
      observed.length,
      observedKey,
    ].join('/');
    const hit = cache.get(id);
    const now = clock();
    if (hit && hit.key === key && now - hit.at < maxAge) return hit.desired;
    const rendered = inner(xr, observed, context);
    const desired = keep && rendered ? rendered.map((o) => keep(o, observed)) : rendered;
    cache.delete(id);
    cache.set(id, { key, at: now, desired });
    if (cache.size > 50_000) cache.delete(cache.keys().next().value as string);
    return desired;
  };
}

/** The functions the in-process pipeline runs, as a Composition's steps name them. */
const PATCH_AND_TRANSFORM = 'function-patch-and-transform';
const CEL_FILTER = 'function-cel-filter';
const AUTO_READY = 'function-auto-ready';
/** Patches that carry an observed composed resource's fields into the environment, which later patches read. */
const TO_ENVIRONMENT = /"(ToEnvironmentFieldPath|CombineToEnvironment)"/;
/** A CEL name other than the observed XR: composed resources (observed or desired) or the pipeline's context. */
const CEL_OTHER_STATE = /\b(observed|desired|context)\b/;
const CEL_OBSERVED_XR = /\bobserved\s*\.\s*composite\b/g;

const readsOf = new WeakMap<object, ObservedReads>();

/**
 * What the composed resources a Composition renders can read of the observed composed resources.
 * In the in-process pipeline only these carry an observed resource's status into a composed one:
 * a patch to the environment (a later FromEnvironment patch reads it) and a CEL filter that looks at
 * anything but the observed XR (desired state holds what ToComposite patches copied from observed
 * resources). patch-and-transform's ToComposite patches and readiness checks, and auto-ready, write
 * only the XR and readiness, which the controller does not read. Anything it cannot tell is `status`.
 */
export function observedReadsOf(composition: KObject): ObservedReads {
  const known = readsOf.get(composition);
  if (known) return known;
  let reads: ObservedReads = 'identity';
  const spec = isObject(composition.spec) ? composition.spec : {};
  const steps = Array.isArray(spec.pipeline) ? spec.pipeline : [];
  if (spec.mode !== 'Pipeline' || steps.length === 0) reads = 'status';
  for (const step of steps) {
    const ref = isObject(step) && isObject(step.functionRef) ? step.functionRef : {};
    const input = isObject(step) ? JSON.stringify(step.input ?? null) : 'null';
    if (ref.name === PATCH_AND_TRANSFORM) {
      if (TO_ENVIRONMENT.test(input)) reads = 'status';
    } else if (ref.name === CEL_FILTER) {
      const filters = isObject(step) && isObject(step.input) ? step.input.filters : undefined;
      for (const f of Array.isArray(filters) ? filters : [undefined]) {
        const expression = isObject(f) ? f.expression : undefined;
        if (typeof expression !== 'string') {
          reads = 'status';
          break;
        }
        if (CEL_OTHER_STATE.test(expression.replace(CEL_OBSERVED_XR, ''))) reads = 'status';
      }
    } else if (ref.name !== AUTO_READY) {
      reads = 'status';
    }
  }
  readsOf.set(composition, reads);
  return reads;
}

/** Names of the composed resources whose connection details a patch-and-transform step reads. */
function connectionSources(composition: KObject): Set<string> {
  const names = new Set<string>();
  const spec = isObject(composition.spec) ? composition.spec : {};
  for (const step of Array.isArray(spec.pipeline) ? spec.pipeline : []) {
    const input = isObject(step) && isObject(step.input) ? step.input : {};
    for (const r of Array.isArray(input.resources) ? input.resources : [])
      if (isObject(r) && Array.isArray(r.connectionDetails) && typeof r.name === 'string') names.add(r.name);
  }
  return names;
}

/**
 * What a render whose composed resources read only the identity of the observed ones is given of
 * each: its kind, names and annotations (what `identityDigest` holds), or all of it where its
 * connection details are read. The pipeline
 * copies the observed state for every step, so the rest would only be copied and never read.
 */
function identityOnly(observed: readonly KObject[], full: ReadonlySet<string>): KObject[] {
  return observed.map((o) => {
    const name = o.metadata?.annotations?.['crossplane.io/composition-resource-name'];
    if (name !== undefined && full.has(name)) return o;
    const m = o.metadata ?? {};
    const metadata = {
      name: m.name,
      ...(m.namespace ? { namespace: m.namespace } : {}),
      annotations: m.annotations,
    };
    return { apiVersion: o.apiVersion, kind: o.kind, metadata };
  });
}

interface Shape {
  reads: ObservedReads;
  connectionSources: Set<string>;
}

/** The real thing: the XR's Composition (or the installed one of the flavor) through the in-process pipeline. */
export async function compositionRenderer(flavor: Flavor, group?: string): Promise<RenderDesired> {
  const builtIn = (await loadComposition(flavor, group)) as KObject;
  const functions = defaultFunctions();
  const composition = (context?: RenderContext): KObject => context?.composition ?? builtIn;
  // A CompositionRevision arrives as a new object each reconcile: remember the answer by its key too.
  const byKey = new Map<string, Shape>();
  const shapeOf = (context?: RenderContext): Shape => {
    const key = context?.compositionKey ?? (context?.composition ? undefined : 'built-in');
    let shape = key === undefined ? undefined : byKey.get(key);
    if (shape === undefined) {
      const c = composition(context);
      shape = { reads: observedReadsOf(c), connectionSources: connectionSources(c) };
      if (key !== undefined) {
        if (byKey.size >= 1000) byKey.clear();
        byKey.set(key, shape);
      }
    }
    return shape;
  };
  const renderer: RenderDesired = (xr, observed, context) => {
    const shape = shapeOf(context);
    return render({
      composite: xr as Unstructured,
      composition: composition(context) as Unstructured,
      observed: (shape.reads === 'identity'
        ? identityOnly(observed, shape.connectionSources)
        : observed) as Unstructured[],
      functions,
    }).composed as KObject[];
  };
  renderer.observedReads = (context) => shapeOf(context).reads;
  return renderer;
}
