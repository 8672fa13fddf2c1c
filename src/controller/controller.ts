/**
 * The reconciler: informers on the XR kind and every managed-resource kind, a de-duplicating work
 * queue keyed by XR, and an idempotent reconcile that writes the computed status with server-side
 * apply only when it differs from what the XR holds.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { Flavor } from '../compose/flavor.js';
import { buildStack } from '../compose/components/index.js';
import { API_VERSION, apiNames, DEFAULT_GROUP } from '../compose/xrd.js';
import type { RenderDesired } from './desired.js';
import { Informer, type InformerEvent, type InformerOptions, type ResourceType } from './informer.js';
import { silentLogger, type Logger } from './log.js';
import { createMetrics, PHASES, type ControllerMetrics } from './metrics.js';
import { isObject, keyOf, splitKey, type KObject } from './object.js';
import { WorkQueue, type QueueOptions } from './queue.js';
import {
  computeStatus,
  COMPOSITE_LABEL,
  ownedStatus,
  statusEquals,
  type ControllerStatus,
} from './status.js';

export const FIELD_MANAGER = 'envstack-controller';

export interface ControllerOptions {
  kubeConfig: KubeConfig;
  flavor: Flavor;
  group?: string;
  /** Managed-resource kinds to watch; default: every kind the stack composes, resolved by discovery. */
  resources?: ResourceType[];
  workers?: number;
  renderDesired?: RenderDesired;
  clock?: () => Date;
  metrics?: ControllerMetrics;
  log?: Logger;
  fieldManager?: string;
  /** Re-enqueue every environment this often (a safety net; unchanged ones are not written). 0 disables. */
  resyncMs?: number;
  identity?: string;
  informer?: Pick<InformerOptions, 'minBackoffMs' | 'maxBackoffMs' | 'pageSize' | 'watchTimeoutSeconds'>;
  queue?: Pick<QueueOptions, 'baseDelayMs' | 'maxDelayMs'>;
}

export type ReconcileResult = 'written' | 'unchanged' | 'gone';

interface EnvState {
  phase: ControllerStatus['phase'];
  driftKinds: Set<string>;
}

class Discovery extends KubernetesObjectApi {
  lookup(apiVersion: string, kind: string) {
    return this.resource(apiVersion, kind);
  }
}

