/**
 * `envstack sandbox check`: what real Crossplane composed for a claim, resource by resource, against
 * `envstack render --converge` of the same claim with the live XR (its name and uid feed names).
 */
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Flavor } from '../../platform/compose/flavor.js';
import { apiNames, API_VERSION, DEFAULT_GROUP } from '../../platform/compose/names.js';
import { claimToXr } from '../../platform/render/claim.js';
import { convergeClaim } from '../../platform/render/converge.js';
import { ANNOTATION_COMPOSITION_RESOURCE_NAME, applyDefaults, jsonEqual } from '../../engine/index.js';
import { type JsonObject, type Unstructured, cloneJson, isObject } from '../../core/json.js';
import { crdIndex } from '../../platform/validate/index.js';
import { managedKinds } from './sandbox.js';

export interface CheckResult {
  claim: string;
  equal: boolean;
  /** Composed resources Crossplane created. */
  live: number;
  /** Composed resources the converged render predicts. */
  predicted: number;
  differences: string[];
}

const resourceOf = (u: Unstructured): string =>
  u.metadata?.annotations?.[ANNOTATION_COMPOSITION_RESOURCE_NAME] ?? '';

/** The live XR a claim (claim flavor) or namespaced XR is bound to, without status or server metadata. */
export async function liveComposite(
  kc: KubeConfig,
  flavor: Flavor,
  claim: Unstructured,
  group = DEFAULT_GROUP,
): Promise<Unstructured | undefined> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const names = apiNames(flavor, group);
  const namespace = claim.metadata?.namespace ?? 'default';
  const name = claim.metadata?.name ?? '';
  try {
    if (flavor === 'namespaced')
      return (await api.getNamespacedCustomObject({
        group,
        version: API_VERSION,
        namespace,
        plural: names.compositePlural,
        name,
      })) as Unstructured;
    const live = (await api.getNamespacedCustomObject({
      group,
      version: API_VERSION,
      namespace,
      plural: 'platformenvironments',
      name,
    })) as Unstructured;
    const ref = isObject(live.spec?.resourceRef) ? (live.spec.resourceRef as { name?: string }) : undefined;
    if (!ref?.name) return undefined;
    return (await api.getClusterCustomObject({
      group,
      version: API_VERSION,
      plural: names.compositePlural,
      name: ref.name,
    })) as Unstructured;
  } catch {
    return undefined;
  }
}

/** Every managed resource composed for the XR, found by Crossplane's composite label. */
export async function composedOf(kc: KubeConfig, flavor: Flavor, xr: Unstructured): Promise<Unstructured[]> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const labelSelector = `crossplane.io/composite=${xr.metadata?.name ?? ''}`;
  const out: Unstructured[] = [];
  await Promise.all(
    managedKinds(flavor).map(async (k) => {
      try {
        const res = (await api.listClusterCustomObject({
          group: k.group,
          version: k.version,
          plural: k.plural,
          labelSelector,
        })) as { items?: Unstructured[] };
        for (const i of res.items ?? [])
          out.push({ ...i, apiVersion: `${k.group}/${k.version}`, kind: k.kind });
      } catch {
        // kind not installed
      }
    }),
  );
  return out;
}

function stripServerMetadata(xr: Unstructured): Unstructured {
  const out = cloneJson(xr);
  delete out.status;
  const meta = out.metadata ?? {};
  for (const k of ['resourceVersion', 'managedFields', 'creationTimestamp', 'generation', 'finalizers'])
    delete (meta as JsonObject)[k];
  return out;
}

/**
 * A reference a controller resolved from a selector we set: Crossplane's Usage controller turns
 * `resourceSelector` into `resourceRef`, a provider turns `vpcIdSelector` into `vpcIdRef` and `vpcId`.
 */
function resolvedFromSelector(want: Record<string, unknown>, key: string): boolean {
  const base = key.replace(/Refs?$/, '');
  const candidates = [`${base}Selector`, `${base.replace(/s$/, '')}Selector`, `${key}Selector`];
  return candidates.some((c) => c in want) && !(key in want);
}

