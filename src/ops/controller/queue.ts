/**
 * A rate-limited work queue in the manner of client-go's workqueue: a key is held at most once
 * while waiting, never handed to two workers at once, and a key added while it is being processed
 * is processed again once `done` is called. Failed keys come back after a per-key exponential delay.
 * Keys added by a periodic resync (`addLow`) wait behind every key added for a change, so a pass
 * over every environment never delays the one whose resource just changed; a change to a key
 * waiting from a resync moves it ahead.
 */

export interface QueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  onDepth?: (depth: number) => void;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys from a resync, in order; an entry whose key is no longer in `low` is stale and skipped. */
  private readonly background: string[] = [];
  private readonly dirty = new Set<string>();
  /** The dirty keys added only by `addLow`. */
  private readonly low = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly options: QueueOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
  }

  get length(): number {
    let waitingLow = 0;
    for (const k of this.low) if (!this.processing.has(k)) waitingLow += 1;
    return this.queue.length + waitingLow;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.dirty.has(key)) {
      // Waiting from a resync: a change moves it ahead (its background entry goes stale).
      if (this.low.delete(key) && !this.processing.has(key)) {
        this.queue.push(key);
        this.options.onDepth?.(this.length);
      }
      return;
    }
    this.dirty.add(key);
    if (this.processing.has(key) || this.handOut(key)) return;
    this.queue.push(key);
    this.options.onDepth?.(this.length);
  }

  /** Adds the key behind every key added with `add` (a periodic resync). */
  addLow(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.low.add(key);
    if (this.processing.has(key) || this.handOut(key)) return;
    this.background.push(key);
    this.options.onDepth?.(this.length);
  }

  /** Gives the key to a worker waiting in `get`, if one is. */
  private handOut(key: string): boolean {
    const waiter = this.waiters.shift();
    if (!waiter) return false;
    this.dirty.delete(key);
    this.low.delete(key);
    this.processing.add(key);
    waiter(key);
    return true;
  }

  /** Adds the key after its backoff; each call without a `forget` doubles the delay. */
  addRateLimited(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** n);
    this.addAfter(key, delay);
    return delay;
  }

  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const existing = this.timers.get(key);
    if (existing) clearTimeout(existing);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    this.timers.set(key, timer);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key, or undefined once the queue is shut down and drained of waiting callers. */
  get(): Promise<string | undefined> {
    let key = this.queue.shift();
    while (key === undefined && this.background.length > 0) {
      const k = this.background.shift() as string;
      if (this.low.has(k) && !this.processing.has(k)) key = k;
    }
    if (key !== undefined) {
      this.dirty.delete(key);
      this.low.delete(key);
      this.processing.add(key);
      this.options.onDepth?.(this.length);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      if (this.low.delete(key)) this.addLow(key);
      else this.add(key);
    }
  }

  /** Stops handing out work: waiting `get` calls resolve with undefined, pending keys are dropped. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    this.background.length = 0;
    this.dirty.clear();
    this.low.clear();
    this.options.onDepth?.(0);
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
