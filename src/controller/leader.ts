/**
 * Lease-based leader election (coordination.k8s.io/v1), as client-go's leaderelection does it:
 * a candidate takes the Lease when it is free or when its holder has not renewed it for a lease
 * duration of the candidate's own clock; the leader renews every renewDeadline/2 and steps down when
 * it cannot renew within renewDeadline. Releasing clears holderIdentity so a standby takes over at once.
 */
import { ApiException, CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { silentLogger, type Logger } from './log.js';

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

const code = (err: unknown): number | undefined => (err instanceof ApiException ? err.code : undefined);

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly abort = new AbortController();
  private readonly log: Logger;
  private leader = false;
  private observed?: { holder: string; renewTime: string; at: number };
  private running?: Promise<void>;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;

  constructor(private readonly options: LeaderElectionOptions) {
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.log = options.log ?? silentLogger;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (this.renewDeadlineMs >= this.leaseDurationMs)
      throw new Error('renewDeadline must be shorter than leaseDuration');
  }

  get isLeader(): boolean {
    return this.leader;
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
      await this.options.onStoppedLeading();
      await this.release();
    }
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let lastRenew = 0;
    while (!signal.aborted) {
      const ok = await this.tryAcquireOrRenew().catch((err: unknown) => {
        this.log('warn', 'lease request failed', { lease: this.options.name, error: String(err) });
        return false;
      });
      if (signal.aborted) break;
      const now = Date.now();
      if (ok) {
        lastRenew = now;
        if (!this.leader) {
          this.leader = true;
          this.log('info', 'became leader', { lease: this.options.name, identity: this.options.identity });
          this.options.onStartedLeading();
        }
        await sleep(this.renewDeadlineMs / 2, signal);
        continue;
      }
      if (this.leader && (now - lastRenew >= this.renewDeadlineMs || this.heldByOther())) {
        this.leader = false;
        this.log('warn', 'lost leadership', { lease: this.options.name, identity: this.options.identity });
        await this.options.onStoppedLeading();
      }
      await sleep(this.retryPeriodMs * (1 + 0.2 * Math.random()), signal);
    }
  }

  private heldByOther(): boolean {
    const holder = this.observed?.holder ?? '';
    return holder !== '' && holder !== this.options.identity;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const now = new Date();
    const durationSeconds = Math.max(1, Math.round(this.leaseDurationMs / 1000));
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (code(err) !== 404) throw err;
      try {
        await this.api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        });
        this.observed = { holder: identity, renewTime: now.toISOString(), at: Date.now() };
        return true;
      } catch (createErr) {
        if (code(createErr) === 409) return false;
        throw createErr;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewTime = spec.renewTime ? new Date(spec.renewTime as unknown as string).toISOString() : '';
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime)
      this.observed = { holder, renewTime, at: Date.now() };
    const heldMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder !== '' && holder !== identity && this.observed.at + heldMs > Date.now()) return false;
    const taking = holder !== identity;
    const next: V1Lease = {
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
      await this.api.replaceNamespacedLease({ name, namespace, body: next });
    } catch (err) {
      if (code(err) === 409) return false;
      throw err;
    }
    this.observed = { holder: identity, renewTime: now.toISOString(), at: Date.now() };
    if (taking) this.log('info', 'acquired lease', { lease: name, previousHolder: holder || undefined });
    return true;
  }

  private async release(): Promise<void> {
    const { namespace, name, identity } = this.options;
    try {
      const lease = await this.api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      const now = new Date();
      await this.api.replaceNamespacedLease({
        name,
        namespace,
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
      });
      this.log('info', 'released lease', { lease: name });
    } catch (err) {
      this.log('warn', 'cannot release lease', { lease: name, error: String(err) });
    }
  }
}
