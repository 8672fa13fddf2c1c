/**
 * The whole local control plane behind `envstack sandbox` and the live tests: etcd, kube-apiserver,
 * Crossplane core with the composition functions, the provider stand-in and our controller, all on
 * loopback under one state folder, with the chart installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import jsYaml from 'js-yaml';
import { buildStack } from '../../platform/compose/components/index.js';
import type { Flavor } from '../../platform/compose/flavor.js';
import { apiNames, DEFAULT_GROUP } from '../../platform/compose/names.js';
import { pluralOf } from '../../platform/delivery/controller-rbac.js';
import { crdIndex } from '../../platform/validate/index.js';
import { startKubeCluster, type KubeCluster } from './cluster.js';
import { startCrossplane, type RunningCrossplane } from './crossplane.js';
import type { ManagedKind } from './standin.js';
import { alive, sleep, stopFromPidFiles } from './supervisor.js';
import { PACKAGE_ROOT, tool, toolsBin } from './tools.js';

const SANDBOX_STATE = 'sandbox.json';
const CONTROLLER_NAMESPACE = 'envstack-system';

export interface SandboxState {
  flavor: Flavor;
  group: string;
  dir: string;
  kubeconfig: string;
  server: string;
  crossplaneMetrics: string;
  controllerMetrics: string;
  faultsFile: string;
  /** The provider stand-in's "AWS" inventory (CloudRecord[]). */
  cloudFile: string;
  startedAt: string;
}

export interface SandboxOptions {
  dir?: string;
  flavor?: Flavor;
  group?: string;
  /** Tie every process to this one (tests); `envstack sandbox up` leaves them running. */
  tiedToParent?: boolean;
  /** Start our controller (default true). */
  controller?: boolean;
  controllerArgs?: readonly string[];
  crossplaneArgs?: readonly string[];
  /** Crossplane's XR circuit breaker; SANDBOX_CIRCUIT_BREAKER when omitted, `{}` for Crossplane's defaults. */
  circuitBreaker?: { burst?: number; refillRate?: number; cooldown?: string };
  progress?: (msg: string) => void;
}

export interface Sandbox {
  state: SandboxState;
  kube: KubeCluster;
  kc: KubeConfig;
  crossplane: RunningCrossplane;
  kubectl(args: readonly string[], input?: string): string;
  /** The last lines of every process's log. */
  logs(lines?: number): string;
  stop(): Promise<void>;
}

/**
 * The XR circuit breaker the sandbox gives Crossplane. With Crossplane's defaults (burst 100, 1 event/s)
 * the breaker opens while our environments are created (one prod-dr makes ~10,000 watch events) and
 * then drops events; with realtime compositions Crossplane does not poll, so an XR whose last
 * status event was dropped waits for some later event before it composes the resources that wait on
 * that status (seen: five examples applied together, staging one resource short after 10 minutes);
 * a paused XR is not requeued either, so an unpause whose event is dropped leaves it paused.
 * This bucket holds several creations at once and still stops a controller fight running for minutes.
 */
export const SANDBOX_CIRCUIT_BREAKER = { burst: 50_000, refillRate: 100 } as const;

/** The folder `envstack sandbox` uses when --dir is not given. */
export function defaultSandboxDir(): string {
  return (
    process.env.ENVSTACK_SANDBOX_DIR ??
    join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'envstack', 'sandbox')
  );
}

/** Every managed-resource kind the flavor's Composition composes. */
export function managedKinds(flavor: Flavor): ManagedKind[] {
  const seen = new Map<string, ManagedKind>();
  for (const r of buildStack(flavor).resources) {
    const [group, version] = r.apiVersion.split('/');
    seen.set(`${r.apiVersion}/${r.kind}`, {
      group,
      version,
      kind: r.kind,
      plural: pluralOf(r.kind),
      namespaced: flavor === 'namespaced',
    });
  }
  return [...seen.values()];
}

