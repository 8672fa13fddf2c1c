// The chart against a real kube-apiserver (src/ops/sandbox/cluster.ts) holding the real Crossplane v2.3.4 CRDs
// and the provider-aws v2.6.0 CRDs the Compositions use: `helm template` of every case of the chart's value
// matrix (test/delivery/matrix.ts), for both flavors, is applied with `kubectl apply --server-side` (a server
// dry run, and one real apply per flavor), and the server must accept every object — its schemas, CEL rules
// (e.g. Crossplane's "fully qualified package" rule) and built-in validation are the judge, not ours. Then the
// controller's ServiceAccount token is checked against what the controller needs (and Secrets), and the
// controller runs as that identity, reconciles an environment, records an Event and holds its Lease.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiextensionsV1Api, AuthorizationV1Api, KubeConfig } from '@kubernetes/client-node';
import { buildStack } from '../../src/platform/compose/components/index.js';
import { flavors, type Flavor } from '../../src/platform/compose/flavor.js';
import { API_VERSION, apiNames } from '../../src/platform/compose/xrd.js';
import { renderClaim } from '../../src/platform/render/service.js';
import { loadAllYaml } from '../../src/engine/render/yaml.js';
import type { Unstructured } from '../../src/engine/render/fnapi.js';
import { freePort, sleep } from '../../src/ops/sandbox/supervisor.js';
import { tool } from '../../src/ops/sandbox/tools.js';
import { loadCrdIndex } from '../../src/engine/schema/index.js';
import { defaultCrdDir } from '../../src/platform/validate/index.js';
import { chartDir, helm, installHelm, type K8sObject } from '../delivery/helm.js';
import { chartCases, valuesOf, type ChartCase } from '../delivery/matrix.js';
import { describeKube, startKube, type Kube } from '../support/kube.js';
import { loadExample } from '../support/render.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const NS = 'envstack-system';
const RELEASE = 'envstack';
const SA = 'envstack-controller';
const LEASE = 'envstack-controller';
const CLAIM_NS = 'team-payments';
const crdDir = defaultCrdDir();
const crossplaneCrds = join(crdDir, 'crossplane-v2.3.4');
const crds = loadCrdIndex(crdDir);

/** The only warning the server may give: the claim flavor's XRD is apiextensions.crossplane.io/v1 on purpose. */
const EXPECTED_WARNINGS: Record<Flavor, string[]> = {
  claim: [
    'Warning: CompositeResourceDefinition v1 is deprecated and will be removed in a future release; consider migrating to v2',
  ],
  namespaced: [],
};

/**
 * The Prometheus Operator's ServiceMonitor CRD is not in ../shared/crds and no npm package here ships it
 * (@kubernetes-models/prometheus-operator has compiled validators only), so this is a structural subset of the
 * real CRD (monitoring.coreos.com/v1): the fields the chart sets, typed as upstream types them, and nothing
 * unknown allowed, so kubectl's strict field validation rejects a field the chart adds outside this subset.
 * The whole object is validated offline against the operator's schema in test/delivery/chart.test.ts.
 */
