/**
 * `npm run bench`: medians of repeated runs, written to bench/results.json. Compare numbers from one
 * run only: the machines are noisy.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesize, writeSynthesized } from '../src/compose/app.js';
import { renderClaim } from '../src/render/service.js';
import { readDocuments } from '../src/cli/main.js';
import { record, summarize, timeRuns, type BenchEntry } from './stats.js';

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

const command = await timeRuns(RUNS, () => {
  const r = spawnSync(process.execPath, ['bin/envstack.js', 'render', 'examples/dev.yaml'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`envstack render failed: ${r.stderr.toString()}`);
});
entries['render.dev.command'] = summarize(command, 'ms');

record(results, entries);
for (const [name, e] of Object.entries(entries))
  console.log(`${name.padEnd(28)} median ${e.median} ${e.unit} (min ${e.min}, max ${e.max}, ${e.runs} runs)`);
