import catalog from './aws/catalog.generated.json' with { type: 'json' };

/**
 * claim: apiextensions.crossplane.io/v1 XRD with claims, legacy cluster-scoped XR, cluster-scoped
 * MRs (`*.aws.upbound.io`). namespaced: apiextensions.crossplane.io/v2 XRD, namespaced XR and MRs
 * (`*.aws.m.upbound.io`).
 */
export type Flavor = 'claim' | 'namespaced';
export const flavors: readonly Flavor[] = ['claim', 'namespaced'];

export interface CatalogEntry {
  version: string;
  served: string[];
  storage: string;
  tags: boolean;
  region: boolean;
}

const entries = catalog as Record<string, CatalogEntry>;

/** The provider group of a service in a flavor: `ec2` → `ec2.aws.upbound.io` or `ec2.aws.m.upbound.io`. */
export function providerGroup(service: string, flavor: Flavor): string {
  return flavor === 'claim' ? `${service}.aws.upbound.io` : `${service}.aws.m.upbound.io`;
}

export function catalogEntry(service: string, kind: string, flavor: Flavor): CatalogEntry {
  const entry = entries[`${providerGroup(service, flavor)}/${kind}`];
  if (!entry) throw new Error(`provider-aws has no kind ${kind} in service ${service} (${flavor} flavor)`);
  return entry;
}

/** The newest version the provider serves: older ones are deprecated paths to a conversion webhook. */
export function providerApiVersion(service: string, kind: string, flavor: Flavor): string {
  return `${providerGroup(service, flavor)}/${catalogEntry(service, kind, flavor).version}`;
}

export function allCatalogEntries(): Record<string, CatalogEntry> {
  return entries;
}
