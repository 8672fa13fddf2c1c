/** The controller as the benchmark runs it: its own process, so its memory is measured alone. */
import { runController } from '../src/controller/index.js';
import { jsonLogger, type Level } from '../src/controller/log.js';

const level = (process.env.ENVSTACK_LOG_LEVEL ?? 'warn') as Level;
process.on('exit', () => {
  // maxRSS is in KiB: the high-water mark of the whole run.
  const rssKiB = process.memoryUsage().rss / 1024;
  process.stdout.write(`${JSON.stringify({ peakRssKiB: process.resourceUsage().maxRSS, rssKiB })}\n`);
});
const running = await runController({
  flavor: 'claim',
  specDrift: false,
  leaseNamespace: 'default',
  metricsPort: 0,
  metricsHost: '127.0.0.1',
  workers: Number(process.env.ENVSTACK_WORKERS ?? 2),
  // The fake API server copies the whole collection for every page; a real one serves pages cheaply.
  informer: { pageSize: Number(process.env.ENVSTACK_PAGE_SIZE ?? 500) },
  log: jsonLogger(undefined, level),
});
process.stderr.write(`${JSON.stringify({ level: 'info', msg: 'listening', url: running.health.url })}\n`);
