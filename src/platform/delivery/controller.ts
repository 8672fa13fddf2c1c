/**
 * The controller's Kubernetes objects, built with cdk8s-plus-28 and turned into Helm templates: ServiceAccount,
 * least-privilege RBAC (from src/platform/delivery/controller-rbac.ts, one ClusterRole per flavor), Deployment, metrics Service,
 * PodDisruptionBudget, ServiceMonitor, and the FlowSchema that gives its Lease requests the leader-election
 * priority level.
 */
import { App, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { type Flavor, flavors } from '../compose/flavor.js';
import { controllerRbac, type PolicyRule } from './controller-rbac.js';
import type { JsonObject } from '../../core/json.js';
import { HelmTemplate, when } from './helm.js';
import { leaseFlowSchemaSpec } from './lease-priority.js';

/** The UID/GID the Dockerfile creates; the pod's securityContext uses the same numbers. */
export const CONTROLLER_UID = 65532;
const METRICS_PORT_NAME = 'metrics';
export const HEALTH_PATHS = { liveness: '/healthz', readiness: '/readyz', metrics: '/metrics' } as const;

const V = '.Values.controller';

function metadata(h: HelmTemplate, name: string, namespaced = true): JsonObject {
  return {
    name: h.value(name),
    ...(namespaced ? { namespace: h.value('.Release.Namespace') } : {}),
    labels: { [h.include('envstack.controllerLabels')]: null },
  };
}

function indented(n: number, lines: string[]): string {
  return lines.map((l) => ' '.repeat(n) + l).join('\n');
}

function withValues(h: HelmTemplate, path: string): string {
  return h.block((n) => indented(n, [`{{- with ${path} }}`, `{{- toYaml . | nindent ${n} }}`, '{{- end }}']));
}

function toJson(chart: Chart): JsonObject[] {
  return chart.toJson() as JsonObject[];
}

function serviceAccount(h: HelmTemplate): string {
  const chart = new Chart(new App(), 'sa');
  new kplus.ServiceAccount(chart, 'sa', {
    metadata: { name: 'placeholder' },
    automountToken: true,
  });
  const [obj] = toJson(chart);
  const patched = JsonPatch.apply(
    obj,
    JsonPatch.replace('/metadata', {
      ...metadata(h, 'include "envstack.serviceAccountName" .'),
      [h.withYaml('annotations', `${V}.serviceAccount.annotations`)]: null,
    }),
  );
  return when(`and ${V}.enabled ${V}.serviceAccount.create`, h.render([patched]));
}

function rbac(h: HelmTemplate): string {
  const sa = {
    kind: 'ServiceAccount',
    name: h.value('include "envstack.serviceAccountName" .'),
    namespace: h.value('.Release.Namespace'),
  };
  const role = (rules: PolicyRule[]): JsonObject[] => rules.map((r) => ({ ...r }) as unknown as JsonObject);
  const perFlavor = flavors.map((flavor: Flavor) => {
    const rules = controllerRbac(flavor);
    const objects: JsonObject[] = [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: metadata(h, 'include "envstack.controllerName" .', false),
        rules: role(rules.clusterRules) as unknown as JsonObject,
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: metadata(h, 'include "envstack.controllerName" .'),
        rules: role(rules.namespaceRules) as unknown as JsonObject,
      },
    ];
    return when(`eq .Values.flavor "${flavor}"`, h.render(objects));
  });
  const bindings: JsonObject[] = [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: metadata(h, 'include "envstack.controllerName" .', false),
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: h.value('include "envstack.controllerName" .'),
      },
      subjects: [sa],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: metadata(h, 'include "envstack.controllerName" .'),
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: h.value('include "envstack.controllerName" .'),
      },
      subjects: [sa],
    },
  ];
  return when(`${V}.enabled`, `${perFlavor.join('---\n')}---\n${h.render(bindings)}`);
}

