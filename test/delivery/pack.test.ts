// The npm package as a user gets it: `npm pack` (prepack builds dist/), installed into an empty project,
// then `npx envstack` there — the compiled CLI, the Compositions and the schema bundle, with no checkout
// and no ../shared/crds beside it.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(process.cwd());
const work = mkdtempSync(join(tmpdir(), 'envstack-pack-'));
const project = join(work, 'project');

/** The environment of a user's shell: no jest flags, no CRD folder, no server. */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.ENVSTACK_CRDS;
  delete env.ENVSTACK_SERVE_FILE;
  return env;
}

function npx(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync('npx', ['--no-install', 'envstack', ...args], {
    cwd: project,
    env: userEnv(),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

let tarball = '';
let files: string[] = [];

beforeAll(() => {
  const out = join(work, 'out');
  mkdirSync(out);
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', out], {
      cwd: repo,
      env: userEnv(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  ) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(out, packed[0].filename);
  files = packed[0].files.map((f) => f.path);
  mkdirSync(project);
  execFileSync('npm', ['init', '-y'], { cwd: project, env: userEnv(), stdio: 'ignore' });
  execFileSync(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball],
    {
      cwd: project,
      env: userEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

test('the tarball holds the compiled CLI, the Compositions, the XRDs and the schema bundle, and no tests', () => {
  expect(tarball).toMatch(/envstack-\d+\.\d+\.\d+\.tgz$/);
  for (const f of [
    'bin/envstack',
    'bin/envstack.js',
    'dist/cli/main.js',
    'compositions/claim.yaml',
    'compositions/namespaced.yaml',
    'xrds/claim.yaml',
    'schemas/crds.bundle.json.gz',
    'src/platform/lambda/api-handler.ts',
  ])
    expect(files).toContain(f);
  expect(
    files.filter((f) => /^(test|bench|scripts)\/|\.test\.|^src\/(?!platform\/lambda\/)/.test(f)),
  ).toEqual([]);
  // a start-up snapshot loads only where, and in the Node with which, it was built
  expect(files.filter((f) => f.endsWith('.blob'))).toEqual([]);
  expect(existsSync(join(project, 'node_modules', 'envstack', 'dist', 'cli', 'main.js'))).toBe(true);
  expect(existsSync(join(project, 'node_modules', 'envstack', 'src', 'cli'))).toBe(false);
});

test('npx envstack --help', () => {
  const r = npx('--help');
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toContain('envstack validate FILE...');
});

test('npx envstack render --converge prints what the checkout prints', () => {
  copyFileSync(join(repo, 'examples', 'dev.yaml'), join(project, 'claim.yaml'));
  const installed = npx('render', 'claim.yaml', '--converge');
  expect(installed.code).toBe(0);
  const checkout = execFileSync(
    process.execPath,
    [join(repo, 'bin', 'envstack.js'), 'render', 'examples/dev.yaml', '--converge'],
    {
      cwd: repo,
      env: { ...userEnv(), ENVSTACK_NO_SERVER: '1' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  expect(installed.out.length).toBeGreaterThan(10_000);
  expect(installed.out).toBe(checkout);

  const summary = npx('render', 'claim.yaml', '--converge', '--summary');
  expect(summary.code).toBe(0);
  expect(summary.out).toMatch(/VPC \(ec2\.aws\.upbound\.io\)\s+1\n/);
  expect(summary.out).toMatch(/TOTAL\s+\d+/);
});

test('npx envstack validate checks composed resources against the shipped schemas', () => {
  const ok = npx('validate', 'claim.yaml');
  expect(ok.err).toContain('claim.yaml: valid');
  expect(ok.code).toBe(0);

  writeFileSync(join(project, 'bad.yaml'), 'apiVersion: platform.envstack.dev/v1alpha1\nkind: Nope\n');
  const bad = npx('validate', 'bad.yaml');
  expect(bad.code).toBe(1);
  expect(bad.out).toContain('bad.yaml: kind: must be PlatformEnvironment');
});
