import type { KObject } from '../../src/ops/controller/object.js';

export const T0 = new Date('2026-01-01T00:00:00Z');
export const T1 = new Date('2026-01-01T01:00:00Z');

export function cond(
  type: string,
  status: string,
  reason?: string,
  message?: string,
  lastTransitionTime?: string,
) {
  return {
    type,
    status,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
    ...(lastTransitionTime ? { lastTransitionTime } : {}),
  };
}

export const ready = () => [cond('Ready', 'True', 'Available'), cond('Synced', 'True', 'ReconcileSuccess')];

export interface MrOptions {
  xr?: string;
  component?: string;
  kind?: string;
  apiVersion?: string;
  name?: string;
  namespace?: string;
  forProvider?: Record<string, unknown>;
  atProvider?: Record<string, unknown>;
  conditions?: Record<string, unknown>[];
}

export function mr(resource: string, o: MrOptions = {}): KObject {
  const xr = o.xr ?? 'env-a';
  return {
    apiVersion: o.apiVersion ?? 'ec2.aws.upbound.io/v1beta1',
    kind: o.kind ?? 'VPC',
    metadata: {
      name: o.name ?? `${xr}-${resource}`,
      ...(o.namespace ? { namespace: o.namespace } : {}),
      labels: {
        'crossplane.io/composite': xr,
        'envstack.dev/resource': resource,
        'envstack.dev/component': o.component ?? 'network',
      },
      annotations: { 'crossplane.io/composition-resource-name': resource },
    },
    spec: { forProvider: o.forProvider ?? { region: 'eu-west-1' } },
    status: { atProvider: o.atProvider ?? {}, conditions: o.conditions ?? ready() },
  };
}

export function xr(name = 'env-a', extra: Partial<KObject> = {}, refs: KObject[] = []): KObject {
  return {
    apiVersion: 'platform.envstack.dev/v1alpha1',
    kind: 'XPlatformEnvironment',
    metadata: { name, generation: 3 },
    spec: {
      resourceRefs: refs.map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, name: r.metadata?.name })),
      claimRef: {
        apiVersion: 'platform.envstack.dev/v1alpha1',
        kind: 'PlatformEnvironment',
        name,
        namespace: 'team-a',
      },
    },
    ...extra,
  };
}

/** What the composition would render for a live MR: the same object without status. */
export function desiredOf(live: KObject, forProvider?: Record<string, unknown>): KObject {
  return {
    apiVersion: live.apiVersion,
    kind: live.kind,
    metadata: { labels: live.metadata?.labels, annotations: live.metadata?.annotations },
    spec: { forProvider: forProvider ?? (live.spec?.forProvider as Record<string, unknown>) },
  };
}
