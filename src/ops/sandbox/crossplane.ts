/**
 * Crossplane core, unmodified, run out of cluster against a local kube-apiserver, with the three
 * composition functions as local processes that Crossplane reaches over mTLS.
 *
 * What stands in for the in-cluster parts:
 * - Packages: nothing is pulled. Each function gets a FunctionRevision made here, paused (so the
 *   package manager never fetches its image), Active, whose status carries the endpoint of the
 *   locally started function and its capabilities, which is what Crossplane's function runner reads.
 * - Webhooks: `core init` names the webhook Service "localhost", so the server certificate it issues
 *   is valid for "localhost"; the Usage webhook configuration points at https://localhost:PORT.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { KubeCluster } from './cluster.js';
import { freePort, sleep, type Supervisor } from './supervisor.js';
import { tool, toolsBin } from './tools.js';

const CROSSPLANE_NAMESPACE = 'crossplane-system';
const CA_SECRET = 'crossplane-root-ca';
const SERVER_SECRET = 'crossplane-tls-server';
const CLIENT_SECRET = 'crossplane-tls-client';

export interface SandboxFunction {
  /** The Function's name, as Compositions' functionRef.name use it. */
  name: string;
  binary: string;
  /** The package a real cluster would install (recorded on the FunctionRevision, never pulled). */
  image: string;
}

const SANDBOX_FUNCTIONS: readonly SandboxFunction[] = [
  {
    name: 'function-patch-and-transform',
    binary: 'function-patch-and-transform',
    image: 'xpkg.crossplane.io/crossplane-contrib/function-patch-and-transform:v0.10.9',
  },
  {
    name: 'function-cel-filter',
    binary: 'function-cel-filter',
    image: 'xpkg.crossplane.io/crossplane-contrib/function-cel-filter:v0.2.0',
  },
  {
    name: 'function-auto-ready',
    binary: 'function-auto-ready',
    image: 'xpkg.crossplane.io/crossplane-contrib/function-auto-ready:v0.7.0',
  },
];

export interface CrossplaneOptions {
  binDir?: string;
  /** Crossplane's own CRDs; .tools/crossplane/crds (copied there by the tool installer) by default. */
  crdsDir?: string;
  /** Start the composition functions and register them (default true). */
  functions?: boolean;
  /** XR circuit breaker settings (Crossplane's defaults: burst 100, refill 1/s, cooldown 5m). */
  circuitBreaker?: { burst?: number; refillRate?: number; cooldown?: string };
  /** Extra `core start` flags. */
  args?: readonly string[];
  readyTimeoutMs?: number;
}

export interface RunningCrossplane {
  /** http://127.0.0.1:PORT/metrics */
  metricsUrl: string;
  webhookPort: number;
  functionPorts: Record<string, number>;
  logs(lines?: number): string;
  stop(): Promise<void>;
}

type Kubectl = (args: readonly string[], input?: string) => string;

