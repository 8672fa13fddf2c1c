import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface BenchEntry {
  median: number;
  min: number;
  max: number;
  unit: string;
  runs: number;
  [extra: string]: unknown;
}

export function summarize(samples: number[], unit: string, extra: Record<string, unknown> = {}): BenchEntry {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    median: round(median),
    min: round(sorted[0]),
    max: round(sorted[sorted.length - 1]),
    unit,
    runs: samples.length,
    ...extra,
  };
}

export async function timeRuns(runs: number, fn: () => unknown | Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return samples;
}

/** Merges entries into bench/results.json, keeping entries other benchmarks wrote. */
export function record(file: string, entries: Record<string, BenchEntry>): void {
  const current = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, BenchEntry>)
    : {};
  const merged = { ...current, ...entries };
  const sorted = Object.fromEntries(
    Object.keys(merged)
      .sort()
      .map((k) => [k, merged[k]]),
  );
  writeFileSync(file, JSON.stringify(sorted, null, 2) + '\n');
}