/** The kinds a provider reconciles (what the stand-in plays): the composed kinds but Crossplane's own Usages. */
export function providerKinds(flavor: Flavor): ManagedKind[] {
  return managedKinds(flavor).filter((k) => k.group.endsWith('.upbound.io'));
}

/** The provider CRD files for the kinds the Composition uses, plus the ProviderConfig CRDs. */
export function providerCrdFiles(flavor: Flavor): string[] {
  const index = crdIndex();
  const files = new Set<string>();
  const groups = new Set<string>();
  for (const k of managedKinds(flavor)) {
    const file = index.entry(k.group, k.kind)?.file;
    if (!file) throw new Error(`no CRD for ${k.group}/${k.kind} in the provider CRDs`);
    files.add(file);
    groups.add(k.group);
  }
  const family = flavor === 'namespaced' ? 'aws.m.upbound.io' : 'aws.upbound.io';
  for (const kind of flavor === 'namespaced'
    ? ['ProviderConfig', 'ClusterProviderConfig']
    : ['ProviderConfig']) {
    const file = index.entry(family, kind)?.file;
    if (file) files.add(file);
  }
  return [...files].sort();
}

function applyFiles(kubectl: Sandbox['kubectl'], files: readonly string[]): void {
  for (let i = 0; i < files.length; i += 20) {
    const args = ['apply', '--server-side', '--force-conflicts', '--field-manager=envstack-sandbox'];
    for (const f of files.slice(i, i + 20)) args.push('-f', f);
    kubectl(args);
  }
}

