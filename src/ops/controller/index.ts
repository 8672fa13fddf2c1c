export {
  Controller,
  discoverResources,
  FIELD_MANAGER,
  type ControllerOptions,
  type ReconcileResult,
} from './controller.js';
export { trimManaged } from './trim.js';
export {
  computeStatus,
  ownedStatus,
  statusEquals,
  MAX_DRIFT_ITEMS,
  MAX_MESSAGE_LENGTH,
  MAX_VALUE_LENGTH,
  NO_LIMITS,
  STATUS_LIMITS,
  type ComputeInput,
  type ControllerStatus,
  type StatusLimits,
} from './status.js';
export { cachedRenderer, compositionRenderer, type RenderContext, type RenderDesired } from './desired.js';
export { EventRecorder, normalizeMessage, type EventSpec, type EventTarget } from './events.js';
export { Informer, type ResourceType } from './informer.js';
export { composedKinds, servedByCrds, servedByDiscovery, type KindRef } from './kinds.js';
export { ApiError } from './errors.js';
export { KubeClient, microTime } from './kube.js';
export { WorkQueue } from './queue.js';
export { LeaderElector, type LeaderElectionOptions } from './leader.js';
export { createMetrics, type ControllerMetrics } from './metrics.js';
export { startHealthServer } from './server.js';
export { jsonLogger, type Logger } from './log.js';
export {
  controllerRbac,
  pluralOf,
  type PolicyRule,
  type RbacRules,
} from '../../platform/delivery/controller-rbac.js';
export { runController, type RunControllerOptions, type RunningController } from './run.js';
export { readEnvironment, type EnvironmentView, type ReadOptions } from './read.js';
