import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from '../../core/paths.js';

import { build } from 'esbuild';
import { zipSync, type Zippable } from 'fflate';

export interface LambdaArtifact {
  zip: Uint8Array;
  base64: string;
  sha256Base64: string;
  key: string;
  handlers: { api: string; aggregator: string };
}

const ENTRIES = [
  { source: 'api-handler.ts', name: 'api-handler' },
  { source: 'metric-aggregator.ts', name: 'metric-aggregator' },
] as const;

/** Local-time fields are what a zip stores, so this yields the same DOS timestamp in every time zone. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
const UNIX_OS = 3;
const REGULAR_FILE_0644 = (0o100644 << 16) >>> 0;

function sourceDirectory(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [here, join(PACKAGE_ROOT, 'src', 'platform', 'lambda')];
  const found = candidates.find((dir) => existsSync(resolve(dir, ENTRIES[0].source)));
  if (!found) throw new Error(`lambda sources not found near ${here}`);
  return found;
}

async function bundleHandlers(): Promise<Map<string, Uint8Array>> {
  const result = await build({
    absWorkingDir: sourceDirectory(),
    entryPoints: ENTRIES.map((entry) => ({ in: entry.source, out: entry.name })),
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: false,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: ['@aws-sdk/*'],
    minify: false,
    sourcemap: false,
    legalComments: 'none',
    charset: 'utf8',
    tsconfigRaw: {},
    write: false,
    logLevel: 'silent',
  });
  if (result.errors.length > 0) {
    throw new Error(`esbuild failed: ${result.errors.map((e) => e.text).join('; ')}`);
  }
  const files = new Map<string, Uint8Array>();
  for (const output of result.outputFiles) files.set(basename(output.path), output.contents);
  const expected = ENTRIES.map((entry) => `${entry.name}.mjs`);
  const actual = [...files.keys()].sort();
  if (actual.join() !== [...expected].sort().join()) {
    throw new Error(`unexpected bundle outputs: ${actual.join(', ')}`);
  }
  return files;
}

export async function buildLambdaArtifact(): Promise<LambdaArtifact> {
  const files = await bundleHandlers();
  const entries: Zippable = {};
  for (const name of [...files.keys()].sort()) {
    entries[name] = [
      files.get(name) as Uint8Array,
      { level: 9, mtime: FIXED_MTIME, os: UNIX_OS, attrs: REGULAR_FILE_0644 },
    ];
  }
  const zip = zipSync(entries);
  const digest = createHash('sha256').update(zip).digest();
  return {
    zip,
    base64: Buffer.from(zip).toString('base64'),
    sha256Base64: digest.toString('base64'),
    key: `lambda/envstack-${digest.toString('hex').slice(0, 16)}.zip`,
    handlers: { api: 'api-handler.handler', aggregator: 'metric-aggregator.handler' },
  };
}