/** The resource types of the stack's managed resources, resolved against the cluster's discovery. */
export async function discoverResources(
  kc: KubeConfig,
  flavor: Flavor,
  log: Logger = silentLogger,
): Promise<ResourceType[]> {
  const objects = kc.makeApiClient(Discovery);
  const seen = new Set<string>();
  const out: ResourceType[] = [];
  for (const r of buildStack(flavor).resources) {
    const id = `${r.apiVersion}/${r.kind}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const [group, version] = r.apiVersion.split('/');
    try {
      const resource = await objects.lookup(r.apiVersion, r.kind);
      if (!resource) throw new Error('not served');
      out.push({ group, version, kind: r.kind, plural: resource.name, namespaced: resource.namespaced });
    } catch (err) {
      log('warn', 'kind not served, not watching it', {
        apiVersion: r.apiVersion,
        kind: r.kind,
        error: String(err),
      });
    }
  }
  return out;
}

export class Controller {
  readonly metrics: ControllerMetrics;
  readonly fieldManager: string;
  readonly identity: string;
  private readonly log: Logger;
  private readonly clock: () => Date;
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly xrType: ResourceType;
  private xrInformer?: Informer;
  private mrInformers: Informer[] = [];
  private readonly index = new Map<string, Map<string, KObject>>();
  private readonly envs = new Map<string, EnvState>();
  private tracked = new Set<string>();
  private queue?: WorkQueue;
  private workers: Promise<void>[] = [];
  private resyncTimer?: NodeJS.Timeout;
  private syncWaiters: (() => void)[] = [];

  constructor(private readonly options: ControllerOptions) {
    this.metrics = options.metrics ?? createMetrics();
    this.log = options.log ?? silentLogger;
    this.clock = options.clock ?? (() => new Date());
    this.fieldManager = options.fieldManager ?? FIELD_MANAGER;
    this.identity = options.identity ?? `envstack-controller-${randomBytes(4).toString('hex')}`;
    this.custom = options.kubeConfig.makeApiClient(CustomObjectsApi);
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    const names = apiNames(options.flavor, options.group ?? DEFAULT_GROUP);
    this.xrType = {
      group: names.group,
      version: API_VERSION,
      kind: names.compositeKind,
      plural: names.compositePlural,
      namespaced: options.flavor === 'namespaced',
    };
    for (const phase of PHASES) this.metrics.environments.set({ phase }, 0);
  }

  get synced(): boolean {
    return (
      this.xrInformer !== undefined && this.xrInformer.hasSynced && this.mrInformers.every((i) => i.hasSynced)
    );
  }

  get leading(): boolean {
    return this.queue !== undefined;
  }

  get informers(): readonly Informer[] {
    return this.xrInformer ? [this.xrInformer, ...this.mrInformers] : [];
  }

  /** Starts the informers (every replica keeps a warm cache); workers start with `startWorkers`. */
  async start(): Promise<void> {
    const kc = this.options.kubeConfig;
    const resources = this.options.resources ?? (await discoverResources(kc, this.options.flavor, this.log));
    this.tracked = new Set(resources.map((r) => `${r.group}/${r.version}/${r.kind}`));
    const common = (type: ResourceType): InformerOptions => ({
      ...this.options.informer,
      log: (level, msg, fields) => this.log(level, msg, fields),
      onRestart: () => this.metrics.informerRestarts.inc({ resource: type.plural }),
      onRelist: () => this.metrics.informerRelists.inc({ resource: type.plural }),
      onSynced: () => this.checkSynced(),
    });
    this.xrInformer = new Informer(kc, this.xrType, {
      ...common(this.xrType),
      onEvent: (type, obj) => this.onXr(type, obj),
    });
    this.mrInformers = resources.map(
      (r) =>
        new Informer(kc, r, {
          ...common(r),
          transform: trimManaged,
          onEvent: (type, obj, old) => this.onMr(type, obj, old),
        }),
    );
    for (const i of this.informers) i.start();
    this.log('info', 'controller started', {
      flavor: this.options.flavor,
      composite: `${this.xrType.plural}.${this.xrType.group}`,
      managedKinds: resources.length,
      identity: this.identity,
    });
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  private checkSynced(): void {
    if (!this.synced) return;
    for (const w of this.syncWaiters.splice(0)) w();
  }

  /** Begins reconciling (on becoming leader): every known environment is queued once. */
  startWorkers(): void {
    if (this.queue) return;
    const queue = new WorkQueue({ ...this.options.queue, onDepth: (d) => this.metrics.queueDepth.set(d) });
    this.queue = queue;
    for (const xr of this.xrInformer?.list() ?? []) queue.add(keyOf(xr));
    const n = this.options.workers ?? 2;
    this.workers = Array.from({ length: n }, () => this.work(queue));
    const resync = this.options.resyncMs ?? 10 * 60_000;
    if (resync > 0) {
      this.resyncTimer = setInterval(() => {
        for (const xr of this.xrInformer?.list() ?? []) queue.add(keyOf(xr));
      }, resync);
      this.resyncTimer.unref();
    }
    this.log('info', 'workers started', { workers: n });
  }

  /** Stops taking work and waits for reconciles in flight to finish. */
  async stopWorkers(): Promise<void> {
    const queue = this.queue;
    if (!queue) return;
    this.queue = undefined;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    queue.shutDown();
    await Promise.all(this.workers);
    this.workers = [];
    this.log('info', 'workers stopped', {});
  }

  async stop(): Promise<void> {
    await this.stopWorkers();
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  enqueue(key: string): void {
    this.queue?.add(key);
  }

  private onXr(type: InformerEvent, xr: KObject): void {
    const key = keyOf(xr);
    if (type === 'DELETED') this.forget(key);
    this.enqueue(key);
  }

  private xrKeyOfMr(mr: KObject | undefined): string | undefined {
    const xr = mr?.metadata?.labels?.[COMPOSITE_LABEL];
    if (!xr) return undefined;
    return this.xrType.namespaced && mr?.metadata?.namespace ? `${mr.metadata.namespace}/${xr}` : xr;
  }

  private onMr(type: InformerEvent, mr: KObject, old: KObject | undefined): void {
    const id = `${mr.apiVersion}/${mr.kind}/${keyOf(mr)}`;
    const before = this.xrKeyOfMr(old);
    const after = type === 'DELETED' ? undefined : this.xrKeyOfMr(mr);
    if (before && before !== after) {
      this.index.get(before)?.delete(id);
      this.enqueue(before);
    }
    if (type === 'DELETED') {
      const key = this.xrKeyOfMr(mr);
      if (key) {
        this.index.get(key)?.delete(id);
        if (this.index.get(key)?.size === 0) this.index.delete(key);
        this.enqueue(key);
      }
      return;
    }
    if (!after) return;
    let set = this.index.get(after);
    if (!set) this.index.set(after, (set = new Map()));
    set.set(id, mr);
    this.enqueue(after);
  }

  private forget(key: string): void {
    const state = this.envs.get(key);
    if (!state) return;
    this.envs.delete(key);
    this.metrics.environments.dec({ phase: state.phase });
    for (const kind of state.driftKinds) this.metrics.driftedResources.remove({ environment: key, kind });
  }

  private async work(queue: WorkQueue): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const end = this.metrics.reconcileDuration.startTimer();
      let result: ReconcileResult | 'error' = 'error';
      try {
        result = await this.reconcile(key);
        queue.forget(key);
      } catch (err) {
        const delayMs = queue.addRateLimited(key);
        this.log('error', 'reconcile failed', { key, error: describe(err), retryInMs: delayMs });
      } finally {
        queue.done(key);
        end({ result });
        this.metrics.reconcileTotal.inc({ result });
      }
    }
  }

  /** Computes the environment's status and writes it if it changed. Safe to call any number of times. */
  async reconcile(key: string): Promise<ReconcileResult> {
    const xr = this.xrInformer?.get(key);
    if (!xr) {
      this.forget(key);
      return 'gone';
    }
    const mrs = [...(this.index.get(key)?.values() ?? [])];
    let desired: readonly KObject[] | undefined;
    if (this.options.renderDesired) {
      try {
        desired = this.options.renderDesired(xr, mrs);
      } catch (err) {
        this.log('warn', 'cannot render desired state; spec drift unknown', { key, error: describe(err) });
      }
    }
    const previous = ownedStatus(xr);
    const status = computeStatus({
      xr,
      mrs,
      desired,
      now: this.clock(),
      previous,
      tracked: (apiVersion, kind) => this.tracked.has(`${apiVersion}/${kind}`),
    });
    this.record(key, status);
    if (statusEquals(previous, status)) return 'unchanged';
    const written = await this.applyStatus(xr, status);
    this.metrics.statusWrites.inc();
    this.xrInformer?.observe(written);
    this.log('info', 'status written', {
      key,
      phase: status.phase,
      componentsReady: status.componentsReady,
      drift: status.drift.count,
      ...(status.blockingError ? { blocking: status.blockingError.resource } : {}),
    });
    await this.emitEvents(xr, previous, status);
    return 'written';
  }

  private record(key: string, status: ControllerStatus): void {
    const before = this.envs.get(key);
    if (before?.phase !== status.phase) {
      if (before) this.metrics.environments.dec({ phase: before.phase });
      this.metrics.environments.inc({ phase: status.phase });
    }
    const counts = new Map<string, Set<string>>();
    for (const item of status.drift.items ?? []) {
      const set = counts.get(item.kind) ?? new Set<string>();
      set.add(item.resource);
      counts.set(item.kind, set);
    }
    for (const kind of before?.driftKinds ?? [])
      if (!counts.has(kind)) this.metrics.driftedResources.remove({ environment: key, kind });
    for (const [kind, set] of counts) this.metrics.driftedResources.set({ environment: key, kind }, set.size);
    this.envs.set(key, { phase: status.phase, driftKinds: new Set(counts.keys()) });
  }

  private async applyStatus(xr: KObject, status: ControllerStatus): Promise<KObject> {
    const { name, namespace } = splitKey(keyOf(xr));
    const body = {
      apiVersion: xr.apiVersion ?? `${this.xrType.group}/${this.xrType.version}`,
      kind: xr.kind ?? this.xrType.kind,
      metadata: { name, ...(namespace ? { namespace } : {}) },
      status,
    };
    const ssa = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
    const common = {
      group: this.xrType.group,
      version: this.xrType.version,
      plural: this.xrType.plural,
      name,
      body,
      fieldManager: this.fieldManager,
      force: true,
    };
    const result: unknown = namespace
      ? await this.custom.patchNamespacedCustomObjectStatus({ ...common, namespace }, ssa)
      : await this.custom.patchClusterCustomObjectStatus(common, ssa);
    return result as KObject;
  }

  private async emitEvents(
    xr: KObject,
    before: Partial<ControllerStatus>,
    after: ControllerStatus,
  ): Promise<void> {
    const events: { reason: string; type: 'Normal' | 'Warning'; message: string }[] = [];
    const driftBefore = before.drift?.count ?? 0;
    const driftAfter = after.drift.count;
    const describeDrift = (s: ControllerStatus): string => {
      const items = s.drift.items ?? [];
      const shown = items
        .slice(0, 5)
        .map(
          (i) =>
            `${i.resource}.${i.field} (${i.type}: want ${i.want ?? '<unset>'}, have ${i.have ?? '<unset>'})`,
        );
      const more = s.drift.count > shown.length ? ` and ${s.drift.count - shown.length} more` : '';
      return `${s.drift.count} drifted field(s): ${shown.join('; ')}${more}`;
    };
    const driftKeys = (items: { resource: string; field: string; type: string }[] | undefined) =>
      new Set((items ?? []).map((i) => `${i.type}/${i.resource}/${i.field}`));
    const previousKeys = driftKeys(before.drift?.items);
    const grew = (after.drift.items ?? []).some(
      (i) => !previousKeys.has(`${i.type}/${i.resource}/${i.field}`),
    );
    if (driftAfter > 0 && (driftBefore === 0 || grew))
      events.push({ reason: 'DriftDetected', type: 'Warning', message: describeDrift(after) });
    if (driftAfter === 0 && driftBefore > 0)
      events.push({
        reason: 'DriftCleared',
        type: 'Normal',
        message: 'No drift between the composition, Kubernetes and the cloud.',
      });
    const b = before.blockingError;
    const a = after.blockingError;
    if (a && (!b || b.resource !== a.resource || b.message !== a.message))
      events.push({ reason: 'Blocked', type: 'Warning', message: `${a.kind} ${a.resource}: ${a.message}` });
    if (!a && b)
      events.push({
        reason: 'Unblocked',
        type: 'Normal',
        message: `${b.kind} ${b.resource} no longer fails.`,
      });
    if (events.length === 0) return;
    const target = eventTarget(xr, this.options.flavor);
    const now = this.clock().toISOString();
    for (const e of events) {
      try {
        await this.core.createNamespacedEvent({
          namespace: target.namespace,
          body: {
            metadata: {
              name: `${target.name}.${Date.now().toString(16)}${randomBytes(3).toString('hex')}`,
              namespace: target.namespace,
            },
            involvedObject: target.ref,
            reason: e.reason,
            message: e.message.slice(0, 1024),
            type: e.type,
            source: { component: FIELD_MANAGER },
            reportingComponent: FIELD_MANAGER,
            reportingInstance: this.identity,
            action: 'Reconcile',
            count: 1,
            firstTimestamp: new Date(now),
            lastTimestamp: new Date(now),
          },
        });
      } catch (err) {
        this.log('warn', 'cannot record event', { reason: e.reason, error: describe(err) });
      }
    }
  }
}

const KEPT_ANNOTATIONS = ['crossplane.io/composition-resource-name', 'crossplane.io/external-name'];

/**
 * What the status computation and the renderer read of a managed resource: identity, labels, two
 * annotations, forProvider, conditions and atProvider. Dropping the rest (initProvider, managedFields,
 * last-applied-configuration, …) is most of the cache's memory.
 */
export function trimManaged(mr: KObject): KObject {
  const m = mr.metadata ?? {};
  const annotations: Record<string, string> = {};
  for (const a of KEPT_ANNOTATIONS) if (m.annotations?.[a] !== undefined) annotations[a] = m.annotations[a];
  const spec = isObject(mr.spec) ? mr.spec : {};
  const status = isObject(mr.status) ? mr.status : {};
  return {
    apiVersion: mr.apiVersion,
    kind: mr.kind,
    metadata: {
      name: m.name,
      ...(m.namespace ? { namespace: m.namespace } : {}),
      ...(m.uid ? { uid: m.uid } : {}),
      resourceVersion: m.resourceVersion,
      ...(m.generation !== undefined ? { generation: m.generation } : {}),
      ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
      ...(m.labels ? { labels: m.labels } : {}),
      annotations,
    },
    spec: isObject(spec.forProvider) ? { forProvider: spec.forProvider } : {},
    status: {
      ...(status.conditions !== undefined ? { conditions: status.conditions } : {}),
      ...(status.atProvider !== undefined ? { atProvider: status.atProvider } : {}),
    },
  };
}

/** Where users look: the claim (claim flavor, via spec.claimRef) or the namespaced XR itself. */
function eventTarget(xr: KObject, flavor: Flavor) {
  const claimRef =
    flavor === 'claim' && isObject(xr.spec) && isObject(xr.spec.claimRef) ? xr.spec.claimRef : undefined;
  if (claimRef && typeof claimRef.name === 'string' && typeof claimRef.namespace === 'string') {
    return {
      name: claimRef.name,
      namespace: claimRef.namespace,
      ref: {
        apiVersion: String(claimRef.apiVersion ?? ''),
        kind: String(claimRef.kind ?? 'PlatformEnvironment'),
        name: claimRef.name,
        namespace: claimRef.namespace,
      },
    };
  }
  const name = xr.metadata?.name ?? '';
  const namespace = xr.metadata?.namespace ?? 'default';
  return {
    name,
    namespace,
    ref: {
      apiVersion: xr.apiVersion,
      kind: xr.kind,
      name,
      ...(xr.metadata?.namespace ? { namespace } : {}),
      ...(xr.metadata?.uid ? { uid: xr.metadata.uid } : {}),
    },
  };
}

export function describe(err: unknown): string {
  if (isObject(err) && typeof err.code === 'number' && 'body' in err) {
    const body = typeof err.body === 'string' ? err.body : JSON.stringify(err.body);
    return `HTTP ${err.code}: ${body.slice(0, 300)}`;
  }
  return err instanceof Error ? err.message : String(err);
}