function diffValues(path: string, want: unknown, have: unknown, out: string[]): void {
  if (out.length >= 20) return;
  if (isObject(want) && isObject(have)) {
    for (const k of new Set([...Object.keys(want), ...Object.keys(have)])) {
      if (!(k in want) && /Refs?$/.test(k) && resolvedFromSelector(want, k)) continue;
      diffValues(`${path}.${k}`, want[k], have[k], out);
    }
    return;
  }
  if (Array.isArray(want) && Array.isArray(have) && want.length === have.length) {
    want.forEach((w, i) => diffValues(`${path}[${i}]`, w, have[i], out));
    return;
  }
  if (JSON.stringify(want) !== JSON.stringify(have))
    out.push(
      `${path}: render ${JSON.stringify(want) ?? 'nothing'}, cluster ${JSON.stringify(have) ?? 'nothing'}`,
    );
}

/** The desired object as the API server stores it: the CRD's defaults applied. */
function withDefaults(desired: Unstructured): Unstructured {
  const schema = crdIndex().get(desired.apiVersion ?? '', desired.kind ?? '')?.schema;
  return schema ? applyDefaults(schema, desired) : desired;
}

/** Claim fields Crossplane keeps on the claim itself rather than copying to the XR. */
const CLAIM_ONLY = new Set([
  'compositionRef',
  'compositionSelector',
  'compositionRevisionRef',
  'compositionRevisionSelector',
  'compositionUpdatePolicy',
  'compositeDeletePolicy',
  'resourceRef',
  'writeConnectionSecretToRef',
  'publishConnectionDetailsTo',
  // The namespaced flavor's Crossplane machinery (composition and resource references).
  'crossplane',
]);

/**
 * The claim's fields the live XR does not carry yet. Crossplane copies a claim edit to its XR
 * asynchronously; comparing before that would predict from the old spec and call a stale cluster equal.
 */
export function notYetOnComposite(
  claim: Unstructured,
  xr: Unstructured,
  flavor: Flavor,
  group = DEFAULT_GROUP,
): string[] {
  const want = (claimToXr(claim, { flavor, group }).spec ?? {}) as JsonObject;
  const have = (xr.spec ?? {}) as JsonObject;
  return Object.keys((claim.spec ?? {}) as JsonObject)
    .filter((k) => !CLAIM_ONLY.has(k) && !jsonEqual(want[k], have[k]))
    .sort();
}

/** Compares what Crossplane composed for `claim` with the converged offline render. */
export async function checkClaim(
  kc: KubeConfig,
  flavor: Flavor,
  claim: Unstructured,
  group = DEFAULT_GROUP,
): Promise<CheckResult> {
  const label = `${claim.metadata?.namespace ?? 'default'}/${claim.metadata?.name ?? ''}`;
  const xr = await liveComposite(kc, flavor, claim, group);
  if (!xr)
    return {
      claim: label,
      equal: false,
      live: 0,
      predicted: 0,
      differences: ['no composite resource bound'],
    };
  const stale = notYetOnComposite(claim, xr, flavor, group);
  if (stale.length > 0)
    return {
      claim: label,
      equal: false,
      live: 0,
      predicted: 0,
      differences: [
        `the composite resource does not carry the claim's spec yet: ${stale.map((k) => `spec.${k}`).join(', ')}`,
      ],
    };
  const live = await composedOf(kc, flavor, xr);
  const { result } = await convergeClaim({ claim, flavor, group, xr: stripServerMetadata(xr) });
  const predicted = result.composed;
  const liveBy = new Map(live.map((u) => [resourceOf(u), u]));
  const wantBy = new Map(predicted.map((u) => [resourceOf(u), u]));
  const differences: string[] = [];
  for (const name of [...wantBy.keys()].sort())
    if (!liveBy.has(name)) differences.push(`${name} (${wantBy.get(name)?.kind}): predicted, not composed`);
  for (const name of [...liveBy.keys()].sort())
    if (!wantBy.has(name)) differences.push(`${name} (${liveBy.get(name)?.kind}): composed, not predicted`);
  for (const [name, want] of [...wantBy.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const have = liveBy.get(name);
    if (!have) continue;
    if (want.kind !== have.kind || want.apiVersion !== have.apiVersion) {
      differences.push(
        `${name}: render ${want.apiVersion}/${want.kind}, cluster ${have.apiVersion}/${have.kind}`,
      );
      continue;
    }
    const found: string[] = [];
    diffValues(`${name}.spec`, withDefaults(want).spec, have.spec, found);
    differences.push(...found);
  }
  return {
    claim: label,
    equal: differences.length === 0,
    live: live.length,
    predicted: predicted.length,
    differences,
  };
}
