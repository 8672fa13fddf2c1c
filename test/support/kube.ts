/**
 * A real etcd + kube-apiserver per suite (src/ops/sandbox/cluster.ts), and kubectl against it.
 *
 * Suites that need them use `describeKube`: when the binaries are absent it skips with a one-line
 * note, unless ENVSTACK_REQUIRE_TOOLS=1 (CI), where a missing binary fails the suite instead.
 */
import { spawnSync } from 'node:child_process';
import { KubeConfig } from '@kubernetes/client-node';
import {
  startKubeCluster,
  type KubeCluster,
  type KubeClusterOptions,
} from '../../src/ops/sandbox/cluster.js';
import { missingTools, tool, INSTALL_COMMAND } from '../../src/ops/sandbox/tools.js';

export const KUBE_TOOLS = ['etcd', 'kube-apiserver', 'kubectl'] as const;
const required = process.env.ENVSTACK_REQUIRE_TOOLS === '1';
const noted = new Set<string>();

/** `describe` when the given tools are installed; otherwise skipped with a note (or failed in CI). */
export function describeWithTools(tools: readonly string[], name: string, fn: () => void): void {
  const missing = missingTools(tools);
  if (missing.length === 0) return describe(name, fn);
  if (required)
    return describe(name, () => {
      test('required tools are installed', () => {
        throw new Error(`missing ${missing.join(', ')}: run '${INSTALL_COMMAND}'`);
      });
    });
  const note = `skipping "${name}": ${missing.join(', ')} not in .tools/bin (run '${INSTALL_COMMAND}')`;
  if (!noted.has(note)) {
    noted.add(note);
    process.stderr.write(`${note}\n`);
  }
  describe.skip(name, fn);
}

export function describeKube(name: string, fn: () => void): void {
  describeWithTools(KUBE_TOOLS, name, fn);
}

export interface Kube extends KubeCluster {
  kc: KubeConfig;
  /** Runs kubectl as the administrator (or with another kubeconfig); never throws. */
  kubectl(args: readonly string[], options?: { input?: string; kubeconfig?: string }): KubectlResult;
  /** Like kubectl, but throws with kubectl's output when it exits non-zero. */
  kubectlOk(args: readonly string[], options?: { input?: string; kubeconfig?: string }): string;
}

export interface KubectlResult {
  status: number;
  stdout: string;
  stderr: string;
}

export async function startKube(options: KubeClusterOptions = {}): Promise<Kube> {
  const cluster = await startKubeCluster(options);
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const kubectlBin = tool('kubectl');
  const kubectl: Kube['kubectl'] = (args, opts = {}) => {
    const res = spawnSync(kubectlBin, ['--kubeconfig', opts.kubeconfig ?? cluster.kubeconfig, ...args], {
      input: opts.input,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      timeout: 120_000,
    });
    return {
      status: res.status ?? -1,
      stdout: res.stdout ?? '',
      stderr: res.stderr ?? String(res.error ?? ''),
    };
  };
  const kubectlOk: Kube['kubectlOk'] = (args, opts) => {
    const res = kubectl(args, opts);
    if (res.status !== 0)
      throw new Error(`kubectl ${args.join(' ')} exited ${res.status}:\n${res.stderr}${res.stdout}`);
    return res.stdout;
  };
  return Object.assign(cluster, { kc, kubectl, kubectlOk });
}

/** What a whole sandbox (src/ops/sandbox) runs: the control plane, Crossplane core and the functions. */
export const SANDBOX_TOOLS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kubectl',
  'helm',
  'crossplane-core',
  'function-patch-and-transform',
  'function-cel-filter',
  'function-auto-ready',
] as const;
