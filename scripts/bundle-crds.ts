/**
 * Writes schemas/crds.bundle.json.gz: the CRD schemas of the kinds the Compositions use, cut from the
 * pinned provider and Crossplane CRDs (../shared/crds, or the folder given). Run after a synth that
 * changes the composed kinds or after pinning new provider CRDs:
 *
 *   npx tsx scripts/bundle-crds.ts [CRD_DIR]
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { BUNDLE_PATH, buildCrdBundle, encodeCrdBundle } from '../src/platform/validate/bundle.js';

const dir = resolve(process.argv[2] ?? join(PACKAGE_ROOT, '..', 'shared', 'crds'));
const bundle = buildCrdBundle(dir);
const data = encodeCrdBundle(bundle);
writeFileSync(join(PACKAGE_ROOT, BUNDLE_PATH), data);
const versions = bundle.crds.reduce((n, c) => n + c.spec.versions.length, 0);
console.log(
  `${BUNDLE_PATH}: ${bundle.crds.length} kinds, ${versions} versions from ${bundle.sources.join(', ')}; ` +
    `${(data.length / 1024).toFixed(0)} KiB gzipped`,
);
