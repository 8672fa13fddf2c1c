/**
 * The reconciler: informers on the XR kind and on every managed-resource kind the cluster serves
 * (followed as CRDs come and go), a de-duplicating work queue keyed by XR, and an idempotent
 * reconcile that writes the computed status with server-side apply only when it differs from what
 * the XR holds. Spec drift is computed against the CompositionRevision the XR uses.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Flavor } from '../../platform/compose/flavor.js';
import { API_VERSION, apiNames, DEFAULT_GROUP } from '../../platform/compose/names.js';
import type { RenderContext, RenderDesired } from './desired.js';
import { EventRecorder, type EventSpec, type EventTarget } from './events.js';
import {
  Informer,
  withoutManagedFields,
  type InformerEvent,
  type InformerOptions,
  type ResourceType,
} from './informer.js';
import {
  COMPOSITION_KINDS,
  composedKinds,
  CRD_TYPE,
  kindId,
  kindRefOf,
  servedByCrds,
  servedByDiscovery,
  trimCrd,
  type KindRef,
} from './kinds.js';
import { ApiError, statusCodeOf } from './errors.js';
import { KubeClient, resourcePath } from './kube.js';
import { silentLogger, type Logger } from './log.js';
import { createMetrics, PHASES, type ControllerMetrics } from './metrics.js';
import { isObject, keyOf, splitKey, type KObject } from './object.js';
import { WorkQueue, type QueueOptions } from './queue.js';
import { internDeep, trimManaged } from './trim.js';
import {
  computeStatus,
  COMPOSITE_LABEL,
  driftMemo,
  NO_LIMITS,
  ownedStatus,
  statusEquals,
  type ComputeInput,
  type ControllerStatus,
} from './status.js';

export const FIELD_MANAGER = 'envstack-controller';

export interface ControllerOptions {
  kubeConfig: KubeConfig;
  flavor: Flavor;
  group?: string;
  /**
   * Managed-resource kinds to watch, fixed. Default: every kind the stack composes that the cluster
   * serves, followed as CRDs are created and deleted (or, without read access to CRDs, by discovery).
   */
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
  informer?: Pick<
    InformerOptions,
    'minBackoffMs' | 'maxBackoffMs' | 'pageSize' | 'watchTimeoutSeconds' | 'requestTimeoutMs'
  >;
  queue?: Pick<QueueOptions, 'baseDelayMs' | 'maxDelayMs'>;
  /**
   * Until when (epoch ms) this replica may write: the leader's renew deadline. Writes and Events are
   * skipped after it, and a write in flight is cut off at it. Default: always.
   */
  writeFence?: () => number;
  /** Where CRDs cannot be watched: re-read API discovery this often (default 30 s). */
  discoveryIntervalMs?: number;
  /** Deadline of each status write and Event call (default 10 s). */
  requestTimeoutMs?: number;
}

export type ReconcileResult = 'written' | 'unchanged' | 'gone' | 'not-leading';

interface EnvState {
  phase: ControllerStatus['phase'];
  driftKinds: Map<string, number>;
}

const COMPOSITION_IDS = new Set(COMPOSITION_KINDS.map(kindId));
const REVISION_ID = kindId(COMPOSITION_KINDS[0]);
const COMPOSITION_ID = kindId(COMPOSITION_KINDS[1]);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/** The resource types of the stack's managed resources that the cluster's discovery shows now. */
export async function discoverResources(
  kc: KubeConfig,
  flavor: Flavor,
  log: Logger = silentLogger,
): Promise<ResourceType[]> {
  const client = new KubeClient(kc);
  try {
    const wanted = composedKinds(flavor);
    const { served, errors } = await servedByDiscovery(client, wanted);
    for (const e of errors) log('warn', 'discovery failed', { error: e });
    const ids = new Set(served.map(kindId));
    for (const w of wanted)
      if (!ids.has(kindId(w)))
        log('warn', 'kind not served, not watching it', {
          apiVersion: `${w.group}/${w.version}`,
          kind: w.kind,
        });
    return served;
  } finally {
    client.close();
  }
}

