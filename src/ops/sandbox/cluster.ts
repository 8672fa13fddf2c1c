import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep, Supervisor, type SupervisorOptions } from './supervisor.js';
import { tool } from './tools.js';

export interface KubeClusterOptions {
  /** State folder; a fresh temporary one (removed on stop) when omitted. */
  dir?: string;
  /** Folder holding etcd and kube-apiserver; .tools/bin by default. */
  binDir?: string;
  /** kube-apiserver's --etcd-compaction-interval (e.g. '5s' to make watches expire quickly). */
  etcdCompactionInterval?: string;
  /** Extra kube-apiserver flags. */
  apiServerArgs?: readonly string[];
  /** Extra environment for kube-apiserver (e.g. GOMEMLIMIT). */
  apiServerEnv?: NodeJS.ProcessEnv;
  /** Extra users for token authentication: token -> user name and groups. */
  users?: readonly { token: string; user: string; groups?: readonly string[] }[];
  readyTimeoutMs?: number;
  supervisor?: SupervisorOptions;
  /**
   * Also run kube-controller-manager with only the garbage collector and the namespace controller:
   * what deletes objects by their owner references (composed resources of a deleted XR) and empties
   * deleted namespaces, as in any cluster.
   */
  controllerManager?: boolean;
}

export interface KubeCluster {
  readonly dir: string;
  /** https://127.0.0.1:PORT */
  readonly server: string;
  /** A kubeconfig for the cluster administrator (system:masters). */
  readonly kubeconfig: string;
  readonly adminToken: string;
  /** The API server's serving CA bundle. */
  readonly caFile: string;
  readonly etcdUrl: string;
  readonly supervisor: Supervisor;
  /** Writes a kubeconfig that authenticates with TOKEN; returns its path. */
  kubeconfigFor(token: string, name: string): string;
  /** The last lines of etcd's and kube-apiserver's logs. */
  logs(lines?: number): string;
  stop(): Promise<void>;
}

class ClusterStartError extends Error {}

/**
 * Starts a real etcd and kube-apiserver on ephemeral loopback ports: token authentication, RBAC,
 * service-account tokens signed by a key made here, and no endpoint reconciler (a loopback
 * advertise address is refused otherwise). Returns once /readyz answers ok.
 */
export async function startKubeCluster(options: KubeClusterOptions = {}): Promise<KubeCluster> {
  const temporary = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'envstack-kube-'));
  mkdirSync(dir, { recursive: true });
  const etcdBin = tool('etcd', options.binDir);
  const apiServerBin = tool('kube-apiserver', options.binDir);
  const supervisor = new Supervisor(dir, options.supervisor);
  const pki = join(dir, 'pki');
  mkdirSync(pki, { recursive: true });

  const adminToken = randomBytes(24).toString('hex');
  const tokens = [
    `${adminToken},envstack-admin,envstack-admin,"system:masters"`,
    ...(options.users ?? []).map(
      (u) => `${u.token},${u.user},${u.user}${u.groups?.length ? `,"${u.groups.join(',')}"` : ''}`,
    ),
  ];
  writeFileSync(join(pki, 'tokens.csv'), `${tokens.join('\n')}\n`, { mode: 0o600 });
  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(pki, 'sa.key'), sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(join(pki, 'sa.pub'), sa.publicKey.export({ type: 'spki', format: 'pem' }));

  const processes = [
    'etcd',
    'kube-apiserver',
    ...(options.controllerManager ? ['kube-controller-manager'] : []),
  ];
  const stopAll = async () => {
    await supervisor.stopAll();
    if (temporary) rmSync(dir, { recursive: true, force: true });
  };

  try {
    const [etcdPort, peerPort, apiPort] = await distinctPorts(3);
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    supervisor.start('etcd', etcdBin, [
      '--name=envstack',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=envstack=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync=true',
      '--quota-backend-bytes=8589934592',
      '--log-level=warn',
    ]);
    const args = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${pki}`,
      `--token-auth-file=${join(pki, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--anonymous-auth=false',
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${join(pki, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
      // Only allocated from, never dialled: nothing here routes to a ClusterIP.
      '--service-cluster-ip-range=10.96.0.0/16',
      '--endpoint-reconciler-type=none',
      // Webhooks are reached through their Service's EndpointSlice addresses, not its ClusterIP.
      '--enable-aggregator-routing=true',
      '--profiling=false',
      ...(options.etcdCompactionInterval
        ? [`--etcd-compaction-interval=${options.etcdCompactionInterval}`]
        : []),
      ...(options.apiServerArgs ?? []),
    ];
    supervisor.start('kube-apiserver', apiServerBin, args, options.apiServerEnv);
    const server = `https://127.0.0.1:${apiPort}`;
    const caFile = join(pki, 'apiserver.crt');
    await waitReady(server, caFile, adminToken, supervisor, options.readyTimeoutMs ?? 60_000);

    const kubeconfigFor = (token: string, name: string) => {
      const path = join(dir, `${name}.kubeconfig`);
      writeFileSync(path, kubeconfigYaml(server, caFile, token, name), { mode: 0o600 });
      return path;
    };
    const kubeconfig = kubeconfigFor(adminToken, 'admin');
    if (options.controllerManager)
      supervisor.start('kube-controller-manager', tool('kube-controller-manager', options.binDir), [
        `--kubeconfig=${kubeconfig}`,
        '--controllers=garbagecollector,namespace',
        '--leader-elect=false',
        '--secure-port=0',
        '--use-service-account-credentials=false',
        '--concurrent-gc-syncs=20',
      ]);
    return {
      dir,
      server,
      kubeconfig,
      adminToken,
      caFile,
      etcdUrl,
      supervisor,
      kubeconfigFor,
      logs: (lines = 40) => processes.map((n) => `--- ${n} ---\n${supervisor.logTail(n, lines)}`).join('\n'),
      stop: stopAll,
    };
  } catch (err) {
    const logs = processes.map((n) => `--- ${n} ---\n${supervisor.logTail(n, 30)}`).join('\n');
    await stopAll();
    throw new ClusterStartError(`${err instanceof Error ? err.message : String(err)}\n${logs}`);
  }
}

export function kubeconfigYaml(server: string, caFile: string, token: string, user: string): string {
  const ca = Buffer.from(readFileSync(caFile)).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: envstack-sandbox
  cluster:
    server: ${server}
    certificate-authority-data: ${ca}
users:
- name: ${user}
  user:
    token: ${token}
contexts:
- name: envstack-sandbox
  context:
    cluster: envstack-sandbox
    user: ${user}
current-context: envstack-sandbox
`;
}

async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** GET PATH on the API server with a bearer token; resolves with the status code and body. */
export function apiGet(
  server: string,
  caFile: string,
  token: string,
  path: string,
  timeoutMs = 5000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server}${path}`,
      { ca: readFileSync(caFile), headers: { Authorization: `Bearer ${token}` }, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

async function waitReady(
  server: string,
  caFile: string,
  token: string,
  supervisor: Supervisor,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    for (const name of ['etcd', 'kube-apiserver']) {
      if (!supervisor.get(name)?.running()) throw new Error(`${name} exited during start-up`);
    }
    if (existsSync(caFile)) {
      try {
        const res = await apiGet(server, caFile, token, '/readyz', 2000);
        if (res.status === 200) return;
        last = `/readyz answered ${res.status}: ${res.body.slice(0, 300)}`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
    }
    await sleep(200);
  }
  throw new Error(`kube-apiserver was not ready within ${timeoutMs} ms (${last})`);
}
