/**
 * The controller as the benchmark runs it: its own process, so its memory is measured alone, and
 * compiled (dist/, `npm run build`) as the image runs it: under tsx the same process holds ~90 MiB
 * more (the loader, transformed sources and their source maps). Plain JavaScript for that reason. Options
 * come from the environment (bench/controller.ts sets them): ENVSTACK_SPEC_DRIFT (1), ENVSTACK_RESYNC_MS,
 * ENVSTACK_PAGE_SIZE (500), ENVSTACK_WORKERS (4, the chart's default), ENVSTACK_LEADER_ELECTION (0).
 *
 * Every second it prints a line `{"mem":{…}}` (RSS, V8 heap used and total, external memory, in MiB),
 * and on exit one line with the high-water marks.
 */
import { setInterval } from 'node:timers';
import { runController } from '../dist/ops/controller/index.js';
import { jsonLogger } from '../dist/ops/controller/log.js';

const level = process.env.ENVSTACK_LOG_LEVEL ?? 'warn';
const MiB = 1024 * 1024;
const peak = { heapUsedMiB: 0, heapTotalMiB: 0, externalMiB: 0, rssMiB: 0 };
/** @returns {Record<string, number>} */
const sample = () => {
  const m = process.memoryUsage();
  const now = {
    rssMiB: m.rss / MiB,
    heapUsedMiB: m.heapUsed / MiB,
    heapTotalMiB: m.heapTotal / MiB,
    externalMiB: (m.external + m.arrayBuffers) / MiB,
  };
  for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], now[k]);
  return now;
};
const timer = setInterval(() => {
  const now = sample();
  const cpu = process.cpuUsage();
  process.stdout.write(
    `${JSON.stringify({ mem: now, cpuS: (cpu.user + cpu.system) / 1e6, at: Date.now() })}\n`,
  );
}, 1000);
timer.unref();
process.on('exit', () => {
  sample();
  // maxRSS is in KiB: the high-water mark of the whole run.
  const rssKiB = process.memoryUsage().rss / 1024;
  const cpu = process.cpuUsage();
  process.stdout.write(
    `${JSON.stringify({
      peakRssKiB: process.resourceUsage().maxRSS,
      rssKiB,
      peak,
      cpuS: (cpu.user + cpu.system) / 1e6,
    })}\n`,
  );
});
const resync = process.env.ENVSTACK_RESYNC_MS;
const running = await runController({
  flavor: 'claim',
  specDrift: process.env.ENVSTACK_SPEC_DRIFT !== '0',
  leaderElection: process.env.ENVSTACK_LEADER_ELECTION === '1',
  leaseNamespace: process.env.ENVSTACK_LEASE_NAMESPACE ?? 'envstack-system',
  metricsPort: 0,
  metricsHost: '127.0.0.1',
  workers: Number(process.env.ENVSTACK_WORKERS ?? 4),
  ...(resync ? { resyncMs: Number(resync) } : {}),
  informer: { pageSize: Number(process.env.ENVSTACK_PAGE_SIZE ?? 500) },
  log: jsonLogger(undefined, level),
});
process.stdout.write(`${JSON.stringify({ listening: running.health.url })}\n`);
