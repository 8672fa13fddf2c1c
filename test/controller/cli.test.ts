import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  driftCommand,
  runController,
  statusCommand,
  type RunningController,
} from '../../src/controller/index.js';
import { kubeConfigYaml } from '../support/apiserver/index.js';
import {
  environment,
  install,
  patchStatus,
  resourceTypes,
  startCluster,
  statusOf,
  waitFor,
  type Cluster,
} from './harness.js';

let c: Cluster;
let r: RunningController | undefined;
let dir: string;
const savedKubeconfig = process.env.KUBECONFIG;

afterEach(async () => {
  await r?.stop();
  r = undefined;
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
  if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = savedKubeconfig;
});

test('status and drift read the claim through a normal kubeconfig and show progress, the blocking error and drift', async () => {
  c = await startCluster('claim');
  dir = mkdtempSync(join(tmpdir(), 'envstack-cli-'));
  process.env.KUBECONFIG = join(dir, 'kubeconfig');
  writeFileSync(process.env.KUBECONFIG, kubeConfigYaml(c.server));
  const env = await environment('claim');
  await install(c, env);
  r = await runController({
    kubeConfig: c.kc,
    resources: resourceTypes('claim'),
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    handleSignals: false,
    leaderElection: false,
    log: () => undefined,
  });
  await waitFor('Ready', () => statusOf(c, env).phase === 'Ready');
  const vpc = env.mrs.find((m) => m.kind === 'VPC');
  if (!vpc) throw new Error('no VPC');
  await patchStatus(c, vpc, {
    atProvider: { ...(vpc.status?.atProvider as object), cidrBlock: '10.21.0.0/16' },
    conditions: [{ type: 'Ready', status: 'False', reason: 'Unavailable', message: 'VPC vpc-1 is pending' }],
  });
  await waitFor('Degraded', () => statusOf(c, env).phase === 'Degraded');

  let printed = '';
  await statusCommand('payments-dev', 'team-payments', { out: (t) => (printed += t) });
  const total = env.mrs.length;
  expect(printed).toContain(
    `team-payments/payments-dev  phase: Degraded  ready: ${total - 1}/${total}  drift: 1`,
  );
  expect(printed).toMatch(/ {2}network +█+░+ {2}\d+\/\d+/);
  expect(printed).toContain('blocking: VPC vpc (Unavailable)');
  expect(printed).toContain('VPC vpc-1 is pending');

  let table = '';
  await driftCommand('payments-dev', 'team-payments', { out: (t) => (table += t) });
  const lines = table.trim().split('\n');
  expect(lines[0].split(/\s+/)).toEqual(['RESOURCE', 'KIND', 'TYPE', 'FIELD', 'WANT', 'HAVE', 'SINCE']);
  expect(lines[1].split(/\s+/).slice(0, 6)).toEqual([
    'vpc',
    'VPC',
    'cloud',
    'cidrBlock',
    '10.20.0.0/16',
    '10.21.0.0/16',
  ]);

  const watched: string[] = [];
  const abort = new AbortController();
  const watching = statusCommand('payments-dev', 'team-payments', {
    watch: true,
    signal: abort.signal,
    out: (t) => watched.push(t),
  });
  await waitFor('first print', () => watched.length === 1);
  await patchStatus(c, vpc, {
    conditions: [
      { type: 'Ready', status: 'True', reason: 'Available' },
      { type: 'Synced', status: 'True' },
    ],
  });
  await waitFor('watch shows Ready', () => watched.some((t) => t.includes('phase: Ready')));
  abort.abort();
  await watching;
});

test('a claim not yet bound says so', async () => {
  c = await startCluster('claim');
  dir = mkdtempSync(join(tmpdir(), 'envstack-cli-'));
  process.env.KUBECONFIG = join(dir, 'kubeconfig');
  writeFileSync(process.env.KUBECONFIG, kubeConfigYaml(c.server));
  c.server.seed({
    apiVersion: 'platform.envstack.dev/v1alpha1',
    kind: 'PlatformEnvironment',
    metadata: { name: 'new', namespace: 'team-payments' },
    spec: {},
  });
  await expect(statusCommand('new', 'team-payments', { out: () => undefined })).rejects.toThrow('not bound');
});
