/**
 * The CLI's start-up snapshot. `npm run bundle` bundles this file as CommonJS and runs it under
 * `node --build-snapshot`: it runs render, validate, lint and graph once on a warm-up claim, so the
 * snapshot's heap holds the modules already evaluated and what they load once and keep (the
 * Compositions, the CRD schemas, compiled CEL and regexes, output layouts), and nothing of the claim's
 * results. bin/envstack starts `node --snapshot-blob` for those four commands when no server answers;
 * Node then calls `startFromSnapshot` with the real arguments instead of loading any module.
 * scripts/bundle.mjs calls `prepareSnapshot` with the launcher's own freshness rule (bin/bundle.js).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { setFlagsFromString, startupSnapshot } from 'node:v8';
import { PACKAGE_ROOT } from '../core/paths.js';
import { main } from './main.js';

/** The claim the warm-up runs each command on. */
const WARM_UP_CLAIM = join('examples', 'dev.yaml');

/**
 * The snapshots `npm run bundle` builds, and the commands each warms up. A snapshot's heap is loaded
 * whole at every start, so render, the command run most, has one holding only what rendering keeps;
 * validate, lint and graph share the other (bin/envstack picks). lint is not warmed up: its rules keep
 * ICU objects (a number format, a collator) that V8 cannot put in a snapshot; it runs from the
 * snapshot all the same, its modules in memory rather than on disk.
 */
export const SNAPSHOTS = {
  render: ['render'],
  check: ['render', 'validate', 'graph'],
} as const satisfies Record<string, readonly string[]>;
export type SnapshotName = keyof typeof SNAPSHOTS;

/** The files under PACKAGE_ROOT that `fs.readFileSync` read while `run` ran, relative to it. */
async function filesRead(run: () => Promise<void>): Promise<string[]> {
  const read = new Set<string>();
  const readFileSync = fs.readFileSync;
  fs.readFileSync = ((file: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
    if (typeof file === 'string') read.add(relative(PACKAGE_ROOT, resolve(file)));
    return (readFileSync as (...args: unknown[]) => unknown)(file, ...rest);
  }) as typeof fs.readFileSync;
  try {
    await run();
  } finally {
    fs.readFileSync = readFileSync;
  }
  return [...read].filter((f) => !f.startsWith('..') && !isAbsolute(f)).sort();
}

/** Runs each command on the warm-up claim, output discarded; a command that fails fails the build. */
async function warmUp(commands: readonly string[]): Promise<void> {
  for (const argv of commands.map((command) => [command, WARM_UP_CLAIM])) {
    const out = process.stdout.write;
    const err = process.stderr.write;
    const discarded: string[] = [];
    const discard = (chunk: unknown) => (discarded.push(String(chunk)), true);
    process.stdout.write = discard as typeof process.stdout.write;
    process.stderr.write = discard as typeof process.stderr.write;
    let code: number;
    try {
      code = await main(argv);
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
    if (code !== 0)
      throw new Error(`snapshot warm-up: envstack ${argv.join(' ')} exited ${code}:\n${discarded.join('')}`);
  }
}

/** The --snapshot-blob this process started from. */
function blobPath(): string | undefined {
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--snapshot-blob') return args[i + 1];
    if (args[i].startsWith('--snapshot-blob=')) return args[i].slice('--snapshot-blob='.length);
  }
  return undefined;
}

/** What the launcher (bin/bundle.js) knows of the bundle: where it lives, and whether it is fresh. */
export interface Launcher {
  /** The bundle's folder, relative to the package root. */
  bundleDir: string;
  /** Whether the snapshot was built after every file it was built from. */
  fresh(root: string): boolean;
  /** V8 flags for a one-shot command. */
  oneShotFlags: string;
}

function startFromSnapshot(launcher: Launcher): void {
  const argv = process.argv.slice(1);
  const blob = blobPath();
  // A copied or moved package holds its files elsewhere; in a checkout a source may have changed since.
  const home = blob !== undefined && resolve(dirname(blob)) === join(PACKAGE_ROOT, launcher.bundleDir);
  const checkout = fs.existsSync(join(PACKAGE_ROOT, 'src', 'cli', 'main.ts'));
  if (!home || (checkout && !launcher.fresh(PACKAGE_ROOT))) {
    // the command as bin/envstack.js runs it (the bundle or the sources), in a child with this stdio
    const root = blob
      ? resolve(dirname(blob), ...launcher.bundleDir.split(sep).map(() => '..'))
      : PACKAGE_ROOT;
    const child = spawnSync(process.execPath, [join(root, 'bin', 'envstack.js'), ...argv], {
      stdio: 'inherit',
      env: { ...process.env, ENVSTACK_NO_SNAPSHOT: '1' },
    });
    process.exitCode = child.status ?? 1;
    return;
  }
  if (process.env.ENVSTACK_SHOW_RUNTIME) console.error(`envstack: runtime snapshot ${blob}`);
  setFlagsFromString(launcher.oneShotFlags);
  void main(argv).then((code) => {
    process.exitCode = code;
  });
}

/**
 * Under `node --build-snapshot`: warms the snapshot named by $ENVSTACK_SNAPSHOT up, writes the files the
 * warm-up read to $ENVSTACK_SNAPSHOT_INPUTS, and names the function the snapshot starts with.
 */
export function prepareSnapshot(launcher: Launcher): void {
  if (!startupSnapshot.isBuildingSnapshot())
    throw new Error('prepareSnapshot: run under node --build-snapshot');
  const name = process.env.ENVSTACK_SNAPSHOT ?? '';
  if (!Object.hasOwn(SNAPSHOTS, name))
    throw new Error(`prepareSnapshot: ENVSTACK_SNAPSHOT must be one of ${Object.keys(SNAPSHOTS).join(', ')}`);
  filesRead(() => warmUp(SNAPSHOTS[name as SnapshotName])).then(
    (inputs) => {
      const claim = relative(PACKAGE_ROOT, resolve(WARM_UP_CLAIM));
      const cache = join('node_modules', '.cache');
      const list = process.env.ENVSTACK_SNAPSHOT_INPUTS;
      if (list)
        fs.writeFileSync(list, JSON.stringify(inputs.filter((f) => f !== claim && !f.startsWith(cache))));
      startupSnapshot.setDeserializeMainFunction(() => startFromSnapshot(launcher));
    },
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(1);
    },
  );
}