function kubectlFor(kube: KubeCluster, binDir?: string): Kubectl {
  const bin = tool('kubectl', binDir);
  return (args, input) =>
    execFileSync(bin, ['--kubeconfig', kube.kubeconfig, ...args], {
      input,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
}

/** Crossplane core's CRDs as the tool installer left them beside the binary. */
function crossplaneCrdsDir(binDir = toolsBin()): string {
  return join(binDir, '..', 'crossplane', 'crds');
}

export async function startCrossplane(
  kube: KubeCluster,
  options: CrossplaneOptions = {},
): Promise<RunningCrossplane> {
  const core = tool('crossplane-core', options.binDir);
  const crdsDir = options.crdsDir ?? crossplaneCrdsDir(options.binDir);
  if (!existsSync(crdsDir) || readdirSync(crdsDir).length === 0)
    throw new Error(`Crossplane's CRDs are not at ${crdsDir}: run 'npm run tools:install'`);
  const kubectl = kubectlFor(kube, options.binDir);
  const sup = kube.supervisor;
  const dir = join(kube.dir, 'crossplane');
  const emptyDir = join(dir, 'no-webhook-configurations');
  mkdirSync(emptyDir, { recursive: true });
  const [webhookPort, metricsPort, healthPort] = [await freePort(), await freePort(), await freePort()];
  const env = {
    KUBECONFIG: kube.kubeconfig,
    POD_NAMESPACE: CROSSPLANE_NAMESPACE,
    TLS_CA_SECRET_NAME: CA_SECRET,
    TLS_SERVER_SECRET_NAME: SERVER_SECRET,
    TLS_CLIENT_SECRET_NAME: CLIENT_SECRET,
  };

  kubectl(['create', 'namespace', CROSSPLANE_NAMESPACE]);
  // In a cluster the init container is restarted until it succeeds: its first run can race the
  // CRDs it has just applied ("no matches for kind Lock"). Do the same here.
  for (let attempt = 1; ; attempt++) {
    const init = sup.start(
      'crossplane-init',
      core,
      [
        'core',
        'init',
        `--cr-ds-path=${crdsDir}`,
        `--webhook-configurations-path=${emptyDir}`,
        '--webhook-service-name=localhost',
        `--webhook-service-namespace=${CROSSPLANE_NAMESPACE}`,
        `--webhook-service-port=${webhookPort}`,
      ],
      env,
    );
    const code = await init.exited;
    if (code === 0) break;
    if (attempt >= 5)
      throw new Error(`crossplane core init exited ${code}:\n${sup.logTail('crossplane-init')}`);
    await sleep(1000 * attempt);
  }

  const tls = join(dir, 'tls');
  const secret = (name: string) =>
    JSON.parse(kubectl(['get', 'secret', name, '-n', CROSSPLANE_NAMESPACE, '-o', 'json'])) as {
      data: Record<string, string>;
    };
  const writeSecret = (name: string, folder: string) => {
    mkdirSync(folder, { recursive: true });
    for (const [k, v] of Object.entries(secret(name).data))
      writeFileSync(join(folder, k), Buffer.from(v, 'base64'), { mode: 0o600 });
  };
  writeSecret(SERVER_SECRET, join(tls, 'server'));
  writeSecret(CLIENT_SECRET, join(tls, 'client'));
  writeSecret(CA_SECRET, join(tls, 'ca'));

  const cb = options.circuitBreaker ?? {};
  sup.start(
    'crossplane',
    core,
    [
      'core',
      'start',
      '--package-runtime=External',
      `--webhook-port=${webhookPort}`,
      `--metrics-port=${metricsPort}`,
      `--health-probe-port=${healthPort}`,
      `--tls-server-certs-dir=${join(tls, 'server')}`,
      `--tls-client-certs-dir=${join(tls, 'client')}`,
      `--xpkg-cache-dir=${join(dir, 'cache', 'xpkg')}`,
      `--xfn-cache-dir=${join(dir, 'cache', 'xfn')}`,
      ...(cb.burst !== undefined ? [`--circuit-breaker-burst=${cb.burst}`] : []),
      ...(cb.refillRate !== undefined ? [`--circuit-breaker-refill-rate=${cb.refillRate}`] : []),
      ...(cb.cooldown !== undefined ? [`--circuit-breaker-cooldown=${cb.cooldown}`] : []),
      ...(options.args ?? []),
    ],
    env,
  );
  await waitHttpOk(`http://127.0.0.1:${healthPort}/readyz`, options.readyTimeoutMs ?? 60_000, () => {
    if (!sup.get('crossplane')?.running())
      throw new Error(`crossplane exited:\n${sup.logTail('crossplane')}`);
  });

  const caBundle = secret(CA_SECRET).data['tls.crt'];
  kubectl(
    ['apply', '--server-side', '--field-manager=envstack-sandbox', '-f', '-'],
    usageWebhook(webhookPort, caBundle),
  );

  const functionPorts: Record<string, number> = {};
  if (options.functions !== false) {
    for (const fn of SANDBOX_FUNCTIONS) {
      const port = await freePort();
      const certs = join(dir, 'functions', fn.name);
      functionCertificate(certs, join(tls, 'ca'), fn.name);
      sup.start(fn.name, tool(fn.binary, options.binDir), [
        `--address=127.0.0.1:${port}`,
        `--tls-certs-dir=${certs}`,
      ]);
      functionPorts[fn.name] = port;
      registerFunction(kubectl, fn, `127.0.0.1:${port}`);
    }
    await sleep(200);
    for (const fn of SANDBOX_FUNCTIONS)
      if (!sup.get(fn.name)?.running()) throw new Error(`${fn.name} exited:\n${sup.logTail(fn.name)}`);
  }

  const names = ['crossplane', ...(options.functions !== false ? SANDBOX_FUNCTIONS.map((f) => f.name) : [])];
  return {
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    webhookPort,
    functionPorts,
    logs: (lines = 60) => names.map((n) => `--- ${n} ---\n${sup.logTail(n, lines)}`).join('\n'),
    stop: async () => {
      for (const n of [...names].reverse()) await stopNamed(sup, n);
    },
  };
}

async function stopNamed(sup: Supervisor, name: string): Promise<void> {
  await sup.stop(name);
}

function usageWebhook(port: number, caBundle: string): string {
  return JSON.stringify({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'crossplane-no-usages' },
    webhooks: [
      {
        name: 'nousages.protection.crossplane.io',
        admissionReviewVersions: ['v1'],
        clientConfig: { url: `https://localhost:${port}/validate-no-usages`, caBundle },
        failurePolicy: 'Fail',
        sideEffects: 'None',
        objectSelector: { matchLabels: { 'crossplane.io/in-use': 'true' } },
        rules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['DELETE'], resources: ['*'] }],
      },
    ],
  });
}

