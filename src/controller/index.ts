export {
  Controller,
  discoverResources,
  FIELD_MANAGER,
  type ControllerOptions,
  type ReconcileResult,
} from './controller.js';
export {
  computeStatus,
  ownedStatus,
  statusEquals,
  type ComputeInput,
  type ControllerStatus,
} from './status.js';
export { cachedRenderer, compositionRenderer, type RenderDesired } from './desired.js';
export { Informer, type ResourceType } from './informer.js';
export { WorkQueue } from './queue.js';
export { LeaderElector, type LeaderElectionOptions } from './leader.js';
export { createMetrics, type ControllerMetrics } from './metrics.js';
export { startHealthServer } from './server.js';
export { jsonLogger, type Logger } from './log.js';
export { controllerRbac, pluralOf, type PolicyRule, type RbacRules } from './rbac.js';
export {
  driftCommand,
  formatDrift,
  formatStatus,
  runController,
  statusCommand,
  type RunControllerOptions,
  type RunningController,
} from './cli.js';
