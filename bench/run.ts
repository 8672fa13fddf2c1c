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
const { synthesize, writeSynthesized } =
  await compiled<typeof import('../src/platform/compose/app.js')>('compose/app.js');
const { renderClaim } =
  await compiled<typeof import('../src/platform/render/service.js')>('render/service.js');
const { readDocuments } = await compiled<typeof import('../src/cli/documents.js')>('cli/documents.js');

const execFileAsync = promisify(execFile);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const results = new URL('./results.json', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'envstack-bench-'));
const entries: Record<string, BenchEntry> = {};

entries['synth.full'] = summarize(
  await timeRuns(RUNS, async () => writeSynthesized(out, await synthesize())),
  'ms',
);

async function renderEntries(example: string): Promise<void> {
  const [claim] = readDocuments(`examples/${example}.yaml`);
  await renderClaim({ claim, flavor: 'claim' }); // warm: loads the Composition once, as a long-lived process would
  entries[`render.${example}.inprocess`] = summarize(
    await timeRuns(RUNS, () => renderClaim({ claim, flavor: 'claim' })),
    'ms',
  );
}
await renderEntries('dev');
await renderEntries('prod-dr');

// The compiled CLI (`npm run build`), as the container image runs it.
const cli = 'dist/cli/main.js';
const command = await timeRuns(RUNS, () => {
  const r = spawnSync(process.execPath, [cli, 'render', 'examples/dev.yaml'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`envstack render failed: ${r.stderr.toString()}`);
});
entries['render.dev.command'] = summarize(command, 'ms');

Object.assign(entries, await versusCrossplane());

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
 * loop: `envstack render` as a user runs it with `envstack serve` up (bin/envstack, the package's
 * command, answered by the server), and the compiled CLI alone (a fresh Node process that loads everything). crossplane render runs
 * with its three functions already up as Development-runtime servers, the way the conformance suite
 * runs it; the server is envstack's counterpart to those.
 */
async function versusCrossplane(): Promise<Record<string, BenchEntry>> {
  const { existsSync, writeFileSync } = await import('node:fs');
  const { startFunctions, TOOLS_BIN } = await import('../test/conformance/functions.js');
  const crossplane = join(TOOLS_BIN, 'crossplane');
  if (!existsSync(crossplane))
    throw new Error('render.vs-crossplane needs the real CLI: run npm run tools:install');
  const { claimToXr } = await import('../src/platform/render/claim.js');
  const { loadComposition } = await import('../src/platform/render/service.js');
  const { toYaml } = await import('../src/platform/compose/app.js');
  const claimFile = 'examples/prod-dr.yaml';
  const [claim] = readDocuments(claimFile);
  writeFileSync(join(out, 'xr.yaml'), toYaml([claimToXr(claim, { flavor: 'claim' })]));
  writeFileSync(join(out, 'composition.yaml'), toYaml([await loadComposition('claim')]));
  const addressFile = join(out, 'serve', 'envstack.addr');
  const fns = await startFunctions();
  const server = await startServer(addressFile);
  const times = {
    crossplane: [] as number[],
    served: [] as number[],
    servedNode: [] as number[],
    alone: [] as number[],
  };
  const ratios = { served: [] as number[], servedNode: [] as number[], alone: [] as number[] };
  const big = { maxBuffer: 256 * 1024 * 1024 };
  try {
    const runs = Math.max(5, RUNS);
    // Each command starts on a quiet machine: the function servers finish their garbage collection after
    // a render, and would otherwise tax whichever command follows crossplane render.
    const settle = () => new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < runs; i++) {
      await settle();
      // Asynchronous: the functions are this process's children, and their log pipes need its event loop.
      const [c] = await timeRuns(1, () =>
        execFileAsync(
          crossplane,
          ['render', join(out, 'xr.yaml'), join(out, 'composition.yaml'), fns.functionsFile],
          big,
        ),
      );
      await settle();
      const [s] = await timeRuns(1, () =>
        execFileAsync('bin/envstack', ['render', claimFile], {
          ...big,
          env: { ...process.env, ENVSTACK_SERVE_FILE: addressFile },
        }),
      );
      await settle();
      const [n] = await timeRuns(1, () =>
        execFileAsync(process.execPath, ['bin/envstack.js', 'render', claimFile], {
          ...big,
          env: { ...process.env, ENVSTACK_SERVE_FILE: addressFile },
        }),
      );
      await settle();
      const [a] = await timeRuns(1, () => execFileAsync(process.execPath, [cli, 'render', claimFile], big));
      times.crossplane.push(c);
      times.served.push(s);
      times.alone.push(a);
      times.servedNode.push(n);
      ratios.servedNode.push(c / n);
      ratios.served.push(c / s);
      ratios.alone.push(c / a);
    }
  } finally {
    await server.stop();
    await fns.stop();
  }
  const median = (xs: number[]) => summarize(xs, 'ms').median;
  return {
    'render.vs-crossplane': summarize(ratios.served, 'ratio', {
      claim: claimFile,
      crossplaneMedianMs: median(times.crossplane),
      envstackMedianMs: median(times.served),
      note: 'whole commands, alternating; envstack render with envstack serve up; median = crossplane time / envstack time',
    }),
    'render.vs-crossplane.node-client': summarize(ratios.servedNode, 'ratio', {
      claim: claimFile,
      crossplaneMedianMs: median(times.crossplane),
      envstackMedianMs: median(times.servedNode),
      note: 'the same loop: node bin/envstack.js with envstack serve up (pays Node start-up)',
    }),
    'render.vs-crossplane.cold': summarize(ratios.alone, 'ratio', {
      claim: claimFile,
      crossplaneMedianMs: median(times.crossplane),
      envstackMedianMs: median(times.alone),
      note: 'the same loop: the compiled CLI in a fresh process, no server',
    }),
    'render.prod-dr.served': summarize(times.served, 'ms'),
    'render.prod-dr.command': summarize(times.alone, 'ms'),
  };
}

record(results, entries);
for (const [name, e] of Object.entries(entries))
  console.log(`${name.padEnd(28)} median ${e.median} ${e.unit} (min ${e.min}, max ${e.max}, ${e.runs} runs)`);
