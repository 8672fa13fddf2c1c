#!/usr/bin/env node
// The envstack command. When `envstack serve` is running for this installation, render, validate, lint
// and graph are answered by it (same output, without loading the CLI); otherwise the CLI runs here: the
// bundle (`npm run bundle`, dist/bundle/) when it is built and no source changed since, else the
// TypeScript sources through tsx in a checkout, or the compiled dist/ where only that ships.
// ENVSTACK_NO_BUNDLE=1 skips the bundle (and its start-up snapshot, which bin/envstack runs).
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { freshBundle, readManifest, BUNDLE_DIR, ONE_SHOT_V8_FLAGS } from './bundle.js';
import { viaServer } from './server-client.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);

/**
 * Commands that keep running. In a checkout they run from the sources, as before the bundle: start-up
 * does not matter to them, and `serve` restarts when the code it loaded changes, which is src/ there.
 */
const LONG_LIVED = new Set(['serve', 'controller']);

/** The bundle's entry: in a checkout only while fresh; in an installed package (no src/) whenever built. */
function bundleEntry(checkout) {
  if (process.env.ENVSTACK_NO_BUNDLE) return undefined;
  if (checkout) return LONG_LIVED.has(argv[0]) ? undefined : freshBundle(root);
  const manifest = readManifest(root);
  const entry = manifest && resolve(root, BUNDLE_DIR, manifest.entry);
  return entry && existsSync(entry) ? entry : undefined;
}

/** ENVSTACK_SHOW_RUNTIME=1: say on stderr what runs the command (snapshot, bundle, sources or dist). */
function show(runtime) {
  if (process.env.ENVSTACK_SHOW_RUNTIME) console.error(`envstack: runtime ${runtime}`);
}

async function inProcess() {
  const source = new URL('../src/cli/main.ts', import.meta.url);
  const checkout = existsSync(fileURLToPath(source));
  const bundled = bundleEntry(checkout);
  if (bundled) {
    show(`bundle ${bundled}`);
    if (!LONG_LIVED.has(argv[0])) setFlagsFromString(ONE_SHOT_V8_FLAGS);
    return (await import(pathToFileURL(bundled).href)).main(argv);
  }
  if (checkout) {
    show('sources');
    const { register } = await import('tsx/esm/api');
    register();
    return (await import(source.href)).main(argv);
  }
  show('dist');
  const compiled = pathToFileURL(fileURLToPath(new URL('../dist/cli/main.js', import.meta.url)));
  return (await import(compiled.href)).main(argv);
}

const served = await viaServer(root, argv);
if (served) {
  process.stdout.write(served.stdout);
  process.stderr.write(served.stderr);
  process.exitCode = served.code;
} else {
  process.exitCode = await inProcess();
}
