import { readFileSync } from 'node:fs';
import type { Flavor } from '../../src/platform/compose/flavor.js';
import { estimate, type Estimate } from '../../src/platform/cost/index.js';
import { convergeClaim } from '../../src/platform/render/converge.js';
import type { JsonObject, Unstructured } from '../../src/engine/render/fnapi.js';
import { loadAllObjects } from '../../src/engine/render/yaml.js';

export const examples = ['minimal', 'dev', 'staging', 'prod', 'prod-dr'] as const;
export type Example = (typeof examples)[number];

export function exampleClaim(name: Example): Unstructured {
  const claim = loadAllObjects(readFileSync(`examples/${name}.yaml`, 'utf8')).find(
    (d) => d.kind === 'PlatformEnvironment',
  );
  if (!claim) throw new Error(`examples/${name}.yaml has no claim`);
  return claim;
}

export interface Rendered {
  composed: Unstructured[];
  spec: JsonObject;
}

export async function render(claim: Unstructured, flavor: Flavor = 'claim'): Promise<Rendered> {
  const { result } = await convergeClaim({ claim, flavor });
  return { composed: result.composed, spec: result.input.spec as JsonObject };
}

export async function estimateClaim(claim: Unstructured, flavor: Flavor = 'claim'): Promise<Estimate> {
  const r = await render(claim, flavor);
  return estimate({ ...r, claim: String(claim.metadata?.name), now: new Date('2026-12-03T12:00:00Z') });
}

interface TableEntry {
  key: string;
  region: string;
  unit: string;
  usd: number;
  per?: number;
}

/** A price read straight from the committed JSON file (not through the code under test). */
export function tablePrice(file: string, key: string, region: string): number {
  const table = JSON.parse(readFileSync(`src/platform/cost/prices/${file}.json`, 'utf8')) as {
    prices: TableEntry[];
  };
  const e = table.prices.find((p) => p.key === key && p.region === region);
  if (!e) throw new Error(`no ${key} in ${region} in ${file}.json`);
  return e.usd / (e.per ?? 1);
}

/** Rounds to cents, as a bill line (and the estimate) does. */
export const r2 = (usd: number) => Math.round(usd * 100) / 100;
