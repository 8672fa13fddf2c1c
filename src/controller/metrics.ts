/** Prometheus metrics on a registry of the controller's own (never prom-client's global one). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ControllerMetrics {
  registry: Registry;
  reconcileTotal: Counter<'result'>;
  reconcileDuration: Histogram<'result'>;
  queueDepth: Gauge;
  informerRestarts: Counter<'resource'>;
  informerRelists: Counter<'resource'>;
  environments: Gauge<'phase'>;
  driftedResources: Gauge<'environment' | 'kind'>;
  statusWrites: Counter;
  isLeader: Gauge;
}

export const PHASES = ['Provisioning', 'Ready', 'Degraded', 'Deleting'] as const;

export function createMetrics(): ControllerMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    reconcileTotal: new Counter({
      name: 'envstack_controller_reconcile_total',
      help: 'Reconciles by result: written, unchanged, gone, error.',
      labelNames: ['result'],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'envstack_controller_reconcile_duration_seconds',
      help: 'Time to reconcile one environment.',
      labelNames: ['result'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'envstack_controller_queue_depth',
      help: 'Environments waiting to be reconciled.',
      registers,
    }),
    informerRestarts: new Counter({
      name: 'envstack_controller_informer_restarts_total',
      help: 'Watch restarts after an error, by resource.',
      labelNames: ['resource'],
      registers,
    }),
    informerRelists: new Counter({
      name: 'envstack_controller_informer_relists_total',
      help: 'Full relists (after 410 Gone or a failed watch), by resource.',
      labelNames: ['resource'],
      registers,
    }),
    environments: new Gauge({
      name: 'envstack_environments',
      help: 'Environments by phase.',
      labelNames: ['phase'],
      registers,
    }),
    driftedResources: new Gauge({
      name: 'envstack_drifted_resources',
      help: 'Managed resources with drift, by environment and kind.',
      labelNames: ['environment', 'kind'],
      registers,
    }),
    statusWrites: new Counter({
      name: 'envstack_controller_status_writes_total',
      help: 'Status writes (server-side apply) to composite resources.',
      registers,
    }),
    isLeader: new Gauge({
      name: 'envstack_controller_leader',
      help: '1 while this replica holds the lease.',
      registers,
    }),
  };
}
