/**
 * charts/envstack through the real helm: lint, a matrix of values rendered and every object validated against
 * its schema (Crossplane and provider kinds against the real CRDs, built-in kinds against Kubernetes' OpenAPI),
 * and bad values rejected with the schema's message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildStack } from '../../src/platform/compose/components/index.js';
import { flavors } from '../../src/platform/compose/flavor.js';
import { controllerRbac } from '../../src/platform/delivery/controller-rbac.js';
import { loadCrdIndex, validateObject, formatSchemaError } from '../../src/engine/schema/index.js';
import { defaultCrdDir } from '../../src/platform/validate/index.js';
import { loadAllYaml } from '../../src/engine/render/yaml.js';
import { validateBuiltin } from './k8s-schema.js';
import { chartDir, helm, installHelm, repoRoot, template, type K8sObject } from './helm.js';
import { chartCases, DEFAULT_REGISTRIES, registryOf, ROLE_ARN, valuesOf } from './matrix.js';

const crds = loadCrdIndex(defaultCrdDir());
const BUILTIN_GROUPS = new Set([
  'v1',
  'apps/v1',
  'rbac.authorization.k8s.io/v1',
  'policy/v1',
  'monitoring.coreos.com/v1',
  'flowcontrol.apiserver.k8s.io/v1',
]);
const validated = new Map<string, string[]>();

async function problems(obj: K8sObject): Promise<string[]> {
  const key = JSON.stringify(obj);
  const hit = validated.get(key);
  if (hit) return hit;
  let found: string[];
  if (BUILTIN_GROUPS.has(obj.apiVersion)) {
    found = await validateBuiltin(obj);
  } else {
    found = validateObject(crds, obj).errors.map(formatSchemaError);
  }
  const labelled = found.map((p) => `${obj.kind}/${obj.metadata.name}: ${p}`);
  validated.set(key, labelled);
  return labelled;
}

const byKind = (objs: K8sObject[], kind: string): K8sObject[] => objs.filter((o) => o.kind === kind);
const one = (objs: K8sObject[], kind: string): K8sObject => {
  const found = byKind(objs, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, got ${found.length}`);
  return found[0];
};
const at = (obj: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
const wave = (o: K8sObject): number => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave']);
const podSpec = (objs: K8sObject[]): Record<string, unknown> =>
  at(one(objs, 'Deployment'), 'spec.template.spec') as Record<string, unknown>;
const container = (objs: K8sObject[]): Record<string, unknown> =>
  (podSpec(objs).containers as Array<Record<string, unknown>>)[0];

const defaults = loadAllYaml(readFileSync(join(chartDir, 'values.yaml'), 'utf8'))[0] as {
  providers: { services: string[] };
  packageRegistries: Record<string, string>;
};
const defaultsRegistries = defaults.packageRegistries;

beforeAll(() => installHelm());

describe('helm lint --strict', () => {
  it.each([
    ['defaults', []],
    [
      'everything on',
      [
        '--set',
        'providers.enabled=true',
        '--set',
        'providerConfig.enabled=true',
        '--set',
        `providerConfig.credentials.roleArn=${ROLE_ARN}`,
        '--set',
        'controller.replicas=2',
        '--set',
        'controller.metrics.serviceMonitor.enabled=true',
      ],
    ],
    ['namespaced', ['--set', 'flavor=namespaced']],
  ])('passes with %s', (_name, args) => {
    const r = helm(['lint', '--strict', chartDir, ...args]);
    expect(r.stderr).not.toMatch(/\[(ERROR|WARNING)\]/);
    expect(r.stdout).toContain('0 chart(s) failed');
    expect(r.code).toBe(0);
  });
});

describe.each(chartCases)('helm template %o', (c) => {
  let objs: K8sObject[];
  beforeAll(() => {
    objs = template(valuesOf(c));
  });

  it('renders only objects that validate against their schemas', async () => {
    const all = (await Promise.all(objs.map(problems))).flat();
    expect(all).toEqual([]);
    expect(objs.length).toBeGreaterThan(10);
  });

  it('installs the XRD and Composition of the chosen flavor, pointing at each other', () => {
    const xrd = one(objs, 'CompositeResourceDefinition');
    const composition = one(objs, 'Composition');
    expect(xrd.apiVersion).toBe(
      c.flavor === 'claim' ? 'apiextensions.crossplane.io/v1' : 'apiextensions.crossplane.io/v2',
    );
    expect(at(xrd, 'spec.defaultCompositionRef.name')).toBe(composition.metadata.name);
    expect(at(composition, 'spec.compositeTypeRef.kind')).toBe(at(xrd, 'spec.names.kind'));
    const registry = registryOf(c, 'crossplane-contrib');
    expect(byKind(objs, 'Function').map((f) => at(f, 'spec.package'))).toEqual([
      `${registry}/crossplane-contrib/function-patch-and-transform:v0.10.9`,
      `${registry}/crossplane-contrib/function-cel-filter:v0.2.0`,
      `${registry}/crossplane-contrib/function-auto-ready:v0.7.0`,
    ]);
  });

  it('grants the controller exactly the RBAC of its flavor, never Secrets', () => {
    const rules = controllerRbac(c.flavor);
    expect(at(one(objs, 'ClusterRole'), 'rules')).toEqual(rules.clusterRules);
    expect(at(one(objs, 'Role'), 'rules')).toEqual(rules.namespaceRules);
    const all = [...byKind(objs, 'ClusterRole'), ...byKind(objs, 'Role')].flatMap(
      (r) => at(r, 'rules') as Array<{ resources: string[]; verbs: string[] }>,
    );
    expect(all.flatMap((r) => r.resources)).not.toContain('secrets');
    expect(all.flatMap((r) => r.verbs)).not.toContain('*');
    const sa = one(objs, 'ServiceAccount').metadata.name;
    for (const b of [one(objs, 'ClusterRoleBinding'), one(objs, 'RoleBinding')])
      expect(at(b, 'subjects')).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: 'envstack-system' }]);
    expect(podSpec(objs).serviceAccountName).toBe(sa);
  });

  it('runs the controller hardened, with requests, probes and the flavor it serves', () => {
    const pod = podSpec(objs);
    const ctr = container(objs);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(ctr.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(at(ctr, 'resources.requests')).toEqual({ cpu: '500m', memory: '1Gi' });
    expect(at(ctr, 'livenessProbe.httpGet.path')).toBe('/healthz');
    expect(at(ctr, 'readinessProbe.httpGet.path')).toBe('/readyz');
    expect(ctr.args).toEqual([`--flavor=${c.flavor}`, '--metrics-port=8080', '--workers=4']);
    expect(at(one(objs, 'Deployment'), 'spec.replicas')).toBe(c.replicas);
    const selector = at(one(objs, 'Deployment'), 'spec.selector.matchLabels') as Record<string, string>;
    expect(at(one(objs, 'Deployment'), 'spec.template.metadata.labels')).toMatchObject(selector);
    expect(at(one(objs, 'Service'), 'spec.selector')).toEqual(selector);
  });

  it('uses the image the values name', () => {
    expect(container(objs).image).toBe(
      c.customImage
        ? 'mirror.example.internal:5000/platform/tools/envstack-controller:1.2.3-rc.1'
        : 'envstack/controller:0.1.0',
    );
  });

  it('adds a PodDisruptionBudget and the ServiceMonitor only where they apply', () => {
    expect(byKind(objs, 'PodDisruptionBudget')).toHaveLength(c.replicas > 1 ? 1 : 0);
    expect(byKind(objs, 'ServiceMonitor')).toHaveLength(c.replicas > 1 ? 1 : 0);
  });

  it('writes the ProviderConfig the compositions reference, with the chosen credential source', () => {
    const kind = c.flavor === 'claim' ? 'ProviderConfig' : 'ClusterProviderConfig';
    const pc = one(objs, kind);
    expect(pc.metadata.name).toBe('default');
    const source = { irsa: 'IRSA', podIdentity: 'PodIdentity', secret: 'Secret' }[c.mode];
    expect(at(pc, 'spec.credentials.source')).toBe(source);
    if (c.mode === 'secret')
      expect(at(pc, 'spec.credentials.secretRef')).toEqual({
        namespace: 'crossplane-system',
        name: 'aws-credentials',
        key: 'credentials',
      });
    else expect(at(pc, 'spec.credentials.secretRef')).toBeUndefined();
    expect(pc.metadata.annotations?.['argocd.argoproj.io/sync-options']).toContain(
      'SkipDryRunOnMissingResource=true',
    );
  });

  it('installs the provider family only when asked, all pinned and sharing one ServiceAccount', () => {
    const providers = byKind(objs, 'Provider');
    if (!c.providers) {
      expect(providers).toHaveLength(0);
      expect(byKind(objs, 'DeploymentRuntimeConfig')).toHaveLength(0);
      return;
    }
    expect(providers.map((p) => at(p, 'spec.package'))).toEqual(
      defaults.providers.services.map((s) => `${registryOf(c, 'upbound')}/upbound/provider-aws-${s}:v2.6.0`),
    );
    const runtime = one(objs, 'DeploymentRuntimeConfig');
    for (const p of providers) expect(at(p, 'spec.runtimeConfigRef.name')).toBe(runtime.metadata.name);
    expect(at(runtime, 'spec.serviceAccountTemplate.metadata.name')).toBe('provider-aws');
    expect(at(runtime, 'spec.serviceAccountTemplate.metadata.annotations')).toEqual(
      c.mode === 'irsa' ? { 'eks.amazonaws.com/role-arn': ROLE_ARN } : undefined,
    );
  });

  it('orders Argo CD sync waves: packages, definition, composition, then what uses them', () => {
    const w = (kind: string): number => Math.max(...byKind(objs, kind).map(wave));
    expect(w('Function')).toBeLessThan(wave(one(objs, 'CompositeResourceDefinition')));
    expect(wave(one(objs, 'CompositeResourceDefinition'))).toBeLessThan(wave(one(objs, 'Composition')));
    const pc = one(objs, c.flavor === 'claim' ? 'ProviderConfig' : 'ClusterProviderConfig');
    expect(wave(one(objs, 'Composition'))).toBeLessThan(wave(pc));
    if (c.providers) expect(w('Provider')).toBeLessThan(wave(pc));
  });
});

describe('chart values', () => {
  beforeAll(() => installHelm());

  it('keeps definitions and packages on uninstall by default, and can be told not to', () => {
    const kept = (objs: K8sObject[]): string[] =>
      objs.filter((o) => o.metadata.annotations?.['helm.sh/resource-policy'] === 'keep').map((o) => o.kind);
    const on = template({ 'providers.enabled': true });
    expect(new Set(kept(on))).toEqual(
      new Set([
        'CompositeResourceDefinition',
        'Composition',
        'Function',
        'Provider',
        'DeploymentRuntimeConfig',
      ]),
    );
    expect(one(on, 'Deployment').metadata.annotations?.['helm.sh/resource-policy']).toBeUndefined();
    expect(kept(template({ 'providers.enabled': true, keepOnUninstall: false }))).toEqual([]);
  });

  it('drops Argo CD annotations when asked', () => {
    const objs = template({ 'argocd.annotations': false, 'providerConfig.enabled': true });
    const argo = objs
      .flatMap((o) => Object.keys(o.metadata.annotations ?? {}))
      .filter((k) => k.startsWith('argocd'));
    expect(argo).toEqual([]);
  });

  it('qualifies every package with packageRegistry when it is set', () => {
    const objs = template({
      packageRegistry: 'mirror.example.internal/crossplane',
      'providers.enabled': true,
    });
    const packages = [...byKind(objs, 'Function'), ...byKind(objs, 'Provider')].map((o) =>
      String(at(o, 'spec.package')),
    );
    expect(packages).toHaveLength(25);
    for (const p of packages) expect(p.startsWith('mirror.example.internal/crossplane/')).toBe(true);
  });

  it('pulls packages from the registries Crossplane and Upbound document, the same Functions compositions/ has', () => {
    expect(defaultsRegistries).toEqual(DEFAULT_REGISTRIES);
    const objs = template({ 'providers.enabled': true });
    const fns = byKind(objs, 'Function').map((f) => at(f, 'spec.package'));
    expect(fns).toEqual(
      loadAllYaml(readFileSync(join(repoRoot, 'compositions', 'functions.yaml'), 'utf8')).map((f) =>
        at(f, 'spec.package'),
      ),
    );
    expect(fns).toContain('xpkg.crossplane.io/crossplane-contrib/function-patch-and-transform:v0.10.9');
    expect(byKind(objs, 'Provider').map((p) => at(p, 'spec.package'))).toContain(
      'xpkg.upbound.io/upbound/provider-aws-ec2:v2.6.0',
    );
    const community = template({ 'providers.enabled': true, 'providers.organization': 'crossplane-contrib' });
    expect(byKind(community, 'Provider').map((p) => at(p, 'spec.package'))).toContain(
      'xpkg.crossplane.io/crossplane-contrib/provider-aws-ec2:v2.6.0',
    );
  });

  it('takes another registry per organization', () => {
    const objs = template({
      'providers.enabled': true,
      'packageRegistries.upbound': 'registry.example.com:5000/upbound-mirror',
    });
    expect(at(byKind(objs, 'Provider')[0], 'spec.package')).toBe(
      'registry.example.com:5000/upbound-mirror/upbound/provider-aws-ec2:v2.6.0',
    );
    expect(at(byKind(objs, 'Function')[0], 'spec.package')).toMatch(/^xpkg\.crossplane\.io\//);
  });

  it.each<[string, Record<string, string | boolean>, string]>([
    [
      'no registry for the Functions',
      { 'packageRegistries.crossplane-contrib': '' },
      'crossplane-contrib/function-patch-and-transform:v0.10.9',
    ],
    [
      'no registry for the providers',
      { 'providers.enabled': true, 'packageRegistries.upbound': '' },
      'upbound/provider-aws-ec2:v2.6.0',
    ],
    [
      'a registry host without a dot',
      { packageRegistry: 'localhost:5000' },
      'localhost:5000/crossplane-contrib/function-patch-and-transform:v0.10.9',
    ],
    [
      'an organization registry without a dot',
      { 'providers.enabled': true, 'packageRegistries.upbound': 'mirror' },
      'mirror/upbound/provider-aws-ec2:v2.6.0',
    ],
  ])('fails on a package Crossplane would reject: %s', (_name, values, ref) => {
    const sets = Object.entries(values).flatMap(([k, v]) => ['--set', `${k}=${String(v)}`]);
    const r = helm(['template', 'envstack', chartDir, ...sets]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`package "${ref}" is not fully qualified, so Crossplane would reject it`);
    expect(r.stderr).toMatch(
      /Set packageRegistry .* or packageRegistries\.(crossplane-contrib|upbound) to such a host/,
    );
  });

  it('pins the image by digest when one is given', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(container(template({ 'controller.image.digest': digest })).image).toBe(
      `envstack/controller@${digest}`,
    );
  });

  it('renders nothing of the controller when it is disabled', () => {
    const kinds = template({ 'controller.enabled': false }).map((o) => o.kind);
    expect(kinds.sort()).toEqual([
      'CompositeResourceDefinition',
      'Composition',
      'Function',
      'Function',
      'Function',
    ]);
  });

  it('passes scheduling and extra arguments through', () => {
    const objs = template({}, [
      '--set-json',
      'controller.tolerations=[{"key":"platform","operator":"Exists","effect":"NoSchedule"}]',
      '--set',
      'controller.nodeSelector.pool=system',
      '--set',
      'controller.extraArgs={--log-level=debug}',
      '--set',
      'controller.podAnnotations.team=platform',
    ]);
    expect(podSpec(objs).tolerations).toEqual([
      { key: 'platform', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    expect(podSpec(objs).nodeSelector).toEqual({ pool: 'system' });
    expect(container(objs).args).toEqual([
      '--flavor=claim',
      '--metrics-port=8080',
      '--workers=4',
      '--log-level=debug',
    ]);
    expect(at(one(objs, 'Deployment'), 'spec.template.metadata.annotations')).toEqual({ team: 'platform' });
  });

  it('offers a provider for every AWS API group the compositions use', () => {
    const services = new Set(defaults.providers.services);
    for (const flavor of flavors)
      for (const r of buildStack(flavor).resources.filter((x) =>
        /\.aws(\.m)?\.upbound\.io\//.test(x.apiVersion),
      )) {
        const service = r.apiVersion.split('.')[0];
        expect({ kind: r.kind, service, offered: services.has(service) }).toEqual({
          kind: r.kind,
          service,
          offered: true,
        });
      }
  });

  it.each<[string, string[], RegExp]>([
    [
      'an unknown flavor',
      ['--set', 'flavor=hybrid'],
      /at '\/flavor': value must be one of 'claim', 'namespaced'/,
    ],
    ['a typo in a key', ['--set', 'controller.replica=2'], /additional properties 'replica' not allowed/],
    [
      'zero replicas',
      ['--set', 'controller.replicas=0'],
      /at '\/controller\/replicas': minimum: got 0, want 1/,
    ],
    [
      'an unknown credential mode',
      ['--set', 'providerConfig.credentials.mode=keys'],
      /at '\/providerConfig\/credentials\/mode': value must be one of 'irsa', 'podIdentity', 'secret'/,
    ],
    [
      'a malformed role ARN',
      ['--set', 'providerConfig.credentials.roleArn=my-role'],
      /at '\/providerConfig\/credentials\/roleArn': 'my-role' does not match pattern/,
    ],
    [
      'IRSA providers without a role',
      ['--set', 'providers.enabled=true', '--set', 'providerConfig.enabled=true'],
      /providerConfig.credentials.roleArn is required for credentials mode irsa/,
    ],
    [
      'a secret without a key',
      [
        '--set',
        'providerConfig.credentials.mode=secret',
        '--set',
        'providerConfig.credentials.secretRef.key=',
      ],
      /at '\/providerConfig\/credentials\/secretRef\/key': minLength: got 0, want 1/,
    ],
    [
      'an unknown AWS service',
      ['--set', 'providers.services={ec2,eks}'],
      /at '\/providers\/services\/1': value must be one of/,
    ],
    [
      'a privileged metrics port',
      ['--set', 'controller.metrics.port=443'],
      /at '\/controller\/metrics\/port': minimum: got 443, want 1,024/,
    ],
    [
      'a bad digest',
      ['--set', 'controller.image.digest=latest'],
      /at '\/controller\/image\/digest': 'latest' does not match pattern/,
    ],
    [
      'an organization registry with a scheme',
      ['--set', 'packageRegistries.upbound=https://xpkg.upbound.io'],
      /at '\/packageRegistries\/upbound': 'https:\/\/xpkg.upbound.io' does not match pattern/,
    ],
    [
      'an unknown package organization',
      ['--set', 'packageRegistries.acme=registry.example.com'],
      /at '\/packageRegistries': additional properties 'acme' not allowed/,
    ],
    [
      'a package registry with a scheme',
      ['--set', 'packageRegistry=https://mirror'],
      /at '\/packageRegistry': 'https:\/\/mirror' does not match pattern/,
    ],
    [
      'a CPU request that is not a quantity',
      ['--set', 'controller.resources.requests.cpu=lots'],
      /at '\/controller\/resources\/requests\/cpu': 'lots' does not match pattern/,
    ],
    ['no CPU request', ['--set', 'controller.resources.requests.cpu=null'], /missing property 'cpu'/],
  ])('rejects %s', (_name, args, message) => {
    const r = helm(['template', 'envstack', chartDir, ...args]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });
});
