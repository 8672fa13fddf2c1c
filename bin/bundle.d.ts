// Types for bin/bundle.js, which stays plain JavaScript so that bin/ runs without TypeScript tooling.
export const BUNDLE_DIR: string;
export const MANIFEST: string;
export const ONE_SHOT_V8_FLAGS: string;
export const FRESHNESS_EXTRA: string[];

export interface BundleManifest {
  builtAt: number;
  entry: string;
  inputs: string[];
  /** What the start-up snapshots' warm-up read, beyond the bundle's inputs; absent without snapshots. */
  snapshotInputs?: string[];
  /** Each start-up snapshot's file in BUNDLE_DIR, by name. */
  snapshots?: Record<string, string>;
}

export function readManifest(root: string): BundleManifest | undefined;
export function freshBundle(root: string): string | undefined;
export function snapshotFile(name: string, version?: string, arch?: string): string;
export function freshSnapshot(root: string): boolean;
