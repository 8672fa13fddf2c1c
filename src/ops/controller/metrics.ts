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
  /** 1 for the phase an environment is in (one series per environment). */
  environmentPhase: Gauge<'environment' | 'phase'>;
  /** Composed resources of an environment: ready and total (two series per environment). */
  environmentResources: Gauge<'environment' | 'state'>;
  /** Drifted fields of an environment (one series per environment). */
  environmentDrift: Gauge<'environment'>;
  /** Drifted managed resources by kind, over all environments (bounded by the kinds composed). */
  driftedResources: Gauge<'kind'>;
  statusWrites: Counter;
  isLeader: Gauge;
  managedKinds: Gauge;
  events: Counter<'operation'>;
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
    environmentPhase: new Gauge({
      name: 'envstack_environment_phase',
      help: 'The phase of each environment (1; one series per environment).',
      labelNames: ['environment', 'phase'],
      registers,
    }),
    environmentResources: new Gauge({
      name: 'envstack_environment_resources',
      help: 'Composed resources of each environment, by state (ready, total).',
      labelNames: ['environment', 'state'],
      registers,
    }),
    environmentDrift: new Gauge({
      name: 'envstack_environment_drifted_fields',
      help: 'Drifted fields (spec and cloud) of each environment.',
      labelNames: ['environment'],
      registers,
    }),
    driftedResources: new Gauge({
      name: 'envstack_drifted_resources',
      help: 'Managed resources with drift, by kind, over all environments.',
      labelNames: ['kind'],
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
    managedKinds: new Gauge({
      name: 'envstack_controller_managed_kinds',
      help: 'Managed-resource kinds the cluster serves and the controller watches.',
      registers,
    }),
    events: new Counter({
      name: 'envstack_controller_events_total',
      help: 'Events recorded: created, or an identical one counted again (updated).',
      labelNames: ['operation'],
      registers,
    }),
  };
}
