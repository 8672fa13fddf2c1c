/**
 * The README sells and starts, and the rest lives in docs/: it stays short, the claim it shows is the
 * example the first live path applies and is admitted, its picture stays small, and every generated
 * section (README.md's and docs/'s) is what `npm run synth` writes from the code today.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { updateDocs } from '../../src/platform/docs/generate.js';
import { validateClaim } from '../../src/platform/validate/index.js';
import { rules } from '../../src/platform/guardrails/index.js';
import { loadAllYaml } from '../../src/engine/index.js';
import { repoRoot } from '../delivery/helm.js';

const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8');
const readme = read('README.md');

/** The fenced blocks of a Markdown text with their info string. */
const blocks = (text: string) =>
  [...text.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({ info: m[1], body: m[2] }));

/** The text of a `## heading` section, up to the next `## `. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section "## ${heading}"`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

describe('README.md', () => {
  it('is at most 250 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
  });

  it('shows examples/dev.yaml whole, and it is an admitted claim', () => {
    const claims = blocks(readme).filter(
      (b) => b.info === 'yaml' && /kind: PlatformEnvironment/.test(b.body),
    );
    expect(claims).toHaveLength(1);
    expect(claims[0].body).toBe(read('examples/dev.yaml'));
    const docs = loadAllYaml(claims[0].body);
    expect(docs).toHaveLength(1);
    expect(validateClaim(docs[0])).toEqual([]);
  });

  it('applies that claim in its first live path and watches it', () => {
    const live = section(readme, 'The first live path: chart → apply → watch');
    const sh = blocks(live)
      .filter((b) => b.info === 'sh')
      .map((b) => b.body)
      .join('\n');
    expect(sh).toContain('envstack sandbox up');
    expect(sh).toContain('helm install envstack charts/envstack');
    expect(sh).toContain('kubectl apply -f examples/dev.yaml');
    expect(sh).toContain('envstack status payments-dev -n team-payments --watch');
  });

  it('draws what one claim creates in at most 40 lines', () => {
    const picture = blocks(section(readme, 'What one claim creates'));
    expect(picture.length).toBeGreaterThanOrEqual(1);
    expect(picture[0].body.split('\n').length - 1).toBeLessThanOrEqual(40);
  });

  it('keeps the two commands CI runs', () => {
    const two = blocks(section(readme, 'The two commands'))[0].body;
    expect(two).toMatch(/^npm install && npm start\s+#/m);
    expect(two).toMatch(/^npm test\s+#/m);
  });

  it('counts the guardrails and the conformance recordings as the code does', () => {
    const recordings = Object.keys(JSON.parse(read('test/conformance/golden/index.json')) as object);
    expect(readme).toContain(`${rules.length} rules`);
    expect(read('docs/guardrails.md')).toContain(`${rules.length} rules`);
    expect(readme).toContain(`${recordings.length} recordings`);
    expect(read('docs/testing.md')).toContain(`${recordings.length} recordings`);
  });

  it('links the full limits, the CLI reference and the install guide', () => {
    expect(section(readme, 'Limits')).toContain('](docs/limits.md)');
    expect(readme).toContain('](docs/cli.md)');
    expect(readme).toContain('](docs/install.md)');
  });
});

describe('the generated sections', () => {
  it('live where the docs say', () => {
    expect(read('docs/api.md')).toMatch(/<!-- api-reference:start[^\n]*\n\| field \| type \| default \|/);
    expect(read('docs/api.md')).toContain('| `spec.project` (required) | string |');
    expect(read('docs/resources.md')).toMatch(
      /<!-- example-counts:start[^\n]*\n\| kind \| minimal \| dev \|/,
    );
    expect(read('docs/resources.md')).toMatch(/<!-- prod-graph:start[^\n]*\n```mermaid\nflowchart LR/);
    expect(read('docs/benchmarks.md')).toMatch(/<!-- bench:start[^\n]*\n\| benchmark \| median \|/);
    expect(read('docs/guardrails.md')).toMatch(/<!-- guardrail-rules:start[^\n]*\n\| id \| name \|/);
    expect(read('docs/architecture.md')).toMatch(/<!-- layer-table:start[^\n]*\n```\nsrc\/: \d+ files/);
    expect(read('docs/architecture.md')).toMatch(/<!-- layer-graph:start[^\n]*\n```mermaid\nflowchart TB/);
    expect(readme).toMatch(/<!-- example-totals:start[^\n]*\n\| example \|/);
    expect(readme).toMatch(/<!-- bench-summary:start[^\n]*\n\| what \| benchmark \|/);
  });

  it('are what `npm run synth` writes from the code now (run it when this fails)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'envstack-docs-'));
    for (const dir of ['docs', 'examples', 'src'])
      cpSync(join(repoRoot, dir), join(root, dir), { recursive: true });
    mkdirSync(join(root, 'bench'));
    cpSync(join(repoRoot, 'bench', 'results.json'), join(root, 'bench', 'results.json'));
    cpSync(join(repoRoot, 'README.md'), join(root, 'README.md'));
    const written = await updateDocs(root);
    expect(written).toEqual(
      expect.arrayContaining([
        'README.md',
        'docs/api.md',
        'docs/resources.md',
        'docs/benchmarks.md',
        'docs/guardrails.md',
        'docs/architecture.md',
      ]),
    );
    for (const file of written)
      expect({ file, text: readFileSync(join(root, file), 'utf8') }).toEqual({ file, text: read(file) });
  }, 120_000);
});
