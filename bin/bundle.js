// Whether the bundle (`npm run bundle`, scripts/bundle.mjs) may run instead of the TypeScript sources: it
// is built and was built after every file it was built from. Plain JavaScript and Node's own modules
// only, like the rest of bin/, so deciding costs no start-up.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const BUNDLE_DIR = join('dist', 'bundle');
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

/** The bundle's entry file when every input is still there and none changed since the build, else undefined. */
export function freshBundle(root) {
  const manifest = readManifest(root);
  if (!manifest) return undefined;
  for (const input of manifest.inputs) {
    const st = statSync(join(root, input), { throwIfNoEntry: false });
    if (!st || st.mtimeMs > manifest.builtAt) return undefined;
  }
  const entry = join(root, BUNDLE_DIR, manifest.entry);
  return statSync(entry, { throwIfNoEntry: false }) ? entry : undefined;
}
