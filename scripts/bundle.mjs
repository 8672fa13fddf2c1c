#!/usr/bin/env node
// `npm run bundle`: the CLI bundled with esbuild into dist/bundle/, an ES module entry (cli/envstack.mjs)
// and chunks. Each command is a dynamic import in src/cli, so it is a chunk of its own and a command loads
// only its own code: `render` never loads cdk8s, zod, the Kubernetes client or the cost tables.
// bin/envstack.js runs the bundle instead of the TypeScript sources whenever manifest.json says it was
// built after every file it was built from, and after the package.json of every package it holds
// (bin/bundle.js).
//
// Two things differ from the sources, and neither changes what a command prints:
// - The packages below stay external (loaded from node_modules when a command needs them): jsii's
//   cdk8s and constructs, the Kubernetes client, prom-client, esbuild (a native binary) and tsx.
// - src/platform/api/openapi.ts is replaced by the two schemas it computes with zod, computed here at
//   build time from the same module, so rendering and validating do not load zod.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { BUNDLE_DIR, FRESHNESS_EXTRA, MANIFEST, snapshotFile } from '../bin/bundle.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export { BUNDLE_DIR };
/** The bundle's entry, inside BUNDLE_DIR. */
export const ENTRY = 'cli/envstack.mjs';

const EXTERNAL = [
  'cdk8s',
  'cdk8s-plus-28',
  'constructs',
  '@kubernetes/client-node',
  'prom-client',
  'esbuild',
  'tsx',
];
const OPENAPI = join('src', 'platform', 'api', 'openapi.ts');
const OPENAPI_EXPORTS = ['specOpenApi', 'statusOpenApi'];

const common = /** @type {const} */ ({
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  charset: 'utf8',
  logLevel: 'silent',
  metafile: true,
});

/** The inputs of a build that are the package's own files (not node_modules), relative to ROOT. */
function ownInputs(metafile, root) {
  return Object.keys(metafile.inputs)
    .map((p) => relative(root, resolve(root, p)))
    .filter((p) => !p.split(/[\\/]/).includes('node_modules') && !p.startsWith('..'));
}

/**
 * node_modules/PACKAGE/package.json for each package bundled in (npm rewrites it when it installs another
 * version, and leaves it alone otherwise), relative to ROOT.
 */
function bundledPackages(metafile) {
  const packages = new Set();
  for (const p of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(p);
    if (m) packages.add(join(m[1].slice(m[1].indexOf('node_modules')), 'package.json'));
  }
  return [...packages];
}

/** JSON text for a value, refusing one that JSON cannot carry exactly (undefined, NaN, a class…). */
function exactJson(value, what) {
  const text = JSON.stringify(value);
  if (text === undefined || !isDeepStrictEqual(JSON.parse(text), value))
    throw new Error(`bundle: ${what} does not survive JSON exactly`);
  return text;
}

/**
 * openapi.ts as a module holding what it computes: its exports must be exactly specOpenApi (one object per
 * process) and statusOpenApi (a new object on every call), as in the source.
 */
async function precomputedOpenApi(root) {
  const built = await build({ ...common, absWorkingDir: root, entryPoints: [OPENAPI], write: false });
  const code = Buffer.from(built.outputFiles[0].contents).toString('base64');
  const module = await import(`data:text/javascript;base64,${code}`);
  const names = Object.keys(module).sort();
  if (!isDeepStrictEqual(names, OPENAPI_EXPORTS))
    throw new Error(
      `bundle: ${OPENAPI} exports ${names.join(', ')}; scripts/bundle.mjs precomputes ${OPENAPI_EXPORTS.join(', ')} only: teach it the others`,
    );
  const spec = exactJson(module.specOpenApi(), 'specOpenApi()');
  const status = exactJson(module.statusOpenApi(), 'statusOpenApi()');
  const contents = [
    `// ${OPENAPI}, computed by scripts/bundle.mjs when the bundle was built.`,
    `const spec = JSON.parse(${JSON.stringify(spec)});`,
    'export function specOpenApi() { return spec; }',
    `export function statusOpenApi() { return JSON.parse(${JSON.stringify(status)}); }`,
    '',
  ].join('\n');
  return { contents, inputs: [...ownInputs(built.metafile, root), ...bundledPackages(built.metafile)] };
}

/** Serves src/platform/api/openapi.ts as the module precomputedOpenApi made of it. */
function precomputedOpenApiPlugin(openapi) {
  return {
    name: 'envstack-precomputed-openapi',
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/]platform[\\/]api[\\/]openapi\.ts$/ }, () => ({
        contents: openapi.contents,
        loader: 'js',
      }));
    },
  };
}

/**
 * In a CommonJS bundle import.meta is empty: each source file of ours gets its own URL instead, as it has
 * when it runs as a module (src/core/paths.ts finds the package root from it).
 */