const SERVICE_MONITOR_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'servicemonitors.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    scope: 'Namespaced',
    names: {
      kind: 'ServiceMonitor',
      listKind: 'ServiceMonitorList',
      plural: 'servicemonitors',
      singular: 'servicemonitor',
    },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            required: ['spec'],
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: {
                type: 'object',
                required: ['selector'],
                properties: {
                  jobLabel: { type: 'string' },
                  selector: {
                    type: 'object',
                    'x-kubernetes-map-type': 'atomic',
                    properties: {
                      matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
                      matchExpressions: {
                        type: 'array',
                        items: {
                          type: 'object',
                          required: ['key', 'operator'],
                          properties: {
                            key: { type: 'string' },
                            operator: { type: 'string' },
                            values: { type: 'array', items: { type: 'string' } },
                          },
                        },
                      },
                    },
                  },
                  namespaceSelector: {
                    type: 'object',
                    properties: {
                      any: { type: 'boolean' },
                      matchNames: { type: 'array', items: { type: 'string' } },
                    },
                  },
                  endpoints: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        port: { type: 'string' },
                        path: { type: 'string' },
                        scheme: { type: 'string', enum: ['http', 'https', 'HTTP', 'HTTPS'] },
                        interval: {
                          type: 'string',
                          pattern:
                            '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$',
                        },
                        scrapeTimeout: {
                          type: 'string',
                          pattern:
                            '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$',
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
};

/**
 * The composite CRD Crossplane would create from the XRD. Crossplane does not run here, so this stands in for
 * it with what the controller relies on: the names, the scope and the status subresource.
 */
function compositeCrd(flavor: Flavor): object {
  const names = apiNames(flavor);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${names.compositePlural}.${names.group}` },
    spec: {
      group: names.group,
      scope: flavor === 'claim' ? 'Cluster' : 'Namespaced',
      names: {
        kind: names.compositeKind,
        listKind: `${names.compositeKind}List`,
        plural: names.compositePlural,
        singular: names.compositeKind.toLowerCase(),
      },
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
}

interface ManagedKind {
  group: string;
  version: string;
  kind: string;
  /** The plural the real CRD serves (not one computed from the kind). */
  plural: string;
  file: string;
}

/** Every kind a flavor's Composition (as synthesized in compositions/) composes, with its real CRD. */
function managedKinds(flavor: Flavor): ManagedKind[] {
  const [composition] = loadAllYaml(
    readFileSync(join(repo, 'compositions', `${flavor}.yaml`), 'utf8'),
  ) as Array<{
    spec: {
      pipeline: Array<{ input?: { resources?: Array<{ base: { apiVersion: string; kind: string } }> } }>;
    };
  }>;
  const seen = new Map<string, ManagedKind>();
  for (const step of composition.spec.pipeline)
    for (const { base } of step.input?.resources ?? []) {
      const [group, version] = base.apiVersion.split('/');
      const entry = crds.entry(group, base.kind);
      if (!entry?.file) throw new Error(`no CRD for ${base.apiVersion} ${base.kind} in ${crdDir}`);
      seen.set(`${group}/${base.kind}`, {
        group,
        version,
        kind: base.kind,
        plural: entry.plural,
        file: entry.file,
      });
    }
  return [...seen.values()];
}

const providerConfigCrds = [
  'aws.upbound.io_providerconfigs.yaml',
  'aws.m.upbound.io_clusterproviderconfigs.yaml',
].map((f) => join(crdDir, 'provider-aws-v2.6.0', f));

/** `kind.group/name` as kubectl names an object. */
function kubectlName(o: K8sObject): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  return `${o.kind.toLowerCase()}${group ? `.${group}` : ''}/${o.metadata.name}`;
}

interface Rendered {
  text: string;
  objects: K8sObject[];
}

function render(values: Record<string, string | number | boolean>): Rendered {
  const sets = Object.entries(values).flatMap(([k, v]) => ['--set', `${k}=${String(v)}`]);
  const r = helm(['template', RELEASE, chartDir, '--namespace', NS, ...sets]);
  if (r.code !== 0) throw new Error(`helm template failed:\n${r.stderr}`);
  const objects = loadAllYaml(r.stdout).filter((d): d is K8sObject => typeof d === 'object' && d !== null);
  return { text: r.stdout, objects };
}

interface Applied {
  status: number;
  /** Objects kubectl reports as applied, `kind.group/name`. */
  accepted: string[];
  /** kubectl's other output lines: errors and warnings. */
  other: string[];
}

function apply(kube: Kube, manifest: string, dryRun: boolean): Applied {
  const r = kube.kubectl(
    [
      'apply',
      '--server-side',
      '--field-manager=envstack-live-test',
      '-n',
      NS,
      ...(dryRun ? ['--dry-run=server'] : []),
      '-f',
      '-',
    ],
    { input: manifest },
  );
  const suffix = dryRun ? ' serverside-applied (server dry run)' : ' serverside-applied';
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
  return {
    status: r.status,
    accepted: lines.filter((l) => l.endsWith(suffix)).map((l) => l.slice(0, -suffix.length)),
    other: lines.filter((l) => !l.endsWith(suffix)),
  };
}

/** Zero values, which the API server's (Go, omitempty) serialization leaves out of a built-in object. */
const isZero = (v: unknown): boolean =>
  v === 0 ||
  v === false ||
  v === '' ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && v !== null && Object.keys(v).length === 0);

/** Paths where `want` (what helm rendered) is not in `have` (what the server stored). */
function notStored(want: unknown, have: unknown, path = ''): string[] {
  if (have === undefined && isZero(want)) return [];
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || have.length !== want.length) return [`${path}: ${JSON.stringify(have)}`];
    return want.flatMap((w, i) => notStored(w, have[i], `${path}[${i}]`));
  }
  if (typeof want === 'object' && want !== null) {
    if (typeof have !== 'object' || have === null || Array.isArray(have)) return [`${path}: missing`];
    return Object.entries(want).flatMap(([k, w]) =>
      notStored(w, (have as Record<string, unknown>)[k], `${path}.${k}`),
    );
  }
  return want === have ? [] : [`${path}: ${JSON.stringify(want)} stored as ${JSON.stringify(have)}`];
}

function caseName(c: ChartCase): string {
  return `providers=${c.providers} mode=${c.mode} replicas=${c.replicas}${c.mirror ? ' mirror' : ''}`;
}

/** The case applied for real: everything on (providers, ProviderConfig, PDB, ServiceMonitor, custom image). */
const fullCase = (flavor: Flavor): ChartCase => {
  const c = chartCases.find(
    (x) => x.flavor === flavor && x.providers && x.mode === 'irsa' && x.replicas === 2,
  );
  if (!c) throw new Error(`no full case for ${flavor}`);
  return c;
};

interface LogLine {
  level?: string;
  msg?: string;
  [field: string]: unknown;
}

interface ControllerRun {
  child: ChildProcess;
  output: () => string;
  logs: () => LogLine[];
  exited: Promise<number | null>;
}

const controllers = new Set<ChildProcess>();

function startController(flavor: Flavor, kubeconfig: string, port: number, identity: string): ControllerRun {
  const child = spawn(
    process.execPath,
    [
      join(repo, 'bin', 'envstack.js'),
      'controller',
      `--flavor=${flavor}`,
      `--metrics-port=${port}`,
      '--workers=2',
    ],
    {
      cwd: repo,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        KUBECONFIG: kubeconfig,
        POD_NAMESPACE: NS,
        POD_NAME: identity,
        ENVSTACK_NO_SERVER: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  controllers.add(child);
  child.once('exit', () => controllers.delete(child));
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logs = (): LogLine[] =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  return { child, output: () => out, logs, exited };
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  detail: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${detail()}`);
    await sleep(250);
  }
}

