// Whether the bundle (`npm run bundle`, scripts/bundle.mjs) may run instead of the TypeScript sources: it
// is built and was built after every file it was built from. Plain JavaScript and Node's own modules
// only, like the rest of bin/, so deciding costs no start-up.
import { readFileSync, statSync } from 'node:fs';
import { machine } from 'node:os';
import { join, sep } from 'node:path';

export const BUNDLE_DIR = join('dist', 'bundle');

/**
 * V8 flags for a one-shot command (bin/envstack.js and the start-up snapshot set them): it is over before
 * the optimizing compiler pays back, so functions run 8x the default budget before they are optimized.
 * Same output; about a quarter less CPU for a render.
 */
export const ONE_SHOT_V8_FLAGS = '--interrupt-budget=540672';
export const MANIFEST = 'manifest.json';
/** Files the bundle depends on beyond its sources (and the package.json of each package bundled in it). */
export const FRESHNESS_EXTRA = ['package.json'];

/** The bundle's manifest ({ builtAt, entry, inputs }), or undefined when there is no usable one. */
export function readManifest(root) {
  try {
    const m = JSON.parse(readFileSync(join(root, BUNDLE_DIR, MANIFEST), 'utf8'));
    if (typeof m.builtAt === 'number' && typeof m.entry === 'string' && Array.isArray(m.inputs)) return m;
  } catch {
    // not built, or half written
  }
  return undefined;
}

/** Whether every input is still there and none changed after builtAt. */
function allFresh(root, builtAt, inputs) {
  // inputs are normalized relative paths: joined by hand, a few ms sooner than path.join at start-up
  return inputs.every((input) => {
    const st = statSync(`${root}${sep}${input}`, { throwIfNoEntry: false });
    return st !== undefined && st.mtimeMs <= builtAt;
  });
}

/** The bundle's entry file when every input is still there and none changed since the build, else undefined. */
export function freshBundle(root) {
  const manifest = readManifest(root);
  if (!manifest || !allFresh(root, manifest.builtAt, manifest.inputs)) return undefined;
  const entry = join(root, BUNDLE_DIR, manifest.entry);
  return statSync(entry, { throwIfNoEntry: false }) ? entry : undefined;
}

/**
 * A start-up snapshot's file name, in BUNDLE_DIR: its name (src/cli/snapshot.ts SNAPSHOTS), the Node
 * version and the machine, for a snapshot loads only in the Node that built it. bin/envstack puts it
 * together from the command, `node --version` and $HOSTTYPE.
 */
export function snapshotFile(name, version = process.version, arch = machine()) {
  return `snapshot-${name}-${version}-${arch}.blob`;
}

/**
 * Whether the start-up snapshots were built after every file of the bundle and every file their warm-up
 * read (the Compositions, the CRD schemas): they hold what those held then.
 */
export function freshSnapshot(root) {
  const manifest = readManifest(root);
  return (
    manifest !== undefined &&
    Array.isArray(manifest.snapshotInputs) &&
    allFresh(root, manifest.builtAt, [...manifest.inputs, ...manifest.snapshotInputs])
  );
}
