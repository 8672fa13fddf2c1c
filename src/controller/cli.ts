/** Entry points the `envstack` CLI wires: `controller`, `status NAME -n NS [--watch]`, `drift NAME -n NS`. */
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { hostname } from 'node:os';
import type { Flavor } from '../compose/flavor.js';
import { API_VERSION, apiNames, DEFAULT_GROUP } from '../compose/xrd.js';
import { Controller, describe, type ControllerOptions } from './controller.js';
import { cachedRenderer, compositionRenderer, type RenderDesired } from './desired.js';
import type { ResourceType } from './informer.js';
import { KubeClient, resourcePath, statusCodeOf } from './kube.js';
import { LeaderElector } from './leader.js';
import { jsonLogger, type Logger } from './log.js';
import { createMetrics } from './metrics.js';
import { isObject, type KObject } from './object.js';
import { pluralOf } from './rbac.js';
import { startHealthServer, type HealthServer } from './server.js';
import {
  compareComponents,
  computeStatus,
  isTruncated,
  NO_LIMITS,
  trimDesired,
  type ControllerStatus,
  type DriftItem,
} from './status.js';

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

function defaultKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

export interface ReadOptions {
  group?: string;
  kubeConfig?: KubeConfig;
  out?: (text: string) => void;
}

/** What `envstack status` and `envstack drift` read: the object whose status users see, and the XR. */
export interface EnvironmentView {
  /** The claim (claim flavor) or the namespaced XR. */
  object: KObject;
  /** The status shown: the claim's (Crossplane copies it from the XR) or, before that, the XR's. */
  status: Partial<ControllerStatus>;
  /** The XR, when it could be read. */
  xr?: KObject;
  /** Where `status` came from, for --watch. */
  source: { path: string; namespace?: string; name: string };
}

const hasOwnStatus = (o: KObject | undefined): boolean =>
  isObject(o?.status) && typeof o.status.phase === 'string';

/**
 * NAME in NS is a PlatformEnvironment: a claim bound to a cluster-scoped XR through spec.resourceRef
 * (claim flavor), or the namespaced XR itself. Either way the flavor need not be given.
 */
export async function readEnvironment(
  name: string,
  namespace: string,
  opts: ReadOptions = {},
): Promise<EnvironmentView> {
  const client = new KubeClient(opts.kubeConfig ?? defaultKubeConfig());
  try {
    return await readWith(client, name, namespace, opts.group ?? DEFAULT_GROUP);
  } finally {
    client.close();
  }
}

async function readWith(
  client: KubeClient,
  name: string,
  namespace: string,
  group: string,
): Promise<EnvironmentView> {
  const plural = 'platformenvironments';
  const type = { group, version: API_VERSION, plural };
  const objPath = resourcePath(type, namespace, name);
  const object = await client.request<KObject>('GET', objPath);
  const spec = isObject(object.spec) ? object.spec : {};
  const ref = isObject(spec.resourceRef) ? spec.resourceRef : undefined;
  const collection = { path: resourcePath(type, namespace), namespace, name };
  if (!ref) {
    if (isObject(spec.crossplane) || hasOwnStatus(object))
      return { object, status: object.status ?? {}, xr: object, source: collection };
    throw new Error(`${namespace}/${name} is not bound to a composite resource yet (no spec.resourceRef)`);
  }
  if (typeof ref.name !== 'string') throw new Error(`${namespace}/${name}: spec.resourceRef has no name`);
  const xrType = { group, version: API_VERSION, plural: apiNames('claim', group).compositePlural };
  let xr: KObject | undefined;
  try {
    xr = await client.request<KObject>('GET', resourcePath(xrType, undefined, ref.name));
  } catch (err) {
    // A team may read its claims and not the cluster-scoped XRs: the claim's status is what it sees.
    if (statusCodeOf(err) !== 403 && statusCodeOf(err) !== 404) throw err;
  }
  if (hasOwnStatus(object) || !xr) return { object, status: object.status ?? {}, xr, source: collection };
  return { object, status: xr.status ?? {}, xr, source: { path: resourcePath(xrType), name: ref.name } };
}

