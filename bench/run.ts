/**
 * `npm run bench`: medians of repeated runs, written to bench/results.json. Compare numbers from one
 * run only: the machines are noisy.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { record, summarize, timeRuns, type BenchEntry } from './stats.js';

/** The compiled code (`npm run build`), as the image ships it; `npm run bench` builds it first. */
async function compiled<T>(path: string): Promise<T> {
  const url = new URL(`../dist/${path}`, import.meta.url);
  if (!existsSync(url)) throw new Error(`no dist/${path}: run npm run build (npm run bench does)`);
  return (await import(url.href)) as T;
}
const cli = 'dist/cli/main.js';

const execFileAsync = promisify(execFile);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const results = new URL('./results.json', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'envstack-bench-'));
const entries: Record<string, BenchEntry> = {};
/** `tsx bench/run.ts [synth] [render] [vs-crossplane]`: those parts only; all three without arguments. */
const SECTIONS = ['synth', 'render', 'vs-crossplane'];
const asked = process.argv.slice(2);
for (const a of asked)
  if (!SECTIONS.includes(a)) throw new Error(`bench/run.ts: no part "${a}" (${SECTIONS.join(', ')})`);
const part = (name: string) => asked.length === 0 || asked.includes(name);

async function readDocuments(file: string) {
  return (await compiled<typeof import('../src/cli/documents.js')>('cli/documents.js')).readDocuments(file);
}

if (part('synth')) {
  const { synthesize, writeSynthesized } =
    await compiled<typeof import('../src/platform/compose/app.js')>('platform/compose/app.js');
  entries['synth.full'] = summarize(
    await timeRuns(RUNS, async () => writeSynthesized(out, await synthesize())),
    'ms',
  );
}