/** A CompositionRevision as the Composition it snapshots, for the render engine. */
function revisionAsComposition(rev: KObject): KObject {
  const spec = isObject(rev.spec) ? { ...rev.spec } : {};
  delete spec.revision;
  const labels = rev.metadata?.labels ?? {};
  return {
    apiVersion: 'apiextensions.crossplane.io/v1',
    kind: 'Composition',
    metadata: { name: labels['crossplane.io/composition-name'] ?? rev.metadata?.name, labels },
    spec,
  };
}

function trimComposition(obj: KObject): KObject {
  const m = obj.metadata ?? {};
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: {
      name: m.name,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      ...(m.labels ? { labels: m.labels } : {}),
    },
    spec: isObject(obj.spec) ? obj.spec : {},
  };
}

function refName(v: unknown): string | undefined {
  return isObject(v) && typeof v.name === 'string' && v.name !== '' ? v.name : undefined;
}

function refsOf(xr: KObject): { apiVersion?: string; kind?: string }[] {
  const spec = isObject(xr.spec) ? xr.spec : {};
  const cp = isObject(spec.crossplane) ? spec.crossplane : {};
  const refs = Array.isArray(spec.resourceRefs)
    ? spec.resourceRefs
    : Array.isArray(cp.resourceRefs)
      ? cp.resourceRefs
      : [];
  return refs.filter(isObject) as { apiVersion?: string; kind?: string }[];
}

export class Controller {
  readonly metrics: ControllerMetrics;
  readonly fieldManager: string;
  readonly identity: string;
  private readonly log: Logger;
  private readonly clock: () => Date;
  private readonly client: KubeClient;
  private readonly recorder: EventRecorder;
  private readonly xrType: ResourceType;
  private xrInformer?: Informer;
  private crdInformer?: Informer;
  private readonly kindInformers = new Map<string, Informer>();
  /** Kinds the stack composes: their informers gate readiness. Others come from XR references. */
  private readonly composed: Map<string, KindRef>;
  private readonly wanted: Map<string, KindRef>;
  private served: ResourceType[] = [];
  private kindsKnown = false;
  private mode?: 'crd' | 'discovery' | 'static';
  private discoveryTimer?: NodeJS.Timeout;
  private lastDiscovery = 0;
  private discovering?: Promise<void>;
  private stopped = false;
  private readonly index = new Map<string, Map<string, KObject>>();
  private readonly envs = new Map<string, EnvState>();
  private readonly kindDrift = new Map<string, number>();
  private readonly compositionSource = new Map<string, string>();
  private readonly driftMemo = driftMemo();
  private queue?: WorkQueue;
  private workers: Promise<void>[] = [];
  /** Per environment, the Events of its last status writes, recorded in order after the write. */
  private readonly pendingEvents = new Map<string, Promise<void>>();
  private resyncTimer?: NodeJS.Timeout;
  private syncWaiters: (() => void)[] = [];

  constructor(private readonly options: ControllerOptions) {
    this.metrics = options.metrics ?? createMetrics();
    this.log = options.log ?? silentLogger;
    this.clock = options.clock ?? (() => new Date());
    this.fieldManager = options.fieldManager ?? FIELD_MANAGER;
    this.identity = options.identity ?? `envstack-controller-${Math.random().toString(16).slice(2, 10)}`;
    this.client = new KubeClient(options.kubeConfig, { timeoutMs: options.requestTimeoutMs ?? 10_000 });
    this.recorder = new EventRecorder(this.client, {
      component: FIELD_MANAGER,
      instance: this.identity,
      clock: this.clock,
      log: this.log,
      timeoutMs: options.requestTimeoutMs ?? 10_000,
    });
    const names = apiNames(options.flavor, options.group ?? DEFAULT_GROUP);
    this.xrType = {
      group: names.group,
      version: API_VERSION,
      kind: names.compositeKind,
      plural: names.compositePlural,
      namespaced: options.flavor === 'namespaced',
    };
    const composed = composedKinds(options.flavor);
    if (options.renderDesired) composed.push(...COMPOSITION_KINDS);
    this.composed = new Map(composed.map((k) => [kindId(k), k]));
    this.wanted = new Map(this.composed);
    for (const phase of PHASES) this.metrics.environments.set({ phase }, 0);
  }

