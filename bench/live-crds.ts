/**
 * API server memory against the CRDs installed: a plain etcd + kube-apiserver (src/ops/sandbox/cluster.ts)
 * with only the provider CRDs our Compositions use, then a fresh one with every CRD of provider-aws
 * v2.6.0, each applied server-side in batches the way the sandbox does, then left to settle.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startKubeCluster } from '../src/ops/sandbox/cluster.js';
import { sleep } from '../src/ops/sandbox/supervisor.js';
import { tool } from '../src/ops/sandbox/tools.js';
import { procMemory } from './kube.js';

const execFileAsync = promisify(execFile);

export const ALL_PROVIDER_CRDS = '/work/shared/crds/provider-aws-v2.6.0';

export interface CrdMemory {
  label: string;
  files: number;
  crds: number;
  /** Wall time to apply them and see them Established. */
  applyS: number;
  rssMiB: number;
  hwmMiB: number;
  etcdRssMiB: number;
  settleS: number;
}

export function allProviderCrdFiles(dir = ALL_PROVIDER_CRDS): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** Starts a plain cluster, applies `files`, waits for Established, settles, reads the API server's memory. */
export async function crdMemory(
  label: string,
  files: readonly string[],
  opts: { settleMs?: number; batch?: number; log?: (msg: string) => void } = {},
): Promise<CrdMemory> {
  const log = opts.log ?? (() => undefined);
  const settleMs = opts.settleMs ?? 10_000;
  const batch = opts.batch ?? 20;
  const kube = await startKubeCluster({ supervisor: { tiedToParent: true } });
  const kubectl = async (args: readonly string[]): Promise<string> =>
    (
      await execFileAsync(tool('kubectl'), ['--kubeconfig', kube.kubeconfig, ...args], {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      })
    ).stdout;
  try {
    const started = performance.now();
    // Two batches in flight: the API server, not kubectl, is what takes the time.
    const batches: string[][] = [];
    for (let i = 0; i < files.length; i += batch) batches.push(files.slice(i, i + batch));
    let applied = 0;
    const worker = async () => {
      for (let b = batches.shift(); b; b = batches.shift()) {
        const args = ['apply', '--server-side', '--force-conflicts', '--field-manager=envstack-bench'];
        for (const f of b) args.push('-f', f);
        await kubectl(args);
        applied += b.length;
        if (applied % (batch * 8) === 0 || applied === files.length)
          log(`${label}: ${applied}/${files.length} files`);
      }
    };
    await Promise.all([worker(), worker()]);
    // Not `kubectl wait --all`: it fails on a CRD the API server has not given conditions yet.
    for (const until = performance.now() + 300_000; ; await sleep(1000)) {
      const list = JSON.parse(await kubectl(['get', 'crd', '-o', 'json'])) as {
        items: { status?: { conditions?: { type: string; status: string }[] } }[];
      };
      const established = list.items.filter((c) =>
        (c.status?.conditions ?? []).some((x) => x.type === 'Established' && x.status === 'True'),
      ).length;
      if (established >= files.length) break;
      if (performance.now() > until)
        throw new Error(`${label}: ${established}/${files.length} CRDs Established`);
    }
    const applyS = (performance.now() - started) / 1000;
    const crds = (await kubectl(['get', 'crd', '--no-headers'])).split('\n').filter((l) => l.trim()).length;
    log(`${label}: ${crds} CRDs Established after ${applyS.toFixed(1)} s; settling ${settleMs / 1000} s`);
    await sleep(settleMs);
    const api = procMemory(kube.supervisor.get('kube-apiserver')?.pid ?? -1);
    const etcd = procMemory(kube.supervisor.get('etcd')?.pid ?? -1);
    if (!api) throw new Error(`${label}: kube-apiserver is gone:\n${kube.logs(20)}`);
    return {
      label,
      files: files.length,
      crds,
      applyS,
      rssMiB: api.rssMiB,
      hwmMiB: api.hwmMiB,
      etcdRssMiB: etcd?.rssMiB ?? 0,
      settleS: settleMs / 1000,
    };
  } finally {
    await kube.stop();
  }
}
