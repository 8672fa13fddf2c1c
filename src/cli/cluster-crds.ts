/**
 * `envstack validate --crds-from-cluster`: the CRDs of the kinds the Compositions use, read from the
 * cluster the kubeconfig points at (KUBECONFIG, ~/.kube/config or in-cluster, as kubectl), so composed
 * resources are checked against the provider versions actually installed there. One GET per CRD, by the
 * names the shipped bundle lists (`PLURAL.GROUP`), rather than a list of every CRD in the cluster.
 */
import { ApiError } from '../ops/controller/errors.js';
import type { CrdIndex } from '../engine/index.js';
import { bundledCrds, crdIndexOf } from '../platform/validate/bundle.js';
import { schemaIndex } from '../platform/validate/index.js';

/** The one call made of a Kubernetes client (KubeClient's); a test passes a fake. */
export interface CrdReader {
  request<T = unknown>(method: string, path: string): Promise<T>;
  readonly server: string;
}

export interface ClusterCrds {
  server: string;
  crds: unknown[];
  /** CRD names (`PLURAL.GROUP`) the cluster does not have. */
  missing: string[];
}

const CONCURRENCY = 8;

/** Reads the named CRDs (default: those of the kinds the Compositions use) from the cluster. */
export async function crdsFromCluster(
  client: CrdReader,
  names: readonly string[] = bundledCrds().crds.map((c) => c.metadata.name),
): Promise<ClusterCrds> {
  const crds: unknown[] = new Array<unknown>(names.length);
  const missing: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const i = next++;
      const name = names[i];
      try {
        crds[i] = await client.request(
          'GET',
          `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(name)}`,
        );
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) missing.push(name);
        else
          throw new Error(
            `cannot read CRD ${name} from the cluster at ${client.server}: ${e instanceof Error ? e.message : String(e)}`,
          );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, names.length) }, worker));
  return { server: client.server, crds: crds.filter((c) => c !== undefined), missing: missing.sort() };
}

/** crdsFromCluster through the kubeconfig kubectl would use. */
export async function crdsFromKubeconfig(): Promise<ClusterCrds> {
  const { defaultKubeConfig, KubeClient } = await import('../ops/controller/kube.js');
  const client = new KubeClient(defaultKubeConfig(), { timeoutMs: 15_000 });
  try {
    return await crdsFromCluster(client);
  } finally {
    client.close();
  }
}

/**
 * The index `envstack validate` checks composed resources against: the cluster's CRDs
 * (--crds-from-cluster), a folder of CRD YAML (--crds DIR or $ENVSTACK_CRDS), else the shipped bundle.
 * The folder and the bundle are read when first needed; the cluster is read now, once. A usage problem
 * or an unreachable cluster comes back as `error` (the command's exit 2).
 */
export async function validateCrdIndex(
  opts: { crds?: string; fromCluster?: boolean },
  read: () => Promise<ClusterCrds> = crdsFromKubeconfig,
): Promise<{ index: () => CrdIndex } | { error: string }> {
  if (!opts.fromCluster) return { index: () => schemaIndex(opts.crds ?? process.env.ENVSTACK_CRDS) };
  if (opts.crds !== undefined) return { error: '--crds and --crds-from-cluster exclude each other' };
  let fetched: ClusterCrds;
  try {
    fetched = await read();
  } catch (e) {
    return { error: `--crds-from-cluster: ${e instanceof Error ? e.message : String(e)}` };
  }
  const missing = fetched.missing.length
    ? `; not installed there (their resources are reported): ${fetched.missing.join(', ')}`
    : '';
  console.error(`envstack validate: ${fetched.crds.length} CRDs read from ${fetched.server}${missing}`);
  const index = crdIndexOf(fetched.crds);
  return { index: () => index };
}
