/**
 * Events on the claim, one per distinct occurrence, as client-go's EventCorrelator keeps them:
 * provider messages are normalised first (AWS request ids and timestamps differ on every retry),
 * an identical event increments `count`, `lastTimestamp` and `series` on the Event already recorded,
 * and once more than `maxSimilar` different messages arrive for the same object and reason within
 * `similarWindowMs` they are combined into one Event ("(combined from similar events): …").
 */
import { randomBytes } from 'node:crypto';
import { statusCodeOf } from './errors.js';
import { KubeClient, microTime } from './kube.js';
import { silentLogger, type Logger } from './log.js';

const REQUEST_ID =
  /[,;]?\s*\b(?:RequestID|RequestId|Request ID|request[ -]id|x-amz-request-id|x-amzn-RequestId)\s*[:=]\s*"?[\w+/=-]+"?/gi;
const HOST_ID = /[,;]?\s*\b(?:HostID|Host ID|x-amz-id-2)\s*[:=]\s*"?[\w+/=-]+"?/gi;
const TIMESTAMP =
  /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|\s?[+-]\d{2}:?\d{2}(?:\s+[A-Z]{2,5})?|\s+UTC)?/g;

/**
 * A provider message without what changes on every retry of the same failure: AWS request ids
 * (`RequestID: 1c2d…`, `request id: …`), S3 host ids and timestamps.
 */
export function normalizeMessage(message: string): string {
  const stripped = message.replace(REQUEST_ID, '').replace(HOST_ID, '').replace(TIMESTAMP, '');
  if (stripped === message) return message.trim();
  return stripped
    .replace(/\(\s*\)/g, '')
    .replace(/\s+([,;:.)])/g, '$1')
    .replace(/([,;])(?:\s*[,;])+/g, '$1')
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/[\s,;]+$/g, '')
    .trim();
}

export interface EventTarget {
  namespace: string;
  name: string;
  ref: Record<string, string>;
}

export interface EventSpec {
  reason: string;
  type: 'Normal' | 'Warning';
  message: string;
}

export interface EventRecorderOptions {
  component: string;
  instance: string;
  clock?: () => Date;
  log?: Logger;
  /** Different messages for one object and reason before they are combined (client-go: 10). */
  maxSimilar?: number;
  similarWindowMs?: number;
  /** Events remembered for correlation (client-go: 4096). */
  cacheSize?: number;
  /** The longest message recorded. */
  maxMessageLength?: number;
  timeoutMs?: number;
}

interface Recorded {
  name: string;
  namespace: string;
  count: number;
}

const COMBINED = '(combined from similar events): ';

export class EventRecorder {
  private readonly identical = new Map<string, Recorded>();
  private readonly similar = new Map<string, { since: number; messages: Set<string> }>();
  private readonly clock: () => Date;
  private readonly log: Logger;
  /** Events created and updated, for tests and metrics. */
  created = 0;
  updated = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly options: EventRecorderOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.log = options.log ?? silentLogger;
  }

  async record(target: EventTarget, event: EventSpec): Promise<void> {
    const now = this.clock();
    const objectKey = [target.namespace, target.ref.kind, target.name, target.ref.uid ?? ''].join('\0');
    let message = normalizeMessage(event.message).slice(0, this.options.maxMessageLength ?? 4096);
    const similarKey = `${objectKey}\0${event.type}\0${event.reason}`;
    const windowMs = this.options.similarWindowMs ?? 10 * 60_000;
    let group = this.similar.get(similarKey);
    if (!group || now.getTime() - group.since > windowMs) {
      group = { since: now.getTime(), messages: new Set() };
      this.similar.set(similarKey, group);
    }
    group.messages.add(message);
    if (group.messages.size > (this.options.maxSimilar ?? 10)) message = `${COMBINED}${message}`;
    const key = `${similarKey}\0${message.startsWith(COMBINED) ? COMBINED : message}`;
    const seen = this.identical.get(key);
    try {
      if (seen && (await this.bump(seen, message, now))) return;
      await this.create(key, target, event, message, now);
    } catch (err) {
      this.log('warn', 'cannot record event', { reason: event.reason, error: String(err) });
    }
    this.trim();
  }

  /** Adds one to an Event already recorded; false when it is gone (Events expire). */
  private async bump(seen: Recorded, message: string, now: Date): Promise<boolean> {
    const count = seen.count + 1;
    try {
      await this.client.request(
        'PATCH',
        `/api/v1/namespaces/${encodeURIComponent(seen.namespace)}/events/${encodeURIComponent(seen.name)}`,
        {
          contentType: 'merge',
          body: {
            count,
            message,
            lastTimestamp: rfc3339(now),
            series: { count, lastObservedTime: microTime(now) },
          },
          timeoutMs: this.options.timeoutMs,
        },
      );
    } catch (err) {
      if (statusCodeOf(err) === 404) return false;
      throw err;
    }
    seen.count = count;
    this.updated += 1;
    return true;
  }

  private async create(key: string, target: EventTarget, event: EventSpec, message: string, now: Date) {
    const name = `${target.name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`;
    await this.client.request('POST', `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/events`, {
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: target.namespace },
        involvedObject: target.ref,
        reason: event.reason,
        message,
        type: event.type,
        source: { component: this.options.component },
        reportingComponent: this.options.component,
        reportingInstance: this.options.instance,
        action: 'Reconcile',
        count: 1,
        firstTimestamp: rfc3339(now),
        lastTimestamp: rfc3339(now),
      },
      timeoutMs: this.options.timeoutMs,
    });
    this.identical.delete(key);
    this.identical.set(key, { name, namespace: target.namespace, count: 1 });
    this.created += 1;
  }

  private trim(): void {
    const max = this.options.cacheSize ?? 4096;
    while (this.identical.size > max) this.identical.delete(this.identical.keys().next().value as string);
    while (this.similar.size > max) this.similar.delete(this.similar.keys().next().value as string);
  }
}

/** metav1.Time: RFC 3339 to the second. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
