// `envstack validate --crds-from-cluster` against a real kube-apiserver holding the real provider CRDs
// (../shared/crds), read by a user who may only get CRDs: valid when the cluster has every kind the
// namespaced Composition uses, the missing kind's resources reported when one is not installed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCrdIndex } from '../../src/engine/index.js';
import { bundledCrds } from '../../src/platform/validate/bundle.js';
import { describeKube, startKube, type Kube } from '../support/kube.js';

const repo = resolve(process.cwd());
const SHARED_CRDS = resolve(repo, '..', 'shared', 'crds');
const haveCrds = existsSync(SHARED_CRDS);
if (!haveCrds)
  process.stderr.write(`skipping "--crds-from-cluster on a real API server": no CRDs at ${SHARED_CRDS}\n`);

const VPC_CRD = 'vpcs.ec2.aws.m.upbound.io';

(haveCrds ? describeKube : describe.skip)('--crds-from-cluster on a real API server', () => {
  let kube: Kube;
  let reader: string;
  const files = new Map<string, string>();

  beforeAll(async () => {
    kube = await startKube({ users: [{ token: 'crd-reader-token', user: 'crd-reader' }] });
    reader = kube.kubeconfigFor('crd-reader-token', 'crd-reader');
    kube.kubectlOk([
      'create',
      'clusterrole',
      'crd-reader',
      '--verb=get',
      '--resource=customresourcedefinitions',
    ]);
    kube.kubectlOk([
      'create',
      'clusterrolebinding',
      'crd-reader',
      '--clusterrole=crd-reader',
      '--user=crd-reader',
    ]);
    const index = loadCrdIndex(SHARED_CRDS);
    for (const crd of bundledCrds().crds) {
      const { group } = crd.spec;
      if (!group.endsWith('.m.upbound.io') && group !== 'protection.crossplane.io') continue;
      const file = index.entry(group, crd.spec.names.kind)?.file;
      if (!file) throw new Error(`no CRD file for ${crd.metadata.name}`);
      files.set(crd.metadata.name, file);
    }
    const first = [...files].filter(([name]) => name !== VPC_CRD).map(([, f]) => f);
    for (let i = 0; i < first.length; i += 20)
      kube.kubectlOk(['apply', '--server-side', ...first.slice(i, i + 20).flatMap((f) => ['-f', f])]);
  }, 240_000);
  afterAll(async () => kube?.stop());

  function validate(): { code: number; out: string; err: string } {
    const r = spawnSync(
      process.execPath,
      [
        join(repo, 'bin', 'envstack.js'),
        'validate',
        'examples/dev.yaml',
        '--flavor',
        'namespaced',
        '--crds-from-cluster',
      ],
      {
        cwd: repo,
        env: { ...process.env, KUBECONFIG: reader, ENVSTACK_NO_SERVER: '1', NODE_OPTIONS: '' },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  }

  test('a kind the cluster lacks is named, and its resources are reported', () => {
    const r = validate();
    expect(r.err).toMatch(new RegExp(`${files.size - 1} CRDs read from https://127\\.0\\.0\\.1:\\d+`));
    expect(r.err).toContain(VPC_CRD);
    expect(r.out).toMatch(/examples\/dev\.yaml: \[namespaced\] .*\(VPC\)/);
    expect(r.out).not.toMatch(/\((Subnet|SecurityGroup|Key)\)/);
    expect(r.code).toBe(1);
  });

  test('with every CRD installed the claim is valid', () => {
    kube.kubectlOk(['apply', '--server-side', '-f', files.get(VPC_CRD) as string]);
    const r = validate();
    expect(r.err).toMatch(
      new RegExp(`${files.size} CRDs read from https://127\\.0\\.0\\.1:\\d+; not installed there`),
    );
    expect(r.err).not.toContain(VPC_CRD);
    expect(r.err).toContain('examples/dev.yaml: valid');
    expect(r.code).toBe(0);
  });
});