function deployment(h: HelmTemplate): string {
  const chart = new Chart(new App(), 'deploy');
  const tmp = kplus.Volume.fromEmptyDir(chart, 'tmp', 'tmp', { sizeLimit: Size.mebibytes(64) });
  new kplus.Deployment(chart, 'controller', {
    metadata: { name: 'placeholder' },
    select: false,
    automountServiceAccountToken: true,
    securityContext: {
      ensureNonRoot: true,
      user: CONTROLLER_UID,
      group: CONTROLLER_UID,
      fsGroup: CONTROLLER_UID,
    },
    terminationGracePeriod: Duration.seconds(30),
    containers: [
      {
        name: 'controller',
        image: 'placeholder',
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        args: ['placeholder'],
        ports: [{ name: METRICS_PORT_NAME, number: 8080, protocol: kplus.Protocol.TCP }],
        envVariables: {
          POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
          POD_NAMESPACE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
          NODE_ENV: kplus.EnvValue.fromValue('production'),
        },
        liveness: kplus.Probe.fromHttpGet(HEALTH_PATHS.liveness, {
          port: 8080,
          initialDelaySeconds: Duration.seconds(10),
          periodSeconds: Duration.seconds(20),
          failureThreshold: 3,
        }),
        readiness: kplus.Probe.fromHttpGet(HEALTH_PATHS.readiness, {
          port: 8080,
          periodSeconds: Duration.seconds(10),
          failureThreshold: 3,
        }),
        securityContext: {
          ensureNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          privileged: false,
          user: CONTROLLER_UID,
          group: CONTROLLER_UID,
        },
        volumeMounts: [{ path: '/tmp', volume: tmp }],
      },
    ],
  });
  const pod = '/spec/template/spec';
  const container = `${pod}/containers/0`;
  const selector = { [h.include('envstack.selectorLabels')]: null };
  const patched = JsonPatch.apply(
    toJson(chart).find((o) => o.kind === 'Deployment'),
    JsonPatch.replace('/metadata', metadata(h, 'include "envstack.controllerName" .')),
    JsonPatch.replace('/spec/replicas', h.value(`${V}.replicas`)),
    JsonPatch.add('/spec/selector', { matchLabels: selector }),
    JsonPatch.add('/spec/revisionHistoryLimit', 5),
    JsonPatch.replace('/spec/template/metadata', {
      labels: {
        [h.include('envstack.selectorLabels')]: null,
        [withValues(h, `${V}.podLabels`)]: null,
      },
      [h.withYaml('annotations', `${V}.podAnnotations`)]: null,
    }),
    JsonPatch.add(`${pod}/serviceAccountName`, h.value('include "envstack.serviceAccountName" .')),
    JsonPatch.add(`${pod}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }),
    JsonPatch.replace(`${pod}/terminationGracePeriodSeconds`, h.value(`${V}.terminationGracePeriodSeconds`)),
    JsonPatch.add(`${pod}/${h.withYaml('imagePullSecrets', `${V}.imagePullSecrets`)}`, null),
    JsonPatch.add(`${pod}/${h.withYaml('nodeSelector', `${V}.nodeSelector`)}`, null),
    JsonPatch.add(`${pod}/${h.withYaml('tolerations', `${V}.tolerations`)}`, null),
    JsonPatch.add(`${pod}/${h.withYaml('affinity', `${V}.affinity`)}`, null),
    JsonPatch.add(
      `${pod}/${h.withYaml('topologySpreadConstraints', `${V}.topologySpreadConstraints`)}`,
      null,
    ),
    JsonPatch.add(
      `${pod}/${h.block((n) =>
        indented(n, [
          `{{- with ${V}.priorityClassName }}`,
          'priorityClassName: {{ . | quote }}',
          '{{- end }}',
        ]),
      )}`,
      null,
    ),
    JsonPatch.replace(`${container}/image`, h.value('include "envstack.image" . | quote')),
    JsonPatch.replace(`${container}/imagePullPolicy`, h.value(`${V}.image.pullPolicy`)),
    JsonPatch.remove(`${container}/args`),
    JsonPatch.add(
      `${container}/${h.block((n) =>
        indented(n, [
          'args:',
          '  - {{ printf "--flavor=%s" .Values.flavor | quote }}',
          `  - {{ printf "--metrics-port=%d" (int ${V}.metrics.port) | quote }}`,
          `  - {{ printf "--workers=%d" (int ${V}.workers) | quote }}`,
          `  {{- range ${V}.extraArgs }}`,
          '  - {{ . | quote }}',
          '  {{- end }}',
        ]),
      )}`,
      null,
    ),
    JsonPatch.replace(`${container}/ports/0/containerPort`, h.value(`${V}.metrics.port`)),
    JsonPatch.replace(`${container}/livenessProbe/httpGet/port`, METRICS_PORT_NAME),
    JsonPatch.replace(`${container}/readinessProbe/httpGet/port`, METRICS_PORT_NAME),
    JsonPatch.add(`${container}/securityContext/capabilities`, { drop: ['ALL'] }),
    JsonPatch.add(`${container}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }),
    JsonPatch.remove(`${container}/resources`),
    JsonPatch.add(`${container}/${h.withYaml('resources', `${V}.resources`)}`, null),
  );
  return when(`${V}.enabled`, h.render([patched]));
}

