/**
 * The chart's value matrix, shared by the offline chart tests (test/delivery/chart.test.ts) and the live ones
 * (test/live/chart.test.ts): both flavors × providers on/off × every credential mode × 1 or 2 replicas; two
 * replicas also turn on the ServiceMonitor and a custom controller image, podIdentity also a package mirror.
 */
import { flavors, type Flavor } from '../../src/platform/compose/flavor.js';

export type Mode = 'irsa' | 'podIdentity' | 'secret';

export interface ChartCase {
  flavor: Flavor;
  providers: boolean;
  mode: Mode;
  replicas: 1 | 2;
  customImage: boolean;
  /** Every package from MIRROR (packageRegistry) instead of each organization's registry. */
  mirror: boolean;
}

export const ROLE_ARN = 'arn:aws:iam::123456789012:role/crossplane-provider-aws';
export const MIRROR = 'mirror.example.internal';

/** The registries values.yaml names for each package organization (checked against the docs' defaults). */
export const DEFAULT_REGISTRIES = {
  'crossplane-contrib': 'xpkg.crossplane.io',
  upbound: 'xpkg.upbound.io',
} as const;

export const chartCases: ChartCase[] = [];
for (const flavor of flavors)
  for (const providers of [false, true])
    for (const mode of ['irsa', 'podIdentity', 'secret'] as const)
      for (const replicas of [1, 2] as const)
        chartCases.push({
          flavor,
          providers,
          mode,
          replicas,
          customImage: replicas === 2,
          mirror: mode === 'podIdentity',
        });

/** `--set` values of a case. */
export function valuesOf(c: ChartCase): Record<string, string | number | boolean> {
  return {
    flavor: c.flavor,
    ...(c.mirror ? { packageRegistry: MIRROR } : {}),
    'providers.enabled': c.providers,
    'providerConfig.enabled': true,
    'providerConfig.credentials.mode': c.mode,
    ...(c.mode === 'irsa' ? { 'providerConfig.credentials.roleArn': ROLE_ARN } : {}),
    'controller.replicas': c.replicas,
    'controller.metrics.serviceMonitor.enabled': c.replicas === 2,
    ...(c.customImage
      ? {
          'controller.image.registry': 'mirror.example.internal:5000/platform',
          'controller.image.repository': 'tools/envstack-controller',
          'controller.image.tag': '1.2.3-rc.1',
        }
      : {}),
  };
}

/** The registry a case's packages of an organization come from. */
export function registryOf(c: ChartCase, organization: keyof typeof DEFAULT_REGISTRIES): string {
  return c.mirror ? MIRROR : DEFAULT_REGISTRIES[organization];
}
