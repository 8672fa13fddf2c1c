/**
 * The layer graph of src/, read from the code: every relative import between the source files,
 * counted between layers (core → engine → platform → ops → cli) and between their folders. Printed by
 * `npx tsx scripts/layers.ts` and written into docs/architecture.md by `npm run synth`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const LAYERS = ['core', 'engine', 'platform', 'ops', 'cli'] as const;

export interface LayerGraph {
  files: number;
  /** Source files per layer, in LAYERS order. */
  layers: Array<{ layer: string; files: number }>;
  /** Imports between folders (`platform/compose`, `engine`, `cli`…), one entry per pair with its count. */
  edges: Array<{ from: string; to: string; count: number }>;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    )
    .sort();
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** The folder a source file counts under: `layer/folder`, or the layer alone for a file at its top and
 *  for the engine, which the rest of src/ enters through src/engine/index.ts only. */
function folderOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'engine' || parts.length < 3) return parts[0];
  return `${parts[0]}/${parts[1]}`;
}

/** Reads the source files under `src` and counts their imports by folder. */
export function layerGraph(src: string): LayerGraph {
  const files = sourceFiles(src);
  const counts = new Map<string, number>();
  const layers = LAYERS.map((layer) => ({ layer, files: 0 }));
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const path = relative(src, file);
    const layer = layers.find((l) => l.layer === path.split('/')[0]);
    if (layer) layer.files += 1;
    for (const m of text.matchAll(SPECIFIER)) {
      const to = relative(src, resolve(dirname(file), m[1]));
      const [a, b] = [folderOf(path), folderOf(to)];
      if (a === b) continue;
      counts.set(`${a} ${b}`, (counts.get(`${a} ${b}`) ?? 0) + 1);
    }
  }
  const rank = (f: string) => LAYERS.indexOf(f.split('/')[0] as (typeof LAYERS)[number]);
  const edges = [...counts.entries()]
    .map(([k, count]) => {
      const [from, to] = k.split(' ');
      return { from, to, count };
    })
    .sort(
      (x, y) =>
        rank(y.from) - rank(x.from) ||
        x.from.localeCompare(y.from) ||
        rank(y.to) - rank(x.to) ||
        x.to.localeCompare(y.to),
    );
  return { files: files.length, layers, edges };
}

const layerOf = (folder: string) => folder.split('/')[0];

/** A text table: per layer its files and how many imports it makes into each layer (its own included). */
export function layerTable(g: LayerGraph): string {
  const into = (from: string, to: string) =>
    g.edges.filter((e) => layerOf(e.from) === from && layerOf(e.to) === to).reduce((s, e) => s + e.count, 0);
  const header = ['layer', 'files', ...LAYERS.map((l) => `→ ${l}`)];
  const rows = [...LAYERS].reverse().map((l) => {
    const size = g.layers.find((x) => x.layer === l);
    return [l, String(size?.files ?? 0), ...LAYERS.map((t) => String(into(l, t)))];
  });
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i])))
      .join('  ')
      .trimEnd();
  return [
    `src/: ${g.files} files; imports between folders, counted by the layer they leave and the layer they enter`,
    '',
    line(header),
    ...rows.map(line),
  ].join('\n');
}

/** A Mermaid flowchart: one subgraph per layer, its folders inside, an arrow per importing pair with its count. */
export function layerMermaid(g: LayerGraph): string {
  const id = (f: string) => f.replace(/[^a-z0-9]/gi, '_');
  const folders = [...new Set(g.edges.flatMap((e) => [e.from, e.to]))];
  const out = ['flowchart TB'];
  for (const layer of [...LAYERS].reverse()) {
    const inside = folders.filter((f) => layerOf(f) === layer).sort();
    out.push(`  subgraph L_${layer}["${layer}"]`);
    for (const f of inside) out.push(`    ${id(f)}["${f === 'engine' ? 'engine (index.ts)' : f}"]`);
    out.push('  end');
  }
  for (const e of g.edges) out.push(`  ${id(e.from)} -->|${e.count}| ${id(e.to)}`);
  return out.join('\n');
}