  get synced(): boolean {
    if (!this.xrInformer?.hasSynced || !this.kindsKnown) return false;
    for (const [id, informer] of this.kindInformers)
      if (this.composed.has(id) && !informer.hasSynced) return false;
    return true;
  }

  get leading(): boolean {
    return this.queue !== undefined;
  }

  /** The XR informer first, then one per watched kind. */
  get informers(): readonly Informer[] {
    return this.xrInformer ? [this.xrInformer, ...this.kindInformers.values()] : [];
  }

  /** The managed-resource kinds watched now. */
  get watchedKinds(): ResourceType[] {
    return this.served.filter((t) => !COMPOSITION_IDS.has(kindId(t)));
  }

  /** Starts the informers (every replica keeps a warm cache); workers start with `startWorkers`. */
  async start(): Promise<void> {
    this.xrInformer = new Informer(this.options.kubeConfig, this.xrType, {
      ...this.common(this.xrType),
      // Each XR lists every composed resource (spec.crossplane.resourceRefs): their kinds repeat.
      transform: (xr) => internDeep(withoutManagedFields(xr)),
      onEvent: (type, obj) => this.onXr(type, obj),
    });
    this.xrInformer.start();
    if (this.options.resources) {
      this.mode = 'static';
      this.applyServed(this.options.resources);
    } else {
      await this.followKinds();
    }
    this.log('info', 'controller started', {
      flavor: this.options.flavor,
      composite: `${this.xrType.plural}.${this.xrType.group}`,
      kinds: this.mode,
      managedKinds: this.watchedKinds.length,
      identity: this.identity,
    });
  }

  private common(type: ResourceType): InformerOptions {
    return {
      ...this.options.informer,
      log: (level, msg, fields) => this.log(level, msg, fields),
      onRestart: () => this.metrics.informerRestarts.inc({ resource: type.plural }),
      onRelist: () => this.metrics.informerRelists.inc({ resource: type.plural }),
      onSynced: () => this.checkSynced(),
    };
  }

  /** Watches CRDs when it may; otherwise polls discovery. Resolves once the kinds are first known. */
  private async followKinds(): Promise<void> {
    let delay = 200;
    for (;;) {
      if (this.stopped) return;
      try {
        await this.client.request('GET', resourcePath(CRD_TYPE), { query: { limit: 1 } });
        this.mode = 'crd';
        break;
      } catch (err) {
        const code = statusCodeOf(err);
        if (code === 403 || code === 404) {
          this.mode = 'discovery';
          break;
        }
        this.log('warn', 'cannot read CRDs yet', { error: describe(err), retryInMs: delay });
        await sleep(delay);
        delay = Math.min(delay * 2, 10_000);
      }
    }
    if (this.mode === 'crd') {
      const first = new Promise<void>((resolve) => {
        this.crdInformer = new Informer(this.options.kubeConfig, CRD_TYPE, {
          ...this.common(CRD_TYPE),
          transform: trimCrd,
          onEvent: () => this.kindsChanged(),
          onSynced: () => {
            this.kindsChanged();
            resolve();
          },
        });
      });
      this.crdInformer?.start();
      await first;
      return;
    }
    this.log('info', 'CRDs cannot be read: following kinds through discovery', {
      intervalMs: this.options.discoveryIntervalMs ?? 30_000,
    });
    await this.rediscover();
    this.discoveryTimer = setInterval(
      () => void this.rediscover(),
      this.options.discoveryIntervalMs ?? 30_000,
    );
    this.discoveryTimer.unref();
  }

  private kindsChanged(): void {
    if (this.mode === 'crd') {
      if (this.crdInformer?.hasSynced)
        this.applyServed(servedByCrds(this.crdInformer.list(), [...this.wanted.values()]));
    } else if (this.mode === 'discovery') {
      // At most one discovery every few seconds, however many references name an unwatched kind.
      if (Date.now() - this.lastDiscovery > 5_000) void this.rediscover();
    }
  }