function service(h: HelmTemplate): string {
  const chart = new Chart(new App(), 'svc');
  new kplus.Service(chart, 'metrics', {
    metadata: { name: 'placeholder' },
    type: kplus.ServiceType.CLUSTER_IP,
    ports: [{ name: METRICS_PORT_NAME, port: 8080, targetPort: 8080, protocol: kplus.Protocol.TCP }],
  });
  const patched = JsonPatch.apply(
    toJson(chart)[0],
    JsonPatch.replace('/metadata', metadata(h, 'printf "%s-metrics" (include "envstack.controllerName" .)')),
    JsonPatch.add('/spec/selector', { [h.include('envstack.selectorLabels')]: null }),
    JsonPatch.replace('/spec/ports/0/port', h.value(`${V}.metrics.port`)),
    JsonPatch.replace('/spec/ports/0/targetPort', METRICS_PORT_NAME),
  );
  return when(`${V}.enabled`, h.render([patched]));
}

function podDisruptionBudget(h: HelmTemplate): string {
  const pdb: JsonObject = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(h, 'include "envstack.controllerName" .'),
    spec: {
      maxUnavailable: h.value(`${V}.podDisruptionBudget.maxUnavailable`),
      selector: { matchLabels: { [h.include('envstack.selectorLabels')]: null } },
    },
  };
  return when(
    `and ${V}.enabled ${V}.podDisruptionBudget.enabled (gt (int ${V}.replicas) 1)`,
    h.render([pdb]),
  );
}

function serviceMonitor(h: HelmTemplate): string {
  const monitor: JsonObject = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: {
      ...metadata(h, 'include "envstack.controllerName" .'),
      labels: {
        [h.include('envstack.controllerLabels')]: null,
        [withValues(h, `${V}.metrics.serviceMonitor.labels`)]: null,
      },
    },
    spec: {
      selector: { matchLabels: { [h.include('envstack.selectorLabels')]: null } },
      namespaceSelector: { matchNames: [h.value('.Release.Namespace')] },
      endpoints: [
        {
          port: METRICS_PORT_NAME,
          path: HEALTH_PATHS.metrics,
          interval: h.value(`${V}.metrics.serviceMonitor.interval`),
        },
      ],
    },
  };
  return when(`and ${V}.enabled ${V}.metrics.serviceMonitor.enabled`, h.render([monitor]));
}

function leaseFlowSchema(h: HelmTemplate): string {
  const namespace = h.value('.Release.Namespace');
  const spec = leaseFlowSchemaSpec(
    {
      kind: 'ServiceAccount',
      serviceAccount: { name: h.value('include "envstack.serviceAccountName" .'), namespace },
    },
    namespace,
    h.value(`${V}.leasePriorityLevel`),
  );
  const schema: JsonObject = {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'FlowSchema',
    metadata: metadata(h, 'printf "%s-leases" (include "envstack.controllerName" .)', false),
    spec,
  };
  return when(`and ${V}.enabled ${V}.leasePriorityLevel`, h.render([schema]));
}

/** Template files (relative to the chart's templates/) and their text. */
export function controllerTemplates(): Record<string, string> {
  const h = new HelmTemplate();
  return {
    'controller-serviceaccount.yaml': serviceAccount(h),
    'controller-rbac.yaml': rbac(h),
    'controller-deployment.yaml': deployment(h),
    'controller-service.yaml': service(h),
    'controller-pdb.yaml': podDisruptionBudget(h),
    'controller-servicemonitor.yaml': serviceMonitor(h),
    'controller-flowschema.yaml': leaseFlowSchema(h),
  };
}
