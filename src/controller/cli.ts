/** Entry points the `envstack` CLI wires: `controller`, `status NAME -n NS [--watch]`, `drift NAME -n NS`. */
import { CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import { hostname } from 'node:os';
import type { Flavor } from '../compose/flavor.js';
import { API_VERSION, apiNames, DEFAULT_GROUP } from '../compose/xrd.js';
import { Controller, describe, type ControllerOptions } from './controller.js';
import { cachedRenderer, compositionRenderer, type RenderDesired } from './desired.js';
import type { ResourceType } from './informer.js';
import { LeaderElector } from './leader.js';
import { jsonLogger, type Logger } from './log.js';
import { createMetrics } from './metrics.js';
import { isObject, type KObject } from './object.js';
import { startHealthServer, type HealthServer } from './server.js';
import { compareComponents, type ControllerStatus } from './status.js';

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
  /** Default true: spec drift against the installed Composition rendered in-process. */
  specDrift?: boolean;
  renderDesired?: RenderDesired;
  resources?: ResourceType[];
  resyncMs?: number;
  informer?: ControllerOptions['informer'];
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
      renderDesired = cachedRenderer(await compositionRenderer(flavor, opts.group));
    } catch (err) {
      log('warn', 'composition not available; spec drift disabled', { error: describe(err) });
    }
  }
  const controller = new Controller({
    kubeConfig: kc,
    flavor,
    group: opts.group,
    workers: opts.workers,
    renderDesired,
    resources: opts.resources,
    resyncMs: opts.resyncMs,
    informer: opts.informer,
    metrics,
    log,
    identity,
  });
  const health = await startHealthServer({
    registry: metrics.registry,
    ready: () => controller.synced,
    port: opts.metricsPort ?? 8080,
    host: opts.metricsHost,
  });
  await controller.start();
  let elector: LeaderElector | undefined;
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

function defaultKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

export interface ReadOptions {
  flavor?: Flavor;
  group?: string;
  kubeConfig?: KubeConfig;
  out?: (text: string) => void;
}

/** The XR behind NAME/NS: through the claim's spec.resourceRef (claim flavor) or the namespaced XR itself. */
export async function readComposite(
  name: string,
  namespace: string,
  opts: ReadOptions = {},
): Promise<KObject> {
  const kc = opts.kubeConfig ?? defaultKubeConfig();
  const flavor = opts.flavor ?? 'claim';
  const names = apiNames(flavor, opts.group ?? DEFAULT_GROUP);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const base = { group: names.group, version: API_VERSION };
  if (flavor === 'namespaced')
    return (await custom.getNamespacedCustomObject({
      ...base,
      plural: names.compositePlural,
      namespace,
      name,
    })) as KObject;
  const claim = (await custom.getNamespacedCustomObject({
    ...base,
    plural: 'platformenvironments',
    namespace,
    name,
  })) as KObject;
  const ref = isObject(claim.spec) && isObject(claim.spec.resourceRef) ? claim.spec.resourceRef : undefined;
  if (!ref || typeof ref.name !== 'string')
    throw new Error(`${namespace}/${name} is not bound to a composite resource yet (no spec.resourceRef)`);
  return (await custom.getClusterCustomObject({
    ...base,
    plural: names.compositePlural,
    name: ref.name,
  })) as KObject;
}

function bar(ready: number, total: number, width = 20): string {
  const filled = total === 0 ? 0 : Math.round((ready / total) * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

function age(since: string | undefined, now: Date): string {
  if (!since) return '';
  const s = Math.max(0, Math.round((now.getTime() - new Date(since).getTime()) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

export function formatStatus(title: string, xr: KObject, now = new Date()): string {
  const status = (isObject(xr.status) ? xr.status : {}) as Partial<ControllerStatus>;
  const lines = [
    `${title}  phase: ${status.phase ?? 'Unknown'}  ready: ${status.componentsReady ?? '-'}  drift: ${status.drift?.count ?? 0}`,
  ];
  const components = status.components ?? {};
  const width = Math.max(10, ...Object.keys(components).map((k) => k.length));
  for (const k of Object.keys(components).sort(compareComponents)) {
    const c = components[k];
    lines.push(`  ${k.padEnd(width)}  ${bar(c.ready, c.total)}  ${c.ready}/${c.total}`);
  }
  const b = status.blockingError;
  if (b) {
    lines.push(
      `blocking: ${b.kind} ${b.resource}${b.reason ? ` (${b.reason})` : ''}${b.since ? `, for ${age(b.since, now)}` : ''}`,
    );
    lines.push(`  ${b.message}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface StatusCommandOptions extends ReadOptions {
  watch?: boolean;
  /** Ends --watch. */
  signal?: AbortSignal;
}

export async function statusCommand(
  name: string,
  namespace: string,
  opts: StatusCommandOptions = {},
): Promise<void> {
  const out = opts.out ?? ((t: string) => void process.stdout.write(t));
  const kc = opts.kubeConfig ?? defaultKubeConfig();
  const xr = await readComposite(name, namespace, { ...opts, kubeConfig: kc });
  const title = `${namespace}/${name}`;
  out(formatStatus(title, xr));
  if (!opts.watch) return;
  const names = apiNames(opts.flavor ?? 'claim', opts.group ?? DEFAULT_GROUP);
  const xrNs = xr.metadata?.namespace;
  const path = `/apis/${names.group}/${API_VERSION}${xrNs ? `/namespaces/${xrNs}` : ''}/${names.compositePlural}`;
  let last = formatStatus(title, xr);
  let rv = xr.metadata?.resourceVersion;
  while (!opts.signal?.aborted) {
    await new Promise<void>((resolve) => {
      const onEvent = (type: string, obj: KObject): void => {
        if (type !== 'ADDED' && type !== 'MODIFIED') return;
        rv = obj.metadata?.resourceVersion ?? rv;
        const text = formatStatus(title, obj);
        if (text !== last) out(text);
        last = text;
      };
      new Watch(kc)
        .watch(
          path,
          { fieldSelector: `metadata.name=${xr.metadata?.name}`, resourceVersion: rv },
          onEvent,
          () => resolve(),
        )
        .then(
          (controller) => opts.signal?.addEventListener('abort', () => controller.abort()),
          () => resolve(),
        );
    });
  }
}

export function formatDrift(xr: KObject, now = new Date()): string {
  const status = (isObject(xr.status) ? xr.status : {}) as Partial<ControllerStatus>;
  const items = status.drift?.items ?? [];
  if (items.length === 0) return 'No drift.\n';
  const rows = [
    ['RESOURCE', 'KIND', 'TYPE', 'FIELD', 'WANT', 'HAVE', 'SINCE'],
    ...items.map((i) => [
      i.resource,
      i.kind,
      i.type,
      i.field,
      i.want ?? '<unset>',
      i.have ?? '<unset>',
      age(i.since, now),
    ]),
  ].map((r) => r.map((cell) => (cell.length > 60 ? `${cell.slice(0, 57)}...` : cell)));
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const text = rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  const more =
    (status.drift?.count ?? 0) > items.length
      ? `\n(${status.drift?.count} drifted fields, first ${items.length} shown)`
      : '';
  return `${text}${more}\n`;
}

export async function driftCommand(name: string, namespace: string, opts: ReadOptions = {}): Promise<void> {
  const out = opts.out ?? ((t: string) => void process.stdout.write(t));
  out(formatDrift(await readComposite(name, namespace, opts)));
}
