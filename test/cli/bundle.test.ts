// The bundle (`npm run bundle`, scripts/bundle.mjs): it prints what the TypeScript sources print, render
// loads only what rendering needs, and bin/envstack.js runs it exactly when it is built and fresh.
import { execFile, execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  BUNDLE_DIR,
  freshBundle,
  freshSnapshot,
  MANIFEST,
  snapshotFile,
  type BundleManifest,
} from '../../bin/bundle.js';
import { SNAPSHOTS } from '../../src/cli/snapshot.js';

const execFileAsync = promisify(execFile);
const repo = resolve('.');
const big = { maxBuffer: 64 * 1024 * 1024 };
const noServer = { ...process.env, ENVSTACK_NO_SERVER: '1' };

let manifest: BundleManifest;

beforeAll(async () => {
  // Built unless a fresh one is there already (then it was built from these very sources).
  if (!freshBundle(repo) || !freshSnapshot(repo))
    await execFileAsync(process.execPath, ['scripts/bundle.mjs']);
  manifest = JSON.parse(readFileSync(join(repo, BUNDLE_DIR, MANIFEST), 'utf8')) as BundleManifest;
}, 60_000);

/** `node bin/envstack.js ARGS` with no server: the bundle, or with ENVSTACK_NO_BUNDLE the sources via tsx. */
async function envstack(args: string[], env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ['bin/envstack.js', ...args], {
      ...big,
      env,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('the bundle', () => {
  it('is fresh, and its manifest lists the sources and packages it was built from', () => {
    expect(freshBundle(repo)).toBe(join(repo, BUNDLE_DIR, 'cli', 'envstack.mjs'));
    expect(manifest.inputs).toEqual(
      expect.arrayContaining([
        'src/cli/main.ts',
        'src/engine/render/engine.ts',
        // what the precomputed OpenAPI schemas come from
        'src/platform/api/schema.ts',
        'src/platform/api/profiles.ts',
        'package.json',
        // the packages bundled in, by their package.json
        'node_modules/js-yaml/package.json',
        'node_modules/@marcbachmann/cel-js/package.json',
      ]),
    );
    expect(
      manifest.inputs.filter(
        (f) => f.includes('node_modules/') && !/^node_modules\/(@[^/]+\/)?[^/]+\/package\.json$/.test(f),
      ),
    ).toEqual([]);
  });

  it.each([
    [['render', 'examples/prod-dr.yaml']],
    [['render', 'examples/dev.yaml', '--converge', '--summary']],
    [['render', 'examples/prod-dr.yaml', '--flavor', 'namespaced', '-r']],
    [['render', 'examples/missing.yaml']],
  ])('prints what the sources print: envstack %j', async (args) => {
    const [bundled, source] = await Promise.all([
      envstack(args, noServer),
      envstack(args, { ...noServer, ENVSTACK_NO_BUNDLE: '1' }),
    ]);
    expect(bundled).toEqual(source);
    if (args[1] === 'examples/prod-dr.yaml') expect(bundled.stdout.length).toBeGreaterThan(200_000);
  });

  it.each([
    [['render', 'examples/prod-dr.yaml'], /node_modules\/(zod|cdk8s|constructs|@kubernetes)\//],
    [
      ['validate', 'examples/prod-dr.yaml', '--flavor', 'both'],
      /node_modules\/(zod|cdk8s|constructs|@kubernetes)\//,
    ],
    // zod checks the price tables the cost rule reads
    [['lint', 'examples/prod-dr.yaml'], /node_modules\/(cdk8s|constructs|@kubernetes)\//],
    [['graph', 'examples/prod-dr.yaml'], /node_modules\/(zod|cdk8s|constructs|@kubernetes)\//],
  ])('envstack %j imports nothing from node_modules, and holds no %s', async (args, unwanted) => {
    // A resolve hook that reports every module the command imports.
    const hooks = `export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write('IMPORT ' + r.url + '\\n'); return r; }`;
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      [
        '--import',
        `data:text/javascript,${encodeURIComponent(register)}`,
        join(BUNDLE_DIR, manifest.entry),
        ...args,
      ],
      big,
    );
    expect(stdout.length + stderr.length).toBeGreaterThan(0);
    const imported = stderr
      .split('\n')
      .filter((l) => l.startsWith('IMPORT file:'))
      .map((l) => l.slice('IMPORT file://'.length));
    const chunks = imported.filter((f) => f.includes(`/${BUNDLE_DIR}/chunks/`));
    expect(chunks.length).toBeGreaterThan(0);
    expect(imported.filter((f) => f.includes('/node_modules/'))).toEqual([]);
    for (const chunk of chunks) expect(readFileSync(chunk, 'utf8')).not.toMatch(unwanted);
  });

  it('holds what those commands skip all the same', () => {
    const all = readdirSync(join(BUNDLE_DIR, 'chunks')).filter((f) => f.endsWith('.mjs'));
    expect(
      all.some((f) => /node_modules\/zod\//.test(readFileSync(join(BUNDLE_DIR, 'chunks', f), 'utf8'))),
    ).toBe(true);
  });
});

describe('bin/envstack.js', () => {
  // A package of its own: bin/ as it is, stand-ins for the sources, the bundle and dist/ that say who ran.
  let root: string;
  const stub = (who: string) =>
    `export async function main(argv) { console.log(${JSON.stringify(who)} + ' ' + argv.join(' ')); return 0; }\n`;
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const past = new Date(Date.now() - 3_600_000);
  const writeManifest = (builtAt: number) =>
    write(
      join(BUNDLE_DIR, MANIFEST),
      JSON.stringify({ builtAt, entry: 'cli/envstack.mjs', inputs: ['src/cli/main.ts', 'package.json'] }),
    );
  const who = async (args: string[], env: NodeJS.ProcessEnv = {}) =>
    (
      await execFileAsync(process.execPath, [join(root, 'bin', 'envstack.js'), ...args], {
        env: { ...noServer, ...env },
      })
    ).stdout.trim();

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'envstack-bin-'));
    for (const f of ['envstack.js', 'bundle.js', 'server-client.js'])
      write(join('bin', f), readFileSync(join(repo, 'bin', f), 'utf8'));
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
    write('package.json', '{ "type": "module" }\n');
    write('src/cli/main.ts', stub('source'));
    write(join(BUNDLE_DIR, 'cli', 'envstack.mjs'), stub('bundle'));
    write('dist/cli/main.js', stub('dist'));
    for (const f of ['package.json', 'src/cli/main.ts']) utimesSync(join(root, f), past, past);
    writeManifest(Date.now());
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('runs the bundle when it is fresh', async () => {
    expect(await who(['render', 'x.yaml'])).toBe('bundle render x.yaml');
    expect(await who(['lint'])).toBe('bundle lint');
  });

  it('runs the sources when asked to, and for the long-lived commands', async () => {
    expect(await who(['render', 'x.yaml'], { ENVSTACK_NO_BUNDLE: '1' })).toBe('source render x.yaml');
    expect(await who(['serve'])).toBe('source serve');
    expect(await who(['controller'])).toBe('source controller');
  });

  it('runs the sources once a source is newer than the bundle, or gone', async () => {
    const now = new Date();
    utimesSync(join(root, 'src/cli/main.ts'), now, now);
    try {
      expect(await who(['render', 'x.yaml'])).toBe('source render x.yaml');
    } finally {
      utimesSync(join(root, 'src/cli/main.ts'), past, past);
    }
    expect(await who(['render', 'x.yaml'])).toBe('bundle render x.yaml');
    writeManifest(past.getTime() - 1000);
    try {
      expect(await who(['render', 'x.yaml'])).toBe('source render x.yaml');
    } finally {
      writeManifest(Date.now());
    }
  });

  it('in a package without sources, runs the bundle when built, else dist/', async () => {
    copyFileSync(join(root, 'src/cli/main.ts'), join(root, 'main.ts.saved'));
    rmSync(join(root, 'src'), { recursive: true });
    writeManifest(past.getTime() - 1000); // stale or not: there is nothing to be stale against
    expect(await who(['serve'])).toBe('bundle serve');
    rmSync(join(root, BUNDLE_DIR), { recursive: true });
    expect(await who(['render', 'x.yaml'])).toBe('dist render x.yaml');
  });
});

describe('the start-up snapshot', () => {
  // bin/envstack runs it only with no NODE_OPTIONS (jest's own would keep it out)
  const { NODE_OPTIONS: _, ...clean }: NodeJS.ProcessEnv = noServer;
  const hostType = execFileSync('bash', ['-c', 'echo $HOSTTYPE'], { encoding: 'utf8' }).trim();

  /** bin/envstack ARGS as a user runs it with no server, saying on stderr what ran the command. */
  async function bash(args: string[], env: NodeJS.ProcessEnv = {}) {
    try {
      const { stdout, stderr } = await execFileAsync(join(repo, 'bin', 'envstack'), args, {
        ...big,
        env: { ...clean, ENVSTACK_SHOW_RUNTIME: '1', ...env },
      });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  }
  const runtimeOf = (stderr: string) => /^envstack: runtime (\w+)/m.exec(stderr)?.[1];
  const withoutRuntime = (stderr: string) => stderr.replace(/^envstack: runtime .*\n/m, '');

  it('is built, one per SNAPSHOTS entry, for this Node and machine, with what the warm-up read among its inputs', () => {
    expect(Object.keys(manifest.snapshots!)).toEqual(Object.keys(SNAPSHOTS));
    for (const name of Object.keys(SNAPSHOTS)) {
      expect(manifest.snapshots![name]).toBe(`snapshot-${name}-${process.version}-${hostType}.blob`);
      expect(manifest.snapshots![name]).toBe(snapshotFile(name));
      expect(existsSync(join(repo, BUNDLE_DIR, manifest.snapshots![name]))).toBe(true);
    }
    expect(manifest.snapshotInputs).toEqual(
      expect.arrayContaining(['compositions/claim.yaml', 'schemas/crds.bundle.json.gz']),
    );
    expect(manifest.inputs).toContain('src/cli/snapshot.ts');
    expect(freshSnapshot(repo)).toBe(true);
  });

  it.each([
    [['render', 'examples/prod-dr.yaml']],
    [['render', 'examples/staging.yaml', '--flavor', 'namespaced', '-r']],
    [['render', 'examples/dev.yaml', '--converge', '--summary']],
    [['render', 'examples/missing.yaml']],
    [['validate', 'examples/prod-dr.yaml', '--flavor', 'both']],
    [['validate', 'test/cli/bundle.test.ts']],
    [['lint', 'examples/prod.yaml', '-o', 'json']],
    [['graph', 'examples/prod-dr.yaml', '-o', 'dot']],
    [['render', '--help']],
  ])('answers envstack %j as the sources do', async (args) => {
    const [snapshot, source] = await Promise.all([bash(args), bash(args, { ENVSTACK_NO_BUNDLE: '1' })]);
    expect(runtimeOf(snapshot.stderr)).toBe('snapshot');
    const name = args[0] === 'render' ? 'render' : 'check';
    expect(snapshot.stderr).toContain(`${BUNDLE_DIR}/${manifest.snapshots![name]}`);
    expect(runtimeOf(source.stderr)).toBe('sources');
    expect({ ...snapshot, stderr: withoutRuntime(snapshot.stderr) }).toEqual({
      ...source,
      stderr: withoutRuntime(source.stderr),
    });
  });

  it('stands aside for ENVSTACK_NO_SNAPSHOT, NODE_OPTIONS and the commands that keep running', async () => {
    const args = ['render', 'examples/dev.yaml', '--summary'];
    expect(runtimeOf((await bash(args, { ENVSTACK_NO_SNAPSHOT: '1' })).stderr)).toBe('bundle');
    expect(runtimeOf((await bash(args, { NODE_OPTIONS: '--no-warnings' })).stderr)).toBe('bundle');
    expect(runtimeOf((await bash(['cost', 'examples/dev.yaml'])).stderr)).toBe('bundle');
  });

  it('starts the offline commands without NODE_EXTRA_CA_CERTS, and keeps it for those that reach a cluster', async () => {
    // Node reads the file at start-up and warns when it cannot: the warning shows who read it.
    const env = { NODE_EXTRA_CA_CERTS: join(tmpdir(), 'envstack-no-such-ca.pem') };
    const read = (stderr: string) => stderr.includes('Ignoring extra certs from');
    const offline = await Promise.all([
      bash(['render', 'examples/dev.yaml', '--summary'], env),
      bash(['lint', 'examples/dev.yaml'], { ...env, ENVSTACK_NO_SNAPSHOT: '1' }),
    ]);
    expect(offline.map((r) => [r.code, runtimeOf(r.stderr), read(r.stderr)])).toEqual([
      [0, 'snapshot', false],
      [0, 'bundle', false],
    ]);
    const cluster = await bash(['status', '--help'], env);
    expect(read(cluster.stderr)).toBe(true);
  });

  it('stands aside once a file it was built from changed, or for a node installed after it', async () => {
    const args = ['render', 'examples/dev.yaml', '--summary'];
    const composition = join(repo, 'compositions', 'claim.yaml');
    const { atime, mtime } = statSync(composition);
    utimesSync(composition, atime, new Date());
    try {
      expect(freshSnapshot(repo)).toBe(false);
      // the bundle reads the Composition when it runs, so it is still fresh
      expect(freshBundle(repo)).toBeTruthy();
      expect(runtimeOf((await bash(args)).stderr)).toBe('bundle');
    } finally {
      utimesSync(composition, atime, mtime);
    }
    expect(runtimeOf((await bash(args)).stderr)).toBe('snapshot');

    const newNode = mkdtempSync(join(tmpdir(), 'envstack-node-'));
    try {
      writeFileSync(join(newNode, 'node'), `#!/bin/sh\nexec ${process.execPath} "$@"\n`, { mode: 0o755 });
      const PATH = `${newNode}:${process.env.PATH}`;
      expect(runtimeOf((await bash(args, { PATH })).stderr)).toBe('bundle');
    } finally {
      rmSync(newNode, { recursive: true, force: true });
    }
  });

  it('outside the package it was built in, hands the command to that package’s bin/envstack.js', async () => {
    const moved = mkdtempSync(join(tmpdir(), 'envstack-moved-'));
    try {
      mkdirSync(join(moved, BUNDLE_DIR), { recursive: true });
      mkdirSync(join(moved, 'bin'));
      const blob = manifest.snapshots!.render;
      copyFileSync(join(repo, BUNDLE_DIR, blob), join(moved, BUNDLE_DIR, blob));
      writeFileSync(
        join(moved, 'bin', 'envstack.js'),
        'console.log(["moved", ...process.argv.slice(2), process.env.ENVSTACK_NO_SNAPSHOT].join(" ")); process.exitCode = 3;\n',
      );
      const r = await execFileAsync(
        process.execPath,
        ['--snapshot-blob', join(moved, BUNDLE_DIR, blob), 'render', 'x.yaml'],
        { env: clean },
      ).catch((e: { code: number; stdout: string }) => e);
      expect(r).toMatchObject({ code: 3, stdout: 'moved render x.yaml 1\n' });
    } finally {
      rmSync(moved, { recursive: true, force: true });
    }
  });
});