  private rediscover(): Promise<void> {
    this.discovering ??= (async () => {
      this.lastDiscovery = Date.now();
      try {
        const { served, errors } = await servedByDiscovery(
          this.client,
          [...this.wanted.values()],
          this.served,
        );
        for (const e of errors) this.log('warn', 'discovery failed', { error: e });
        if (!this.stopped) this.applyServed(served);
      } finally {
        this.discovering = undefined;
      }
    })();
    return this.discovering;
  }

  /** Starts an informer for each served kind not watched yet; stops those no longer served. */
  private applyServed(types: readonly ResourceType[]): void {
    if (this.stopped) return;
    const renderDesired = this.options.renderDesired !== undefined;
    const next = new Map<string, ResourceType>();
    for (const t of types) if (renderDesired || !COMPOSITION_IDS.has(kindId(t))) next.set(kindId(t), t);
    for (const [id, informer] of [...this.kindInformers]) {
      const t = next.get(id);
      if (t && t.plural === informer.type.plural && t.namespaced === informer.type.namespaced) continue;
      this.kindInformers.delete(id);
      this.log('info', 'kind no longer served: stopped watching it', { kind: id });
      if (!COMPOSITION_IDS.has(id)) for (const obj of informer.list()) this.onMr('DELETED', obj, obj);
      void informer.stop();
      this.enqueueAll();
    }
    for (const [id, t] of next) {
      if (this.kindInformers.has(id)) continue;
      const composition = COMPOSITION_IDS.has(id);
      const informer = new Informer(this.options.kubeConfig, t, {
        ...this.common(t),
        transform: composition ? trimComposition : trimManaged,
        onEvent: composition
          ? (_type, obj) => this.onComposition(obj)
          : (type, obj, old) => this.onMr(type, obj, old),
        onSynced: () => {
          this.checkSynced();
          // What is expected changed: every environment is looked at again.
          this.enqueueAll();
        },
      });
      this.kindInformers.set(id, informer);
      if (this.kindsKnown) this.log('info', 'kind served: watching it', { kind: id, plural: t.plural });
      informer.start();
    }
    this.served = [...this.kindInformers.values()].map((i) => i.type);
    this.metrics.managedKinds.set(this.watchedKinds.length);
    this.kindsKnown = true;
    this.checkSynced();
  }

