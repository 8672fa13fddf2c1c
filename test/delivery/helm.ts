/** Runs the project's real helm (.tools/bin/helm, installed by scripts/install-helm.mjs) in isolation. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAllYaml } from '../../src/engine/render/yaml.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const chartDir = join(repoRoot, 'charts', 'envstack');
const helmBin = join(repoRoot, '.tools', 'bin', 'helm');

export type K8sObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
};

export function installHelm(): void {
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'install-helm.mjs')], { stdio: 'pipe' });
}

let home: string | undefined;
export function helm(args: string[]): { code: number; stdout: string; stderr: string } {
  home ??= mkdtempSync(join(tmpdir(), 'envstack-helm-'));
  const r = spawnSync(helmBin, args, {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_DATA_HOME: join(home, 'data'),
    },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `helm template` with `--set`-style values; throws with helm's message when it fails. */
export function template(
  values: Record<string, string | number | boolean> = {},
  extra: string[] = [],
): K8sObject[] {
  const sets = Object.entries(values).flatMap(([k, v]) => ['--set', `${k}=${String(v)}`]);
  const r = helm(['template', 'envstack', chartDir, '--namespace', 'envstack-system', ...sets, ...extra]);
  if (r.code !== 0) throw new Error(r.stderr);
  return loadAllYaml(r.stdout).filter((d): d is K8sObject => typeof d === 'object' && d !== null);
}
