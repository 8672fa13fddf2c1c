// The layer rule of docs/architecture.md, checked on every import under src/: a file imports only from
// its own layer or the layers below it, and nothing outside src/engine/ reaches past src/engine/index.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const LAYERS = ['core', 'engine', 'platform', 'ops', 'cli'] as const;
const ENGINE_ENTRY = 'engine/index.ts';

interface Import {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

function importsOf(file: string, text: string): Import[] {
  return [...text.matchAll(SPECIFIER)].map((m) => ({
    from: relative(SRC, file),
    to: relative(SRC, resolve(dirname(file), m[1]).replace(/\.js$/, '.ts')),
  }));
}

const layerOf = (path: string): number => LAYERS.indexOf(path.split('/')[0] as (typeof LAYERS)[number]);

function violations(imports: Import[]): string[] {
  const found: string[] = [];
  for (const { from, to } of imports) {
    const [a, b] = [layerOf(from), layerOf(to)];
    if (b < 0) found.push(`${from} imports ${to}, which is in no layer`);
    else if (b > a) found.push(`${from} (${LAYERS[a]}) imports ${to} (${LAYERS[b]}), a layer above it`);
    else if (LAYERS[b] === 'engine' && LAYERS[a] !== 'engine' && to !== ENGINE_ENTRY)
      found.push(`${from} imports ${to}: outside the engine, import from src/${ENGINE_ENTRY} only`);
  }
  return found;
}

const files = sourceFiles(SRC);
const imports = files.flatMap((f) => importsOf(f, readFileSync(f, 'utf8')));

describe('layers', () => {
  it('puts every source file in one of the layers', () => {
    expect(files.map((f) => relative(SRC, f)).filter((f) => layerOf(f) < 0)).toEqual([]);
  });

  it('reads the imports it checks', () => {
    expect(imports.length).toBeGreaterThan(400);
    expect(imports).toContainEqual({ from: 'cli/render.ts', to: expect.stringMatching(/^platform\//) });
  });

  it('has no import upward, and none past the engine entry', () => {
    expect(violations(imports)).toEqual([]);
  });

  it('names each kind of violation', () => {
    const bad = [
      { from: 'engine/render/engine.ts', to: 'platform/compose/xrd.ts' },
      { from: 'platform/render/service.ts', to: 'engine/render/yaml.ts' },
      { from: 'core/json.ts', to: 'ops/controller/controller.ts' },
      { from: 'ops/controller/kube.ts', to: 'shared/kube.ts' },
    ];
    expect(violations(bad)).toEqual([
      'engine/render/engine.ts (engine) imports platform/compose/xrd.ts (platform), a layer above it',
      'platform/render/service.ts imports engine/render/yaml.ts: outside the engine, import from src/engine/index.ts only',
      'core/json.ts (core) imports ops/controller/controller.ts (ops), a layer above it',
      'ops/controller/kube.ts imports shared/kube.ts, which is in no layer',
    ]);
    expect(violations([{ from: 'platform/render/service.ts', to: ENGINE_ENTRY }])).toEqual([]);
  });
});