async function renderEntries(example: string): Promise<void> {
  const { renderClaim } = await compiled<typeof import('../src/platform/render/service.js')>(
    'platform/render/service.js',
  );
  const [claim] = await readDocuments(`examples/${example}.yaml`);
  await renderClaim({ claim, flavor: 'claim' }); // warm: loads the Composition once, as a long-lived process would
  entries[`render.${example}.inprocess`] = summarize(
    await timeRuns(RUNS, () => renderClaim({ claim, flavor: 'claim' })),
    'ms',
  );
}
if (part('render')) {
  await renderEntries('dev');
  await renderEntries('prod-dr');

  // The compiled CLI (`npm run build`), as the container image runs it.
  const command = await timeRuns(RUNS, () => {
    const r = spawnSync(process.execPath, [cli, 'render', 'examples/dev.yaml'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    if (r.status !== 0) throw new Error(`envstack render failed: ${r.stderr.toString()}`);
  });
  entries['render.dev.command'] = summarize(command, 'ms');
}

if (part('vs-crossplane')) Object.assign(entries, await versusCrossplane());

/** Starts `envstack serve` (compiled), announced in a file of the bench's own, and waits until it listens. */
async function startServer(addressFile: string): Promise<{ stop: () => Promise<void> }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--address-file', addressFile, '--idle-timeout', '0'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let waited = 0; !log.includes('listening on'); waited += 100) {
    if (waited > 120_000 || child.exitCode !== null) throw new Error(`envstack serve did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * crossplane render against envstack render for the prod-dr claim, whole commands alternating in one
 * loop. crossplane render runs with its three functions already up as Development-runtime servers, the
 * way the conformance suite runs it. envstack render runs as a user runs it: bin/envstack with
 * `envstack serve` up (the server is envstack's counterpart to the function servers), and cold, in a
 * fresh Node process with no server: the start-up snapshot and the bundle (`npm run bundle`) that
 * bin/envstack picks when they are built, the compiled dist/ (as the image runs it), and the TypeScript
 * through tsx (a checkout with no bundle).
 */
async function versusCrossplane(): Promise<Record<string, BenchEntry>> {
  const { writeFileSync } = await import('node:fs');
  const { startFunctions, TOOLS_BIN } = await import('../test/conformance/functions.js');
  const crossplane = join(TOOLS_BIN, 'crossplane');
  if (!existsSync(crossplane))
    throw new Error('render.vs-crossplane needs the real CLI: run npm run tools:install');
  const { freshBundle, freshSnapshot } = await import('../bin/bundle.js');
  if (!freshBundle(process.cwd()) || !freshSnapshot(process.cwd()))
    throw new Error(
      'render.vs-crossplane.cold needs a fresh bundle and start-up snapshot: run npm run bundle (npm run bench does)',
    );
  const { claimToXr } = await import('../src/platform/render/claim.js');
  const { loadComposition } = await import('../src/platform/render/service.js');
  const { toYaml } = await import('../src/platform/compose/app.js');
  const claimFile = 'examples/prod-dr.yaml';
  const [claim] = await readDocuments(claimFile);
  writeFileSync(join(out, 'xr.yaml'), toYaml([claimToXr(claim, { flavor: 'claim' })]));
  writeFileSync(join(out, 'composition.yaml'), toYaml([await loadComposition('claim')]));
  const addressFile = join(out, 'serve', 'envstack.addr');
  const fns = await startFunctions();
  const server = await startServer(addressFile);
  const big = { maxBuffer: 256 * 1024 * 1024 };
  const servedEnv = { ...process.env, ENVSTACK_SERVE_FILE: addressFile };
  const noServer = { ...process.env, ENVSTACK_NO_SERVER: '1' };
  const commands: Record<string, () => Promise<unknown>> = {
    crossplane: () =>
      execFileAsync(
        crossplane,
        ['render', join(out, 'xr.yaml'), join(out, 'composition.yaml'), fns.functionsFile],
        big,
      ),
    served: () => execFileAsync('bin/envstack', ['render', claimFile], { ...big, env: servedEnv }),
    servedNode: () =>
      execFileAsync(process.execPath, ['bin/envstack.js', 'render', claimFile], { ...big, env: servedEnv }),
    snapshot: () => execFileAsync('bin/envstack', ['render', claimFile], { ...big, env: noServer }),
    bundle: () =>
      execFileAsync('bin/envstack', ['render', claimFile], {
        ...big,
        env: { ...noServer, ENVSTACK_NO_SNAPSHOT: '1' },
      }),
    dist: () => execFileAsync(process.execPath, [cli, 'render', claimFile], big),
    tsx: () =>
      execFileAsync('bin/envstack', ['render', claimFile], {
        ...big,
        env: { ...noServer, ENVSTACK_NO_BUNDLE: '1' },
      }),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  try {
    const runs = Math.max(5, RUNS);
    // Each command starts on a quiet machine: the function servers finish their garbage collection after
    // a render, and would otherwise tax whichever command follows crossplane render.
    const settle = () => new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < runs; i++) {
      for (const [name, run] of Object.entries(commands)) {
        await settle();
        // Asynchronous: the functions are this process's children, and their log pipes need its event loop.
        const [t] = await timeRuns(1, run);
        times[name].push(t);
      }
    }
  } finally {
    await server.stop();
    await fns.stop();
  }
  const median = (xs: number[]) => summarize(xs, 'ms').median;
  const versus = (name: string, note: string) =>
    summarize(
      times.crossplane.map((c, i) => c / times[name][i]),
      'ratio',
      {
        claim: claimFile,
        crossplaneMedianMs: median(times.crossplane),
        envstackMedianMs: median(times[name]),
        note,
      },
    );
  return {
    'render.vs-crossplane': versus(
      'served',
      'whole commands, alternating; envstack render with envstack serve up; median = crossplane time / envstack time',
    ),
    'render.vs-crossplane.node-client': versus(
      'servedNode',
      'the same loop: node bin/envstack.js with envstack serve up (pays Node start-up)',
    ),
    'render.vs-crossplane.cold': versus(
      'snapshot',
      'the same loop: bin/envstack render with no server (ENVSTACK_NO_SERVER=1), a fresh Node process started from the start-up snapshot (npm run bundle)',
    ),
    'render.vs-crossplane.cold-bundle': versus(
      'bundle',
      'the same loop: as .cold without the snapshot (ENVSTACK_NO_SNAPSHOT=1): a fresh Node process loading the bundle',
    ),
    'render.vs-crossplane.cold-dist': versus(
      'dist',
      'the same loop: the compiled CLI (node dist/cli/main.js) in a fresh process, no server',
    ),
    'render.vs-crossplane.cold-tsx': versus(
      'tsx',
      'the same loop: bin/envstack render with no server and no bundle (ENVSTACK_NO_BUNDLE=1): the TypeScript through tsx',
    ),
    'render.prod-dr.served': summarize(times.served, 'ms'),
    'render.prod-dr.command': summarize(times.dist, 'ms'),
    'render.prod-dr.bundle': summarize(times.bundle, 'ms'),
    'render.prod-dr.snapshot': summarize(times.snapshot, 'ms'),
  };
}

record(results, entries);
for (const [name, e] of Object.entries(entries))
  console.log(`${name.padEnd(28)} median ${e.median} ${e.unit} (min ${e.min}, max ${e.max}, ${e.runs} runs)`);
