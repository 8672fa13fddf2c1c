/**
 * Crossplane's own Prometheus metrics as the live benchmark reads them: a small text-format parser and
 * a sampler that turns successive scrapes of a histogram into per-observation durations. controller-
 * runtime reconciles one key at a time, so between two scrapes 250 ms apart the count of a single
 * XR's controller rarely moves by more than one; when it does, the observations in that interval are
 * counted at their mean (and reported as such).
 */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples whose metric name starts with one of `prefixes` (all when none are given). */
export function parseProm(text: string, prefixes: readonly string[] = []): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    if (prefixes.length && !prefixes.some((p) => line.startsWith(p))) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** A histogram summed over every series that shares the grouping label's value. */
export interface Histogram {
  count: number;
  sum: number;
  /** Cumulative bucket counts by upper bound (+Inf as Infinity). */
  buckets: Map<number, number>;
}

/** Histograms of metric `base` grouped by the value of `label` (only values `keep` accepts). */
export function histograms(
  samples: readonly PromSample[],
  base: string,
  label: string,
  keep: (value: string) => boolean = () => true,
): Map<string, Histogram> {
  const out = new Map<string, Histogram>();
  const of = (key: string) => {
    let h = out.get(key);
    if (!h) {
      h = { count: 0, sum: 0, buckets: new Map() };
      out.set(key, h);
    }
    return h;
  };
  for (const s of samples) {
    const key = s.labels[label];
    if (key === undefined || !keep(key)) continue;
    if (s.name === `${base}_count`) of(key).count += s.value;
    else if (s.name === `${base}_sum`) of(key).sum += s.value;
    else if (s.name === `${base}_bucket`) {
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      const h = of(key);
      h.buckets.set(le, (h.buckets.get(le) ?? 0) + s.value);
    }
  }
  return out;
}

/** Counter values of metric `name` by the value of `label`, summed. */
export function counters(samples: readonly PromSample[], name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name) continue;
    const key = s.labels[label] ?? '';
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

export async function scrape(url: string, prefixes: readonly string[]): Promise<PromSample[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return parseProm(await res.text(), prefixes);
}

/** What one histogram series did between two points in time. */
export interface Observations {
  /** Durations in seconds: exact when one observation fell between two scrapes, else the interval's mean. */
  durations: number[];
  /** How many of `durations` are exact. */
  exact: number;
  count: number;
  sum: number;
  /** The smallest bucket bound that holds every observation: an upper bound of the longest one. */
  maxAtMost: number;
}

export function emptyObservations(): Observations {
  return { durations: [], exact: 0, count: 0, sum: 0, maxAtMost: 0 };
}

/** Follows the histograms of one metric across scrapes. */
export class HistogramTracker {
  private readonly first = new Map<string, Histogram>();
  private readonly last = new Map<string, Histogram>();
  private readonly seen = new Map<string, Observations>();

  constructor(
    readonly base: string,
    readonly label: string,
    readonly keep: (value: string) => boolean = () => true,
  ) {}

  /** Feeds one scrape; returns the keys whose count moved. */
  feed(samples: readonly PromSample[]): string[] {
    const moved: string[] = [];
    for (const [key, h] of histograms(samples, this.base, this.label, this.keep)) {
      const before = this.last.get(key);
      if (!this.first.has(key)) this.first.set(key, before ?? { count: 0, sum: 0, buckets: new Map() });
      this.last.set(key, h);
      const dCount = h.count - (before?.count ?? 0);
      if (dCount <= 0) continue;
      const dSum = h.sum - (before?.sum ?? 0);
      const obs = this.seen.get(key) ?? emptyObservations();
      for (let i = 0; i < dCount; i++) obs.durations.push(dSum / dCount);
      if (dCount === 1) obs.exact++;
      this.seen.set(key, obs);
      moved.push(key);
    }
    return moved;
  }

  /** Forgets everything before now: the next observations are measured from the last scrape. */
  mark(): void {
    this.first.clear();
    for (const [k, h] of this.last) this.first.set(k, h);
    this.seen.clear();
  }

  keys(): string[] {
    return [...this.last.keys()];
  }

  count(key: string): number {
    return this.last.get(key)?.count ?? 0;
  }

  sum(key: string): number {
    return this.last.get(key)?.sum ?? 0;
  }

  /** Everything observed for `key` since the tracker started (or since mark()). */
  observed(key: string): Observations {
    const obs = this.seen.get(key) ?? emptyObservations();
    const a = this.first.get(key) ?? { count: 0, sum: 0, buckets: new Map<number, number>() };
    const b = this.last.get(key);
    if (!b) return obs;
    const count = b.count - a.count;
    let maxAtMost = 0;
    if (count > 0)
      for (const le of [...b.buckets.keys()].sort((x, y) => x - y))
        if ((b.buckets.get(le) ?? 0) - (a.buckets.get(le) ?? 0) >= count) {
          maxAtMost = le;
          break;
        }
    return { ...obs, count, sum: b.sum - a.sum, maxAtMost };
  }
}

const METRIC_PREFIXES = [
  'controller_runtime_reconcile_time_seconds',
  'function_run_function_seconds',
  'circuit_breaker_',
];

/** Crossplane's reconcile, function and circuit-breaker metrics, scraped in the background. */
export class MetricsSampler {
  readonly reconciles = new HistogramTracker(
    'controller_runtime_reconcile_time_seconds',
    'controller',
    (c) => c.startsWith('composite/') || c.startsWith('claim/'),
  );
  readonly functions = new HistogramTracker('function_run_function_seconds', 'function_name');
  last: PromSample[] = [];
  private first: PromSample[] = [];
  scrapes = 0;
  failures = 0;
  private running = false;
  private loop?: Promise<void>;

  constructor(readonly url: string) {}

  async once(): Promise<void> {
    try {
      const samples = await scrape(this.url, METRIC_PREFIXES);
      this.reconciles.feed(samples);
      this.functions.feed(samples);
      this.last = samples;
      this.scrapes++;
    } catch {
      this.failures++;
    }
  }

  /** Takes the current values as the baseline of everything that follows. */
  async baseline(): Promise<void> {
    await this.once();
    this.first = this.last;
    this.reconciles.mark();
    this.functions.mark();
  }

  start(everyMs: number): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const t = performance.now();
        await this.once();
        await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (performance.now() - t))));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Circuit-breaker counters of one controller since the baseline. */
  breaker(controller: string): { opens: number; events: Record<string, number> } {
    const of = (samples: readonly PromSample[], name: string, label: string) =>
      counters(
        samples.filter((s) => s.labels.controller === controller),
        name,
        label,
      );
    const delta = (name: string, label: string) => {
      const a = of(this.first, name, label);
      return Object.fromEntries([...of(this.last, name, label)].map(([k, v]) => [k, v - (a.get(k) ?? 0)]));
    };
    return {
      opens: Object.values(delta('circuit_breaker_opens_total', 'controller')).reduce((x, y) => x + y, 0),
      events: delta('circuit_breaker_events_total', 'result'),
    };
  }
}