const haveCrds = existsSync(crossplaneCrds);
if (!haveCrds) process.stderr.write(`skipping "the chart on a real API server": no CRDs at ${crdDir}\n`);

(haveCrds ? describeKube : describe.skip)('the chart on a real API server', () => {
  let kube: Kube;
  let managedCrdsInstalled: Promise<void>;
  const teardown = new AbortController();

  beforeAll(async () => {
    installHelm();
    kube = await startKube();
    const base = [...readdirSync(crossplaneCrds).map((f) => join(crossplaneCrds, f)), ...providerConfigCrds];
    kube.kubectlOk(['apply', '--server-side', '-f', '-'], {
      input: [
        ...base.map((f) => readFileSync(f, 'utf8')),
        JSON.stringify(SERVICE_MONITOR_CRD),
        ...flavors.map((f) => JSON.stringify(compositeCrd(f))),
      ].join('\n---\n'),
    });
    await waitEstablished(kube, [
      ...base.map((f) => crdName(readFileSync(f, 'utf8'))),
      'servicemonitors.monitoring.coreos.com',
    ]);
    kube.kubectlOk(['create', 'namespace', NS]);
    kube.kubectlOk(['create', 'namespace', CLAIM_NS]);
    // The managed-resource CRDs (only the controller needs them) install while the matrix runs.
    managedCrdsInstalled = installManagedCrds(kube, teardown.signal);
    managedCrdsInstalled.catch(() => undefined);
  }, 180_000);

  afterAll(async () => {
    for (const child of controllers) child.kill('SIGKILL');
    teardown.abort();
    await managedCrdsInstalled?.catch(() => undefined);
    await kube?.stop();
  }, 60_000);

  test('the real server rejects a Function without a registry, as the old default rendered it', () => {
    const { objects } = render({});
    const fn = objects.find((o) => o.kind === 'Function');
    const bare = { ...fn, spec: { package: 'crossplane-contrib/function-auto-ready:v0.7.0' } };
    const r = apply(kube, JSON.stringify(bare), true);
    expect(r.status).not.toBe(0);
    expect(r.other.join('\n')).toMatch(
      /spec.package: Invalid value: .*must be a fully qualified image name, including the registry/,
    );
  });

  describe.each(flavors)('flavor %s', (flavor) => {
    const cases = chartCases.filter((c) => c.flavor === flavor);

    test.each<[string, Record<string, string | number | boolean>]>([
      ['the defaults', flavor === 'claim' ? {} : { flavor }],
      ...cases.map((c): [string, Record<string, string | number | boolean>] => [caseName(c), valuesOf(c)]),
    ])(
      'helm template with %s: the server accepts every object (dry run)',
      (_name, values) => {
        const { text, objects } = render(values);
        const r = apply(kube, text, true);
        expect(r.other).toEqual(EXPECTED_WARNINGS[flavor]);
        expect(r.status).toBe(0);
        expect(r.accepted.sort()).toEqual(objects.map(kubectlName).sort());
      },
      60_000,
    );

    describe('installed for real', () => {
      let rendered: Rendered;
      let token: string;
      let saKubeconfig: string;
      const c = fullCase(flavor);

      beforeAll(() => {
        rendered = render(valuesOf(c));
      });

      afterAll(() => {
        // One flavor at a time: the next one installs the same cluster-scoped names (ClusterRole, Functions, …).
        kube.kubectl(['delete', '-n', NS, '--ignore-not-found', '--wait=true', '-f', '-'], {
          input: rendered.text,
        });
      }, 60_000);

      test('every object is created, and the server keeps every field as rendered', () => {
        const r = apply(kube, rendered.text, false);
        expect(r.other).toEqual(EXPECTED_WARNINGS[flavor]);
        expect(r.status).toBe(0);
        expect(r.accepted.sort()).toEqual(rendered.objects.map(kubectlName).sort());
        const kinds = new Set(rendered.objects.map((o) => o.kind));
        for (const k of [
          'ServiceAccount',
          'ClusterRole',
          'RoleBinding',
          'Deployment',
          'PodDisruptionBudget',
          'Service',
          'ServiceMonitor',
          'FlowSchema',
          'CompositeResourceDefinition',
          'Composition',
          'Function',
          'Provider',
          'DeploymentRuntimeConfig',
        ])
          expect(kinds).toContain(k);
        expect(kinds).toContain(flavor === 'claim' ? 'ProviderConfig' : 'ClusterProviderConfig');

        const stored = JSON.parse(
          kube.kubectlOk(['get', '-n', NS, '-o', 'json', '-f', '-'], { input: rendered.text }),
        ) as {
          items: K8sObject[];
        };
        const byName = new Map(stored.items.map((o) => [kubectlName(o), o]));
        const lost = rendered.objects.flatMap((o) =>
          notStored(o, byName.get(kubectlName(o))).map((p) => `${kubectlName(o)}${p}`),
        );
        expect(lost).toEqual([]);
        const packages = stored.items
          .filter((o) => o.kind === 'Function')
          .map((o) => (o.spec as { package: string }).package);
        expect(packages).toEqual([
          'xpkg.crossplane.io/crossplane-contrib/function-patch-and-transform:v0.10.9',
          'xpkg.crossplane.io/crossplane-contrib/function-cel-filter:v0.2.0',
          'xpkg.crossplane.io/crossplane-contrib/function-auto-ready:v0.7.0',
        ]);
      }, 60_000);

      test('the controller ServiceAccount gets a token', () => {
        token = kube.kubectlOk(['create', 'token', SA, '-n', NS, '--duration=1h']).trim();
        expect(token.split('.')).toHaveLength(3);
        saKubeconfig = kube.kubeconfigFor(token, `controller-${flavor}`);
        expect(
          kube.kubectlOk(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], {
            kubeconfig: saKubeconfig,
          }),
        ).toBe(`system:serviceaccount:${NS}:${SA}`);
      });

      test("priority and fairness: the controller's Lease requests go to the leader-election level, its lists do not", async () => {
        const uid = (resource: string, name: string) =>
          kube.kubectlOk(['get', resource, name, '-o', 'jsonpath={.metadata.uid}']).trim();
        const schema = rendered.objects.find((o) => o.kind === 'FlowSchema');
        expect(schema?.metadata?.name).toBe(`${SA}-leases`);
        const leaderElection = uid(
          'prioritylevelconfigurations.flowcontrol.apiserver.k8s.io',
          'leader-election',
        );
        const ours = uid('flowschemas.flowcontrol.apiserver.k8s.io', `${SA}-leases`);
        // kube-apiserver names the FlowSchema and priority level it classified a request into.
        const classify = (path: string) =>
          new Promise<{ status: number; flowSchema: string; priorityLevel: string }>((resolve, reject) => {
            const req = httpsRequest(
              `${kube.server}${path}`,
              { ca: readFileSync(kube.caFile), headers: { Authorization: `Bearer ${token}` } },
              (res) => {
                res.resume();
                res.on('end', () =>
                  resolve({
                    status: res.statusCode ?? 0,
                    flowSchema: String(res.headers['x-kubernetes-pf-flowschema-uid'] ?? ''),
                    priorityLevel: String(res.headers['x-kubernetes-pf-prioritylevel-uid'] ?? ''),
                  }),
                );
              },
            );
            req.on('error', reject);
            req.end();
          });
        const lease = await classify(`/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/${SA}`);
        expect([200, 404]).toContain(lease.status);
        expect(lease).toMatchObject({ flowSchema: ours, priorityLevel: leaderElection });
        const names = apiNames(flavor);
        const list = await classify(`/apis/${names.group}/${API_VERSION}/${names.compositePlural}?limit=1`);
        expect(list.status).toBe(200);
        expect(list.flowSchema).not.toBe('');
        expect(list.flowSchema).not.toBe(ours);
        expect(list.priorityLevel).not.toBe(leaderElection);
      }, 60_000);

      test('kubectl auth can-i: what the controller does is allowed, Secrets and writes to specs are not', () => {
        const names = apiNames(flavor);
        const xr = `${names.compositePlural}.${names.group}`;
        const xrNs = flavor === 'claim' ? [] : ['-n', CLAIM_NS];
        const checks: Array<[string[], 'yes' | 'no']> = [
          [['list', xr, ...xrNs], 'yes'],
          [['watch', xr, ...xrNs], 'yes'],
          [['list', xr, '--all-namespaces'], 'yes'],
          [['patch', xr, '--subresource=status', ...xrNs], 'yes'],
          [['get', xr, '--subresource=status', ...xrNs], 'yes'],
          [['patch', xr, ...xrNs], 'no'],
          [['update', xr, ...xrNs], 'no'],
          [['delete', xr, ...xrNs], 'no'],
          [['create', 'events', '-n', CLAIM_NS], 'yes'],
          [['patch', 'events', '-n', CLAIM_NS], 'yes'],
          [['get', 'leases.coordination.k8s.io', '-n', NS], 'yes'],
          [['create', 'leases.coordination.k8s.io', '-n', NS], 'yes'],
          [['update', 'leases.coordination.k8s.io', '-n', NS], 'yes'],
          [['update', 'leases.coordination.k8s.io', '-n', 'kube-system'], 'no'],
          // Follows providers installed later, and renders against the CompositionRevision an XR uses.
          [['list', 'customresourcedefinitions.apiextensions.k8s.io'], 'yes'],
          [['watch', 'customresourcedefinitions.apiextensions.k8s.io'], 'yes'],
          [['create', 'customresourcedefinitions.apiextensions.k8s.io'], 'no'],
          [['list', 'compositionrevisions.apiextensions.crossplane.io'], 'yes'],
          [['watch', 'compositions.apiextensions.crossplane.io'], 'yes'],
          [['update', 'compositions.apiextensions.crossplane.io'], 'no'],
          [['get', 'secrets', '-n', NS], 'no'],
          [['list', 'secrets', '-n', NS], 'no'],
          [['get', 'secrets', '--all-namespaces'], 'no'],
          [['list', 'secrets', '--all-namespaces'], 'no'],
          [['watch', 'secrets', '--all-namespaces'], 'no'],
          [['get', 'secrets', '-n', 'crossplane-system'], 'no'],
          [['get', 'configmaps', '-n', NS], 'no'],
          [['create', 'pods', '-n', NS], 'no'],
          [['*', '*', '--all-namespaces'], 'no'],
        ];
        const answers = checks.map(([args]) => {
          const r = kube.kubectl(['auth', 'can-i', ...args], { kubeconfig: saKubeconfig });
          return [args.join(' '), r.stdout.trim() || r.stderr.trim()];
        });
        expect(answers).toEqual(checks.map(([args, want]) => [args.join(' '), want]));
      }, 60_000);

      test('SelfSubjectAccessReview: every managed-resource kind the Composition composes is readable, none writable', async () => {
        const kc = new KubeConfig();
        kc.loadFromFile(saKubeconfig);
        const authz = kc.makeApiClient(AuthorizationV1Api);
        const kinds = managedKinds(flavor);
        expect(kinds.length).toBeGreaterThan(50);
        const namespace = flavor === 'claim' ? undefined : CLAIM_NS;
        const asks = kinds.flatMap((k) =>
          ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'].map((verb) => ({ k, verb })),
        );
        // A few at a time: hundreds at once trip the server's priority-and-fairness limit (429).
        const results: string[] = [];
        for (let i = 0; i < asks.length; i += 8) {
          const batch = asks.slice(i, i + 8).map(async ({ k, verb }) => {
            const review = await authz.createSelfSubjectAccessReview({
              body: { spec: { resourceAttributes: { verb, group: k.group, resource: k.plural, namespace } } },
            });
            return `${verb} ${k.plural}.${k.group}: ${review.status?.allowed ? 'yes' : 'no'}`;
          });
          results.push(...(await Promise.all(batch)));
        }
        expect(results).toEqual(
          asks.map(
            ({ k, verb }) =>
              `${verb} ${k.plural}.${k.group}: ${['get', 'list', 'watch'].includes(verb) ? 'yes' : 'no'}`,
          ),
        );
      }, 60_000);

      test('the controller runs as that identity: watches every kind, writes status, records an Event, holds the Lease', async () => {
        await managedCrdsInstalled;
        const names = apiNames(flavor);
        const claim = loadExample('dev');
        const result = await renderClaim({ claim, flavor });
        // The XR as Crossplane creates it from the claim (render's input; its output XR carries only status).
        const xr = strip(result.input);
        const xrName = String(xr.metadata?.name);
        const vpcRendered = result.composed.find((r) => r.kind === 'VPC');
        if (!vpcRendered) throw new Error('the dev example renders no VPC');
        const vpc = strip(vpcRendered);
        vpc.metadata = { ...vpc.metadata, name: `${xrName}-vpc` };
        delete vpc.metadata.generateName;
        kube.kubectlOk(['create', '-f', '-'], { input: JSON.stringify(xr) });
        kube.kubectlOk(['create', '-f', '-'], { input: JSON.stringify(vpc) });
        const vpcRef = [
          'vpcs.' + vpc.apiVersion?.split('/')[0],
          `${xrName}-vpc`,
          ...(vpc.metadata.namespace ? ['-n', vpc.metadata.namespace] : []),
        ];
        const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        const failure =
          'creating VPC: operation error EC2: CreateVpc, api error VpcLimitExceeded: The maximum number of VPCs has been reached.';
        kube.kubectlOk([
          'patch',
          ...vpcRef,
          '--subresource=status',
          '--type=merge',
          '-p',
          JSON.stringify({
            status: {
              conditions: [
                {
                  type: 'Synced',
                  status: 'False',
                  reason: 'ReconcileError',
                  message: failure,
                  lastTransitionTime: now,
                },
                { type: 'Ready', status: 'False', reason: 'Creating', lastTransitionTime: now },
              ],
            },
          }),
        ]);

        const identity = `envstack-live-${flavor}`;
        const port = await freePort();
        const run = startController(flavor, saKubeconfig, port, identity);
        const detail = () => `controller output:\n${run.output().slice(-4000)}`;
        try {
          const exitedEarly = run.exited.then((code) => {
            throw new Error(`controller exited with ${code}\n${detail()}`);
          });
          exitedEarly.catch(() => undefined);
          await Promise.race([
            until(
              '/readyz',
              async () => {
                const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
                return res?.status === 200 ? true : undefined;
              },
              90_000,
              detail,
            ),
            exitedEarly,
          ]);
          const xrGet = [
            'get',
            `${names.compositePlural}.${names.group}`,
            xrName,
            ...(flavor === 'claim' ? [] : ['-n', CLAIM_NS]),
            '-o',
            'json',
            '--show-managed-fields',
          ];
          const written = await until(
            'the status write',
            () => {
              const live = JSON.parse(kube.kubectlOk(xrGet)) as {
                status?: { phase?: string; blockingError?: { resource?: string; message?: string } };
                metadata: { managedFields?: Array<{ manager: string; subresource?: string }> };
              };
              return live.status?.phase ? live : undefined;
            },
            60_000,
            detail,
          );
          expect(written.status?.phase).toBe('Degraded');
          expect(written.status?.blockingError?.message).toContain('VpcLimitExceeded');
          expect(
            written.metadata.managedFields
              ?.filter((m) => m.manager === 'envstack-controller')
              .map((m) => m.subresource),
          ).toEqual(['status']);

          const eventTarget = flavor === 'claim' ? String(claim.metadata?.name) : xrName;
          const event = await until(
            'the Blocked event',
            () => {
              const list = JSON.parse(kube.kubectlOk(['get', 'events', '-n', CLAIM_NS, '-o', 'json'])) as {
                items: Array<{
                  reason: string;
                  involvedObject: { name: string };
                  reportingComponent?: string;
                  message: string;
                }>;
              };
              return list.items.find((e) => e.reason === 'Blocked' && e.involvedObject.name === eventTarget);
            },
            30_000,
            detail,
          );
          expect(event.reportingComponent).toBe('envstack-controller');
          expect(event.message).toContain('VpcLimitExceeded');

          const holder = await until(
            'the Lease',
            () => {
              const r = kube.kubectl([
                'get',
                'lease',
                LEASE,
                '-n',
                NS,
                '-o',
                'jsonpath={.spec.holderIdentity}',
              ]);
              return r.status === 0 && r.stdout ? r.stdout : undefined;
            },
            30_000,
            detail,
          );
          expect(holder).toBe(identity);

          const logs = run.logs();
          const started = logs.find((l) => l.msg === 'controller started');
          expect(started).toMatchObject({ flavor, composite: `${names.compositePlural}.${names.group}` });
          expect(started?.managedKinds).toBe(
            new Set(buildStack(flavor).resources.map((r) => `${r.apiVersion}/${r.kind}`)).size,
          );
          expect(logs.filter((l) => l.msg === 'kind not served, not watching it')).toEqual([]);
          expect(run.output()).not.toMatch(/forbidden|\b403\b|Unauthorized|\b401\b/i);
          // The one warning allowed: API Priority and Fairness answering 429 to some of the ~80 initial lists,
          // which the informers retry with backoff.
          const throttled = (l: LogLine) =>
            l.msg === 'informer restarting' && l.reason === 'Too Many Requests';
          expect(logs.filter((l) => (l.level === 'error' || l.level === 'warn') && !throttled(l))).toEqual(
            [],
          );
        } finally {
          run.child.kill('SIGTERM');
        }
        expect(await run.exited).toBe(0);
        const after = kube.kubectlOk([
          'get',
          'lease',
          LEASE,
          '-n',
          NS,
          '-o',
          'jsonpath={.spec.holderIdentity}',
        ]);
        expect(after).toBe('');
        expect(run.logs().map((l) => l.msg)).toContain('stopped');
        kube.kubectlOk(['delete', '--wait=true', '-f', '-'], {
          input: [JSON.stringify(vpc), JSON.stringify(xr)].join('\n---\n'),
        });
        kube.kubectlOk(['delete', 'lease', LEASE, '-n', NS, '--ignore-not-found']);
      }, 300_000);
    });
  });
});