const ownImportMetaUrl = {
  name: 'envstack-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replaceAll(
        'import.meta.url',
        JSON.stringify(pathToFileURL(args.path).href),
      ),
      loader: 'ts',
    }));
  },
};

/** The snapshots src/cli/snapshot.ts defines (SNAPSHOTS; test/cli/bundle.test.ts checks the two agree). */
const SNAPSHOT_NAMES = ['render', 'check'];

/**
 * The start-up snapshots (src/cli/snapshot.ts): a CommonJS bundle of it, run under `node --build-snapshot`
 * once per snapshot, each warming its commands up and writing the heap to STAGING/snapshotFile(name).
 * Returns the sources they were built from and the files their warm-up read, relative to ROOT.
 */
async function buildSnapshots(root, staging, openapi) {
  const entry = join(staging, 'snapshot.cjs');
  const result = await build({
    ...common,
    format: 'cjs',
    minifyWhitespace: true,
    minifySyntax: true,
    absWorkingDir: root,
    stdin: {
      contents: [
        "import { prepareSnapshot } from './src/cli/snapshot.ts';",
        "import { BUNDLE_DIR, freshSnapshot, ONE_SHOT_V8_FLAGS } from './bin/bundle.js';",
        'prepareSnapshot({ bundleDir: BUNDLE_DIR, fresh: freshSnapshot, oneShotFlags: ONE_SHOT_V8_FLAGS });',
      ].join('\n'),
      resolveDir: root,
      sourcefile: 'snapshot-entry.js',
    },
    outfile: entry,
    external: EXTERNAL,
    plugins: [precomputedOpenApiPlugin(openapi), ownImportMetaUrl],
  });
  for (const w of result.warnings) console.warn(`bundle: snapshot: ${w.text}`);
  // A snapshot loads only under the V8 flags it was built with: none from the environment.
  const { NODE_OPTIONS: _, ...env } = process.env;
  const read = new Set();
  const files = {};
  for (const name of SNAPSHOT_NAMES) {
    const list = join(staging, `snapshot-${name}-inputs.json`);
    files[name] = snapshotFile(name);
    try {
      execFileSync(
        process.execPath,
        ['--snapshot-blob', join(staging, files[name]), '--build-snapshot', entry],
        {
          cwd: root,
          env: { ...env, ENVSTACK_SNAPSHOT: name, ENVSTACK_SNAPSHOT_INPUTS: list },
          stdio: 'pipe',
        },
      );
    } catch (e) {
      throw new Error(`bundle: building the ${name} start-up snapshot failed:\n${e.stderr ?? e.message}`);
    }
    for (const f of JSON.parse(readFileSync(list, 'utf8'))) read.add(f);
    rmSync(list);
  }
  rmSync(entry);
  return {
    files,
    // (but the entry, which esbuild read from stdin)
    inputs: [...new Set([...ownInputs(result.metafile, root), ...bundledPackages(result.metafile)])].filter(
      (f) => existsSync(join(root, f)),
    ),
    read: [...read].sort(),
  };
}

/** Builds the bundle into ROOT/dist/bundle (replacing what was there) and returns its manifest. */
export async function bundle({ root = ROOT, outDir = join(root, BUNDLE_DIR) } = {}) {
  // Taken before anything is read: a source saved during the build makes the bundle stale, not fresh.
  const builtAt = Date.now();
  const openapi = await precomputedOpenApi(root);
  const staging = `${outDir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  const result = await build({
    ...common,
    absWorkingDir: root,
    entryPoints: { 'cli/envstack': join('src', 'cli', 'main.ts') },
    outdir: staging,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    external: EXTERNAL,
    sourcemap: 'linked',
    plugins: [precomputedOpenApiPlugin(openapi)],
  });
  for (const w of result.warnings) console.warn(`bundle: ${w.text}`);
  const inputs = [
    ...new Set([...ownInputs(result.metafile, root), ...bundledPackages(result.metafile), ...openapi.inputs]),
  ].sort();
  const snapshots = await buildSnapshots(root, staging, openapi);
  const manifest = {
    builtAt,
    entry: ENTRY,
    inputs: [
      ...new Set([
        ...inputs,
        ...snapshots.inputs,
        ...FRESHNESS_EXTRA.filter((f) => existsSync(join(root, f))),
      ]),
    ].sort(),
    snapshots: snapshots.files,
    snapshotInputs: snapshots.read,
  };
  writeFileSync(join(staging, MANIFEST), JSON.stringify(manifest, null, 1) + '\n');
  mkdirSync(dirname(outDir), { recursive: true });
  rmSync(outDir, { recursive: true, force: true });
  renameSync(staging, outDir);
  return { manifest, modules: Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.mjs')).length };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  bundle().then(
    ({ manifest, modules }) =>
      console.log(
        `bundle: ${join(BUNDLE_DIR, manifest.entry)} and ${modules - 1} chunks from ${manifest.inputs.length} files in ${Math.round(performance.now() - started)} ms`,
      ),
    (e) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(1);
    },
  );
}
