/**
 * What Crossplane does before composing: bind a claim to a new XR (claim flavor) or take the
 * namespaced XR as it is (namespaced flavor), then apply the XRD's schema defaults. Names and uids
 * that a cluster would generate at random are derived from the claim, so a render is repeatable.
 */
import { createHash } from 'node:crypto';
import { specOpenApi } from '../api/openapi.js';
import { applyDefaults, type JSONSchemaProps } from '../../engine/index.js';
import { API_VERSION, apiNames, compositionName, DEFAULT_GROUP } from '../compose/names.js';
import type { Flavor } from '../compose/flavor.js';
import type { JsonObject, Unstructured } from '../../core/json.js';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** A UUID-shaped id that is the same for the same input (a cluster would assign a random one). */
export function stableUid(seed: string): string {
  const h = digest(seed).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The 5-character suffix Kubernetes' generateName would add, derived from the seed. */
export function stableSuffix(seed: string): string {
  const h = digest(seed);
  return Array.from(h.subarray(0, 5), (b) => ALPHABET[b % ALPHABET.length]).join('');
}

export interface ClaimToXrOptions {
  flavor: Flavor;
  group?: string;
}

/** The XR Crossplane would create for `claim`, with the XRD's defaults applied. */
export function claimToXr(claim: Unstructured, opts: ClaimToXrOptions): Unstructured {
  const group = opts.group ?? DEFAULT_GROUP;
  const names = apiNames(opts.flavor, group);
  const meta = claim.metadata ?? {};
  const namespace = meta.namespace ?? 'default';
  const claimName = meta.name ?? 'unnamed';
  const spec = structuredClone((claim.spec ?? {}) as JsonObject);
  let xr: Unstructured;
  if (opts.flavor === 'claim') {
    const name = `${claimName}-${stableSuffix(`${namespace}/${claimName}`)}`;
    xr = {
      apiVersion: `${group}/${API_VERSION}`,
      kind: names.compositeKind,
      metadata: {
        name,
        uid:
          meta.uid && claim.kind === names.compositeKind
            ? meta.uid
            : stableUid(`xr/${namespace}/${claimName}`),
        labels: {
          ...(meta.labels ?? {}),
          'crossplane.io/claim-name': claimName,
          'crossplane.io/claim-namespace': namespace,
          'crossplane.io/composite': name,
        },
      },
      spec: {
        ...spec,
        claimRef: { apiVersion: `${group}/${API_VERSION}`, kind: names.userKind, name: claimName, namespace },
        compositionRef: { name: compositionName('claim', group) },
      },
    };
  } else {
    xr = {
      apiVersion: `${group}/${API_VERSION}`,
      kind: names.compositeKind,
      metadata: {
        name: claimName,
        namespace,
        uid: meta.uid ?? stableUid(`xr/${namespace}/${claimName}`),
        ...(meta.labels ? { labels: meta.labels } : {}),
      },
      spec: { ...spec, crossplane: { compositionRef: { name: compositionName('namespaced', group) } } },
    };
  }
  if (claim.status) xr.status = structuredClone(claim.status);
  const schema = { type: 'object', properties: { spec: specOpenApi() } } as JSONSchemaProps;
  return applyDefaults(schema, xr) as Unstructured;
}
