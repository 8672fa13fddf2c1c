import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as run } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'envstack-cli-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

test('validate: the dev example is valid in both flavors', async () => {
  const r = await run('validate', 'examples/dev.yaml');
  expect(r.code).toBe(0);
  expect(r.err).toContain('examples/dev.yaml: valid');
});

test('validate: one line per problem, FILE: field.path: message, exit 1', async () => {
  const bad = file(
    'bad.yaml',
    'apiVersion: platform.envstack.dev/v1alpha1\nkind: PlatformEnvironment\nmetadata: {name: x}\nspec:\n  project: Payments\n  environment: qa\n  owner: me\n  region: eu-west-1\n  network: {cidr: 8.8.0.0/16}\n',
  );
  const r = await run('validate', bad);
  expect(r.code).toBe(1);
  const lines = r.out.split('\n');
  expect(lines).toEqual(
    expect.arrayContaining([
      expect.stringMatching(new RegExp(`^${bad}: spec\\.project: .*should match`)),
      expect.stringMatching(new RegExp(`^${bad}: spec\\.environment: Unsupported value: "qa"`)),
      // As the apiserver: after an Unsupported value the CEL rules (the CIDR's) are not evaluated.
      expect.stringMatching(
        new RegExp(`^${bad}: Invalid value: null: some validation rules were not checked`),
      ),
    ]),
  );
});

test.each([
  ['missing file', () => join(dir, 'nope.yaml'), /nope\.yaml: no such file/],
  ['bad YAML', () => file('broken.yaml', 'spec: [unclosed\n'), /broken\.yaml:\d+: not valid YAML/],
  [
    'wrong kind',
    () => file('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n'),
    /cm\.yaml: kind: must be PlatformEnvironment/,
  ],
  ['empty file', () => file('empty.yaml', '\n'), /empty\.yaml: no YAML document/],
])('validate: %s gives a clear message, no stack trace', async (_what, make, message) => {
  const r = await run('validate', make());
  expect(r.code).toBe(1);
  expect(r.out + r.err).toMatch(message);
  expect(r.out + r.err).not.toMatch(/\bat .*\.ts:\d+/);
});

test('render: prints the XR first, then composed resources sorted by name with Crossplane metadata', async () => {
  const r = await run('render', 'examples/dev.yaml');
  expect(r.code).toBe(0);
  const docs = r.out.split(/^---$/m).filter((d) => d.trim());
  expect(docs[0]).toMatch(/kind: XPlatformEnvironment/);
  const names = docs.slice(1).map((d) => /crossplane.io\/composition-resource-name: (\S+)/.exec(d)?.[1]);
  expect(names).toEqual([...names].sort());
  expect(docs[1]).toMatch(/generateName: payments-dev-\w{5}-/);
  expect(docs[1]).toMatch(/crossplane.io\/composite: payments-dev-\w{5}/);
  expect(docs[1]).toMatch(/ownerReferences:/);
});

test('render: bad flags and unknown commands exit 2 with usage', async () => {
  expect((await run('render', 'examples/dev.yaml', '--flavor', 'cluster')).code).toBe(2);
  expect((await run('frobnicate')).code).toBe(2);
});

test('render as a process writes all of a large render into a pipe before it exits', async () => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const expected = await run('render', 'examples/prod-dr.yaml');
  expect(expected.out.length).toBeGreaterThan(200_000);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'render', 'examples/prod-dr.yaml'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  expect(stdout).toBe(expected.out);
});

test('render reads the Composition through its JSON cache with the same result', async () => {
  const { readdirSync, rmSync } = await import('node:fs');
  const cache = 'node_modules/.cache/envstack';
  rmSync(cache, { recursive: true, force: true });
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const renderProcess = () =>
    promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'render', 'examples/dev.yaml', '--flavor', 'namespaced'],
      { maxBuffer: 64 * 1024 * 1024 },
    );
  const first = await renderProcess();
  // other test workers may cache the claim flavor meanwhile
  expect(readdirSync(cache).filter((f) => f.startsWith('namespaced-'))).toEqual([
    expect.stringMatching(/^namespaced-[0-9a-f]{16}-v1\.json$/),
  ]);
  const second = await renderProcess();
  expect(second.stdout).toBe(first.stdout);
  expect(second.stdout).toBe((await run('render', 'examples/dev.yaml', '--flavor', 'namespaced')).out);
});

test.each(['graph', 'lint'])(
  '%s: an unknown option exits 2 with the usage; -h prints it and exits 0',
  async (command) => {
    const bad = await run(command, '--bogus');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(new RegExp(`^envstack ${command}: .*Unknown option '--bogus'`));
    expect(bad.err).toContain(`Usage: envstack ${command}`);
    const help = await run(command, '-h');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(new RegExp(`^Usage: envstack ${command}`));
  },
);