  private tracked(apiVersion: string, kind: string): boolean {
    const ref = kindRefOf(apiVersion, kind);
    return this.kindInformers.get(kindId(ref))?.hasSynced === true;
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
      // Behind every change: a pass over every environment must not delay the one that just changed.
      this.resyncTimer = setInterval(() => {
        for (const xr of this.xrInformer?.list() ?? []) queue.addLow(keyOf(xr));
      }, resync);
      this.resyncTimer.unref();
    }
    this.log('info', 'workers started', { workers: n });
  }

  /** Stops taking work and waits for reconciles in flight to finish (their writes are bounded in time). */
  async stopWorkers(): Promise<void> {
    const queue = this.queue;
    if (!queue) return;
    this.queue = undefined;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    queue.shutDown();
    await Promise.all(this.workers);
    this.workers = [];
    // Each Event call is bounded in time and fenced like a write.
    await Promise.all(this.pendingEvents.values());
    this.log('info', 'workers stopped', {});
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.stopWorkers();
    if (this.discoveryTimer) clearInterval(this.discoveryTimer);
    await this.discovering;
    await Promise.all(
      [...this.informers, ...(this.crdInformer ? [this.crdInformer] : [])].map((i) => i.stop()),
    );
    this.client.close();
  }

  enqueue(key: string): void {
    this.queue?.add(key);
  }

  private enqueueAll(): void {
    if (!this.queue) return;
    for (const xr of this.xrInformer?.list() ?? []) this.queue.add(keyOf(xr));
  }

  private onXr(type: InformerEvent, xr: KObject): void {
    const key = keyOf(xr);
    if (type === 'DELETED') this.forget(key);
    else this.noticeKinds(xr);
    this.enqueue(key);
  }

  /** A reference to a kind not watched: follow it if the cluster serves it (a new provider version). */
  private noticeKinds(xr: KObject): void {
    let added = false;
    let unwatched = false;
    for (const ref of refsOf(xr)) {
      if (!ref.apiVersion || !ref.kind) continue;
      const k = kindRefOf(ref.apiVersion, ref.kind);
      const id = kindId(k);
      if (!this.wanted.has(id)) {
        this.wanted.set(id, k);
        added = true;
      }
      if (!this.kindInformers.has(id)) unwatched = true;
    }
    if (this.mode === 'static' || !this.kindsKnown) return;
    if (added || (unwatched && this.mode === 'discovery')) this.kindsChanged();
  }

  private onComposition(obj: KObject): void {
    const name = obj.metadata?.name;
    for (const xr of this.xrInformer?.list() ?? []) {
      const spec = isObject(xr.spec) ? xr.spec : {};
      const cp = isObject(spec.crossplane) ? spec.crossplane : {};
      const names = [
        spec.compositionRevisionRef,
        spec.compositionRef,
        cp.compositionRevisionRef,
        cp.compositionRef,
      ].map(refName);
      if (names.includes(name)) this.enqueue(keyOf(xr));
    }
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
    this.compositionSource.delete(key);
    const state = this.envs.get(key);
    if (!state) return;
    this.envs.delete(key);
    this.metrics.environments.dec({ phase: state.phase });
    this.metrics.environmentPhase.remove({ environment: key, phase: state.phase });
    for (const s of ['ready', 'total'])
      this.metrics.environmentResources.remove({ environment: key, state: s });
    this.metrics.environmentDrift.remove({ environment: key });
    this.addKindDrift(state.driftKinds, -1);
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

  /** Which Composition spec drift is computed against: the XR's revision, its Composition, or the built-in one. */
  private compositionFor(key: string, xr: KObject): RenderContext {
    const spec = isObject(xr.spec) ? xr.spec : {};
    const cp = isObject(spec.crossplane) ? spec.crossplane : {};
    const revisionName = refName(spec.compositionRevisionRef) ?? refName(cp.compositionRevisionRef);
    const compositionName = refName(spec.compositionRef) ?? refName(cp.compositionRef);
    const policy = spec.compositionUpdatePolicy ?? cp.compositionUpdatePolicy;
    let context: RenderContext = {};
    let source = 'built-in Composition';
    let missing: string | undefined;
    const revision = revisionName ? this.kindInformers.get(REVISION_ID)?.get(revisionName) : undefined;
    const composition = compositionName
      ? this.kindInformers.get(COMPOSITION_ID)?.get(compositionName)
      : undefined;
    if (revision) {
      context = {
        composition: revisionAsComposition(revision),
        compositionKey: `revision/${revisionName}/${revision.metadata?.resourceVersion ?? ''}`,
      };
      source = `CompositionRevision ${revisionName}`;
    } else if (composition) {
      context = {
        composition,
        compositionKey: `composition/${compositionName}/${composition.metadata?.resourceVersion ?? ''}`,
      };
      source = `Composition ${compositionName}`;
      missing = revisionName;
    } else {
      missing = revisionName ?? compositionName;
    }
    if (this.compositionSource.get(key) !== source) {
      this.compositionSource.set(key, source);
      this.log(missing ? 'warn' : 'info', 'spec drift computed against', {
        key,
        source,
        ...(policy ? { compositionUpdatePolicy: policy } : {}),
        ...(missing ? { notFound: missing } : {}),
      });
    }
    return context;
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
        desired = this.options.renderDesired(xr, mrs, this.compositionFor(key, xr));
      } catch (err) {
        this.log('warn', 'cannot render desired state; spec drift unknown', { key, error: describe(err) });
      }
    }
    const previous = ownedStatus(xr);
    const input: ComputeInput = {
      xr,
      mrs,
      desired,
      now: this.clock(),
      previous,
      tracked: (apiVersion, kind) => this.tracked(apiVersion, kind),
      memo: this.driftMemo,
    };
    const status = computeStatus(input);
    this.record(key, status);
    if (statusEquals(previous, status)) return 'unchanged';
    const remaining = (this.options.writeFence?.() ?? Number.POSITIVE_INFINITY) - Date.now();
    if (remaining <= 0) {
      this.log('warn', 'not leading: status not written', { key });
      return 'not-leading';
    }
    const written = await this.applyStatus(xr, status, remaining);
    this.metrics.statusWrites.inc();
    this.xrInformer?.observe(written);
    this.log('info', 'status written', {
      key,
      phase: status.phase,
      componentsReady: status.componentsReady,
      drift: status.drift.count,
      ...(status.blockingError ? { blocking: status.blockingError.resource } : {}),
    });
    // Events are told after the write, off the worker: a worker waiting on Event calls is one fewer
    // for the statuses queued behind it. One environment's Events stay in order.
    this.afterWrite(key, () =>
      this.emitEvents(xr, previous, status, () => computeStatus({ ...input, limits: NO_LIMITS })),
    );
    return 'written';
  }

  private afterWrite(key: string, emit: () => Promise<void>): void {
    const next = (this.pendingEvents.get(key) ?? Promise.resolve()).then(emit).catch((err: unknown) => {
      this.log('warn', 'cannot record events', { key, error: describe(err) });
    });
    this.pendingEvents.set(key, next);
    void next.then(() => {
      if (this.pendingEvents.get(key) === next) this.pendingEvents.delete(key);
    });
  }

  /** Resolves once the Events of every status written so far are recorded (or given up). */
  async eventsRecorded(): Promise<void> {
    while (this.pendingEvents.size > 0) await Promise.all(this.pendingEvents.values());
  }

  private addKindDrift(kinds: Map<string, number>, sign: 1 | -1): void {
    for (const [kind, n] of kinds) {
      const total = (this.kindDrift.get(kind) ?? 0) + sign * n;
      if (total > 0) {
        this.kindDrift.set(kind, total);
        this.metrics.driftedResources.set({ kind }, total);
      } else {
        this.kindDrift.delete(kind);
        this.metrics.driftedResources.remove({ kind });
      }
    }
  }

  private record(key: string, status: ControllerStatus): void {
    const before = this.envs.get(key);
    if (before?.phase !== status.phase) {
      if (before) {
        this.metrics.environments.dec({ phase: before.phase });
        this.metrics.environmentPhase.remove({ environment: key, phase: before.phase });
      }
      this.metrics.environments.inc({ phase: status.phase });
      this.metrics.environmentPhase.set({ environment: key, phase: status.phase }, 1);
    }
    const [ready, total] = status.componentsReady.split('/').map(Number);
    this.metrics.environmentResources.set({ environment: key, state: 'ready' }, ready);
    this.metrics.environmentResources.set({ environment: key, state: 'total' }, total);
    this.metrics.environmentDrift.set({ environment: key }, status.drift.count);
    const byKind = new Map<string, Set<string>>();
    for (const item of status.drift.items ?? []) {
      const set = byKind.get(item.kind) ?? new Set<string>();
      set.add(item.resource);
      byKind.set(item.kind, set);
    }
    const counts = new Map([...byKind].map(([k, s]) => [k, s.size]));
    if (before) this.addKindDrift(before.driftKinds, -1);
    this.addKindDrift(counts, 1);
    this.envs.set(key, { phase: status.phase, driftKinds: counts });
  }

  private async applyStatus(xr: KObject, status: ControllerStatus, remainingMs: number): Promise<KObject> {
    const { name, namespace } = splitKey(keyOf(xr));
    const body = {
      apiVersion: xr.apiVersion ?? `${this.xrType.group}/${this.xrType.version}`,
      kind: xr.kind ?? this.xrType.kind,
      metadata: { name, ...(namespace ? { namespace } : {}) },
      status,
    };
    return this.client.request<KObject>('PATCH', resourcePath(this.xrType, namespace, name, 'status'), {
      body,
      contentType: 'apply',
      query: { fieldManager: this.fieldManager, force: true },
      // Past the leader's renew deadline another replica may lead: the write must not land then.
      timeoutMs: Math.min(this.client.defaultTimeoutMs, remainingMs),
    });
  }

  private async emitEvents(
    xr: KObject,
    before: Partial<ControllerStatus>,
    after: ControllerStatus,
    full: () => ControllerStatus,
  ): Promise<void> {
    const events: EventSpec[] = [];
    const driftBefore = before.drift?.count ?? 0;
    const driftAfter = after.drift.count;
    const driftKey = (i: { resource: string; field: string; type: string }) =>
      `${i.type}/${i.resource}/${i.field}`;
    const previousKeys = new Set((before.drift?.items ?? []).map(driftKey));
    const grew =
      (after.drift.items ?? []).some((i) => !previousKeys.has(driftKey(i))) || driftAfter > driftBefore;
    let complete: ControllerStatus | undefined;
    const detail = (): ControllerStatus => (complete ??= full());
    if (driftAfter > 0 && (driftBefore === 0 || grew))
      events.push({ reason: 'DriftDetected', type: 'Warning', message: describeDrift(detail(), xr) });
    if (driftAfter === 0 && driftBefore > 0)
      events.push({
        reason: 'DriftCleared',
        type: 'Normal',
        message: 'No drift between the composition, Kubernetes and the cloud.',
      });
    const b = before.blockingError;
    const a = after.blockingError;
    if (a && (!b || b.resource !== a.resource || b.message !== a.message)) {
      const message = detail().blockingError?.message ?? a.message;
      events.push({ reason: 'Blocked', type: 'Warning', message: `${a.kind} ${a.resource}: ${message}` });
    }
    if (!a && b)
      events.push({
        reason: 'Unblocked',
        type: 'Normal',
        message: `${b.kind} ${b.resource} no longer fails.`,
      });
    const target = eventTarget(xr, this.options.flavor);
    for (const e of events) {
      if ((this.options.writeFence?.() ?? Number.POSITIVE_INFINITY) <= Date.now()) return;
      const created = this.recorder.created;
      await this.recorder.record(target, e);
      this.metrics.events.inc({ operation: this.recorder.created > created ? 'created' : 'updated' });
    }
  }
}

