/**
 * Lease-based leader election (coordination.k8s.io/v1), as client-go's leaderelection does it: a
 * candidate takes the Lease when it is free or when its holder has not renewed it for a lease
 * duration of the candidate's own clock; the leader renews every retry period and steps down when
 * it has not renewed within the renew deadline (shorter than the lease duration), so it has stopped
 * before anyone else may take over. Every Lease call is bounded by that deadline: a hung request
 * cannot keep a leader. Times are written as MicroTime (six fraction digits), which the API server
 * requires. Releasing clears holderIdentity so a standby takes over at once.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiError, statusCodeOf } from './errors.js';
import { KubeClient, microTime } from './kube.js';
import { silentLogger, type Logger } from './log.js';
import { isObject } from './object.js';

export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void | Promise<void>;
  log?: Logger;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  [key: string]: unknown;
}

interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
  spec?: LeaseSpec;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });

type Attempt = 'held' | 'other';

export class LeaderElector {
  private readonly client: KubeClient;
  private readonly abort = new AbortController();
  private readonly log: Logger;
  private leader = false;
  private validUntilMs = 0;
  private lastAnswerMs = 0;
  private observed?: { holder: string; renewTime: string; at: number };
  private running?: Promise<void>;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;

  constructor(private readonly options: LeaderElectionOptions) {
    this.client = new KubeClient(options.kubeConfig);
    this.log = options.log ?? silentLogger;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (this.renewDeadlineMs >= this.leaseDurationMs)
      throw new Error('renewDeadline must be shorter than leaseDuration');
    if (this.retryPeriodMs >= this.renewDeadlineMs)
      throw new Error('retryPeriod must be shorter than renewDeadline');
  }

  /** True while this replica holds the Lease and its renew deadline has not passed. */
  get isLeader(): boolean {
    return this.leader && Date.now() < this.validUntilMs;
  }

  /** Until when (epoch ms) this replica may act as leader; 0 when it is not leading. */
  get validUntil(): number {
    return this.leader ? this.validUntilMs : 0;
  }

  /**
   * Whether election works: this replica leads, or a Lease call was answered (by the Lease of
   * another holder or a lost race) within the last lease duration. False while every call fails.
   */
  get healthy(): boolean {
    return this.isLeader || (this.lastAnswerMs > 0 && Date.now() - this.lastAnswerMs < this.leaseDurationMs);
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Stops campaigning; a leader steps down (callbacks run) and releases the Lease. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    if (this.leader) {
      this.leader = false;
      this.validUntilMs = 0;
      await this.options.onStoppedLeading();
      await this.release();
    }
    this.client.close();
  }

  private get path(): string {
    const { namespace, name } = this.options;
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases/${encodeURIComponent(name)}`;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let lastRenewStart = 0;
    while (!signal.aborted) {
      const start = Date.now();
      // A leader's attempt may last until its renew deadline, a candidate's a renew deadline too.
      const deadline = this.leader ? lastRenewStart + this.renewDeadlineMs : start + this.renewDeadlineMs;
      let outcome: Attempt | 'failed';
      try {
        outcome = await this.tryAcquireOrRenew(deadline);
        this.lastAnswerMs = Date.now();
      } catch (err) {
        if (statusCodeOf(err) === 409) this.lastAnswerMs = Date.now();
        if (!signal.aborted)
          this.log('warn', 'lease request failed', { lease: this.options.name, error: describeError(err) });
        outcome = 'failed';
      }
      if (signal.aborted) break;
      if (outcome === 'held') {
        lastRenewStart = start;
        // Others wait a whole lease duration from when they see this renewal; we stop sooner.
        this.validUntilMs = start + this.renewDeadlineMs;
        if (!this.leader) {
          this.leader = true;
          this.log('info', 'became leader', { lease: this.options.name, identity: this.options.identity });
          this.options.onStartedLeading();
        }
        await sleep(this.retryPeriodMs, signal);
        continue;
      }
      if (this.leader && (Date.now() >= lastRenewStart + this.renewDeadlineMs || outcome === 'other')) {
        this.leader = false;
        this.validUntilMs = 0;
        this.log('warn', 'lost leadership', {
          lease: this.options.name,
          identity: this.options.identity,
          reason: outcome === 'other' ? 'held by another replica' : 'renew deadline passed',
        });
        await this.options.onStoppedLeading();
      }
      await sleep(this.retryPeriodMs * (1 + 0.2 * Math.random()), signal);
    }
  }

  private remaining(deadline: number): number {
    return Math.max(1, deadline - Date.now());
  }

  private async tryAcquireOrRenew(deadline: number): Promise<Attempt> {
    const { namespace, name, identity } = this.options;
    const signal = this.abort.signal;
    const durationSeconds = Math.max(1, Math.round(this.leaseDurationMs / 1000));
    let lease: Lease;
    try {
      lease = await this.client.request<Lease>('GET', this.path, {
        timeoutMs: this.remaining(deadline),
        signal,
      });
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
      const now = microTime(new Date());
      try {
        await this.client.request(
          'POST',
          `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`,
          {
            body: {
              apiVersion: 'coordination.k8s.io/v1',
              kind: 'Lease',
              metadata: { name, namespace },
              spec: {
                holderIdentity: identity,
                leaseDurationSeconds: durationSeconds,
                acquireTime: now,
                renewTime: now,
                leaseTransitions: 0,
              },
            },
            timeoutMs: this.remaining(deadline),
            signal,
          },
        );
      } catch (createErr) {
        if (statusCodeOf(createErr) === 409) return 'other';
        throw createErr;
      }
      this.observed = { holder: identity, renewTime: now, at: Date.now() };
      this.log('info', 'acquired lease', { lease: name });
      return 'held';
    }
    const spec: LeaseSpec = isObject(lease.spec) ? lease.spec : {};
    const holder = spec.holderIdentity ?? '';
    const renewTime = spec.renewTime ?? '';
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime)
      this.observed = { holder, renewTime, at: Date.now() };
    const heldMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder !== '' && holder !== identity && this.observed.at + heldMs > Date.now()) return 'other';
    const taking = holder !== identity;
    const now = microTime(new Date());
    const next: Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        renewTime: now,
        ...(taking ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
      },
    };
    try {
      await this.client.request('PUT', this.path, {
        body: next,
        timeoutMs: this.remaining(deadline),
        signal,
      });
    } catch (err) {
      if (statusCodeOf(err) === 409) return 'other';
      throw err;
    }
    this.observed = { holder: identity, renewTime: now, at: Date.now() };
    if (taking) this.log('info', 'acquired lease', { lease: name, previousHolder: holder || undefined });
    return 'held';
  }

  private async release(): Promise<void> {
    const { name, identity } = this.options;
    const timeoutMs = this.renewDeadlineMs;
    try {
      const lease = await this.client.request<Lease>('GET', this.path, { timeoutMs });
      if (lease.spec?.holderIdentity !== identity) return;
      const now = microTime(new Date());
      await this.client.request('PUT', this.path, {
        body: {
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            renewTime: now,
            acquireTime: now,
          },
        },
        timeoutMs,
      });
      this.log('info', 'released lease', { lease: name });
    } catch (err) {
      this.log('warn', 'cannot release lease', { lease: name, error: describeError(err) });
    }
  }
}

function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
