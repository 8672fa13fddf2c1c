/** function-auto-ready v0.7.0's built-in health checks for core Kubernetes kinds, keyed by apiVersion/kind. */
import type { JsonObject } from './fnapi.js';
import { getPath, isObject } from './unstructured.js';

export type HealthCheck = (obj: JsonObject) => boolean;

function int64Field(obj: JsonObject, ...path: string[]): number | undefined {
  const v = getPath(obj, path);
  return typeof v === 'number' ? Math.trunc(v) : undefined;
}

function stringField(obj: JsonObject, ...path: string[]): string | undefined {
  const v = getPath(obj, path);
  return typeof v === 'string' ? v : undefined;
}

function list(obj: JsonObject, ...path: string[]): unknown[] | undefined {
  const v = getPath(obj, path);
  return Array.isArray(v) ? v : undefined;
}

function conditionsOf(obj: JsonObject): JsonObject[] {
  return (list(obj, 'status', 'conditions') ?? []).filter(isObject);
}

const alwaysReady: HealthCheck = () => true;

const deployment: HealthCheck = (o) => {
  const replicas = int64Field(o, 'spec', 'replicas') ?? 1;
  const updated = int64Field(o, 'status', 'updatedReplicas');
  const available = int64Field(o, 'status', 'availableReplicas');
  if (updated === undefined || available === undefined) return false;
  if (replicas !== updated || replicas !== available) return false;
  if (list(o, 'status', 'conditions') === undefined) return false;
  return conditionsOf(o).some((c) => c.type === 'Available' && c.status === 'True');
};

const daemonSet: HealthCheck = (o) => {
  const want = int64Field(o, 'status', 'desiredNumberScheduled');
  const ready = int64Field(o, 'status', 'numberReady');
  const updated = int64Field(o, 'status', 'updatedNumberScheduled');
  const available = int64Field(o, 'status', 'numberAvailable');
  if (want === undefined || ready === undefined || updated === undefined || available === undefined)
    return false;
  return want === ready && updated === want && available === want;
};

const statefulSet: HealthCheck = (o) => {
  const replicas = int64Field(o, 'spec', 'replicas') ?? 1;
  const ready = int64Field(o, 'status', 'readyReplicas');
  const current = int64Field(o, 'status', 'currentReplicas');
  if (ready === undefined || current === undefined || replicas !== ready || replicas !== current)
    return false;
  const cur = stringField(o, 'status', 'currentRevision');
  const upd = stringField(o, 'status', 'updateRevision');
  return cur !== undefined && upd !== undefined && cur === upd;
};

const replicaSet: HealthCheck = (o) => {
  const observedGen = int64Field(o, 'status', 'observedGeneration') ?? 0;
  const gen = int64Field(o, 'metadata', 'generation') ?? 0;
  if (observedGen < gen) return false;
  if (conditionsOf(o).some((c) => c.type === 'ReplicaFailure' && c.status === 'True')) return false;
  return (int64Field(o, 'status', 'availableReplicas') ?? 0) >= (int64Field(o, 'spec', 'replicas') ?? 1);
};

const loadBalancerIngress = (o: JsonObject): boolean =>
  (list(o, 'status', 'loadBalancer', 'ingress') ?? []).length > 0;

const service: HealthCheck = (o) => {
  const type = stringField(o, 'spec', 'type') ?? 'ClusterIP';
  return type !== 'LoadBalancer' || loadBalancerIngress(o);
};

const job: HealthCheck = (o) => {
  for (const c of conditionsOf(o)) {
    if ((c.type === 'Failed' || c.type === 'Suspended') && c.status === 'True') return false;
    if (c.type === 'Complete' && c.status === 'True') return true;
  }
  return false;
};

const cronJob: HealthCheck = (o) => {
  if (getPath(o, ['spec', 'suspend']) === true) return true;
  const lastSchedule = stringField(o, 'status', 'lastScheduleTime');
  if (lastSchedule === undefined) return false;
  if ((list(o, 'status', 'active') ?? []).length > 0) return true;
  const lastSuccess = stringField(o, 'status', 'lastSuccessfulTime');
  if (lastSuccess === undefined) return false;
  return Date.parse(lastSuccess) >= Date.parse(lastSchedule);
};

const hpa: HealthCheck = (o) => {
  for (const c of conditionsOf(o)) {
    const failing = ['FailedGetScale', 'FailedUpdateScale', 'FailedGetResourceMetric', 'InvalidSelector'];
    if (typeof c.type === 'string' && failing.includes(c.type) && c.status === 'True') return false;
    if ((c.type === 'ScalingActive' || c.type === 'ScalingLimited') && c.status === 'True') return true;
  }
  return false;
};

const pvc: HealthCheck = (o) => stringField(o, 'status', 'phase') === 'Bound';

const pod: HealthCheck = (o) => {
  const phase = stringField(o, 'status', 'phase');
  if (phase === 'Succeeded') return true;
  if (phase !== 'Running' || stringField(o, 'spec', 'restartPolicy') !== 'Always') return false;
  return conditionsOf(o).some((c) => c.type === 'Ready' && c.status === 'True');
};

const CHECKS: Record<string, HealthCheck> = {
  'v1/ConfigMap': alwaysReady,
  'v1/Namespace': alwaysReady,
  'v1/Secret': alwaysReady,
  'v1/ServiceAccount': alwaysReady,
  'v1/Service': service,
  'v1/PersistentVolumeClaim': pvc,
  'v1/Pod': pod,
  'apps/v1/Deployment': deployment,
  'apps/v1/DaemonSet': daemonSet,
  'apps/v1/StatefulSet': statefulSet,
  'apps/v1/ReplicaSet': replicaSet,
  'batch/v1/Job': job,
  'batch/v1/CronJob': cronJob,
  'autoscaling/v2/HorizontalPodAutoscaler': hpa,
  'networking.k8s.io/v1/Ingress': loadBalancerIngress,
};

export function healthCheckFor(obj: JsonObject): HealthCheck | undefined {
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  return CHECKS[`${apiVersion}/${kind}`];
}
