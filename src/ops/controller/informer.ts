/**
 * A shared-informer equivalent: list (paged), then watch from the list's resourceVersion with
 * bookmarks; relist on 410 Gone; re-watch from the last seen resourceVersion when a stream ends;
 * restart with capped exponential backoff after any error. client-node's own informer stops for
 * good on a connection reset, which a controller cannot afford.
 */
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { statusCodeOf } from './errors.js';
import { KubeClient, resourcePath } from './kube.js';
import { isObject, keyOf, type KObject } from './object.js';

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export type InformerEvent = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface InformerOptions {
  pageSize?: number;
  /** Deadline of each list request (a hung list must not stall the informer). */
  requestTimeoutMs?: number;
  /** Server-side watch lifetime; each stream is renewed from the last resourceVersion. */
  watchTimeoutSeconds?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Applied to every object before it is cached (client-go's TransformFunc): keep only what is read. */
  transform?: (obj: KObject) => KObject;
  onEvent?: (type: InformerEvent, obj: KObject, old: KObject | undefined) => void;
  onRestart?: (reason: string) => void;
  onRelist?: () => void;
  onSynced?: () => void;
  log?: (level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown>) => void;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

/** The controller keeps hundreds of thousands of objects: drop what it never reads. */
export function withoutManagedFields(obj: KObject): KObject {
  if (obj.metadata?.managedFields === undefined) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

const rvNumber = (obj: KObject | undefined): number => Number(obj?.metadata?.resourceVersion ?? 0);

export class Informer {
  private readonly store = new Map<string, KObject>();
  private readonly client: KubeClient;
  private readonly abort = new AbortController();
  private watchAbort?: AbortController;
  private resourceVersion?: string;
  private running?: Promise<void>;
  private synced = false;
  private backoffMs: number;
  restarts = 0;
  relists = 0;

  constructor(
    private readonly kc: KubeConfig,
    readonly type: ResourceType,
    private readonly options: InformerOptions = {},
  ) {
    this.client = new KubeClient(kc, { timeoutMs: options.requestTimeoutMs ?? 60_000 });
    this.backoffMs = options.minBackoffMs ?? 100;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get(key: string): KObject | undefined {
    return this.store.get(key);
  }

  list(): KObject[] {
    return [...this.store.values()];
  }

  get size(): number {
    return this.store.size;
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.watchAbort?.abort();
    await this.running;
    this.client.close();
  }

  /** Takes a newer copy of an object than the cache holds (a write's response), as client-go's mutation cache does. */
  observe(obj: KObject): void {
    const key = keyOf(obj);
    const old = this.store.get(key);
    if (old && rvNumber(old) >= rvNumber(obj)) return;
    this.store.set(key, this.slim(obj));
  }

  private slim(obj: KObject): KObject {
    return this.options.transform ? this.options.transform(obj) : withoutManagedFields(obj);
  }

  private get path(): string {
    return resourcePath(this.type);
  }

  private log(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
    this.options.log?.(level, msg, { resource: this.type.plural, group: this.type.group, ...fields });
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        if (this.resourceVersion === undefined) await this.relist();
        if (signal.aborted) break;
        const outcome = await this.watchOnce();
        if (outcome === 'gone') {
          this.log('info', 'watch expired, relisting', {});
          this.resourceVersion = undefined;
          continue;
        }
        if (outcome === 'ended') continue;
      } catch (err) {
        if (signal.aborted) break;
        if (statusCodeOf(err) === 410) this.resourceVersion = undefined;
        this.restarts += 1;
        const reason = err instanceof Error ? err.message : String(err);
        this.options.onRestart?.(reason);
        const delay = Math.round(this.backoffMs * (0.8 + 0.4 * Math.random()));
        this.log('warn', 'informer restarting', { reason, delayMs: delay, restarts: this.restarts });
        await sleep(delay, signal);
        this.backoffMs = Math.min(this.options.maxBackoffMs ?? 30_000, this.backoffMs * 2);
      }
    }
  }

  private async relist(): Promise<void> {
    const first = !this.synced && this.relists === 0 && this.restarts === 0;
    const fresh = new Map<string, KObject>();
    let token: string | undefined;
    let listRv = '';
    do {
      const page = await this.listPage(token, (obj) => fresh.set(keyOf(obj), obj));
      token = page.continue;
      listRv = page.resourceVersion ?? listRv;
    } while (token);
    if (!first) {
      this.relists += 1;
      this.options.onRelist?.();
    }
    const previous = new Map(this.store);
    this.store.clear();
    for (const [key, obj] of fresh) {
      this.store.set(key, obj);
      const old = previous.get(key);
      if (!old) this.options.onEvent?.('ADDED', obj, undefined);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion)
        this.options.onEvent?.('MODIFIED', obj, old);
    }
    for (const [key, old] of previous) if (!fresh.has(key)) this.options.onEvent?.('DELETED', old, old);
    this.resourceVersion = listRv;
    this.backoffMs = this.options.minBackoffMs ?? 100;
    if (!this.synced) {
      this.synced = true;
      this.log('info', 'informer synced', { objects: this.store.size });
      this.options.onSynced?.();
    }
  }

  /** One page of the list, each object cached as a watched one would be. */
  private async listPage(
    token: string | undefined,
    add: (obj: KObject) => void,
  ): Promise<{ continue?: string; resourceVersion?: string }> {
    const apiVersion = `${this.type.group}/${this.type.version}`;
    // The same transform as watched objects: a cache filled by a list must not be fatter.
    const take = (item: unknown): void => {
      if (isObject(item)) add(this.slim({ apiVersion, kind: this.type.kind, ...item }));
    };
    // Items are taken one by one as the page arrives; any the stream did not see come with the page.
    const page = await this.client.request<{
      metadata?: { resourceVersion?: string; continue?: string };
      items?: unknown[];
    }>('GET', this.path, {
      query: { limit: this.options.pageSize ?? 500, continue: token },
      signal: this.abort.signal,
      onItem: take,
    });
    for (const item of page.items ?? []) take(item);
    return {
      continue: page.metadata?.continue || undefined,
      resourceVersion: page.metadata?.resourceVersion,
    };
  }

  private watchOnce(): Promise<'ended' | 'gone'> {
    return new Promise((resolve, reject) => {
      let gone = false;
      let failure: unknown;
      const timeout = this.options.watchTimeoutSeconds ?? 300;
      const onEvent = (phase: string, raw: unknown): void => {
        if (!isObject(raw)) return;
        if (phase === 'ERROR') {
          if (raw.code === 410) gone = true;
          else failure = new Error(`watch error: ${String(raw.message ?? raw.reason ?? 'unknown')}`);
          return;
        }
        const obj = raw as KObject;
        const rv = obj.metadata?.resourceVersion;
        if (phase === 'BOOKMARK') {
          if (rv) this.resourceVersion = rv;
          return;
        }
        this.apply(phase, this.slim(obj));
        if (rv) this.resourceVersion = rv;
        this.backoffMs = this.options.minBackoffMs ?? 100;
      };
      const onDone = (err: unknown): void => {
        this.watchAbort = undefined;
        if (this.abort.signal.aborted) return resolve('ended');
        if (gone) return resolve('gone');
        if (err || failure) return reject(err ?? failure);
        resolve('ended');
      };
      new Watch(this.kc)
        .watch(
          this.path,
          {
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: Math.round(timeout * (1 + Math.random())),
          },
          onEvent,
          onDone,
        )
        .then((controller) => {
          this.watchAbort = controller;
          if (this.abort.signal.aborted) controller.abort();
        }, reject);
    });
  }

  private apply(phase: string, obj: KObject): void {
    const key = keyOf(obj);
    const old = this.store.get(key);
    if (phase === 'DELETED') {
      this.store.delete(key);
      this.options.onEvent?.('DELETED', obj, old);
      return;
    }
    if (old && rvNumber(old) > rvNumber(obj)) return;
    this.store.set(key, obj);
    this.options.onEvent?.(old ? 'MODIFIED' : 'ADDED', obj, old);
  }
}
