/** What the composition renders for an XR now, given the live managed resources as observed state. */
import type { Flavor } from '../compose/flavor.js';
import { defaultFunctions, render } from '../render/index.js';
import type { Unstructured } from '../render/fnapi.js';
import { loadComposition } from '../render/service.js';
import { conditionOf, type KObject } from './object.js';

export type RenderDesired = (xr: KObject, observed: readonly KObject[]) => readonly KObject[] | undefined;

export interface CachedRendererOptions {
  /** A render is reused while the XR's generation and its observed readiness are unchanged, at most this long. */
  maxAgeMs?: number;
  clock?: () => number;
}

/**
 * A render costs tens of milliseconds per environment, while MR events arrive by the thousand. The
 * desired state changes only when the XR's spec changes or when a status value a patch reads appears,
 * which in practice is when a resource becomes ready: those form the cache key.
 */
export function cachedRenderer(inner: RenderDesired, options: CachedRendererOptions = {}): RenderDesired {
  const cache = new Map<string, { key: string; at: number; desired: readonly KObject[] | undefined }>();
  const clock = options.clock ?? Date.now;
  const maxAge = options.maxAgeMs ?? 5 * 60_000;
  return (xr, observed) => {
    const id = xr.metadata?.uid ?? `${xr.metadata?.namespace ?? ''}/${xr.metadata?.name ?? ''}`;
    const readyCount = observed.filter((o) => conditionOf(o, 'Ready')?.status === 'True').length;
    const key = `${xr.metadata?.generation ?? ''}/${observed.length}/${readyCount}`;
    const hit = cache.get(id);
    const now = clock();
    if (hit && hit.key === key && now - hit.at < maxAge) return hit.desired;
    const desired = inner(xr, observed);
    cache.set(id, { key, at: now, desired });
    if (cache.size > 50_000) cache.delete(cache.keys().next().value as string);
    return desired;
  };
}

/** The real thing: the installed Composition of a flavor through the in-process render pipeline. */
export async function compositionRenderer(flavor: Flavor, group?: string): Promise<RenderDesired> {
  const composition = await loadComposition(flavor, group);
  const functions = defaultFunctions();
  return (xr, observed) =>
    render({
      composite: xr as Unstructured,
      composition,
      observed: observed as Unstructured[],
      functions,
    }).composed as KObject[];
}