/** The chart's objects for the sandbox: everything but packages (nothing can be pulled here). */
function chartObjects(flavor: Flavor): string {
  const helm = tool('helm');
  const out = execFileSync(
    helm,
    [
      'template',
      'envstack',
      join(PACKAGE_ROOT, 'charts', 'envstack'),
      '-n',
      CONTROLLER_NAMESPACE,
      '--set',
      `flavor=${flavor}`,
    ],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  const docs = jsYaml
    .loadAll(out)
    .filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null);
  const kept = docs.filter((d) => !String(d.apiVersion ?? '').startsWith('pkg.crossplane.io/'));
  return kept.map((d) => jsYaml.dump(d, { lineWidth: -1, noRefs: true })).join('---\n');
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const flavor = options.flavor ?? 'claim';
  const group = options.group ?? DEFAULT_GROUP;
  const progress = options.progress ?? (() => undefined);
  const dir = options.dir;
  if (dir) mkdirSync(dir, { recursive: true });
  progress('starting etcd, kube-apiserver and kube-controller-manager');
  const kube = await startKubeCluster({
    dir,
    controllerManager: true,
    supervisor: { tiedToParent: options.tiedToParent ?? true },
  });
  const kubectlBin = tool('kubectl');
  const kubectl: Sandbox['kubectl'] = (args, input) => {
    const res = spawnSync(kubectlBin, ['--kubeconfig', kube.kubeconfig, ...args], {
      input,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    if (res.status !== 0)
      throw new Error(`kubectl ${args.slice(0, 3).join(' ')} failed: ${res.stderr || res.stdout}`);
    return res.stdout;
  };
  let crossplane: RunningCrossplane | undefined;
  const logs = (lines = 40) =>
    [
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'crossplane',
      'function-patch-and-transform',
      'function-cel-filter',
      'function-auto-ready',
      'provider-standin',
      'controller',
    ]
      .map((n) => `--- ${n} ---\n${kube.supervisor.logTail(n, lines)}`)
      .join('\n');
  try {
    progress('installing provider CRDs');
    applyFiles(kubectl, providerCrdFiles(flavor));
    progress('starting Crossplane core and the composition functions');
    crossplane = await startCrossplane(kube, {
      circuitBreaker: options.circuitBreaker ?? SANDBOX_CIRCUIT_BREAKER,
      args: options.crossplaneArgs,
    });
    progress('installing the chart');
    kubectl(['create', 'namespace', CONTROLLER_NAMESPACE]);
    kubectl(['apply', '--server-side', '--field-manager=helm', '-f', '-'], chartObjects(flavor));
    const names = apiNames(flavor, group);
    const xrdName = `${names.compositePlural}.${group}`;
    await waitFor(
      'the XRD to be Established and Offered',
      () => {
        const res = spawnSync(
          kubectlBin,
          ['--kubeconfig', kube.kubeconfig, 'get', 'compositeresourcedefinition', xrdName, '-o', 'json'],
          { encoding: 'utf8' },
        );
        if (res.status !== 0) return false;
        const conds =
          (JSON.parse(res.stdout) as { status?: { conditions?: { type: string; status: string }[] } }).status
            ?.conditions ?? [];
        const ok = (t: string) => conds.some((c) => c.type === t && c.status === 'True');
        return ok('Established') && (flavor === 'namespaced' || ok('Offered'));
      },
      120_000,
    );

    const faultsFile = join(kube.dir, 'faults.json');
    if (!existsSync(faultsFile)) writeFileSync(faultsFile, '[]\n');
    const cloudFile = join(kube.dir, 'cloud.json');
    const envstack = join(PACKAGE_ROOT, 'bin', 'envstack.js');
    const env = {
      KUBECONFIG: kube.kubeconfig,
      ENVSTACK_TOOLS_BIN: toolsBin(),
      POD_NAMESPACE: CONTROLLER_NAMESPACE,
    };
    progress('starting the provider stand-in');
    kube.supervisor.start(
      'provider-standin',
      process.execPath,
      [envstack, 'sandbox', 'standin', '--flavor', flavor, '--faults', faultsFile, '--cloud', cloudFile],
      env,
    );
    let controllerMetrics = '';
    if (options.controller !== false) {
      progress('starting the envstack controller');
      const { freePort } = await import('./supervisor.js');
      const port = await freePort();
      controllerMetrics = `http://127.0.0.1:${port}`;
      kube.supervisor.start(
        'controller',
        process.execPath,
        [
          envstack,
          'controller',
          '--flavor',
          flavor,
          '--metrics-port',
          String(port),
          ...(options.controllerArgs ?? []),
        ],
        env,
      );
    }
    const state: SandboxState = {
      flavor,
      group,
      dir: kube.dir,
      kubeconfig: kube.kubeconfig,
      server: kube.server,
      crossplaneMetrics: crossplane.metricsUrl,
      controllerMetrics,
      faultsFile,
      cloudFile,
      startedAt: new Date().toISOString(),
    };
    writeFileSync(join(kube.dir, SANDBOX_STATE), `${JSON.stringify(state, null, 2)}\n`);
    const kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfig);
    return { state, kube, kc, crossplane, kubectl, logs, stop: () => kube.stop() };
  } catch (err) {
    const text = `${err instanceof Error ? err.message : String(err)}\n${logs(30)}`;
    await kube.stop();
    throw new Error(text);
  }
}

/** The state of a sandbox started by `envstack sandbox up`, or undefined when none is there. */
export function readSandboxState(dir: string): SandboxState | undefined {
  const file = join(dir, SANDBOX_STATE);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as SandboxState;
}

/** Stops every process of the sandbox in DIR; returns the names stopped. */
export async function stopSandbox(dir: string): Promise<string[]> {
  const order = [
    'controller',
    'provider-standin',
    'function-auto-ready',
    'function-cel-filter',
    'function-patch-and-transform',
    'crossplane',
    'kube-controller-manager',
    'kube-apiserver',
    'etcd',
  ];
  return stopFromPidFiles(dir, order);
}

export function sandboxRunning(dir: string): boolean {
  const pid = join(dir, 'pids', 'kube-apiserver.pid');
  return existsSync(pid) && alive(Number(readFileSync(pid, 'utf8').trim()));
}
