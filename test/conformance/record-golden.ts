// Records what the real `crossplane render` (with the real functions) prints for every fixture
// under test/conformance/fixtures/<case>/ into test/conformance/golden/, and rewrites the README.
// Usage: npx tsx test/conformance/record-golden.ts [case...]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { crossplaneRender } from './crossplane.js';
import { REPO_ROOT, TOOLS_BIN, startFunctions } from './functions.js';

const CONFORMANCE = join(REPO_ROOT, 'test', 'conformance');
const FIXTURES = join(CONFORMANCE, 'fixtures');
const GOLDEN = join(CONFORMANCE, 'golden');

export interface CaseResult {
  name: string;
  about: string;
  command: string;
  code: number;
  stdoutFile: string;
  stderrFile?: string;
}

function caseArgs(dir: string): { observed?: string; xrd?: string } {
  const rel = (f: string): string => relative(REPO_ROOT, join(dir, f));
  return {
    observed: existsSync(join(dir, 'observed.yaml')) ? rel('observed.yaml') : undefined,
    xrd: existsSync(join(dir, 'xrd.yaml')) ? rel('xrd.yaml') : undefined,
  };
}

function toolVersions(): string[] {
  const versionsFile = join(REPO_ROOT, '.tools', 'versions.txt');
  const lines = existsSync(versionsFile) ? readFileSync(versionsFile, 'utf8').trim().split('\n') : [];
  const goVersion = execFileSync('go', ['version', '-m', join(TOOLS_BIN, 'crank')], { encoding: 'utf8' })
    .split('\n')[0]
    ?.split(':')[1]
    ?.trim();
  return [
    ...lines.map((l) => l.split(' ')).map(([bin, mod, v]) => `${bin}: ${mod} ${v}`),
    `built with ${goVersion}`,
  ];
}

function readme(results: CaseResult[]): string {
  const rows = results.map(
    (r) =>
      `| \`${r.name}\` | ${r.about} | ${r.code} | \`${r.stdoutFile}\`${r.stderrFile ? `, \`${r.stderrFile}\`` : ''} |`,
  );
  const commands = results.map((r) => `# ${r.name}\n${r.command}`);
  return [
    '# Golden renders: recorded real behaviour',
    '',
    'Each file here is the exact stdout (and, where non-empty, stderr) of the real `crossplane render`',
    'CLI talking to the real composition functions, for the fixture of the same name under',
    '`test/conformance/fixtures/<case>/` (`xr.yaml`, `composition.yaml`, optional `observed.yaml`, `xrd.yaml`).',
    'Our in-process engine must reproduce the stdout byte for byte modulo YAML formatting',
    '(compare with `diffRenders` from `test/conformance/harness.ts`), and must fail where exit code is 1.',
    '',
    'Do not edit by hand. Regenerate with `scripts/record-golden.sh` (needs `scripts/install-tools.sh`).',
    '',
    '## Tool versions',
    '',
    ...toolVersions().map((v) => `- ${v}`),
    '',
    'Functions run locally with `--insecure --address=127.0.0.1:<free port>`; `<functions.yaml>` holds',
    'three `pkg.crossplane.io/v1` Functions annotated `render.crossplane.io/runtime: Development` and',
    '`render.crossplane.io/runtime-development-target: 127.0.0.1:<port>` (see `test/conformance/functions.ts`).',
    '',
    '## Cases',
    '',
    '| case | what it pins down | exit | files |',
    '|---|---|---|---|',
    ...rows,
    '',
    '## Exact commands (run from the repository root)',
    '',
    '```sh',
    commands.join('\n\n'),
    '```',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const cases = readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && (only.length === 0 || only.includes(d.name)))
    .map((d) => d.name)
    .sort();
  if (cases.length === 0) throw new Error(`no fixtures matched ${only.join(' ')}`);
  mkdirSync(GOLDEN, { recursive: true });

  const fns = await startFunctions();
  const results: CaseResult[] = [];
  try {
    for (const name of cases) {
      const dir = join(FIXTURES, name);
      const rel = (f: string): string => relative(REPO_ROOT, join(dir, f));
      const { observed, xrd } = caseArgs(dir);
      const res = await crossplaneRender({
        xr: { path: rel('xr.yaml') },
        composition: { path: rel('composition.yaml') },
        functions: { path: fns.functionsFile },
        observed: observed ? { path: observed } : undefined,
        xrd: xrd ? { path: xrd } : undefined,
        includeResults: true,
        cwd: REPO_ROOT,
      });
      const stdoutFile = `${name}.yaml`;
      const stderrFile = `${name}.stderr.txt`;
      writeFileSync(join(GOLDEN, stdoutFile), res.stdout);
      rmSync(join(GOLDEN, stderrFile), { force: true });
      if (res.stderr !== '') writeFileSync(join(GOLDEN, stderrFile), res.stderr);
      const aboutFile = join(dir, 'about.txt');
      const command = ['crossplane', ...res.args]
        .map((a) => (a === fns.functionsFile ? '<functions.yaml>' : a))
        .join(' ');
      results.push({
        name,
        about: existsSync(aboutFile) ? readFileSync(aboutFile, 'utf8').trim() : '',
        command,
        code: res.code,
        stdoutFile,
        stderrFile: res.stderr !== '' ? stderrFile : undefined,
      });
      console.log(
        `${name}: exit ${res.code}, ${res.stdout.length} bytes stdout, ${res.stderr.length} bytes stderr`,
      );
    }
  } finally {
    await fns.stop();
  }

  if (only.length === 0) {
    writeFileSync(join(GOLDEN, 'README.md'), readme(results));
    writeFileSync(
      join(GOLDEN, 'index.json'),
      `${JSON.stringify(
        Object.fromEntries(
          results.map((r) => [r.name, { code: r.code, stdout: r.stdoutFile, stderr: r.stderrFile }]),
        ),
        null,
        2,
      )}\n`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