const MAX_EVENT_MESSAGE = 4000;

/** Every drifted field with its whole values, as far as an Event holds; then where to see the rest. */
function describeDrift(s: ControllerStatus, xr: KObject): string {
  const items = s.drift.items ?? [];
  const head = `${s.drift.count} drifted field(s): `;
  const parts: string[] = [];
  let length = head.length;
  for (const i of items) {
    const part = `${i.resource}.${i.field} (${i.type}: want ${i.want ?? '<unset>'}, have ${i.have ?? '<unset>'})`;
    if (length + part.length + 2 > MAX_EVENT_MESSAGE - 80) break;
    parts.push(part);
    length += part.length + 2;
  }
  const left = s.drift.count - parts.length;
  const claim = isObject(xr.spec) && isObject(xr.spec.claimRef) ? xr.spec.claimRef : undefined;
  const name = typeof claim?.name === 'string' ? claim.name : (xr.metadata?.name ?? '');
  const ns = typeof claim?.namespace === 'string' ? claim.namespace : (xr.metadata?.namespace ?? '');
  const more = left > 0 ? `; and ${left} more: envstack drift ${name}${ns ? ` -n ${ns}` : ''}` : '';
  return `${head}${parts.join('; ')}${more}`;
}

/** Where users look: the claim (claim flavor, via spec.claimRef) or the namespaced XR itself. */
function eventTarget(xr: KObject, flavor: Flavor): EventTarget {
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
      apiVersion: xr.apiVersion ?? '',
      kind: xr.kind ?? '',
      name,
      ...(xr.metadata?.namespace ? { namespace } : {}),
      ...(xr.metadata?.uid ? { uid: xr.metadata.uid } : {}),
    },
  };
}

export function describe(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (isObject(err) && typeof err.code === 'number' && 'body' in err) {
    const body = typeof err.body === 'string' ? err.body : JSON.stringify(err.body);
    return `HTTP ${err.code}: ${body.slice(0, 300)}`;
  }
  return err instanceof Error ? err.message : String(err);
}
