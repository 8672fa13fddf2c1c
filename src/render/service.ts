/** Rendering a claim file end to end: load the synthesized Composition, bind the claim, render. */
import { loadAllYaml, loadYaml } from './yaml.js';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Flavor } from '../compose/flavor.js';
import { DEFAULT_GROUP } from '../compose/xrd.js';
import { claimToXr } from './claim.js';
import { render, type RenderResult } from './engine.js';
import type { Unstructured } from './fnapi.js';
import { defaultFunctions } from './index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const compositionCache = new Map<string, Unstructured>();

/** The committed Composition for a flavor (what the chart installs); synthesized afresh for another group. */
export async function loadComposition(flavor: Flavor, group = DEFAULT_GROUP): Promise<Unstructured> {
  const key = `${flavor}/${group}`;
  const cached = compositionCache.get(key);
  if (cached) return cached;
  const file = join(repoRoot, 'compositions', `${flavor}.yaml`);
  let composition: Unstructured;
  if (group === DEFAULT_GROUP && existsSync(file)) {
    composition = loadYaml(readFileSync(file, 'utf8')) as Unstructured;
  } else {
    const { synthesize } = await import('../compose/app.js');
    composition = (await synthesize({ group })).compositions[flavor] as Unstructured;
  }
  compositionCache.set(key, composition);
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