/** A server certificate for 127.0.0.1, signed by Crossplane's root CA, as a function's --tls-certs-dir. */
function functionCertificate(dir: string, caDir: string, name: string): void {
  mkdirSync(dir, { recursive: true });
  const key = join(dir, 'tls.key');
  const csr = join(dir, 'tls.csr');
  const ext = join(dir, 'san.ext');
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl([
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-subj',
    `/CN=${name}`,
    '-out',
    csr,
  ]);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    join(caDir, 'tls.crt'),
    '-CAkey',
    join(caDir, 'tls.key'),
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    ext,
    '-out',
    join(dir, 'tls.crt'),
  ]);
  execFileSync('cp', [join(caDir, 'tls.crt'), join(dir, 'ca.crt')]);
}

function registerFunction(kubectl: Kubectl, fn: SandboxFunction, endpoint: string): void {
  const name = `${fn.name}-sandbox`;
  kubectl(
    ['apply', '--server-side', '--field-manager=envstack-sandbox', '-f', '-'],
    JSON.stringify({
      apiVersion: 'pkg.crossplane.io/v1',
      kind: 'FunctionRevision',
      metadata: {
        name,
        labels: { 'pkg.crossplane.io/package': fn.name },
        // Paused: the package manager leaves it alone and never tries to pull the image.
        annotations: { 'crossplane.io/paused': 'true' },
      },
      spec: { desiredState: 'Active', image: fn.image, revision: 1 },
    }),
  );
  kubectl(
    ['patch', 'functionrevision', name, '--subresource=status', '--type=merge', '-p', '-']
      .slice(0, -1)
      .concat(JSON.stringify({ status: { endpoint, capabilities: ['composition'] } })),
  );
}

async function waitHttpOk(url: string, timeoutMs: number, check?: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    check?.();
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(url, { timeout: 2000 }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end();
      });
      if (status === 200) return;
      last = `status ${status}`;
    } catch (err) {
      last = String(err);
    }
    await sleep(250);
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms (${last})`);
}
