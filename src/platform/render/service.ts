/** Rendering a claim file end to end: load the synthesized Composition, bind the claim, render. */
import { loadAllYaml, loadYaml, render, type RenderResult, defaultFunctions } from '../../engine/index.js';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Flavor } from '../compose/flavor.js';
import { DEFAULT_GROUP } from '../compose/names.js';
import { claimToXr } from './claim.js';
import type { Unstructured } from '../../core/json.js';
import { PACKAGE_ROOT } from '../../core/paths.js';

const repoRoot = PACKAGE_ROOT;

const compositionCache = new Map<string, Unstructured>();

/** The committed Composition for a flavor (what the chart installs); synthesized afresh for another group. */
export async function loadComposition(flavor: Flavor, group = DEFAULT_GROUP): Promise<Unstructured> {
  const key = `${flavor}/${group}`;
  const cached = compositionCache.get(key);
  if (cached) return cached;
  const file = join(repoRoot, 'compositions', `${flavor}.yaml`);
  let composition: Unstructured;
  if (group === DEFAULT_GROUP && existsSync(file)) {
    composition = readCompositionFile(file);
  } else {
    const { synthesize } = await import('../compose/app.js');
    composition = (await synthesize({ group })).compositions[flavor] as Unstructured;
  }
  compositionCache.set(key, composition);
  return composition;
}

const CACHE_DIR = join(repoRoot, 'node_modules', '.cache', 'envstack');
/** Bump when the YAML loader changes what it makes of a document. */
const CACHE_FORMAT = 1;

/**
 * A Composition file, through a JSON copy kept in node_modules/.cache (JSON parses ~10x faster than this
 * 640 KB of YAML). The copy is named after a digest of the file's text, and is written only
 * when JSON holds the document exactly; any trouble with the cache falls back to the YAML.
 */
function readCompositionFile(file: string): Unstructured {
  const text = readFileSync(file, 'utf8');
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const cached = join(CACHE_DIR, `${basename(file, '.yaml')}-${digest}-v${CACHE_FORMAT}.json`);
  try {
    return JSON.parse(readFileSync(cached, 'utf8')) as Unstructured;
  } catch {
    // not cached yet, or unreadable: parse the YAML
  }
  const composition = loadYaml(text) as Unstructured;
  const json = JSON.stringify(composition);
  if (existsSync(join(repoRoot, 'node_modules'))) {
    try {
      if (isDeepStrictEqual(JSON.parse(json), composition)) {
        mkdirSync(CACHE_DIR, { recursive: true });
        const tmp = `${cached}.${process.pid}.tmp`;
        writeFileSync(tmp, json);
        renameSync(tmp, cached);
        for (const old of readdirSync(CACHE_DIR))
          if (old.startsWith(`${basename(file, '.yaml')}-`) && join(CACHE_DIR, old) !== cached)
            rmSync(join(CACHE_DIR, old), { force: true });
      }
    } catch {
      // a read-only installation: parse the YAML every time
    }
  }
  return composition;
}

/** Every YAML document in a file, or in every .yaml/.yml file of a folder. */
export function readYamlDocuments(path: string): Unstructured[] {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => join(path, f))
    : [path];
  return files.flatMap((f) =>
    loadAllYaml(readFileSync(f, 'utf8')).filter(
      (d): d is Unstructured => d !== null && typeof d === 'object',
    ),
  );
}

export interface RenderClaimInput {
  claim: Unstructured;
  flavor: Flavor;
  observed?: Unstructured[];
  group?: string;
}

export async function renderClaim(input: RenderClaimInput): Promise<RenderResult> {
  const composition = await loadComposition(input.flavor, input.group);
  const composite = claimToXr(input.claim, { flavor: input.flavor, group: input.group });
  return render({ composite, composition, observed: input.observed ?? [], functions: defaultFunctions() });
}
