import { clone } from './json.js';
import { tooOldResourceVersion } from './status.js';
import type { KubeObject } from './types.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  rv: number;
  kindKey: string;
  type: ChangeType;
  object: KubeObject;
  previous?: KubeObject;
}

export type ChangeListener = (change: Change) => void;

const objectKey = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

/** Objects per kind, one global resourceVersion counter, and a bounded history of changes for watches. */
export class Store {
  private rv = 0;
  private compactedRv = 0;
  private history: Change[] = [];
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly listeners = new Set<ChangeListener>();

  constructor(private readonly historyWindow: number) {}

  get resourceVersion(): number {
    return this.rv;
  }

  /** Watches starting before this resourceVersion are answered with 410 Expired. */
  get oldestWatchable(): number {
    return this.compactedRv;
  }

  get(kindKey: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.objects.get(kindKey)?.get(objectKey(namespace, name));
    return obj ? clone(obj) : undefined;
  }

  list(kindKey: string, namespace?: string): KubeObject[] {
    const all = [...(this.objects.get(kindKey)?.entries() ?? [])]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, obj]) => clone(obj));
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  commit(kindKey: string, type: ChangeType, object: KubeObject, previous?: KubeObject): KubeObject {
    const stored = clone(object);
    stored.metadata.resourceVersion = String(++this.rv);
    let bucket = this.objects.get(kindKey);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(kindKey, bucket);
    }
    const key = objectKey(stored.metadata.namespace, stored.metadata.name ?? '');
    if (type === 'DELETED') bucket.delete(key);
    else bucket.set(key, stored);
    const change: Change = { rv: this.rv, kindKey, type, object: stored, previous };
    this.history.push(change);
    while (this.history.length > this.historyWindow) {
      const dropped = this.history.shift();
      if (dropped) this.compactedRv = dropped.rv;
    }
    for (const listener of [...this.listeners]) listener(change);
    return clone(stored);
  }

  changesSince(kindKey: string, rv: number): Change[] {
    if (rv < this.compactedRv) throw tooOldResourceVersion(rv, this.compactedRv + 1);
    return this.history.filter((c) => c.kindKey === kindKey && c.rv > rv);
  }

  compact(): void {
    this.compactedRv = this.rv;
    this.history = [];
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
