/** The controller process: informers, leader election, health and metrics servers, around one Controller. */
import { KubeConfig } from '@kubernetes/client-node';
import { hostname } from 'node:os';
import type { Flavor } from '../../platform/compose/flavor.js';
import { Controller, describe, type ControllerOptions } from './controller.js';
import { cachedRenderer, compositionRenderer, type RenderDesired } from './desired.js';
import type { ResourceType } from './informer.js';
import { defaultKubeConfig } from './kube.js';
import { LeaderElector } from './leader.js';
import { jsonLogger, type Logger } from './log.js';
import { createMetrics } from './metrics.js';
import { startHealthServer, type HealthServer } from './server.js';
import { trimDesired } from './status.js';

export interface RunControllerOptions {
  kubeConfig?: KubeConfig;
  flavor?: Flavor;
  group?: string;
  workers?: number;
  /** Default true: only the Lease holder reconciles. */
  leaderElection?: boolean;
  leaseNamespace?: string;
  leaseName?: string;
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  metricsPort?: number;
  metricsHost?: string;
  /** Default true: spec drift against the XR's CompositionRevision (or the built-in Composition). */
  specDrift?: boolean;
  renderDesired?: RenderDesired;
  resources?: ResourceType[];
  resyncMs?: number;
  informer?: ControllerOptions['informer'];
  /** Where CRDs cannot be watched: how often discovery is re-read (default 30 s). */
  discoveryIntervalMs?: number;
  /** Deadline of each status write and Event call (default 10 s). */
  requestTimeoutMs?: number;
  log?: Logger;
  /** Default true: SIGTERM/SIGINT stop gracefully and exit 0. */
  handleSignals?: boolean;
}

export interface RunningController {
  controller: Controller;
  elector?: LeaderElector;
  health: HealthServer;
  /** Stop taking work, finish the reconcile in flight, release the Lease, close everything. */
  stop(): Promise<void>;
}

export async function runController(opts: RunControllerOptions = {}): Promise<RunningController> {
  const log = opts.log ?? jsonLogger();
  const kc = opts.kubeConfig ?? defaultKubeConfig();
  const flavor = opts.flavor ?? 'claim';
  const identity = opts.identity ?? process.env.POD_NAME ?? `${hostname()}-${process.pid}`;
  const metrics = createMetrics();
  let renderDesired = opts.renderDesired;
  if (!renderDesired && opts.specDrift !== false) {
    try {
      renderDesired = cachedRenderer(await compositionRenderer(flavor, opts.group), { keep: trimDesired });
    } catch (err) {
      log('warn', 'composition not available; spec drift disabled', { error: describe(err) });
    }
  }
  let elector: LeaderElector | undefined;
  const controller = new Controller({
    kubeConfig: kc,
    flavor,
    group: opts.group,
    workers: opts.workers,
    renderDesired,
    resources: opts.resources,
    resyncMs: opts.resyncMs,
    informer: opts.informer,
    discoveryIntervalMs: opts.discoveryIntervalMs,
    requestTimeoutMs: opts.requestTimeoutMs,
    metrics,
    log,
    identity,
    // A standby never writes; a leader stops writing at its renew deadline.
    writeFence: () => (elector ? elector.validUntil : Number.POSITIVE_INFINITY),
  });
  const notReady = (): string | undefined => {
    if (!controller.synced) return 'informers not synced';
    if (elector && !elector.healthy) return 'leader election failing: neither leading nor standing by';
    return undefined;
  };
  const health = await startHealthServer({
    registry: metrics.registry,
    ready: () => notReady() === undefined,
    readyDetail: () => notReady() ?? 'ok',
    port: opts.metricsPort ?? 8080,
    host: opts.metricsHost,
  });
  await controller.start();
  const lead = async (): Promise<void> => {
    await controller.waitForSync();
    if (elector && !elector.isLeader) return;
    metrics.isLeader.set(1);
    controller.startWorkers();
  };
  if (opts.leaderElection === false) {
    void lead();
  } else {
    elector = new LeaderElector({
      kubeConfig: kc,
      namespace: opts.leaseNamespace ?? process.env.POD_NAMESPACE ?? 'envstack-system',
      name: opts.leaseName ?? 'envstack-controller',
      identity,
      leaseDurationMs: opts.leaseDurationMs,
      renewDeadlineMs: opts.renewDeadlineMs,
      retryPeriodMs: opts.retryPeriodMs,
      log,
      onStartedLeading: () => void lead(),
      onStoppedLeading: async () => {
        metrics.isLeader.set(0);
        await controller.stopWorkers();
      },
    });
    elector.start();
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      log('info', 'shutting down', {});
      await controller.stopWorkers();
      await elector?.stop();
      await controller.stop();
      await health.close();
      log('info', 'stopped', {});
    })());
  if (opts.handleSignals !== false) {
    const onSignal = (signal: string): void => {
      log('info', 'signal received', { signal });
      stop().then(
        () => process.exit(0),
        (err: unknown) => {
          log('error', 'shutdown failed', { error: describe(err) });
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  }
  return { controller, elector, health, stop };
}
