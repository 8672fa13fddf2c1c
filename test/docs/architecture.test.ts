/**
 * docs/architecture.md shows what `npx tsx scripts/layers.ts` prints, in both forms, and names the
 * layers, the rule and the test that checks it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../delivery/helm.js';

const doc = readFileSync(join(repoRoot, 'docs', 'architecture.md'), 'utf8');

function generated(name: string): string {
  const m = doc.match(
    new RegExp(`<!-- ${name}:start[^\\n]*\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\`\\n<!-- ${name}:end -->`),
  );
  if (!m) throw new Error(`no generated section ${name} in docs/architecture.md`);
  return m[1];
}

const layers = (...args: string[]) =>
  execFileSync(
    process.execPath,
    [join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/layers.ts', ...args],
    {
      cwd: repoRoot,
      encoding: 'utf8',
    },
  );

describe('docs/architecture.md', () => {
  it('shows what scripts/layers.ts prints', () => {
    expect(layers()).toBe(generated('layer-table'));
    expect(layers('--mermaid')).toBe(generated('layer-graph'));
  }, 60_000);

  it('names every layer, the rule and the test that checks it', () => {
    for (const layer of ['core', 'engine', 'platform', 'ops', 'cli'])
      expect(doc).toContain(`| \`${layer}/\` |`);
    expect(doc).toContain('src/engine/index.ts');
    expect(doc).toContain('(../test/architecture/layers.test.ts)');
  });

  it('draws no import upward', () => {
    const order = ['core', 'engine', 'platform', 'ops', 'cli'];
    const rank = (id: string) => order.indexOf(id.split('_')[0]);
    const arrows = [...generated('layer-graph').matchAll(/^ {2}(\S+) -->\|\d+\| (\S+)$/gm)];
    expect(arrows.length).toBeGreaterThan(20);
    expect(arrows.filter((a) => rank(a[2]) > rank(a[1])).map((a) => a[0])).toEqual([]);
  });
});
