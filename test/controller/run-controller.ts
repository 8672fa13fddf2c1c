/** A controller process for scenarios that need a real process (SIGTERM, crash, two replicas). */
import { runController } from '../../src/ops/controller/index.js';
import type { Flavor } from '../../src/platform/compose/flavor.js';

const env = process.env;
const running = await runController({
  flavor: (env.ENVSTACK_FLAVOR as Flavor | undefined) ?? 'claim',
  identity: env.ENVSTACK_IDENTITY,
  leaseNamespace: 'envstack-system',
  leaseDurationMs: Number(env.ENVSTACK_LEASE_MS ?? 6000),
  renewDeadlineMs: Number(env.ENVSTACK_RENEW_MS ?? 4000),
  retryPeriodMs: Number(env.ENVSTACK_RETRY_MS ?? 500),
  metricsPort: 0,
  metricsHost: '127.0.0.1',
});
process.stderr.write(`${JSON.stringify({ level: 'info', msg: 'listening', url: running.health.url })}\n`);