/** @deprecated use readEnvironment: the XR behind NAME/NS. */
export async function readComposite(
  name: string,
  namespace: string,
  opts: ReadOptions = {},
): Promise<KObject> {
  const view = await readEnvironment(name, namespace, opts);
  if (!view.xr) throw new Error(`${namespace}/${name}: the composite resource cannot be read`);
  return view.xr;
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

const statusOf = (o: KObject): Partial<ControllerStatus> =>
  (isObject(o.status) ? o.status : {}) as Partial<ControllerStatus>;

/** The status as `envstack status` prints it: phase, ready/total, drift, each component, the blocking error. */
export function formatStatus(
  title: string,
  xrOrStatus: KObject | Partial<ControllerStatus>,
  now = new Date(),
): string {
  const status =
    'phase' in xrOrStatus || 'drift' in xrOrStatus
      ? (xrOrStatus as Partial<ControllerStatus>)
      : statusOf(xrOrStatus as KObject);
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
  const drift = status.drift;
  if (drift && drift.count > 0) {
    const shown = drift.items?.length ?? 0;
    lines.push(
      `drift: ${drift.spec ?? 0} spec, ${drift.cloud ?? 0} cloud${shown < drift.count ? ` (${drift.count - shown} not in the status)` : ''}: envstack drift`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export interface StatusCommandOptions extends ReadOptions {
  /** Print again on every change until the environment is Ready. */
  watch?: boolean;
  /** Ends --watch early. */
  signal?: AbortSignal;
  /** @deprecated the flavor is read from the object. */
  flavor?: Flavor;
}

export async function statusCommand(
  name: string,
  namespace: string,
  opts: StatusCommandOptions = {},
): Promise<void> {
  const out = opts.out ?? ((t: string) => void process.stdout.write(t));
  const kc = opts.kubeConfig ?? defaultKubeConfig();
  let view = await readEnvironment(name, namespace, { ...opts, kubeConfig: kc });
  const title = `${namespace}/${name}`;
  let last = formatStatus(title, view.status);
  out(last);
  if (!opts.watch) return;
  const ready = (s: Partial<ControllerStatus>): boolean => s.phase === 'Ready';
  let rv = (view.source.name === view.object.metadata?.name ? view.object : view.xr)?.metadata
    ?.resourceVersion;
  while (!opts.signal?.aborted && !ready(view.status)) {
    const status = await new Promise<Partial<ControllerStatus> | 'relist' | 'ended'>((resolve) => {
      let result: Partial<ControllerStatus> | 'relist' | 'ended' = 'ended';
      let abortWatch: (() => void) | undefined;
      const onAbort = (): void => abortWatch?.();
      const onEvent = (type: string, obj: KObject): void => {
        if (type === 'ERROR') {
          result = 'relist';
          return abortWatch?.();
        }
        if (type !== 'ADDED' && type !== 'MODIFIED') return;
        rv = obj.metadata?.resourceVersion ?? rv;
        const s = statusOf(obj);
        const text = formatStatus(title, s);
        if (text !== last) out(text);
        last = text;
        if (ready(s)) {
          result = s;
          abortWatch?.();
        }
      };
      new Watch(kc)
        .watch(
          view.source.path,
          {
            fieldSelector: `metadata.name=${view.source.name}`,
            resourceVersion: rv,
            allowWatchBookmarks: false,
          },
          onEvent,
          () => {
            opts.signal?.removeEventListener('abort', onAbort);
            resolve(result);
          },
        )
        .then(
          (controller) => {
            abortWatch = () => controller.abort();
            opts.signal?.addEventListener('abort', onAbort);
            if (opts.signal?.aborted) controller.abort();
          },
          () => resolve('relist'),
        );
    });
    if (status === 'relist') {
      await new Promise((r) => setTimeout(r, 500));
      view = await readEnvironment(name, namespace, { ...opts, kubeConfig: kc });
      rv = (view.source.name === view.object.metadata?.name ? view.object : view.xr)?.metadata
        ?.resourceVersion;
      const text = formatStatus(title, view.status);
      if (text !== last) out(text);
      last = text;
    } else if (status !== 'ended') {
      view = { ...view, status };
    }
  }
}

const CELL = 60;

/** The drift table; values too long for a column follow it in full. */
export function formatDrift(
  xrOrItems: KObject | { count: number; items: DriftItem[]; note?: string },
  now = new Date(),
): string {
  const given = 'items' in xrOrItems && Array.isArray(xrOrItems.items) && 'count' in xrOrItems;
  const drift = given
    ? (xrOrItems as { count: number; items: DriftItem[]; note?: string })
    : {
        count: statusOf(xrOrItems as KObject).drift?.count ?? 0,
        items: statusOf(xrOrItems as KObject).drift?.items ?? [],
      };
  const items = drift.items;
  if (items.length === 0 && drift.count === 0) return 'No drift.\n';
  const long: string[] = [];
  const cell = (item: DriftItem, label: string, value: string): string => {
    if (value.length <= CELL) return value;
    long.push(`${item.resource} ${item.field} ${label}: ${value}`);
    return `${value.slice(0, CELL - 3)}...`;
  };
  const rows = [
    ['RESOURCE', 'KIND', 'TYPE', 'FIELD', 'WANT', 'HAVE', 'SINCE'],
    ...items.map((i) => [
      i.resource,
      i.kind,
      i.type,
      cell(i, 'field', i.field),
      cell(i, 'want', i.want ?? '<unset>'),
      cell(i, 'have', i.have ?? '<unset>'),
      age(i.since, now),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const text = rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  const full = long.length > 0 ? `\n\n${long.join('\n')}` : '';
  const note =
    'note' in drift && drift.note
      ? `\n${drift.note}`
      : drift.count > items.length
        ? `\n(${drift.count} drifted fields, first ${items.length} shown)`
        : '';
  return `${text}${full}${note}\n`;
}

export interface DriftCommandOptions extends ReadOptions {
  /** Renders spec drift when the status left items out (default: the in-process Composition renderer). */
  renderDesired?: RenderDesired;
}

/**
 * The drift of NAME in NS: the status's items, or — when the status had to leave items out or cut
 * values — every item in full, computed the way the controller does from the live resources.
 */
export async function driftCommand(
  name: string,
  namespace: string,
  opts: DriftCommandOptions = {},
): Promise<void> {
  const out = opts.out ?? ((t: string) => void process.stdout.write(t));
  const kc = opts.kubeConfig ?? defaultKubeConfig();
  const view = await readEnvironment(name, namespace, { ...opts, kubeConfig: kc });
  const drift = view.status.drift ?? { count: 0, items: [] };
  const items = drift.items ?? [];
  const cut =
    drift.count > items.length ||
    items.some((i) => isTruncated(i.want) || isTruncated(i.have) || isTruncated(i.field));
  if (!cut) return out(formatDrift({ count: drift.count, items }));
  const complete = view.xr ? await fullDrift(kc, view.xr, opts).catch(() => undefined) : undefined;
  if (!complete) {
    return out(
      formatDrift({
        count: drift.count,
        items,
        note: `(the status holds ${items.length} of ${drift.count} drifted fields, some values cut; the Events on ${namespace}/${name} list more, and reading the managed resources shows all)`,
      }),
    );
  }
  const since = new Map(items.map((i) => [`${i.type}\0${i.resource}\0${i.field}`, i.since]));
  const all = (complete.items ?? []).map((i) => ({
    ...i,
    since: since.get(`${i.type}\0${i.resource}\0${i.field}`) ?? i.since,
  }));
  out(
    formatDrift({
      count: complete.count,
      items: all,
      note: `(computed from the live resources: the status holds ${items.length} of ${drift.count})`,
    }),
  );
}

/** Drift without the status's caps, from the XR's managed resources (and its revision for spec drift). */
async function fullDrift(
  kc: KubeConfig,
  xr: KObject,
  opts: DriftCommandOptions,
): Promise<ControllerStatus['drift']> {
  const client = new KubeClient(kc);
  try {
    const spec = isObject(xr.spec) ? xr.spec : {};
    const cp = isObject(spec.crossplane) ? spec.crossplane : {};
    const refs = (
      Array.isArray(spec.resourceRefs)
        ? spec.resourceRefs
        : Array.isArray(cp.resourceRefs)
          ? cp.resourceRefs
          : []
    ).filter(isObject);
    const mrs = (
      await Promise.all(
        refs.map(async (r) => {
          const [group, version] = String(r.apiVersion ?? '').split('/');
          const path = resourcePath(
            { group, version, plural: pluralOf(String(r.kind ?? '')) },
            xr.metadata?.namespace,
            String(r.name ?? ''),
          );
          try {
            return await client.request<KObject>('GET', path);
          } catch (err) {
            if (statusCodeOf(err) === 404) return undefined;
            throw err;
          }
        }),
      )
    ).filter((m): m is KObject => m !== undefined);
    let desired: readonly KObject[] | undefined;
    const flavor: Flavor = xr.metadata?.namespace ? 'namespaced' : 'claim';
    const render = opts.renderDesired ?? (await compositionRenderer(flavor, opts.group));
    const revision = isObject(spec.compositionRevisionRef)
      ? spec.compositionRevisionRef
      : isObject(cp.compositionRevisionRef)
        ? cp.compositionRevisionRef
        : undefined;
    let composition: KObject | undefined;
    if (typeof revision?.name === 'string') {
      try {
        const rev = await client.request<KObject>(
          'GET',
          resourcePath(
            { group: 'apiextensions.crossplane.io', version: 'v1', plural: 'compositionrevisions' },
            undefined,
            revision.name,
          ),
        );
        const revSpec = isObject(rev.spec) ? { ...rev.spec } : {};
        delete revSpec.revision;
        composition = {
          apiVersion: 'apiextensions.crossplane.io/v1',
          kind: 'Composition',
          metadata: { name: rev.metadata?.labels?.['crossplane.io/composition-name'] ?? rev.metadata?.name },
          spec: revSpec,
        };
      } catch {
        composition = undefined;
      }
    }
    try {
      desired = render(xr, mrs, composition ? { composition } : undefined);
    } catch {
      desired = undefined;
    }
    return computeStatus({ xr, mrs, desired, now: new Date(), limits: NO_LIMITS }).drift;
  } finally {
    client.close();
  }
}
