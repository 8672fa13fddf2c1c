/**
 * npm run -s admission:diff -- [--flavor claim|namespaced|both] [--write-mutants DIR [--count N] [--updates N] [--seed S]] DIR...
 *
 * Starts a real kube-apiserver with Crossplane core, installs each flavor's XRD in turn, and sends
 * every claim in DIR... (folders, recursively, or files) to the server (as `kubectl apply` would, with
 * dryRun=All) and to `envstack validate`. Prints one line per disagreement with both answers and
 * `N claims: M agree, K disagree`; exits 1 on any disagreement, 2 on usage errors.
 *
 * --write-mutants DIR writes the seeded mutants the live test generates (test/admission/mutants.ts)
 * into DIR first, so they can be checked the same way (and kept); without another DIR it only writes.
 * A file named *.update.yaml holds two documents, a stored claim and an update of it: the stored one
 * is created for real, the update sent over it, so immutable fields (CEL transition rules) are checked.
 */
import { parseArgs } from 'node:util';
import type { Flavor } from '../src/platform/compose/flavor.js';
import {
  claimFiles,
  FLAVORS,
  formatDisagreement,
  formatSummary,
  runDifferential,
} from '../test/admission/differential.js';
import { DEFAULT_MUTANTS, DEFAULT_SEED, DEFAULT_UPDATES, writeMutants } from '../test/admission/mutants.js';

function usage(message: string): never {
  process.stderr.write(`admission:diff: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        flavor: { type: 'string', default: 'both' },
        'write-mutants': { type: 'string' },
        count: { type: 'string' },
        updates: { type: 'string' },
        seed: { type: 'string' },
      },
    });
  } catch (e) {
    usage(e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  const flavor = values.flavor;
  const flavors: readonly Flavor[] =
    flavor === 'both'
      ? FLAVORS
      : flavor === 'claim' || flavor === 'namespaced'
        ? [flavor]
        : usage(`--flavor must be claim, namespaced or both, got "${flavor}"`);
  const int = (name: string, v: string | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    const n = Number(v);
    return Number.isInteger(n) && n >= 0 ? n : usage(`--${name} takes a whole number, got "${v}"`);
  };
  const dirs = [...positionals];
  if (values['write-mutants'] !== undefined) {
    const written = writeMutants(values['write-mutants'], {
      count: int('count', values.count, DEFAULT_MUTANTS),
      updates: int('updates', values.updates, DEFAULT_UPDATES),
      seed: int('seed', values.seed, DEFAULT_SEED),
    });
    process.stderr.write(`admission:diff: wrote ${written.length} mutants to ${values['write-mutants']}\n`);
    if (dirs.length === 0) return 0;
  }
  if (dirs.length === 0) usage('give one or more folders (or files) of claims');
  let files: string[];
  try {
    files = claimFiles(dirs);
  } catch (e) {
    usage(e instanceof Error ? e.message : String(e));
  }
  if (files.length === 0) usage(`no .yaml, .yml or .json files in ${dirs.join(' ')}`);
  const report = await runDifferential(files, {
    flavors,
    log: (line) => process.stderr.write(`${line}\n`),
    onDisagreement: (v) => process.stdout.write(`${formatDisagreement(v)}\n`),
  });
  const drift = Object.entries(report.schemaDrift).filter(([, d]) => d && d.length > 0);
  for (const [f, d] of drift)
    process.stdout.write(
      `schema [${f}]: Crossplane's CRD differs from src/platform/validate/crd.ts: ${d?.join('; ')}\n`,
    );
  process.stdout.write(`${formatSummary(report)}\n`);
  process.stderr.write(
    `admission:diff: ${report.flavors.join(' and ')} in ${(report.ms / 1000).toFixed(1)} s\n`,
  );
  return report.disagree > 0 || drift.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`admission:diff: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(3);
  },
);
