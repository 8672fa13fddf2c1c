export {
  FakeApiServer,
  startFakeApiServer,
  type DropMode,
  type FakeApiServerOptions,
  type FaultSpec,
  type LatencySpec,
  type RequestInfo,
  type RequestMatch,
} from './server.js';
export { kubeConfigFor, kubeConfigYaml } from './kubeconfig.js';
export {
  CORE_KINDS,
  type KubeObject,
  type ManagedFieldsEntry,
  type RequestRecord,
  type ResourceKind,
} from './types.js';
