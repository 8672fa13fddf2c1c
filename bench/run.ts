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
  await compiled<typeof import('../src/compose/app.js')>('compose/app.js');
const { renderClaim } = await compiled<typeof import('../src/render/service.js')>('render/service.js');
const { readDocuments } = await compiled<typeof import('../src/cli/main.js')>('cli/main.js');

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

entries['render.vs-crossplane'] = await versusCrossplane();

async function versusCrossplane(): Promise<BenchEntry> {
  const { existsSync, writeFileSync } = await import('node:fs');
  const { startFunctions, TOOLS_BIN } = await import('../test/conformance/functions.js');
  const crossplane = join(TOOLS_BIN, 'crossplane');
  if (!existsSync(crossplane))
    throw new Error('render.vs-crossplane needs the real CLI: run npm run tools:install');
  const { claimToXr } = await import('../src/render/claim.js');
  const { loadComposition } = await import('../src/render/service.js');
  const { toYaml } = await import('../src/compose/app.js');
  const [claim] = readDocuments('examples/prod-dr.yaml');
  writeFileSync(join(out, 'xr.yaml'), toYaml([claimToXr(claim, { flavor: 'claim' })]));
  writeFileSync(join(out, 'composition.yaml'), toYaml([await loadComposition('claim')]));
  const fns = await startFunctions();
  const ratios: number[] = [];
  const times = { crossplane: [] as number[], envstack: [] as number[] };
  try {
    const runs = Math.max(5, Math.floor(RUNS / 2));
    for (let i = 0; i < runs; i++) {
      // Asynchronous: the functions are this process's children, and their log pipes need its event loop.
      const [c] = await timeRuns(1, () =>
        execFileAsync(
          crossplane,
          ['render', join(out, 'xr.yaml'), join(out, 'composition.yaml'), fns.functionsFile],
          {
            maxBuffer: 256 * 1024 * 1024,
          },
        ),
      );
      const [e] = await timeRuns(1, () =>
        execFileAsync(process.execPath, [cli, 'render', 'examples/prod-dr.yaml'], {
          maxBuffer: 256 * 1024 * 1024,
        }),
      );
      times.crossplane.push(c);
      times.envstack.push(e);
      ratios.push(c / e);
    }
  } finally {
    await fns.stop();
  }
  const median = (xs: number[]) => summarize(xs, 'ms').median;
  return summarize(ratios, 'ratio', {
    claim: 'examples/prod-dr.yaml',
    crossplaneMedianMs: median(times.crossplane),
    envstackMedianMs: median(times.envstack),
    note: 'whole commands, alternating; median = crossplane time / envstack time',
  });
}

record(results, entries);
for (const [name, e] of Object.entries(entries))
  console.log(`${name.padEnd(28)} median ${e.median} ${e.unit} (min ${e.min}, max ${e.max}, ${e.runs} runs)`);
