/** What the composition renders for an XR now, given the live managed resources as observed state. */
import { createHash } from 'node:crypto';
import type { Flavor } from '../compose/flavor.js';
import { defaultFunctions, render } from '../render/index.js';
import type { Unstructured } from '../render/fnapi.js';
import { loadComposition } from '../render/service.js';
import { conditionOf, isObject, type KObject } from './object.js';
import { OWNED_FIELDS } from './status.js';

export interface RenderContext {
  /** The Composition to render with (from the XR's CompositionRevision); the built-in one when absent. */
  composition?: KObject;
  /** Identifies `composition` (name and resourceVersion) for caching. */
  compositionKey?: string;
}

export type RenderDesired = (
  xr: KObject,
  observed: readonly KObject[],
  context?: RenderContext,
) => readonly KObject[] | undefined;

export interface CachedRendererOptions {
  /** A render is reused while its inputs are unchanged, at most this long. */
  maxAgeMs?: number;
  clock?: () => number;
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
 * (less the controller's own fields), the Composition used, and a digest of each observed resource's
 * readiness and status.atProvider.
 */
export function cachedRenderer(inner: RenderDesired, options: CachedRendererOptions = {}): RenderDesired {
  const cache = new Map<string, { key: string; at: number; desired: readonly KObject[] | undefined }>();
  const clock = options.clock ?? Date.now;
  const maxAge = options.maxAgeMs ?? 5 * 60_000;
  return (xr, observed, context) => {
    const id = xr.metadata?.uid ?? `${xr.metadata?.namespace ?? ''}/${xr.metadata?.name ?? ''}`;
    const observedKey = hash(observed.map(observedDigest).sort().join(','));
    const key = [
      xr.metadata?.generation ?? '',
      compositeDigest(xr),
      context?.compositionKey ?? (context?.composition ? '?' : 'built-in'),
      observed.length,
      observedKey,
    ].join('/');
    const hit = cache.get(id);
    const now = clock();
    if (hit && hit.key === key && now - hit.at < maxAge) return hit.desired;
    const desired = inner(xr, observed, context);
    cache.delete(id);
    cache.set(id, { key, at: now, desired });
    if (cache.size > 50_000) cache.delete(cache.keys().next().value as string);
    return desired;
  };
}

/** The real thing: the XR's Composition (or the installed one of the flavor) through the in-process pipeline. */
export async function compositionRenderer(flavor: Flavor, group?: string): Promise<RenderDesired> {
  const builtIn = await loadComposition(flavor, group);
  const functions = defaultFunctions();
  return (xr, observed, context) =>
    render({
      composite: xr as Unstructured,
      composition: (context?.composition as Unstructured | undefined) ?? builtIn,
      observed: observed as Unstructured[],
      functions,
    }).composed as KObject[];
}