/** A rendered object as something to create: no status, uid, owner references or resourceVersion. */
function strip(o: Unstructured): Unstructured {
  const copy = structuredClone(o);
  delete copy.status;
  if (copy.metadata) {
    delete copy.metadata.uid;
    delete copy.metadata.ownerReferences;
    delete copy.metadata.resourceVersion;
  }
  return copy;
}

function crdName(text: string): string {
  const name = /^metadata:\n(?: {2}.*\n)*? {2}name: (\S+)/m.exec(text)?.[1];
  if (!name) throw new Error('a CRD file without metadata.name');
  return name;
}

async function waitEstablished(
  kube: Kube,
  names: readonly string[],
  timeoutMs = 120_000,
  signal?: AbortSignal,
): Promise<void> {
  const api = kube.kc.makeApiClient(ApiextensionsV1Api);
  const want = new Set(names);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await api.listCustomResourceDefinition();
    const established = new Set(
      list.items
        .filter((c) => c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'))
        .map((c) => c.metadata?.name ?? ''),
    );
    const missing = [...want].filter((n) => !established.has(n));
    if (missing.length === 0) return;
    if (Date.now() > deadline || signal?.aborted)
      throw new Error(`CRDs not established: ${missing.join(', ')}`);
    await sleep(500);
  }
}

/** The real CRDs of every managed-resource kind both flavors compose, applied without blocking the caller. */
async function installManagedCrds(kube: Kube, signal: AbortSignal): Promise<void> {
  const kinds = flavors.flatMap(managedKinds);
  const files = [...new Set(kinds.map((k) => k.file))].filter((f) => !f.startsWith(crossplaneCrds));
  const input = files.map((f) => readFileSync(f, 'utf8')).join('\n---\n');
  const child = spawn(
    tool('kubectl'),
    ['--kubeconfig', kube.kubeconfig, 'apply', '--server-side', '-f', '-'],
    {
      stdio: ['pipe', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // Killed on teardown while still writing: the broken pipe is expected then.
  child.stdin.on('error', () => undefined);
  child.stdin.end(input);
  signal.addEventListener('abort', () => child.kill('SIGKILL'));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`installing the managed-resource CRDs failed (${code}):\n${stderr}`);
  await waitEstablished(
    kube,
    files.map((f) => crdName(readFileSync(f, 'utf8'))),
    180_000,
    signal,
  );
}
